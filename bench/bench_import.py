"""Excel import throughput: a 5,000-row roster and a 5,000-row entry file through the real app and database,
against a bare openpyxl read of the same file.

Each import goes through HTTP (multipart upload) → size and format guards → openpyxl read-only parse →
per-row validation (GB 11643 IDs, statuses, years; roster, names and duplicates for entries) → duplicate
lookups against the database in chunks → one transaction of batch inserts → one audit entry. The bare
figure is ``load_workbook(read_only=True)`` plus iterating every row of the identical bytes, which is the
floor any import has to pay. Printed: rows/s of each stage and the ratio import time / bare read time.

Run: .venv/bin/python bench/bench_import.py [--rows 5000] [--database-url postgresql://.../empty_db]
(default: a throwaway SQLite file). A PostgreSQL URL must name an empty, disposable database.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

APPS = ["organizations", "accounts", "audit", "people", "competitions", "registration"]


def roster_file(rows: int) -> tuple[bytes, list[str]]:
    from openpyxl import Workbook

    from server.demo.people import make_resident_id

    rng = random.Random(2026)
    ids: list[str] = []
    seen: set[str] = set()
    day = 0
    while len(ids) < rows:
        rid = make_resident_id(rng, "370811", date(2006, 1, 1) + timedelta(days=day % 1400), rng.random() < 0.5)
        day += 1
        if rid not in seen:
            seen.add(rid)
            ids.append(rid)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")
    ws.append(["姓名 (name)", "身份证号 (resident_id)", "身份 (status)", "专业代码 (major_code)", "专业名称 (major_name)",
               "入学年份 (enrollment_year)", "毕业年份 (graduation_year)", "手机号 (phone)"])
    for i, rid in enumerate(ids):
        ws.append([f"学生{i:05d}", rid, "在校生", "660301", "机电技术应用", 2023, 2026, "13800000000"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), ids


def entry_file(ids: list[str]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")
    ws.append(["选手1身份证号 (member_1_resident_id)", "选手1姓名 (member_1_name)"])
    for i, rid in enumerate(ids):
        ws.append([rid, f"学生{i:05d}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def bare_read(content: bytes) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    return n


def best_of(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


async def setup() -> dict:
    """Migrate the apps the import needs and build one school, a coordinator and an open event."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from server.accounts.schemas import GrantIn, UserIn
    from server.accounts.services import create_user
    from server.competitions.tables import Competition, CompetitionOrganizer, Event
    from server.organizations import services as orgs
    from server.organizations.schemas import OrganizationIn

    for app in APPS:
        result = await run_forwards(app)
        if not result.success:
            raise SystemExit(f"migration of {app} failed: {result.message}")

    async def org(name, kind, level, parent=None, **extra):
        return (await orgs.create(None, OrganizationIn(name=name, kind=kind, level=level, parent_id=parent,
                                                       **extra))).id

    national = await org("中华人民共和国", "region", "national")
    province = await org("山东省", "region", "province", national, region_code="370000")
    city = await org("济宁市", "region", "city", province, region_code="370800")
    edu = await org("济宁市教育局", "authority", "city", city, bureau="education")
    school = await org("济宁市高级职业学校", "school", "school", city, school_type="vocational")
    await create_user(None, UserIn(username="bench-coord", display_name="bench", password="bench-password-1",
                                   grants=[GrantIn(role="school_coordinator", organization_id=school)]))
    now = datetime.now(timezone.utc)
    comp = (await Competition.insert(Competition(name="基准赛", level="city", year=2026, status="registration_open",
                                                 created_at=now, updated_at=now)).returning(Competition.id))[0]["id"]
    await CompetitionOrganizer.insert(CompetitionOrganizer(competition=comp, organization=edu, role="host"))
    event = (await Event.insert(Event(competition=comp, code="B01", name="电工", max_coaches=0,
                                      registration_opens=now - timedelta(days=1),
                                      registration_closes=now + timedelta(days=1), created_at=now,
                                      updated_at=now)).returning(Event.id))[0]["id"]
    return {"school": school, "event": event}


async def timed_upload(client, url: str, headers: dict, content: bytes) -> tuple[float, dict]:
    files = {"file": ("file.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    start = time.perf_counter()
    r = await client.post(url, headers=headers, files=files)
    elapsed = time.perf_counter() - start
    if r.status_code not in (200, 201):
        raise SystemExit(f"{url}: HTTP {r.status_code}: {r.text[:500]}")
    return elapsed, r.json()


async def run(rows: int) -> None:
    import httpx

    from server.app import create_app
    from server.db import close_engine, engine_type, prepare_engine

    roster, ids = roster_file(rows)
    entries = entry_file(ids)
    await prepare_engine()
    try:
        where = await setup()
        transport = httpx.ASGITransport(app=create_app(), client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=300) as client:
            login = await client.post("/api/auth/login", json={"username": "bench-coord",
                                                                "password": "bench-password-1", "mode": "token"})
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            results = []
            for label, content, url in (
                ("roster", roster, f"/api/people/import?school_id={where['school']}"),
                ("entries", entries, f"/api/entries/import?event_id={where['event']}"),
            ):
                bare = best_of(lambda: bare_read(content))
                dry, _ = await timed_upload(client, url + "&dry_run=true", headers, content)
                full, report = await timed_upload(client, url, headers, content)
                assert report["created"] == rows, report
                results.append((label, len(content), bare, dry, full))
    finally:
        await close_engine()

    print(f"Excel import, {rows} rows per file, engine {engine_type()}")
    print(f"{'file':8} {'size':>8} {'bare read':>16} {'validate (dry run)':>22} {'import (commit)':>20} {'ratio':>7}")
    for label, size, bare, dry, full in results:
        print(f"{label:8} {size // 1024:>6}KB {rows / bare:>10.0f} rows/s {rows / dry:>15.0f} rows/s "
              f"{rows / full:>13.0f} rows/s {full / bare:>6.1f}x")
    print("ratio = import time / bare openpyxl read time of the same bytes (read_only, every row)")
    print(f"imports took {results[0][4]:.2f}s (roster) and {results[1][4]:.2f}s (entries) for {rows} rows each")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000, help="rows per file (default 5000)")
    parser.add_argument("--database-url", help="an empty, disposable database (default: temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jineng-bench-") as tmp:
        os.environ["JINENG_DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        os.environ.setdefault("JINENG_VAR_DIR", tmp)
        os.environ.setdefault("JINENG_PASSWORD_PROFILE", "test")
        import server  # noqa: F401  (PICCOLO_CONF, after the environment is final)

        asyncio.run(run(args.rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
