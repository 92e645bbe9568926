"""Migrations run forwards on this pass's engine and produce every column the tables declare."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from piccolo.conf.apps import Finder

from server.config import get_settings
from server.db import engine


async def test_every_table_and_column_exists_after_migrating(client):
    db = engine()
    for table in Finder().get_table_classes():
        columns = ", ".join(f'"{c._meta.db_column_name}"' for c in table._meta.columns)
        # selecting every declared column fails if a migration forgot one
        await db.run_ddl(f'SELECT {columns} FROM "{table._meta.tablename}" LIMIT 0')


async def test_migrations_are_recorded_and_idempotent(client):
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.apps.migrations.tables import Migration

    before = await Migration.count()
    assert before >= len(Finder().get_app_configs()) - 1
    result = await run_forwards("all")
    assert result.success
    assert await Migration.count() == before


def _fresh_database_url(tmp_path) -> tuple[str, str | None]:
    """A new empty database of this pass's engine: (url, PostgreSQL database name to drop after)."""
    url = get_settings().database_url
    if get_settings().engine == "sqlite":
        return f"sqlite:///{tmp_path}/handover.sqlite", None
    name = f"jineng_handover_{uuid.uuid4().hex[:8]}"
    return url.rsplit("/", 1)[0] + "/" + name, name


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(get_settings().database_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def test_an_existing_database_keeps_its_rows_when_tables_change_owner(tmp_path):
    """The occupation table (competitions → catalog) and the results tables (competitions → results) are
    released and adopted without touching a row (server/migrating.py), on this pass's engine."""
    url, pg_name = _fresh_database_url(tmp_path)
    if pg_name:
        await _pg_admin(f'CREATE DATABASE "{pg_name}"')
    try:
        env = {**os.environ, "JINENG_DATABASE_URL": url, "JINENG_VAR_DIR": str(tmp_path)}
        done = subprocess.run([sys.executable, str(Path(__file__).with_name("migration_handover_script.py"))],
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        out = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if pg_name:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    assert out["bundled_before"] >= 90 and out["occupations"] == out["bundled_before"] + 1
    assert out["local"] == ["数控车工"]
    assert out["event_results"] == 1 and out["entry_results"] == [7]
    assert out["duplicate_refused"] is True
