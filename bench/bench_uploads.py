"""Hostile uploads against the real app: how long the event loop waits, and how much memory the server takes.

A loop-lag probe (a task that asks to wake every 5 ms and records how late it wakes) runs on the app's event
loop while .xlsx uploads go through HTTP (httpx on the ASGI app, the roster import route): hostile files
that expand to millions of cells, declare a million rows, hold one row a million rows down, a 300-cell row,
400,000 shared strings or 3,000 parts, one at a time and three at once; then an ordinary 5,000-row roster
and entry file. Printed per case: the answer, the wall time, the probe's worst and 99th-percentile lag, the
server process's peak resident memory above its level before, and the reading processes' peak. The
baseline, measured in the same run: the probe on an idle loop, and the old path — openpyxl reading the
same hostile file on the event loop — stopped after a few seconds.

Targets (issue 13, item 3): the loop never waits more than 100 ms for any upload; three hostile uploads at
once raise the server's memory by less than 100 MB.

Run: .venv/bin/python bench/bench_uploads.py [--database-url postgresql://.../empty_db]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss(pid: int | str = "self") -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (Linux: /proc/PID/task/TID/children, cheap to read)."""
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{parent}/task/{tid}/children") as fh:
                    kids = [int(k) for k in fh.read().split()]
            except (OSError, ValueError):
                continue
            found += kids
            frontier += kids
    return found


