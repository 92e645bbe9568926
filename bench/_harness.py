"""Shared machinery of ``bench_marks.py`` and ``bench_live.py``: a judged event built in the database, the
real service and a bare Litestar app as subprocesses, a lean HTTP/1.1 load generator in its own process,
server CPU from /proc, py-spy profiles, percentiles and the figures table.

Nothing here is a test. The orchestrating bench process never imports ``server``: each engine's world is
built by ``python bench/_harness.py setup`` (its environment picks the engine, as for the service), the
bare app is served by ``python bench/_harness.py bare-serve`` and the judges' load comes from
``python bench/_harness.py load``. Subcommands:

    setup       migrate, build the world (organizations, schools, people, 200 judges, an event with a
                scheme, approved entries; pool, assignments, check-in, draw with a passphrase and open
                marking through the real HTTP API in-process) and write it as JSON (tokens, cells)
    bare-serve  the bare route: Litestar + the same uvicorn settings + the same engine setup; decodes the
                same JSON body (msgspec, ``MarkBatchIn``) and inserts its rows in one INSERT into a table
                of its own (same columns and indexes as ``judging_mark``, no foreign keys) inside
                ``server.db.write_transaction`` (SQLite: ``PooledSQLiteEngine``, serialized writer;
                PostgreSQL: the asyncpg pool)
    load        closed-loop or paced judges, one keep-alive connection each, raw asyncio protocol,
                requests encoded before the clock starts, unique idempotency keys
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PY = str(ROOT / ".venv" / "bin" / "python")
JINENG = str(ROOT / ".venv" / "bin" / "jineng")
PYSPY = str(ROOT / ".venv" / "bin" / "py-spy")
HARNESS = str(Path(__file__).resolve())
PASSPHRASE = "基准测试的信封口令 2026"
PG_ADMIN = os.environ.get("BENCH_POSTGRES_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
BARE_PATH = "/bare/marks"
BARE_TABLE = "bench_bare_mark"
TICKS = os.sysconf("SC_CLK_TCK")
TREE: Path | None = None  # server code to run instead of the working tree's (``use_tree``)


def use_tree(choice: str, tmp: Path) -> str:
    """``work``: the working tree's server code (what the bench is normally for); ``head``: a snapshot of
    HEAD (``git archive``) put first on PYTHONPATH for every subprocess, so edits in progress in the shared
    working tree cannot change the code under test halfway through; or a folder holding such a tree."""
    global TREE
    if choice == "work":
        TREE = None
        return "working tree"
    if choice == "head":
        target = tmp / "tree"
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        TREE = target
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=False).stdout.strip()
        return f"snapshot of HEAD {head}"
    TREE = Path(choice).resolve()
    return f"tree {TREE}"


def add_common_args(parser: argparse.ArgumentParser, profile_help: str) -> None:
    parser.add_argument("--profile", action="store_true", help=profile_help)
    parser.add_argument("--tree", default="work", help="server code: work (working tree), head (snapshot), DIR")


@contextmanager
def session(name: str, args, description: str):
    """The bench's temporary folder, with the server code chosen by ``--tree`` and the header printed."""
    with tempfile.TemporaryDirectory(prefix=f"jineng-{name}-") as tmp:
        code = use_tree(args.tree, Path(tmp))
        print(f"{name}: {machine_line()} ({code}); {description}", flush=True)
        yield Path(tmp)


# --- figures --------------------------------------------------------------------------------------

def pct(values, q: float) -> float:
    """Nearest-rank percentile (q in 0–100) of a non-empty sequence; nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def median(values) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def table(headers: list[str], rows: list[list]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(c.ljust(w) for c, w in zip(cells[0], widths)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells[1:]]
    return "\n".join(out)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def machine_line() -> str:
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "server"], capture_output=True,
                           text=True, check=False).stdout.strip()
    code = f"snapshot {TREE}" if TREE else f"working tree{' with uncommitted server/ changes' if dirty else ''}"
    return f"{os.cpu_count()} cores, load average {loadavg()}, HEAD {head}, server code: {code}"


# --- processes ------------------------------------------------------------------------------------

def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def process_tree(pid: int) -> list[int]:
    kids, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes (all their threads), from /proc."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server subprocess in its own process group (stopped with the group, by its id)."""

    def __init__(self, name: str, argv: list[str], env: dict, port: int, log: Path) -> None:
        self.name, self.port, self.log = name, port, log
        self.fh = open(log, "ab")  # noqa: SIM115 - the server's log, closed in stop()
        self.proc = subprocess.Popen(argv, env=env, stdout=self.fh, stderr=subprocess.STDOUT, cwd=str(ROOT),
                                     start_new_session=True)
        self.pids: list[int] = []

    def wait_ready(self, path: str, timeout: float = 90.0, workers: int = 1) -> Server:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited ({self.proc.returncode}); see {self.log}:\n"
                                 + self.log.read_text()[-3000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        tree = process_tree(self.proc.pid)
                        if workers == 1 or len(tree) >= workers + 1:
                            self.pids = tree
                            return self
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name} did not answer {path} within {timeout} s; see {self.log}")

    def workers(self) -> list[int]:
        """The processes that serve requests (uvicorn's worker processes, or the one process)."""
        tree = process_tree(self.proc.pid)
        python = [p for p in tree[1:] if "multiprocessing" not in _cmdline(p) or "spawn_main" in _cmdline(p)]
        return python or [self.proc.pid]

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGINT)
                self.proc.wait(timeout=15)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        self.fh.close()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def serve_supports(flag: str, env: dict) -> bool:
    out = subprocess.run([JINENG, "serve", "--help"], capture_output=True, text=True, env=env, check=False).stdout
    return flag in out


