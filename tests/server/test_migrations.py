"""Migrations run forwards on this pass's engine and produce every column the tables declare."""

from __future__ import annotations

from piccolo.conf.apps import Finder

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
