"""1,000 live scoreboard viewers of one event while 200 judges mark: mark → board latency, and what marking keeps.

Per engine (SQLite with 1 process; PostgreSQL with 2 workers when asked): the judged event of
``bench_marks.py`` (built by ``_harness.py setup``) with 10 entries instead of 50 by default (200 judges,
6,000 seats): the server builds a whole board for every socket that connects, ~1.3 s at 50 entries on a
loaded machine, so 1,000 viewers of the big event take many minutes to connect (``--codes 50`` to see
it); then the real service
(``jineng serve``), and per repetition, on a fresh server:

1. marking alone: 200 judges, closed loop (each sends the next batch when the last is answered), for
   ``--seconds`` — marks/s without viewers;
2. the same with ``--viewers`` WebSocket viewers of ``/live/events/{id}/scoreboard`` and ``--consoles``
   viewers of ``/live/events/{id}/console`` (the chief judge's bearer token) connected, in their own
   process (the ``websockets`` asyncio client, answering the server's pings; permessage-deflate offered
   as browsers do, ``--no-deflate`` to refuse it). Latency: for every acknowledged batch (its answer
   carries ``seq``) and every viewer, the time from the acknowledgement to the first board with
   ``seq`` ≥ it (one clock: CLOCK_MONOTONIC, both processes on this machine);
3. marking again after the viewers left (the channel lingers; ``--no-after`` skips it).

Targets: p99 ≤ 200 ms at 1,000 viewers; marking keeps ≥ 0.8× its marks/s (median of the per-repetition
ratios). Also printed: how long the 1,000 connections took, boards per viewer, viewers told to refetch
everything (their queue overflowed), the viewers' and the load generator's own CPU (near 1.0 core means
the client was the limit) and the server's CPU. ``--profile`` records the server (py-spy) during one
viewer run.

Run: .venv/bin/python bench/bench_live.py [--quick] [--engines sqlite[,postgres]] [--tree work|head|DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from bisect import bisect_left
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h

P99_TARGET_MS = 200.0
KEEP_TARGET = 0.8
WORKERS = {"sqlite": 1, "postgres": 2}


# --- the viewers (their own process) -------------------------------------------------------------------

def _seq(message: str) -> int | None:
    at = message.find('"seq":')
    if at < 0:
        return None
    end = at + 6
    while end < len(message) and (message[end].isdigit() or message[end] == "-"):
        end += 1
    return int(message[at + 6:end]) if end > at + 6 else None


async def _viewers(plan: dict) -> dict:
    from websockets.asyncio.client import connect

    compression = "deflate" if plan["deflate"] else None
    base = f"ws://127.0.0.1:{plan['port']}/live/events/{plan['event_id']}"
    n_board, n_console = plan["viewers"], plan["consoles"]
    seqs = [[] for _ in range(n_board + n_console)]
    times = [[] for _ in range(n_board + n_console)]
    stats = {"refetch_all": 0, "closed_by_server": 0, "connect_failed": 0, "pings": 0, "bytes": 0}
    connected = asyncio.Event()
    count = [0]
    gate = asyncio.Semaphore(plan["connect_concurrency"])
    stop = asyncio.Event()

    async def viewer(i: int) -> None:
        url, headers = (f"{base}/scoreboard", None) if i < n_board else \
            (f"{base}/console", {"Authorization": f"Bearer {plan['console_token']}"})
        try:
            async with gate:
                ws = await connect(url, compression=compression, ping_interval=None, max_size=2 ** 24,
                                   open_timeout=600, close_timeout=2, additional_headers=headers)
        except Exception as exc:  # noqa: BLE001 - counted, reported
            stats["connect_failed"] += 1
            stats.setdefault("first_error", repr(exc)[:200])
            count[0] += 1
            if count[0] == len(seqs):
                connected.set()
            return
        count[0] += 1
        if count[0] == len(seqs):
            connected.set()
        mine_s, mine_t = seqs[i], times[i]
        try:
            async for message in ws:
                now = time.monotonic()
                if message.startswith('{"what":"ping"'):
                    stats["pings"] += 1
                    await ws.send("pong")
                    continue
                stats["bytes"] += len(message)
                if message.startswith('{"what":"refetch_all"'):
                    stats["refetch_all"] += 1
                    continue
                seq = _seq(message)
                if seq is not None:
                    mine_s.append(seq)
                    mine_t.append(now)
        except Exception:  # noqa: BLE001 - a close by the server
            if not stop.is_set():
                stats["closed_by_server"] += 1
        finally:
            if stop.is_set():
                await ws.close()

    usage0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    tasks = [asyncio.ensure_future(viewer(i)) for i in range(len(seqs))]
    await connected.wait()
    # every viewer has its first board (sent on connect) before marking starts
    while any(not seqs[i] for i in range(n_board)) and time.monotonic() - t0 < 600:
        await asyncio.sleep(0.05)
    connect_seconds = time.monotonic() - t0
    print(f"CONNECTED {connect_seconds:.2f}", flush=True)
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    t1 = time.monotonic()
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # "STOP"
    t2, usage2 = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    cpu = (usage2.ru_utime - usage1.ru_utime) + (usage2.ru_stime - usage1.ru_stime)
    connect_cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    return {"seqs": seqs, "times": times, "stats": stats, "connect_seconds": connect_seconds,
            "cpu": cpu / (t2 - t1), "connect_cpu": connect_cpu, "n_board": n_board}


def cmd_viewers(plan_path: str, out_path: str) -> None:
    import uvloop

    plan = json.loads(Path(plan_path).read_text())
    result = uvloop.run(_viewers(plan))
    Path(out_path).write_text(json.dumps(result))


class Viewers:
    """The viewers' process: started, connected, stopped; its records."""

    def __init__(self, plan: dict, tmp: Path) -> None:
        self.stem = tmp / f"viewers-{time.monotonic_ns()}"
        Path(f"{self.stem}.plan.json").write_text(json.dumps(plan))
        self.proc = subprocess.Popen([h.PY, __file__, "_viewers", f"{self.stem}.plan.json", f"{self.stem}.out.json"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=str(h.ROOT))
        line = self.proc.stdout.readline()
        if not line.startswith("CONNECTED"):
            raise SystemExit(f"viewers failed to connect: {line!r}")
        self.connect_seconds = float(line.split()[1])

    def stop(self) -> dict:
        self.proc.stdin.write("STOP\n")
        self.proc.stdin.flush()
        if self.proc.wait(timeout=120) != 0:
            raise SystemExit("viewers process failed")
        result = json.loads(Path(f"{self.stem}.out.json").read_text())
        for suffix in (".plan.json", ".out.json"):
            Path(f"{self.stem}{suffix}").unlink()
        return result


def arrival_latencies(acks: list[tuple[int, float]], seqs: list[int], times: list[float]) -> tuple[list[float], int]:
    """For each ack (seq, time): ms until the first message with seq ≥ it; and how many never came."""
    out, missing = [], 0
    for seq, at in acks:
        i = bisect_left(seqs, seq)
        if i == len(seqs):
            missing += 1
        else:
            out.append((times[i] - at) * 1000)
    return out, missing


# --- the bench -------------------------------------------------------------------------------------

def board_build_ms(port: int, event_id: int, n: int = 5) -> float:
    """Median time of ``GET /api/live/events/{id}/scoreboard``: what one snapshot costs the server."""
    import urllib.request

    spent = []
    for _ in range(n):
        started = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/live/events/{event_id}/scoreboard") as r:
            r.read()
        spent.append((time.monotonic() - started) * 1000)
    return h.median(spent)


def measure(args, engine: str, tmp: Path) -> dict:
    workers = WORKERS[engine]
    with h.engine_world(engine, codes=args.codes, criteria=args.criteria) as (db, world):
        cells = len(world["judges"][0]["cells"])
        event = world["event_id"]
        print(f"\n[{engine}] world built in {world['setup_seconds']:.0f} s: {len(world['judges'])} judges, "
              f"{world['codes']} codes, {world['seats']} seats; {workers} worker(s); load {h.loadavg()}", flush=True)
        env = {"JINENG_LIVE_HEARTBEAT": args.heartbeat}
        key = 0

        def marking(service, seconds: float) -> h.Run:
            nonlocal key
            key += 1
            db.reset(event)
            plan = h.plan_for(world, service.port, world["marks_path"], "/healthz", batch=args.batch,
                              per_judge=cells // args.batch, key=f"live{engine}{key}", duration=seconds,
                              grace=args.grace, judges=args.judges)
            return h.run_load(plan, [service], tmp, args.batch)

        reps = []
        for rep in range(args.reps):
            service = h.start_service(db, workers=workers, extra_env=env)
            try:
                marking(service, 3)  # warm-up
                build = board_build_ms(service.port, event)
                alone = marking(service, args.seconds)
                print(f"  rep {rep + 1} no viewers : {alone.marks_per_s:6.0f} marks/s  {alone.requests_per_s:5.1f} req/s"
                      f"  client {alone.client_cpu:.2f}  server {alone.server_cpu:.2f} core  board GET {build:.0f} ms"
                      f"  load {h.loadavg()}", flush=True)
                viewers = Viewers({"port": service.port, "event_id": event, "viewers": args.viewers,
                                               "consoles": args.consoles, "deflate": not args.no_deflate,
                                               "console_token": world["officials"]["chief"],
                                               "connect_concurrency": args.connect_concurrency}, tmp)
                sockets = socket_spread(service)
                spy = None
                if args.profile and rep == 0:
                    out = tmp / f"live-profile-{engine}.txt"
                    spy = h.start_profile(service.proc.pid, 600, out)
                    time.sleep(1.5)
                watched = marking(service, args.seconds)
                time.sleep(args.settle)  # the last boards reach the viewers
                if spy is not None:
                    spy.send_signal(2)
                    spy.wait(timeout=60)
                seen = viewers.stop()
                after = marking(service, args.seconds) if args.after else None
            finally:
                service.stop()
            n_board = seen["n_board"]
            board, missing = [], 0
            for i in range(n_board):
                lat, miss = arrival_latencies(watched.acks, seen["seqs"][i], seen["times"][i])
                board += lat
                missing += miss
            console, console_missing = [], 0
            for i in range(n_board, len(seen["seqs"])):
                lat, miss = arrival_latencies(watched.acks, seen["seqs"][i], seen["times"][i])
                console += lat
                console_missing += miss
            boards = sum(len(seen["seqs"][i]) for i in range(n_board)) / max(1, n_board)
            r = {"alone": alone, "watched": watched, "after": after, "keep": watched.marks_per_s / alone.marks_per_s,
                 "after_keep": after.marks_per_s / alone.marks_per_s if after else float("nan"),
                 "p50": h.pct(board, 50), "p99": h.pct(board, 99), "max": max(board, default=float("nan")),
                 "pairs": len(board), "missing": missing,
                 "console_p50": h.pct(console, 50), "console_p99": h.pct(console, 99),
                 "console_missing": console_missing, "boards": boards, "stats": seen["stats"],
                 "connect": viewers.connect_seconds, "viewer_cpu": seen["cpu"], "build": build, "sockets": sockets}
            reps.append(r)
            st = seen["stats"]
            print(f"  rep {rep + 1} {args.viewers} viewers: {watched.marks_per_s:6.0f} marks/s (× {r['keep']:.2f})  "
                  f"ack→board p50 {r['p50']:.0f} ms  p99 {r['p99']:.0f} ms  max {r['max']:.0f} ms over {len(board)} "
                  f"(ack, viewer) pairs, {missing} never arrived; console p50/p99 {r['console_p50']:.0f}/"
                  f"{r['console_p99']:.0f} ms; {boards:.1f} boards per viewer; connect {viewers.connect_seconds:.1f} s;"
                  f" refetch_all {st['refetch_all']}, closed by server {st['closed_by_server']}, "
                  f"failed {st['connect_failed']}; viewers CPU {seen['cpu']:.2f}, load generator "
                  f"{watched.client_cpu:.2f}, server {watched.server_cpu:.2f} core; sockets per worker {sockets}; "
                  f"load {h.loadavg()}", flush=True)
            if after:
                print(f"  rep {rep + 1} after they left: {after.marks_per_s:6.0f} marks/s (× {r['after_keep']:.2f})",
                      flush=True)
            if args.profile and rep == 0:
                print(f"\n[{engine}] profile of the server with {args.viewers} viewers:\n"
                      f"{h.summarize_profile(tmp / f'live-profile-{engine}.txt')}", flush=True)
    return {"engine": f"{engine} ({workers}w)", "reps": reps}


def socket_spread(service: h.Server) -> list[int]:
    """Open sockets per serving process (how the viewers spread over the workers)."""
    out = []
    for pid in service.workers():
        try:
            out.append(sum(1 for fd in Path(f"/proc/{pid}/fd").iterdir() if "socket" in str(fd.readlink())))
        except OSError:
            out.append(-1)
    return out


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "_viewers":
        cmd_viewers(sys.argv[2], sys.argv[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repetition, shorter runs, 300 viewers")
    parser.add_argument("--engines", default="sqlite")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=15.0, help="marking run length (default 15)")
    parser.add_argument("--grace", type=float, default=10.0)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds for the last boards after marking")
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--consoles", type=int, default=4)
    parser.add_argument("--judges", type=int, default=200)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--codes", type=int, default=10,
                        help="entries of the event (default 10: 6,000 seats; every connect builds a board, see above)")
    parser.add_argument("--criteria", type=int, default=40, help="modules (five judges each; default 40)")
    parser.add_argument("--connect-concurrency", type=int, default=100)
    parser.add_argument("--heartbeat", default="20", help="JINENG_LIVE_HEARTBEAT for the server (seconds)")
    parser.add_argument("--no-deflate", action="store_true", help="viewers refuse permessage-deflate")
    parser.add_argument("--no-after", dest="after", action="store_false", help="skip the run after viewers left")
    h.add_common_args(parser, "py-spy the server during the first viewer run")
    args = parser.parse_args()
    if args.quick:
        args.reps, args.seconds, args.grace, args.viewers = 1, 8.0, 5.0, 300
    with h.session("bench_live", args, f"{args.viewers} scoreboard + {args.consoles} console viewers, "
                   f"{args.judges} judges in a closed loop, batches of {args.batch}, permessage-deflate "
                   f"{'refused' if args.no_deflate else 'offered'}") as tmp:
        results = [measure(args, engine.strip(), tmp) for engine in args.engines.split(",")]
    print(f"\nlive scoreboard while marking, medians of {args.reps} repetition(s) (each on a fresh server); "
          f"load average now {h.loadavg()}")
    rows = []
    for res in results:
        reps = res["reps"]
        p99 = h.median([r["p99"] for r in reps])
        keep = h.median([r["keep"] for r in reps])
        rows.append([res["engine"], args.viewers, f"{h.median([r['alone'].marks_per_s for r in reps]):.0f}",
                     f"{h.median([r['watched'].marks_per_s for r in reps]):.0f}",
                     f"{keep:.2f} {h.verdict(keep >= KEEP_TARGET)}",
                     f"{h.median([r['p50'] for r in reps]):.0f}", f"{p99:.0f} {h.verdict(p99 <= P99_TARGET_MS)}",
                     sum(r["missing"] for r in reps),
                     f"{h.median([r['console_p50'] for r in reps]):.0f}/{h.median([r['console_p99'] for r in reps]):.0f}",
                     f"{h.median([r['boards'] for r in reps]):.1f}", f"{h.median([r['connect'] for r in reps]):.1f}",
                     f"{h.median([r['build'] for r in reps]):.0f}",
                     f"{h.median([r['after_keep'] for r in reps]):.2f}",
                     f"{max(r['viewer_cpu'] for r in reps):.2f}/{max(r['watched'].client_cpu for r in reps):.2f}",
                     f"{h.median([r['watched'].server_cpu for r in reps]):.2f}"])
    print(h.table(["engine", "viewers", "marks/s alone", "with viewers", f"kept (≥ {KEEP_TARGET})",
                   "ack→board p50 ms", f"p99 ms (≤ {P99_TARGET_MS:g})", "never arrived", "console p50/p99",
                   "boards/viewer", "connect s", "board GET ms", "kept after they left", "viewers/load CPU",
                   "server CPU"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