# --- databases ------------------------------------------------------------------------------------

class Database:
    """A throwaway database for one engine: a SQLite file in a temporary folder, or a PostgreSQL database
    created on the admin connection (``BENCH_POSTGRES_ADMIN``, default the ``test`` database) and dropped
    at the end."""

    def __init__(self, engine: str, tmp: Path) -> None:
        self.engine, self.tmp = engine, tmp
        self.var = tmp / "var"
        self.var.mkdir(parents=True, exist_ok=True)
        if engine == "sqlite":
            self.url = f"sqlite:///{tmp / 'bench.sqlite'}"
            self.name = None
        else:
            self.name = f"jineng_bench_{os.getpid()}_{secrets.token_hex(3)}"
            self._admin(f'CREATE DATABASE "{self.name}"')
            base = PG_ADMIN.rsplit("/", 1)[0]
            self.url = f"{base}/{self.name}"
        self.secret = secrets.token_hex(32)

    def _admin(self, sql: str) -> None:
        import asyncpg

        async def run():
            conn = await asyncpg.connect(PG_ADMIN)
            try:
                await conn.execute(sql)
            finally:
                await conn.close()
        asyncio.run(run())

    def env(self, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JINENG_")}
        env.update(JINENG_DATABASE_URL=self.url, JINENG_VAR_DIR=str(self.var), JINENG_SECRET=self.secret,
                   JINENG_KEYS_DIR=str(self.var / "keys"), PYTHONDONTWRITEBYTECODE="1")
        if TREE is not None:
            env["PYTHONPATH"] = str(TREE)
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def execute(self, *statements: str) -> list:
        """Run statements outside the servers (they are idle then); the last one's rows."""
        if self.engine == "sqlite":
            db = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=60)
            try:
                rows = []
                for sql in statements:
                    if sql.startswith("PRAGMA"):
                        db.commit()  # a checkpoint cannot run inside the open transaction
                    rows = db.execute(sql).fetchall()
                db.commit()
                return rows
            finally:
                db.close()
        import asyncpg

        async def run():
            conn = await asyncpg.connect(self.url)
            try:
                rows = []
                for sql in statements:
                    rows = [tuple(r) for r in await conn.fetch(sql)]
                return rows
            finally:
                await conn.close()
        return asyncio.run(run())

    def reset(self, event_id: int) -> None:
        """Every run starts from the same state: no marks, tickets or sign-offs, an empty bare table."""
        statements = [f'DELETE FROM "judging_mark" WHERE "event" = {event_id}',
                      f'DELETE FROM "judging_ticket" WHERE "event" = {event_id}',
                      f'DELETE FROM "judging_signoff" WHERE "event" = {event_id}',
                      f'DELETE FROM "{BARE_TABLE}"']
        if self.engine == "sqlite":
            statements.append("PRAGMA wal_checkpoint(TRUNCATE)")
            self.execute(*statements)
        else:  # VACUUM cannot run inside the transaction asyncpg's execute opens for several statements
            self.execute(*statements)
            self.execute('VACUUM ANALYZE "judging_mark"')
            self.execute(f'VACUUM ANALYZE "{BARE_TABLE}"')

    def counts(self, event_id: int) -> dict[str, int]:
        rows = self.execute(
            f'SELECT (SELECT COUNT(*) FROM "judging_mark" WHERE "event" = {event_id}), '
            f'(SELECT COUNT(*) FROM "judging_ticket" WHERE "event" = {event_id}), '
            f'(SELECT COUNT(*) FROM "{BARE_TABLE}")')
        marks, tickets, bare = rows[0]
        return {"marks": marks, "tickets": tickets, "bare": bare}

    def drop(self) -> None:
        if self.engine == "postgres" and self.name:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.name = None


