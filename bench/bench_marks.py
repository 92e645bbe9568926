"""Marks per second through the real HTTP API, and latency at 200 concurrent judges, against a bare route.

For each engine (SQLite with 1 worker, PostgreSQL with 2) a database is built in a subprocess: 200 judge
accounts with bearer tokens (sign-in, mode token), an event of 50 approved entries and a 40-module
scheme (a judgement aspect and two panel aspects per module, five judges each: 150 cells per judge),
pool, assignments, check-in, the sealed draw and open marking through the API. Then the real service
(``jineng serve``) and a bare Litestar app (same uvicorn settings, same engine setup; decodes the same
body with msgspec and inserts its rows in one INSERT into a table of its own, inside
``server.db.write_transaction``) run side by side, and runs alternate between them (A/B, the order
swapped every repetition); every run starts from an empty marks table.

Load: a separate process, one keep-alive HTTP/1.1 connection per judge (raw asyncio protocol on uvloop,
requests encoded before the clock starts, a unique idempotency key per mark), batches of 1 and of 20
marks on fresh cells of the judge's own sheet:

- closed loop (each judge sends the next batch as soon as the last one is answered) for ``--seconds``:
  marks/s, and the latency at 200 judges in flight — by Little's law p50 ≈ 200 / requests per second, so
  under a closed loop the latency target is a throughput target (p99 ≤ 50 ms needs ≥ 4,000 requests/s);
- paced for ``--paced-seconds``: each judge marks every ``--think-1`` seconds on average (Poisson; a
  batch of 20 every 20 × that), 100 marks/s offered by 200 judges at the default 2 s; latency counted
  from when the judge meant to send, so queueing is not hidden: the latency a judge sees while 200 judges
  mark at a steady pace.

A run stops sending after its time and waits ``--grace`` seconds for answers; what is still unanswered
is given up (reported as unfinished; its wait counts as a lower bound, printed "≥"), and the server is
left to work off its backlog before the next run. uvicorn closes connections idle for 5 s; a paced
judge then reconnects, as a tablet would.

Targets: service marks/s ≥ 0.6 × the bare route's; p99 ≤ 50 ms. The load generator's own CPU is
reported (a share near 1.0 core means it, not the server, was the limit), and so are the servers' CPU
and the marks per second of server CPU (on a shared machine the server gets only part of a core; the
per-CPU-second ratio shows the cost difference without that noise).
``--profile`` adds a profiled service run (py-spy, non-blocking) per engine and batch size.

Run: .venv/bin/python bench/bench_marks.py [--quick] [--engines sqlite,postgres] [--tree work|head|DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h

RATIO_TARGET = 0.6
P99_TARGET_MS = 50.0
WORKERS = {"sqlite": 1, "postgres": 2}


def measure(args, engine: str, tmp: Path) -> list[dict]:
    rows = []
    workers = WORKERS[engine]
    with h.engine_world(engine) as (db, world):
        cells = len(world["judges"][0]["cells"])
        print(f"\n[{engine}] world built in {world['setup_seconds']:.0f} s: {len(world['judges'])} judges, "
              f"{world['codes']} codes, {world['seats']} seats ({cells} per judge); {workers} worker(s); "
              f"load {h.loadavg()}", flush=True)
        service = h.start_service(db, workers=workers, access_log=args.access_log)
        bare = h.start_bare(db, world["event_id"], workers=workers, access_log=args.access_log)
        targets = {"service": (service, world["marks_path"], "/healthz"),
                   "bare": (bare, h.BARE_PATH, "/bare/healthz")}
        key = 0

        def one(name: str, batch: int, seconds: float, think: float = 0.0) -> h.Run:
            nonlocal key
            key += 1
            server, path, warm = targets[name]
            db.reset(world["event_id"])
            plan = h.plan_for(world, server.port, path, warm, batch=batch, per_judge=cells // batch,
                              key=f"{engine}{key}", think=think, seed=key, duration=seconds, grace=args.grace)
            run = h.run_load(plan, [server], tmp, batch)
            counts = db.counts(world["event_id"])
            stored = counts["marks"] if name == "service" else counts["bare"]
            if run.errors or (stored != run.accepted and not run.unfinished) or counts["tickets"]:
                print(f"  !! {name} batch {batch}: {run.problems()}; stored {stored}, tickets {counts['tickets']}")
            return run

        def show(rep, name, batch, mode, run):
            print(f"  rep {rep + 1} {name:7} batch {batch:2} {mode:6}: {run.marks_per_s:7.0f} marks/s "
                  f"{run.requests_per_s:6.1f} req/s  p50 {run.p(50):>6} ms  p99 {run.p(99):>6} ms  "
                  f"{run.unfinished} unfinished  client {run.client_cpu:.2f} core  server {run.server_cpu:.2f} core "
                  f"({run.marks_per_cpu_s:.0f} marks/CPU-s)  load {h.loadavg()}", flush=True)

        try:
            for name in targets:  # warm-up: first requests, caches, connections
                one(name, 1, 3)
            results: dict[tuple, list[h.Run]] = {}
            for rep in range(args.reps):
                for batch in (1, 20):
                    order = ["service", "bare"] if rep % 2 == 0 else ["bare", "service"]
                    for name in order:
                        run = one(name, batch, args.seconds)
                        results.setdefault((name, batch, "closed"), []).append(run)
                        show(rep, name, batch, "closed", run)
                    think = args.think_1 if batch == 1 else args.think_1 * 20
                    for name in order:
                        run = one(name, batch, args.paced_seconds, think)
                        results.setdefault((name, batch, "paced"), []).append(run)
                        show(rep, name, batch, "paced", run)
            if args.profile:
                for batch in (1, 20):
                    profile_run(db, world, service, engine, batch, cells // batch, tmp, args)
            for batch in (1, 20):
                s, b = results[("service", batch, "closed")], results[("bare", batch, "closed")]
                sp, bp = results[("service", batch, "paced")], results[("bare", batch, "paced")]
                mid = sorted(s, key=lambda r: r.marks_per_s)[len(s) // 2]
                mid_paced = sorted(sp, key=lambda r: r.latencies[len(r.latencies) * 99 // 100])[len(sp) // 2]
                rows.append({
                    "engine": f"{engine} ({workers}w)", "batch": batch,
                    "service": h.median([r.marks_per_s for r in s]), "bare": h.median([r.marks_per_s for r in b]),
                    "ratio": h.median([x.marks_per_s / y.marks_per_s for x, y in zip(s, b)]),
                    "cpu_ratio": h.median([x.marks_per_cpu_s / y.marks_per_cpu_s for x, y in zip(s, b)]),
                    "closed": f"{mid.p(50)}/{mid.p(99)}", "closed_p99": mid.p99,
                    "bare_closed": f"{h.median([r.p50 for r in b]):.0f}/{h.median([r.p99 for r in b]):.0f}",
                    "paced_rate": h.median([r.requests_per_s for r in sp]),
                    "paced": f"{mid_paced.p(50)}/{mid_paced.p(99)}", "paced_p99": mid_paced.p99,
                    "bare_paced": f"{h.median([r.p50 for r in bp]):.1f}/{h.median([r.p99 for r in bp]):.1f}",
                    "client": max(r.client_cpu for r in s + b + sp + bp),
                    "server": h.median([r.server_cpu for r in s]),
                })
        finally:
            service.stop()
            bare.stop()
    return rows


def profile_run(db, world, service, engine, batch, per_judge, tmp, args) -> None:
    db.reset(world["event_id"])
    plan = h.plan_for(world, service.port, world["marks_path"], "/healthz", batch=batch, per_judge=per_judge,
                      key=f"{engine}p{batch}", duration=args.seconds, grace=args.grace)
    out = tmp / f"profile-{engine}-{batch}.txt"
    spy = h.start_profile(service.proc.pid, 600, out)
    time.sleep(1.5)  # py-spy attaches
    run = h.run_load(plan, [service], tmp, batch)
    spy.send_signal(2)  # SIGINT: py-spy writes what it has
    spy.wait(timeout=60)
    print(f"\n[{engine}] profile of the service, batch {batch}, closed loop ({run.marks_per_s:.0f} marks/s "
          f"under py-spy):\n{h.summarize_profile(out)}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repetition, fewer requests")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--reps", type=int, default=3, help="A/B repetitions (medians are reported)")
    parser.add_argument("--seconds", type=float, default=10.0, help="closed-loop run length (default 10)")
    parser.add_argument("--paced-seconds", type=float, default=20.0, help="paced run length (default 20)")
    parser.add_argument("--grace", type=float, default=10.0,
                        help="seconds to wait for answers after a run; what is still unanswered is given up")
    parser.add_argument("--think-1", type=float, default=2.0,
                        help="paced: mean seconds between a judge's marks (batches of 20: 20 × this)")
    parser.add_argument("--access-log", action="store_true", help="keep uvicorn's access log on (both apps)")
    h.add_common_args(parser, "profile the service (py-spy) in an extra run per engine and batch size")
    args = parser.parse_args()
    if args.quick:
        args.reps, args.seconds, args.paced_seconds, args.grace = 1, 5.0, 8.0, 5.0
    with h.session("bench_marks", args, f"access log {'on' if args.access_log else 'off'} in both apps") as tmp:
        rows = []
        for engine in args.engines.split(","):
            rows += measure(args, engine.strip(), tmp)
    print(f"\nmarks through POST /api/judging/events/{{id}}/marks vs the bare route, 200 judges, medians of "
          f"{args.reps} A/B repetition(s); closed loop {args.seconds:g} s; paced {args.paced_seconds:g} s with "
          f"each judge marking every {args.think_1:g} s (a batch of 20 every {20 * args.think_1:g} s); "
          f"load average now {h.loadavg()}")
    print(h.table(
        ["engine", "batch", "service marks/s", "bare marks/s", f"ratio (≥ {RATIO_TARGET})", "per CPU-s ratio",
         f"closed p50/p99 ms (≤ {P99_TARGET_MS:g})", "bare closed", "paced req/s",
         f"paced p50/p99 ms (≤ {P99_TARGET_MS:g})", "bare paced", "client CPU max", "server CPU"],
        [[r["engine"], r["batch"], f"{r['service']:.0f}", f"{r['bare']:.0f}",
          f"{r['ratio']:.2f} {h.verdict(r['ratio'] >= RATIO_TARGET)}", f"{r['cpu_ratio']:.2f}",
          f"{r['closed']} {h.verdict(r['closed_p99'] <= P99_TARGET_MS)}", r["bare_closed"], f"{r['paced_rate']:.1f}",
          f"{r['paced']} {h.verdict(r['paced_p99'] <= P99_TARGET_MS)}", r["bare_paced"],
          f"{r['client']:.2f} core{' (SATURATED)' if r['client'] > 0.9 else ''}", f"{r['server']:.2f} core"]
         for r in rows]))
    print("ratio: service marks/s ÷ bare marks/s (median of the A/B pairs); per CPU-s ratio: the same with marks "
          "per second of server CPU, which a shared machine's load changes less. ≥: a lower bound (requests "
          "still unanswered when the run gave up count with the time they had waited).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