class Probe:
    """A task on the event loop that asks to wake every 5 ms and records how late it wakes; a thread that
    samples the server's and the reading processes' resident memory every 20 ms (off the loop)."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.start_rss = self.peak_rss = 0
        self.peak_children = 0
        self.skip: set[int] = set()  # the forkserver: not a reader
        self._task: asyncio.Task | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    async def _lag(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.005)
            self.lags.append(time.perf_counter() - start - 0.005)

    def _memory(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.02):
            self.peak_rss = max(self.peak_rss, rss())
            readers = [pid for pid in children(me) if pid not in self.skip]
            self.peak_children = max(self.peak_children, sum(rss(pid) for pid in readers))

    async def __aenter__(self) -> "Probe":
        self.skip = set(children(os.getpid()))
        self.start_rss = self.peak_rss = rss()
        self._thread = threading.Thread(target=self._memory, daemon=True)
        self._thread.start()
        self._task = asyncio.get_running_loop().create_task(self._lag())
        await asyncio.sleep(0.01)  # the probe is asleep on the loop before the case starts
        return self

    async def __aexit__(self, *exc) -> None:
        await asyncio.sleep(0.01)  # a loop blocked by the case shows as one late wake-up
        assert self._task is not None and self._thread is not None
        self._task.cancel()
        self._stop.set()
        self._thread.join()

    def worst(self) -> float:
        return max(self.lags, default=0.0)

    def p99(self) -> float:
        return statistics.quantiles(self.lags, n=100)[98] if len(self.lags) >= 100 else self.worst()


def hostile_files() -> list[tuple[str, bytes]]:
    from tests.server.people import hostile

    return [
        ("2,000,000 cells in 140 KB", hostile.million_cells()),
        ("declares 1,048,576 rows", hostile.declared_rows()),
        ("a cell at row 1,048,576, column XFD", hostile.far_apart()),
        ("a row of 300 cells", hostile.wide_row()),
        ("400,000 shared strings", hostile.shared_strings()),
        ("3,000 zip parts", hostile.many_parts()),
        ("a 9 MB theme part", hostile.big_part()),
    ]


def old_path(content: bytes, seconds: float) -> tuple[float, int]:
    """openpyxl reading on the event loop, as the roster and entry imports did: (worst lag, memory added)."""
    from openpyxl import load_workbook

    before = rss()
    start = time.perf_counter()
    wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    peak = rss()
    for i, _row in enumerate(wb.worksheets[0].iter_rows(values_only=True)):
        if i % 100 == 0:
            peak = max(peak, rss())
            if time.perf_counter() - start > seconds:
                break
    wb.close()
    return time.perf_counter() - start, peak - before


async def run() -> None:
    import httpx

    from bench_import import entry_file, roster_file, setup
    from server.app import create_app
    from server.db import close_engine, engine_type, prepare_engine
    from server.spreadsheets import worker

    await prepare_engine()
    lines: list[str] = []
    try:
        where = await setup()
        app = create_app()
        gc.collect()
        gc.freeze()  # what the app's last lifespan does at start-up (server.app.frozen_heap)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as client:
            login = await client.post("/api/auth/login", json={"username": "bench-coord",
                                                                "password": "bench-password-1", "mode": "token"})
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            roster_url = f"/api/people/import?school_id={where['school']}&dry_run=true"
            entry_url = f"/api/entries/import?event_id={where['event']}&dry_run=true"

            async def post(url: str, content: bytes) -> tuple[int, str]:
                files = {"file": ("f.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
                r = await client.post(url, headers=headers, files=files)
                return r.status_code, (r.json().get("code") if r.status_code >= 400 else "accepted")

            start = time.perf_counter()
            async with Probe() as probe:
                await asyncio.to_thread(worker.start)
            lines.append(f"{'reader start-up (forkserver, once)':38} {'':24} {time.perf_counter() - start:7.2f}s "
                         f"{probe.worst() * 1000:8.1f}ms {probe.p99() * 1000:7.1f}ms")
            async with Probe() as idle:
                await asyncio.sleep(1.0)
            lines.append(f"{'idle loop (baseline)':38} {'':24} {1.0:7.2f}s {idle.worst() * 1000:8.1f}ms "
                         f"{idle.p99() * 1000:7.1f}ms")
            files = await asyncio.to_thread(hostile_files)
            for label, content in files:
                start = time.perf_counter()
                async with Probe() as probe:
                    status, code = await post(roster_url, content)
                lines.append(_line(label, status, code, time.perf_counter() - start, probe))
            bomb = files[0][1]
            start = time.perf_counter()
            async with Probe() as probe:
                answers = await asyncio.gather(*[post(roster_url, bomb) for _ in range(3)])
            three = _line("three of the 2,000,000-cell file at once", answers[0][0],
                          "/".join(sorted({a[1] for a in answers})), time.perf_counter() - start, probe)
            lines.append(three)
            roster, ids = await asyncio.to_thread(roster_file, 5000)
            entries = await asyncio.to_thread(entry_file, ids)
            committed = roster_url.replace("&dry_run=true", "")
            for label, url, content in (("ordinary roster, 5,000 rows (import)", committed, roster),
                                        ("ordinary entry file, 5,000 rows (check)", entry_url, entries)):
                start = time.perf_counter()
                async with Probe() as probe:
                    status, code = await post(url, content)
                lines.append(_line(label, status, code, time.perf_counter() - start, probe))
            async with Probe() as old:
                elapsed, added = old_path(bomb, 3.0)  # on the loop, as before
            lines.append(f"{'old path: openpyxl on the loop, 2M cells':38} {'(no answer: stopped)':24} "
                         f"{elapsed:7.2f}s {old.worst() * 1000:8.1f}ms {old.p99() * 1000:7.1f}ms "
                         f"{added / 2**20:+8.1f}MB")
    finally:
        await close_engine()
    print(f"Uploads and the event loop, engine {engine_type()}, {os.cpu_count()} cores")
    print(f"{'case':38} {'answer':24} {'wall':>8} {'worst lag':>10} {'p99 lag':>9} {'server mem':>10} "
          f"{'readers':>9}")
    for line in lines:
        print(line)
    print("worst/p99 lag: how late a 5 ms timer on the app's event loop woke; server mem: peak resident memory of "
          "the server process above its level before the case; readers: peak resident memory of the reading "
          "processes (separate processes, each capped by RLIMIT_AS)")


def _line(label: str, status: int, code: str, wall: float, probe: Probe) -> str:
    grown = max(0, probe.peak_rss - probe.start_rss)
    return (f"{label:38} {f'{status} {code}':24} {wall:7.2f}s {probe.worst() * 1000:8.1f}ms "
            f"{probe.p99() * 1000:7.1f}ms {grown / 2**20:+8.1f}MB {probe.peak_children / 2**20:7.1f}MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty, disposable database (default: temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jineng-bench-") as tmp:
        os.environ["JINENG_DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        os.environ.setdefault("JINENG_VAR_DIR", tmp)
        os.environ.setdefault("JINENG_PASSWORD_PROFILE", "test")
        import server  # noqa: F401  (PICCOLO_CONF, after the environment is final)

        asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
