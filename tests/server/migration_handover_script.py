"""Run by tests/server/test_migrations.py in a fresh process on a fresh database: migrate to the state
before the occupation and results tables changed owner, put rows in them, migrate to the end, and print
what survived as JSON. (A separate process because Piccolo fixes its engine on first use.)"""

import asyncio
import json

import server  # noqa: F401  (PICCOLO_CONF)
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.conf.apps import Finder

from server.db import engine

BEFORE = {  # the last migration of each app before the handover (2026-12-03)
    "organizations": "2026-11-29T00:01:16:163085", "audit": "2026-11-29T00:01:19:388293",
    "accounts": "2026-11-29T00:01:17:765869", "people": "2026-11-29T00:19:30:000000",
    "competitions": "2026-11-29T00:25:00:000000", "registration": "2026-11-29T00:19:40:000000",
    "issuing": "2026-11-29T00:30:00:000000",
}


async def main() -> None:
    for app, migration_id in BEFORE.items():
        result = await run_forwards(app, migration_id=migration_id)
        assert result.success, (app, result.message)
    db = engine()
    bundled = (await db.run_ddl('SELECT COUNT(*) AS n FROM "occupation"'))[0]["n"]
    await db.run_ddl('INSERT INTO "occupation" ("code", "name", "work_type", "major_group", "levels", '
                     '"pinyin_initials", "local", "source") VALUES '
                     "('6-18-01-01', '车工', '数控车工', '', '5,4,3', 'CG SKCG', true, 'a local row')")
    await db.run_ddl('INSERT INTO "organization" ("name", "kind", "level", "path", "created_at") VALUES '
                     "('济宁市', 'region', 'city', '/1/', '2026-11-30T00:00:00+00:00')")
    await db.run_ddl('INSERT INTO "competition" ("name", "level", "year", "status", "description", '
                     '"created_at", "updated_at") VALUES '
                     "('市赛', 'city', 2026, 'running', '', '2026-11-30T00:00:00+00:00', "
                     "'2026-11-30T00:00:00+00:00')")
    event = await db.run_ddl('SELECT "id" FROM "competition"')
    await db.run_ddl('INSERT INTO "competition_event" ("competition", "code", "name", "work_type", "group", '
                     '"track", "team", "min_members", "max_members", "max_coaches", "created_at", "updated_at") '
                     f"VALUES ({event[0]['id']}, 'E1', '电工', '', 'student', 'open', false, 1, 1, 2, "
                     "'2026-11-30T00:00:00+00:00', '2026-11-30T00:00:00+00:00')")
    event_id = (await db.run_ddl('SELECT "id" FROM "competition_event"'))[0]["id"]
    await db.run_ddl('INSERT INTO "event_results" ("event", "document", "digest", "source", "status", '
                     '"entry_count", "imported_at") VALUES '
                     f"({event_id}, '{{}}', 'abc', 'import', 'imported', 1, '2026-11-30T00:00:00+00:00')")
    await db.run_ddl('INSERT INTO "entry_result" ("event", "entry_id", "row", "status", "eligible", "withdrawn", '
                     f'"detail") VALUES ({event_id}, 7, 1, \'final\', true, false, \'\')')
    result = await run_forwards("all")
    assert result.success, result.message
    out = {
        "bundled_before": bundled,
        "occupations": (await db.run_ddl('SELECT COUNT(*) AS n FROM "occupation"'))[0]["n"],
        "local": [r["work_type"] for r in await db.run_ddl('SELECT "work_type" FROM "occupation" WHERE "local"')],
        "event_results": (await db.run_ddl('SELECT COUNT(*) AS n FROM "event_results"'))[0]["n"],
        "entry_results": [r["entry_id"] for r in await db.run_ddl('SELECT "entry_id" FROM "entry_result"')],
    }
    for table in Finder().get_table_classes():  # every declared column exists after the handover
        columns = ", ".join(f'"{c._meta.db_column_name}"' for c in table._meta.columns)
        await db.run_ddl(f'SELECT {columns} FROM "{table._meta.tablename}" LIMIT 0')
    # the unique index the catalog now owns still refuses a duplicate (code, work type)
    try:
        await db.run_ddl("INSERT INTO \"occupation\" (\"code\", \"name\", \"work_type\", \"major_group\", "
                         "\"levels\", \"pinyin_initials\", \"local\", \"source\") VALUES "
                         "('6-18-01-01', '车工', '数控车工', '', '', '', true, '')")
        out["duplicate_refused"] = False
    except Exception:
        out["duplicate_refused"] = True
    if db.engine_type == "postgres":
        await db.close_connection_pool()
    print(json.dumps(out))


asyncio.run(main())
