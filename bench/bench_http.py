"""HTTP throughput of the real service against a bare Litestar app, side by side in one run.

For each engine (SQLite with 1 worker, PostgreSQL with 2) it loads the demo data into a fresh database,
starts ``jineng serve`` and a bare Litestar app with the same uvicorn settings (uvloop, httptools, no
access log, proxy headers, same worker count), measures start-up to the first ``/healthz`` answer, and loads
each route with ``wrk`` in alternating runs (bare, real, bare, real …) so both see the same machine load.
Printed per row: req/s and p50/p99 of both, and the ratio (median of the per-round ratios).

| row | real service | bare app | targets (issue 9) |
|---|---|---|---|
| healthz | ``GET /healthz`` (``SELECT 1``) | hello world | ratio ≥ 0.5, p99 ≤ 50 ms |
| verify JSON | ``POST /api/verify`` (one QR) | a route doing the same Ed25519 verify | ratio ≥ 0.5, p99 ≤ 50 ms |
| QR page | ``GET /C/{token}`` | hello world | p99 ≤ 50 ms |
| authenticated list | ``GET /api/competitions`` (bearer) | hello world | ratio ≥ 0.25, p99 ≤ 50 ms |
| authenticated write | ``PATCH /api/entries/{id}`` (team name) | hello world | (reported) |

Run: ``.venv/bin/python bench/bench_http.py [--engines sqlite,postgres] [--seconds 5] [--rounds 3]``.
Needs ``wrk`` (Debian's package; installed with apt-get when missing and running as root) and, for
PostgreSQL, a server on 127.0.0.1:5432 that the user ``postgres`` may create databases on
(``--postgres-url``). Timings belong here, never in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
JINENG = str(Path(PYTHON).with_name("jineng"))
PASSWORD = "jineng-demo-2026"
# what `jineng serve` gives uvicorn (server.cli.fast_server(), access log off, proxy headers): the bare
# app gets the same
UVICORN = {"loop": "uvloop", "http": "httptools", "access_log": False, "proxy_headers": True, "log_level": "warning"}

BARE_APP = textwrap.dedent('''
    import os

    import msgspec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from litestar import Litestar, get, post
    from litestar.params import JSONBody

    from certificates.envelope import parse_envelope, split_qr_text

    KEY = Ed25519PublicKey.from_public_bytes(bytes.fromhex(os.environ["BENCH_PUBLIC_KEY"]))


    class Hello(msgspec.Struct):
        status: str


    class VerifyIn(msgspec.Struct):
        qr: str


    class VerifyOut(msgspec.Struct):
        valid: bool


    @get("/hello")
    async def hello() -> Hello:
        return Hello(status="ok")


    @post("/verify", status_code=200)
    async def verify(data: JSONBody[VerifyIn]) -> VerifyOut:
        envelope = parse_envelope(split_qr_text(data.qr)[1])
        try:
            KEY.verify(envelope.signature, envelope.message)
            return VerifyOut(valid=True)
        except Exception:
            return VerifyOut(valid=False)


    app = Litestar([hello, verify])
''')


# --- wrk --------------------------------------------------------------------------------------------

def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing Debian's package (apt-get install wrk) …", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=False, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
        if found:
            return found
    sys.exit("bench_http needs wrk (a load generator that is not itself the bottleneck): install it with "
             "`apt-get install wrk` (Debian) and run again.")


@dataclass
class Load:
    rps: float
    p50: float  # ms
    p99: float  # ms
    errors: int


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def lua(method: str, body: str | None, headers: dict[str, str], entries: list[int] | None = None) -> str:
    """A wrk script. ``entries``: a write — each request renames one of these entries (a new team name each
    time), each wrk thread on its own half of them, so no two requests in flight edit the same entry."""
    lines = [f'wrk.method = "{method}"']
    for name, value in headers.items():
        lines.append(f'wrk.headers["{name}"] = "{value}"')
    if entries:
        lines += ["local ids = {" + ", ".join(map(str, entries)) + "}",
                  "local threads = 0",
                  "function setup(thread) thread:set('tid', threads); threads = threads + 1 end",
                  "local n = 0",
                  "request = function()",
                  "  n = n + 1",
                  "  local half = math.floor(#ids / 2)",
                  "  local id = ids[(tid or 0) * half + (n % half) + 1]",
                  "  return wrk.format(nil, '/api/entries/' .. id, nil,"
                  " '{\"team_name\": \"bench-' .. n .. '\"}')",
                  "end"]
    elif body is not None:
        lines.append("wrk.body = " + json.dumps(body))
    return "\n".join(lines) + "\n"


def run_wrk(wrk: str, url: str, script: Path, seconds: float, connections: int, threads: int) -> Load:
    done = subprocess.run([wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
                           "-s", str(script), url], capture_output=True, text=True, timeout=seconds + 60)
    out = done.stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise SystemExit(f"wrk on {url} gave no figures:\n{out}\n{done.stderr}")
    rps = float(found.group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    return Load(rps, p50, p99, errors)


# --- servers ----------------------------------------------------------------------------------------

def http(method: str, url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict | str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            raw = r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 180.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Engine:
    name: str
    url: str
    workers: int
    env: dict[str, str]
    cleanup: list = field(default_factory=list)


def start_real(engine: Engine, port: int, log: Path) -> tuple[subprocess.Popen, float]:
    process = subprocess.Popen([JINENG, "serve", "--port", str(port), "--workers", str(engine.workers),
                                "--no-access-log", "--log-level", "warning"], env=engine.env, cwd=ROOT,
                               stdout=log.open("ab"), stderr=subprocess.STDOUT)
    return process, wait_healthy(f"http://127.0.0.1:{port}/healthz", process)


def start_bare(engine: Engine, port: int, app_dir: Path, public_key: str, log: Path) -> tuple[subprocess.Popen, float]:
    settings = ", ".join(f"{k}={v!r}" for k, v in UVICORN.items())
    code = (f"import uvicorn; uvicorn.run('bare_app:app', app_dir={str(app_dir)!r}, host='127.0.0.1', "
            f"port={port}, workers={engine.workers}, {settings})")
    env = {**engine.env, "BENCH_PUBLIC_KEY": public_key, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([PYTHON, "-c", code], env=env, cwd=ROOT, stdout=log.open("ab"),
                               stderr=subprocess.STDOUT)
    return process, wait_healthy(f"http://127.0.0.1:{port}/hello", process)


def prepare(engine: Engine, log: Path) -> None:
    print(f"[{engine.name}] loading the demo data set …", flush=True)
    with log.open("ab") as out:
        subprocess.run([JINENG, "demo"], env=engine.env, cwd=ROOT, check=True, stdout=out, stderr=subprocess.STDOUT)


def fixtures(base: str, entries: int) -> dict:
    """What the routes need, through the API: tokens, a valid certificate, ``entries`` draft entries of one
    school (copies of an editable demo entry) for the writes."""
    def token(user: str) -> dict[str, str]:
        status, body = http("POST", base + "/api/auth/login", {"username": user, "password": PASSWORD, "mode": "token"})
        assert status == 200, (user, status, body)
        return {"Authorization": "Bearer " + body["token"]}

    organizer = token("jn-hrss")
    status, page = http("GET", base + "/api/certificates?status=valid&limit=50", headers=organizer)
    assert status == 200, page
    certificate = next(c for c in page["items"] if c["status"] == "valid")
    for i in range(1, 15):
        school = token(f"school-{i:02d}")
        _, listed = http("GET", base + "/api/entries?limit=200", headers=school)
        for entry in listed["items"]:
            if "edit" not in entry.get("actions", []):
                continue
            copy = {"event_id": entry["event_id"], "members": [{"person_id": m["person_id"]} for m in entry["members"]],
                    "coaches": [{"person_id": c["person_id"]} for c in entry["coaches"]]}
            made = []
            for _ in range(entries):
                status, body = http("POST", base + "/api/entries", copy, school)
                if status != 201:
                    break
                made.append(body["id"])
            if len(made) == entries:
                return {"list_headers": token("jn-edu"), "qr": certificate["qr_text"], "entries": made,
                        "school_headers": school}
    raise SystemExit("no demo entry to copy for the writes")


def public_key_of(base: str, qr: str) -> str:
    """The hex public key that signed ``qr``, from the published key set (for the bare route)."""
    from certificates.envelope import parse_envelope, split_qr_text  # the bench process may use the core

    kid = parse_envelope(split_qr_text(qr)[1]).kid.hex()
    _, body = http("GET", base + "/.well-known/jineng-keys.json")
    return next(k["public_key"] for k in body["keyset"]["keys"] if k["kid"] == kid)


# --- the run ----------------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    real: tuple[str, str, dict | None, dict, bool]  # method, path, body, headers, a write
    bare: tuple[str, str, dict | None]
    vs: str
    target: float | None


def rows(fx: dict) -> list[Row]:
    token = fx["qr"].rsplit("/", 1)[1]
    json_header = {"Content-Type": "application/json"}
    return [
        Row("healthz", ("GET", "/healthz", None, {}, False), ("GET", "/hello", None), "hello world", 0.5),
        Row("verify JSON", ("POST", "/api/verify", {"qr": fx["qr"]}, json_header, False),
            ("POST", "/verify", {"qr": fx["qr"]}), "bare Ed25519 route", 0.5),
        Row("QR page /C/…", ("GET", "/C/" + token, None, {}, False), ("GET", "/hello", None), "hello world", None),
        Row("authenticated list", ("GET", "/api/competitions", None, fx["list_headers"], False),
            ("GET", "/hello", None), "hello world", 0.25),
        Row("authenticated write", ("PATCH", f"/api/entries/{fx['entries'][0]}", None,
                                    {**fx["school_headers"], **json_header}, True),
            ("GET", "/hello", None), "hello world", None),
    ]


def measure(engine: Engine, args, wrk: str, work: Path) -> list[tuple]:
    log = work / f"{engine.name}.log"
    prepare(engine, log)
    real_port, bare_port = args.port, args.port + 1
    # start-up to the first /healthz answer on the existing database (bytecode cached by the demo load)
    startups = []
    stop(start_real(engine, real_port, log)[0])  # the first start writes the bytecode cache: not counted
    for _ in range(args.startups):
        process, seconds = start_real(engine, real_port, log)
        startups.append(seconds)
        stop(process)
    real, _ = start_real(engine, real_port, log)
    base = f"http://127.0.0.1:{real_port}"
    try:
        fx = fixtures(base, 32 * min(2, os.cpu_count() or 1))
        app_dir = work / "bare"
        app_dir.mkdir(exist_ok=True)
        (app_dir / "bare_app.py").write_text(BARE_APP)
        key = public_key_of(base, fx["qr"])
        bare_startups = []
        stop(start_bare(engine, bare_port, app_dir, key, log)[0])  # bytecode cache, not counted
        for _ in range(args.startups):
            process, seconds = start_bare(engine, bare_port, app_dir, key, log)
            bare_startups.append(seconds)
            stop(process)
        bare, _ = start_bare(engine, bare_port, app_dir, key, log)
        assert http("POST", f"http://127.0.0.1:{bare_port}/verify", {"qr": fx["qr"]})[1] == {"valid": True}
        try:
            results = []
            threads = min(2, os.cpu_count() or 1)
            for row in rows(fx):
                method, path, body, headers, write = row.real
                real_script = work / f"{engine.name}-real-{len(results)}.lua"
                real_script.write_text(lua(method, json.dumps(body) if body else None, headers,
                                               fx["entries"] if write else None))
                bmethod, bpath, bbody = row.bare
                bare_script = work / f"{engine.name}-bare-{len(results)}.lua"
                bare_script.write_text(lua(bmethod, json.dumps(bbody) if bbody else None,
                                           {"Content-Type": "application/json"} if bbody else {}))
                run_wrk(wrk, base + path, real_script, 1, args.connections, threads)  # warm both
                run_wrk(wrk, f"http://127.0.0.1:{bare_port}{bpath}", bare_script, 1, args.connections, threads)
                pairs = []
                for _ in range(args.rounds):
                    b = run_wrk(wrk, f"http://127.0.0.1:{bare_port}{bpath}", bare_script, args.seconds,
                                args.connections, threads)
                    r = run_wrk(wrk, base + path, real_script, args.seconds, args.connections, threads)
                    pairs.append((r, b))
                results.append((row, pairs))
                print(f"[{engine.name}] {row.name}: " + ", ".join(f"{r.rps:,.0f}/{b.rps:,.0f}" for r, b in pairs),
                      flush=True)
        finally:
            stop(bare)
    finally:
        stop(real)
    return [(startups, bare_startups), results]


def report(engine: Engine, measured, args) -> list[str]:
    (startups, bare_startups), results = measured
    out = [f"\n## {engine.name} ({engine.workers} worker{'s' if engine.workers > 1 else ''}), "
           f"{args.connections} connections, {args.rounds} alternating rounds of {args.seconds} s",
           f"start-up to /healthz on the existing database: {statistics.median(startups):.2f} s "
           f"(runs: {', '.join(f'{s:.2f}' for s in startups)}; bare app {statistics.median(bare_startups):.2f} s; "
           f"target < 5 s)",
           "",
           "| route | req/s | p50 ms | p99 ms | bare req/s | bare p50 | bare p99 | vs | ratio | target | errors |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row, pairs in results:
        med = lambda xs: statistics.median(xs)  # noqa: E731
        rps, p50, p99 = med([r.rps for r, _ in pairs]), med([r.p50 for r, _ in pairs]), med([r.p99 for r, _ in pairs])
        brps, bp50, bp99 = med([b.rps for _, b in pairs]), med([b.p50 for _, b in pairs]), med([b.p99 for _, b in pairs])
        ratio = med([r.rps / b.rps for r, b in pairs if b.rps])
        errors = sum(r.errors for r, _ in pairs)
        verdicts = []
        if row.target is not None:
            verdicts.append(f"≥ {row.target:g} {'ok' if ratio >= row.target else 'MISS'}")
        if row.name != "authenticated write":
            verdicts.append(f"p99 ≤ 50 {'ok' if p99 <= 50 else 'MISS'}")
        out.append(f"| {row.name} | {rps:,.0f} | {p50:.1f} | {p99:.1f} | {brps:,.0f} | {bp50:.1f} | {bp99:.1f} | "
                   f"{row.vs} | {ratio:.2f} | {'; '.join(verdicts) or '-'} | {errors} |")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating bare/real rounds per row (default 3)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--startups", type=int, default=3, help="start-ups measured per server (default 3)")
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--postgres-url", default=os.environ.get("JINENG_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432"))
    parser.add_argument("--keep", action="store_true", help="keep the working folder (logs, databases)")
    args = parser.parse_args()
    wrk = ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="jineng-bench-http-"))
    load = os.getloadavg()[0]
    print(f"bench_http: {os.cpu_count()} cores, load average {load:.1f} at start (a shared machine skews every "
          f"figure; ratios come from alternating runs under the same load); working folder {work}", flush=True)
    base_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    # bytecode cached outside the tree, as an installed service has it
    base_env.update({"PYTHONPYCACHEPREFIX": str(work / "pycache"), "JINENG_KEYS_DIR": str(work / "keys")})
    lines: list[str] = []
    try:
        for name in args.engines.split(","):
            if name == "sqlite":
                engine = Engine("SQLite", f"sqlite:///{work}/jineng.sqlite", 1,
                                {**base_env, "JINENG_DATABASE_URL": f"sqlite:///{work}/jineng.sqlite"})
            elif name == "postgres":
                database = f"jineng_bench_{os.getpid()}"
                server = args.postgres_url.rstrip("/")
                created = subprocess.run(["psql", server + "/postgres", "-qc", f"CREATE DATABASE {database}"],
                                         capture_output=True, text=True)
                if created.returncode != 0:
                    print(f"[PostgreSQL] skipped: cannot create a database on {server}: {created.stderr.strip()}")
                    continue
                engine = Engine("PostgreSQL", f"{server}/{database}", 2,
                                {**base_env, "JINENG_DATABASE_URL": f"{server}/{database}"})
                engine.cleanup.append(["psql", server + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {database}"])
            else:
                parser.error(f"unknown engine {name}")
            try:
                lines += report(engine, measure(engine, args, wrk, work), args)
            finally:
                for command in engine.cleanup:
                    subprocess.run(command, capture_output=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join(lines))
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
