"""Competitions: load the bundled occupation catalog (国家职业分类大典 2022) into a fresh database.

The table class below is frozen at this migration's columns, so later table changes cannot break it;
rows that already exist (same code and work type) are left alone. The table and its loader belong to the
catalog domain since 2026-12 (``server.catalog``), whose later migrations keep it in step.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Text, Varchar
from piccolo.table import Table

ID = "2026-11-29T00:25:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "bundled occupation catalog"


class Occupation(Table, tablename="occupation", schema=None):
    code = Varchar(length=12)
    name = Varchar(length=60)
    work_type = Varchar(length=60, default="")
    major_group = Varchar(length=60, default="")
    levels = Varchar(length=20, default="")
    pinyin_initials = Varchar(length=60, default="")
    local = Boolean(default=False)
    source = Text(default="")


async def load_catalog() -> None:
    from server.catalog.bundled import catalog_rows  # (the loader moved to the catalog domain in 2026-12)

    present = {(r["code"], r["work_type"]) for r in await Occupation.select(Occupation.code, Occupation.work_type)}
    rows = [Occupation(**row, local=False) for row in catalog_rows() if (row["code"], row["work_type"]) not in present]
    if rows:
        await Occupation.insert(*rows)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competitions", description=DESCRIPTION)
    manager.add_raw(load_catalog)
    return manager