@contextmanager
def engine_world(engine: str, *, keep: bool = False, **world):
    """A database with the judged event built in it; yields (Database, world dict); drops it after."""
    tmp = Path(tempfile.mkdtemp(prefix=f"jineng-bench-{engine}-"))
    db = Database(engine, tmp)
    try:
        out = tmp / "world.json"
        argv = [PY, HARNESS, "setup", "--out", str(out)] + [f"--{k.replace('_', '-')}={v}" for k, v in world.items()]
        started = time.monotonic()
        # the test password profile only makes the setup's 200+ account creations and sign-ins quick; the
        # servers under test run with the normal profile (bearer tokens need no password hashing)
        subprocess.run(argv, env=db.env(JINENG_PASSWORD_PROFILE="test"), cwd=str(ROOT), check=True)
        data = json.loads(out.read_text())
        data["setup_seconds"] = time.monotonic() - started
        yield db, data
    finally:
        db.drop()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def start_service(db: Database, *, workers: int = 1, access_log: bool = False, extra_env: dict | None = None
                  ) -> Server:
    port = free_port()
    argv = [JINENG, "serve", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    env = db.env(**(extra_env or {}))
    if not access_log and serve_supports("--no-access-log", env):
        argv.append("--no-access-log")
    server = Server("service", argv, env, port, db.tmp / f"service-{port}.log")
    return server.wait_ready("/healthz", workers=workers)


def start_bare(db: Database, event_id: int, *, workers: int = 1, access_log: bool = False) -> Server:
    port = free_port()
    argv = [PY, HARNESS, "bare-serve", "--port", str(port), "--workers", str(workers)]
    if not access_log:
        argv.append("--no-access-log")
    server = Server("bare", argv, db.env(BENCH_EVENT_ID=event_id), port, db.tmp / f"bare-{port}.log")
    return server.wait_ready("/bare/healthz", workers=workers)


# --- the world (run in the setup subprocess) ---------------------------------------------------------

def scheme(criteria: int) -> dict:
    """A WorldSkills-like scheme: ``criteria`` modules, each with a judgement aspect and two panel aspects
    (去掉最高分和最低分 and a median), every aspect marked by a panel of five judges."""
    out = []
    for c in range(1, criteria + 1):
        cid = f"M{c:02d}"
        out.append({"id": cid, "name": f"模块{c:02d}", "aspects": [
            {"kind": "judgement", "id": f"{cid}J", "name": "工艺", "max": "3", "judges": 5},
            {"kind": "panel", "id": f"{cid}P", "name": "操作规范", "max": "10", "judges": 5,
             "rule": {"rule": "trimmed_mean"}},
            {"kind": "panel", "id": f"{cid}Q", "name": "成品质量", "max": "5", "judges": 5, "rule": {"rule": "median"}},
        ]})
    return {"id": "bench", "name": "电工 基准评分", "criteria": out,
            "rounding": {"aspect": {"places": 2, "mode": "half_up"}, "total": {"places": 2, "mode": "half_up"}}}


def mark_value(code: str, aspect: str, user_id: int) -> str:
    """A mark that keeps every panel within tolerance (no re-mark tickets), different per judge."""
    base = zlib.crc32(f"{code}/{aspect}".encode())
    if aspect.endswith("J"):  # whole 0–3; the five judges are at most one apart
        return str(1 + base % 2 + user_id % 2)
    if aspect.endswith("P"):
        return f"{6 + base % 3 + (user_id % 4) * 0.25:.2f}"
    return f"{2 + base % 2 + (user_id % 3) * 0.5:.1f}"


async def _build(args) -> dict:
    from datetime import date, datetime

    import httpx
    from piccolo.apps.migrations.commands.forwards import run_forwards

    import server  # noqa: F401  (PICCOLO_CONF)
    from server.accounts.schemas import GrantIn, UserIn
    from server.accounts.services import create_user
    from server.app import create_app
    from server.catalog.tables import Occupation
    from server.competitions.tables import Competition, CompetitionOrganizer, Event
    from server.db import close_engine, engine, prepare_engine, write_transaction
    from server.demo.people import make_resident_id
    from server.judging.tables import Seat
    from server.organizations import services as orgs
    from server.organizations.schemas import OrganizationIn
    from server.people.schemas import PersonIn
    from server.people.services import insert_person, school_row
    from server.registration.tables import Entry, EntryMember

    result = await run_forwards("all")
    if not result.success:
        raise SystemExit(f"migration failed: {result.message}")
    await prepare_engine()
    db = engine()
    if db.engine_type == "sqlite":
        await db.run_ddl(f'CREATE TABLE "{BARE_TABLE}" ("id" INTEGER PRIMARY KEY, "event" INTEGER, '
                         '"code" VARCHAR(12), "aspect" VARCHAR(60), "user" INTEGER, "round" INTEGER, '
                         '"version" INTEGER, "value" VARCHAR(40), "key" VARCHAR(80), "digest" VARCHAR(64), '
                         '"device" VARCHAR(80), "client_time" TIMESTAMP, "received_at" TIMESTAMP, '
                         '"source" VARCHAR(20), "reason" TEXT)')
    else:
        await db.run_ddl(f'CREATE TABLE "{BARE_TABLE}" ("id" SERIAL PRIMARY KEY, "event" INTEGER, '
                         '"code" VARCHAR(12), "aspect" VARCHAR(60), "user" INTEGER, "round" INTEGER, '
                         '"version" INTEGER, "value" VARCHAR(40), "key" VARCHAR(80), "digest" VARCHAR(64), '
                         '"device" VARCHAR(80), "client_time" TIMESTAMPTZ, "received_at" TIMESTAMPTZ, '
                         '"source" VARCHAR(20), "reason" TEXT)')
    for name, columns in (("event", '"event"'), ("user", '"user"'), ("key_uq", '"user", "key"'),
                          ("version_uq", '"event", "code", "aspect", "user", "round", "version"'),
                          ("event_code", '"event", "code"')):
        unique = "UNIQUE " if name.endswith("_uq") else ""
        await db.run_ddl(f'CREATE {unique}INDEX "{BARE_TABLE}_{name}" ON "{BARE_TABLE}" ({columns})')

    o: dict[str, int] = {}

    async def org(key, name, kind, level, parent=None, **extra):
        o[key] = (await orgs.create(None, OrganizationIn(name=name, kind=kind, level=level,
                                                         parent_id=o.get(parent), **extra))).id

    await org("national", "中华人民共和国", "region", "national")
    await org("province", "山东省", "region", "province", "national", region_code="370000")
    await org("city", "济宁市", "region", "city", "province", region_code="370800")
    await org("edu", "济宁市教育局", "authority", "city", "city", bureau="education")
    schools = [f"school{i:02d}" for i in range(args.schools)]
    for i, key in enumerate(schools):
        await org(key, f"济宁市第{i + 1}职业学校", "school", "school", "city",
                  school_type="vocational" if i % 2 else "technical")

    rng = random.Random(11)
    people: list[tuple[str, int]] = []
    seen: set[str] = set()
    async with write_transaction():
        for n in range(args.codes):
            key = schools[n % len(schools)]
            while True:
                rid = make_resident_id(rng, "370811", date(2006, 1 + n % 12, 1 + n % 28), n % 2 == 0)
                if rid not in seen:
                    seen.add(rid)
                    break
            pid = await insert_person(None, PersonIn(name=f"选手{n:03d}", resident_id=rid,
                                                     school_id=o[key]), await school_row(o[key]))
            people.append((key, pid))

    password = "bench-password-2026"
    users: dict[str, int] = {}

    async def user(name, *grants):
        users[name] = (await create_user(None, UserIn(username=name, display_name=name, password=password,
                                                      grants=list(grants)))).id

    await user("organizer", GrantIn(role="organizer", organization_id=o["edu"]))
    for name in ("chief", "enc"):
        await user(name)
    judges = [f"judge{i:03d}" for i in range(args.criteria * 5)]
    for name in judges:
        await user(name)

    now = datetime.now(UTC)
    occupation = (await Occupation.select(Occupation.id).where(
        (Occupation.code == "6-31-01-03") & (Occupation.work_type == "")).first())["id"]
    award_rules = {"tiers": [{"kind": "ratio", "code": "first_prize", "name": "一等奖", "ratio": "0.1",
                              "rounding": "half_up"}], "tie_policy": "higher"}
    async with write_transaction():
        comp = (await Competition.insert(Competition(name="2026年济宁市职业技能大赛（基准）", level="city", year=2026,
                                                     status="running", created_at=now, updated_at=now))
                .returning(Competition.id))[0]["id"]
        await CompetitionOrganizer.insert(CompetitionOrganizer(competition=comp, organization=o["edu"], role="host"))
        event = (await Event.insert(Event(competition=comp, code="DG", name="电工", occupation=occupation,
                                          scheme=json.dumps(scheme(args.criteria)), award_rules=json.dumps(award_rules),
                                          created_at=now, updated_at=now)).returning(Event.id))[0]["id"]
        entries = []
        for key, pid in people:
            entry = (await Entry.insert(Entry(event=event, school=o[key], status="approved", created_at=now,
                                              updated_at=now)).returning(Entry.id))[0]["id"]
            await EntryMember.insert(EntryMember(entry=entry, event=event, person=pid, role="competitor", active=True))
            entries.append(entry)

    base = f"/api/judging/events/{event}"
    transport = httpx.ASGITransport(app=create_app(), client=("127.0.0.1", 40000))
    tokens: dict[str, str] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://setup", timeout=120) as client:
        async def call(method, path, name, body=None, expect=200):
            r = await client.request(method, path, json=body, headers={"Authorization": f"Bearer {tokens[name]}"})
            if r.status_code != expect:
                raise SystemExit(f"{method} {path} as {name}: {r.status_code} {r.text[:500]}")
            return r.json()

        for name in users:
            r = await client.post("/api/auth/login", json={"username": name, "password": password, "mode": "token"})
            if r.status_code != 200:
                raise SystemExit(f"login {name}: {r.status_code} {r.text[:300]}")
            tokens[name] = r.json()["token"]
        for name in judges:
            await call("POST", f"{base}/pool", "organizer", {"user_id": users[name], "role": "judge"}, 201)
        for name, role in (("chief", "chief_judge"), ("enc", "encryption_officer")):
            await call("POST", f"{base}/pool", "organizer", {"user_id": users[name], "role": role}, 201)
        for i, name in enumerate(judges):  # a team of five per module
            await call("POST", f"{base}/assignments", "organizer",
                       {"user_id": users[name], "criterion": f"M{i // 5 + 1:02d}"}, 201)
        await call("POST", f"{base}/checkin", "enc", [{"entry_id": e, "present": True} for e in entries])
        drawn = await call("POST", f"{base}/draw", "enc", {"passphrase": PASSPHRASE}, 201)
        await call("POST", f"{base}/open", "chief")
        seats = await Seat.select(Seat.user, Seat.code, Seat.aspect).where(Seat.event == event).order_by(
            Seat.code).order_by(Seat.aspect)
    await close_engine()
    by_user: dict[int, list] = {}
    for s in seats:
        by_user.setdefault(s["user"], []).append([s["code"], s["aspect"], mark_value(s["code"], s["aspect"], s["user"])])
    return {"event_id": event, "competition_id": comp, "marks_path": f"{base}/marks", "draw": drawn,
            "judges": [{"name": n, "user_id": users[n], "token": tokens[n], "cells": by_user[users[n]]} for n in judges],
            "officials": {n: tokens[n] for n in ("organizer", "chief", "enc")},
            "codes": args.codes, "criteria": args.criteria, "seats": len(seats)}


def cmd_setup(args) -> None:
    import contextlib
    import io
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    with contextlib.redirect_stdout(io.StringIO()):  # Piccolo's migration banners
        data = asyncio.run(_build(args))
    Path(args.out).write_text(json.dumps(data))
    print(f"world: event {data['event_id']}, {len(data['judges'])} judges, {data['codes']} codes, "
          f"{data['criteria']} modules, {data['seats']} seats", flush=True)


# --- the bare app (run in the bare-serve subprocess) ------------------------------------------------

def create_bare_app():
    import hashlib
    from contextlib import asynccontextmanager
    from datetime import datetime

    import msgspec
    from litestar import Litestar, Request, get, post
    from piccolo.columns import Integer, Text, Timestamptz, Varchar
    from piccolo.table import Table

    import server  # noqa: F401  (PICCOLO_CONF: the same engine as the service)
    from server.db import close_engine, ping, prepare_engine, write_transaction
    from server.judging.schemas import MarkBatchIn

    class BareMark(Table, tablename=BARE_TABLE):
        event = Integer()
        code = Varchar(length=12)
        aspect = Varchar(length=60)
        user = Integer()
        round = Integer(default=1)
        version = Integer(default=1)
        value = Varchar(length=40)
        key = Varchar(length=80)
        digest = Varchar(length=64)
        device = Varchar(length=80, default="")
        client_time = Timestamptz(null=True, default=None)
        received_at = Timestamptz()
        source = Varchar(length=20, default="tablet")
        reason = Text(default="")

    class BareOut(msgspec.Struct):
        accepted: int
        seq: int | None = None

    @asynccontextmanager
    async def lifespan(app):
        await prepare_engine()
        try:
            yield
        finally:
            await close_engine()

    event_id = int(os.environ.get("BENCH_EVENT_ID", "1"))

    @post(BARE_PATH, status_code=200, signature_namespace={"MarkBatchIn": MarkBatchIn, "BareOut": BareOut,
                                                           "Request": Request})
    async def bare_marks(request: Request, data: MarkBatchIn) -> BareOut:
        # the judge comes in a header (no authentication here): the rows are the service's rows
        user = int(request.headers.get("x-bench-user", "0"))
        stamp = datetime.now(UTC)
        rows = [BareMark(event=event_id, code=m.code, aspect=m.aspect, user=user, round=m.round, version=1,
                         value=m.value,
                         key=m.key, digest=hashlib.sha256(m.key.encode()).hexdigest(), device=m.device,
                         client_time=m.client_time, received_at=stamp) for m in data.marks]
        async with write_transaction():
            await BareMark.insert(*rows)
        return BareOut(accepted=len(rows))

    @get("/bare/healthz")
    async def healthz() -> dict:
        return {"ok": await ping()}

    return Litestar(route_handlers=[bare_marks, healthz], lifespan=[lifespan])


def cmd_bare_serve(args) -> None:
    import uvicorn

    from server import cli

    kwargs = {"host": "127.0.0.1", "port": args.port, "workers": args.workers, "log_level": "warning",
              "access_log": args.access_log, "proxy_headers": True}
    kwargs.update(getattr(cli, "fast_server", dict)())  # the service's own loop/parser choice, when it names one
    uvicorn.run("_harness:create_bare_app", factory=True, app_dir=str(BENCH), **kwargs)


# --- the load generator (run in the load subprocess) ------------------------------------------------

class _Conn(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request at a time; parses only status, length, body."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.future: asyncio.Future | None = None
        self.total = -1
        self.head = 0
        self.status = 0
        self.transport = None
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.total < 0:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).lower()
            self.status = int(head[9:12])
            at = head.find(b"content-length:")
            length = int(head[at + 15:head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None]) if at >= 0 else 0
            self.head, self.total = end + 4, end + 4 + length
        if len(self.buf) >= self.total:
            body = bytes(self.buf[self.head:self.total])
            del self.buf[:self.total]
            self.total = -1
            future, self.future = self.future, None
            if future is not None and not future.done():
                future.set_result((self.status, body))

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.future is not None and not self.future.done():
            self.future.set_exception(ConnectionError(f"connection lost: {exc}"))

    def request(self, data: bytes) -> asyncio.Future:
        self.future = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self.future


_NUMBER = re.compile(rb"-?\d+")


def _field(body: bytes, name: bytes) -> int | None:
    at = body.find(b'"' + name + b'":')
    if at < 0:
        return None
    m = _NUMBER.match(body, at + len(name) + 3)
    return int(m.group()) if m else None


def encode_requests(plan: dict) -> list[list[bytes]]:
    """Every request of every connection, encoded before the clock starts (unique keys per run)."""
    import msgspec

    out = []
    host = f"127.0.0.1:{plan['port']}"
    for c, conn in enumerate(plan["conns"]):
        head = (f"POST {plan['path']} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {conn['token']}\r\n"
                f"X-Bench-User: {conn['user_id']}\r\nContent-Type: application/json\r\n").encode()
        requests = []
        for b, batch in enumerate(conn["batches"]):
            body = msgspec.json.encode({"marks": [
                {"key": f"bench-{plan['key']}-{c:03d}-{b:03d}-{i:02d}", "code": code, "aspect": aspect, "value": value,
                 "device": f"tablet-{c:03d}"} for i, (code, aspect, value) in enumerate(batch)]})
            requests.append(head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        out.append(requests)
    return out


async def _load(plan: dict) -> dict:
    """Each judge sends its requests one at a time until it has sent them all or ``duration`` has passed;
    what is still unanswered ``grace`` seconds later is given up (recorded as unfinished, status 0, its
    latency a lower bound: the time it had waited)."""
    loop = asyncio.get_running_loop()
    requests = encode_requests(plan)
    conns = []
    for _ in requests:
        _, proto = await loop.create_connection(_Conn, "127.0.0.1", plan["port"])
        conns.append(proto)
    warm = f"GET {plan['warm_path']} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
    await asyncio.gather(*(c.request(warm) for c in conns))
    records: list[list] = []
    pending: dict[int, tuple] = {}
    reconnects = [0]
    rng = random.Random(plan.get("seed", 1))
    think = plan.get("think", 0.0)
    duration = plan.get("duration") or 1e9

    async def judge(index: int, conn: _Conn, mine: list[bytes], start: float) -> None:
        due = start + (rng.expovariate(1 / think) if think else 0.0)
        for n, data in enumerate(mine):
            if think:
                if due > start + duration:
                    return
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                sent = due  # latency from when the judge meant to send (no coordinated omission)
                due += rng.expovariate(1 / think)
            else:
                sent = time.monotonic()
                if sent > start + duration:
                    return
            pending[index] = (n, sent)
            for attempt in range(3):  # uvicorn closes a connection idle for 5 s: a tablet reconnects
                if conn.closed or conn.transport.is_closing():
                    _, conn = await loop.create_connection(_Conn, "127.0.0.1", plan["port"])
                    conns.append(conn)
                    reconnects[0] += 1
                try:
                    status, body = await conn.request(data)
                    break
                except (ConnectionError, RuntimeError):
                    conn.closed = True
            else:
                raise ConnectionError("three connections in a row closed")
            done = time.monotonic()
            del pending[index]
            records.append([index, n, sent, done, status, _field(body, b"accepted"), _field(body, b"seq"),
                            None if status == 200 else body[:300].decode(errors="replace")])

    print("GO", flush=True)
    usage0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    tasks = [asyncio.ensure_future(judge(i, c, r, t0)) for i, (c, r) in enumerate(zip(conns, requests))]
    finished, late = await asyncio.wait(tasks, timeout=duration + plan.get("grace", 30.0))
    cutoff = time.monotonic()
    broken = [repr(t.exception())[:200] for t in finished if t.exception() is not None]
    if broken:
        print(f"{len(broken)} judges stopped on an error, e.g. {broken[0]}", file=sys.stderr, flush=True)
    for task in late:
        task.cancel()
    for index, (n, sent) in pending.items():
        records.append([index, n, sent, cutoff, 0, None, None, "unfinished"])
    t1, usage1 = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
    print("DONE", flush=True)
    for c in conns:
        if not c.closed:
            c.transport.close()
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    return {"t0": t0, "t1": t1, "cpu": cpu, "records": records, "reconnects": reconnects[0]}


def cmd_load(args) -> None:
    import uvloop

    plan = json.loads(Path(args.plan).read_text())
    result = uvloop.run(_load(plan))
    Path(args.out).write_text(json.dumps(result))


class Run:
    """One load run's figures. Latencies include unfinished requests at the time they had waited (so a
    percentile that falls on one is a lower bound: ``censored``)."""

    def __init__(self, result: dict, server_cpu: float, batch: int) -> None:
        records = result["records"]
        self.records = records
        self.t0, self.t1 = result["t0"], result["t1"]
        answered = [r for r in records if r[4]]
        self.unfinished = len(records) - len(answered)
        self.wall = max(r[3] for r in answered) - self.t0 if answered else float("nan")
        self.requests = len(answered)
        self.errors = [r for r in answered if r[4] != 200]
        self.accepted = sum(r[5] or 0 for r in answered if r[4] == 200)
        self.sent_marks = self.requests * batch
        latencies = sorted(((r[3] - r[2]) * 1000, not r[4]) for r in records)
        self.latencies = [x for x, _ in latencies]
        self.p50, self.p99 = pct(self.latencies, 50), pct(self.latencies, 99)
        self.first_censored = min((x for x, c in latencies if c), default=float("inf"))
        self.marks_per_s = self.accepted / self.wall
        self.requests_per_s = self.requests / self.wall
        span = self.t1 - self.t0
        self.client_cpu = result["cpu"] / span  # cores
        self.server_cpu = server_cpu / span  # cores
        self.marks_per_cpu_s = self.accepted / server_cpu if server_cpu else float("nan")
        self.acks = [(r[6], r[3]) for r in answered if r[4] == 200 and r[6] is not None]
        self.reconnects = result.get("reconnects", 0)

    def p(self, q: float) -> str:
        """A percentile in ms; "≥" when an unfinished request's wait is at or below it (a lower bound)."""
        value = pct(self.latencies, q)
        return f"{'≥' if self.first_censored <= value else ''}{value:.0f}"

    def problems(self) -> str:
        if not self.errors and self.accepted == self.sent_marks and not self.unfinished:
            return ""
        kinds = Counter((r[4], (r[7] or "")[:120]) for r in self.errors)
        return (f"{len(self.errors)} failed and {self.unfinished} unfinished requests, "
                f"{self.accepted}/{self.sent_marks} marks of the answered ones accepted"
                + "".join(f"; {n}× {s} {t}" for (s, t), n in kinds.most_common(3)))


def wait_idle(servers: list[Server], timeout: float = 300.0) -> float:
    """Wait until the servers have worked off what the load left them (given-up requests still run)."""
    pids = [p for s in servers for p in process_tree(s.proc.pid)]
    started = time.monotonic()
    last = cpu_seconds(pids)
    while time.monotonic() - started < timeout:
        time.sleep(0.5)
        now = cpu_seconds(pids)
        if now - last < 0.05:
            break
        last = now
    return time.monotonic() - started


def run_load(plan: dict, servers: list[Server], tmp: Path, batch: int) -> Run:
    """The load generator in its own process; server CPU sampled while it runs."""
    stem = tmp / f"load-{time.monotonic_ns()}"
    Path(f"{stem}.plan.json").write_text(json.dumps(plan))
    proc = subprocess.Popen([PY, HARNESS, "load", f"{stem}.plan.json", f"{stem}.out.json"], stdout=subprocess.PIPE,
                            cwd=str(ROOT), text=True)
    pids = [p for s in servers for p in process_tree(s.proc.pid)]
    cpu0 = cpu1 = 0.0
    for line in proc.stdout:
        if line.strip() == "GO":
            cpu0 = cpu_seconds(pids)
        elif line.strip() == "DONE":
            cpu1 = cpu_seconds(pids)
    if proc.wait() != 0:
        raise SystemExit("load generator failed")
    result = json.loads(Path(f"{stem}.out.json").read_text())
    for suffix in (".plan.json", ".out.json"):
        Path(f"{stem}{suffix}").unlink()
    run = Run(result, cpu1 - cpu0, batch)
    run.drained = wait_idle(servers) if run.unfinished else 0.0
    return run


def plan_for(world: dict, port: int, path: str, warm_path: str, *, batch: int, per_judge: int, key: str,
             think: float = 0.0, judges: int | None = None, seed: int = 1, duration: float = 0.0,
             grace: float = 30.0) -> dict:
    """Each judge sends ``per_judge`` requests of ``batch`` marks on fresh cells of their own sheet."""
    conns = []
    for j in world["judges"][:judges]:
        cells = j["cells"]
        if per_judge * batch > len(cells):
            raise SystemExit(f"{per_judge} × {batch} marks need more than the {len(cells)} cells of a judge's sheet")
        conns.append({"token": j["token"], "user_id": j["user_id"], "batches": [cells[k * batch:(k + 1) * batch] for k in range(per_judge)]})
    return {"port": port, "path": path, "warm_path": warm_path, "key": key, "think": think, "seed": seed,
            "duration": duration, "grace": grace, "conns": conns}


# --- profiles ---------------------------------------------------------------------------------------

def start_profile(pid: int, seconds: float, out: Path) -> subprocess.Popen:
    return subprocess.Popen([PYSPY, "record", "--pid", str(pid), "--subprocesses", "--duration", str(int(seconds)),
                             "--rate", "200", "--nonblocking", "--format", "raw", "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarize_profile(path: Path, top: int = 22) -> str:
    """Self and inclusive shares per function from py-spy's collapsed stacks."""
    if not path.exists():
        return "(no profile: py-spy wrote nothing)"
    own: Counter = Counter()
    inclusive: Counter = Counter()
    total = idle = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = [_frame(f) for f in stack.split(";")[1:]]  # first: the process
        if not frames:
            continue
        if frames[-1] in IDLE_LEAVES:  # a thread or the loop waiting (py-spy cannot always tell)
            idle += n
            continue
        total += n
        own[frames[-1]] += n
        for f in set(frames):
            inclusive[f] += n
    if not total:
        return "(empty profile)"
    lines = [f"{total} busy samples ({idle} more of threads and the event loop waiting, left out); self time:"]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    lines.append("inclusive (project and key library frames):")
    keep = [(f, n) for f, n in inclusive.most_common(600) if _interesting(f)][:top + 8]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in keep]
    return "\n".join(lines)


IDLE_LEAVES = {"_worker (concurrent/futures/thread.py)", "Runner.run (asyncio/runners.py)",
               "wait (threading.py)", "select (selectors.py)", "run_forever (asyncio/base_events.py)"}


def _frame(text: str) -> str:
    m = re.match(r"(.*) \((.*?)(?::\d+)?\)$", text)
    if not m:
        return text
    func, file = m.groups()
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{func} ({file})"


def _interesting(frame: str) -> bool:
    """Frames that say where the time goes: the project, the ORM, the drivers, the socket layers (not the
    ASGI middleware chain every request passes through)."""
    if any(k in frame for k in ("server/cli.py", "server/accounts/middleware.py", "server/judging/routes.py")):
        return False
    return any(k in frame for k in ("server/", "scoring/", "piccolo/", "asyncpg/", "websockets/", "msgspec",
                                    "logging/", "concurrent/futures/thread.py", "litestar/channels",
                                    "litestar/serialization", "httptools_impl.py", "websockets_impl.py"))


# --- entry point for the subprocesses ------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description="bench harness subcommands (used by the bench scripts)")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--out", required=True)
    s.add_argument("--codes", type=int, default=50)
    s.add_argument("--criteria", type=int, default=40)
    s.add_argument("--schools", type=int, default=10)
    s.set_defaults(func=cmd_setup)
    b = sub.add_parser("bare-serve")
    b.add_argument("--port", type=int, required=True)
    b.add_argument("--workers", type=int, default=1)
    b.add_argument("--no-access-log", dest="access_log", action="store_false")
    b.set_defaults(func=cmd_bare_serve)
    ld = sub.add_parser("load")
    ld.add_argument("plan")
    ld.add_argument("out")
    ld.set_defaults(func=cmd_load)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
