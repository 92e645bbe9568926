"""Hand-written: one skill-level row per (person, occupation, work type, level).

A composite unique index instead of ``Unique([...])`` (PostgreSQL-only DDL); this statement runs on both
engines. Raw steps run before a migration's table changes, hence a migration of its own after the one that
creates ``skill_level``.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T00:19:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique skill level per person, occupation, work type and level"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS skill_level_person_occupation_level "
    "ON skill_level (person, occupation_code, work_type, level)",
    "CREATE INDEX IF NOT EXISTS award_record_person_occupation_level "
    "ON award_record (person, occupation_code, competition_level)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="people", description=DESCRIPTION)

    async def create_indexes():
        db = engine_finder()
        for sql in STATEMENTS:
            await db.run_ddl(sql)

    async def drop_indexes():
        db = engine_finder()
        await db.run_ddl("DROP INDEX IF EXISTS skill_level_person_occupation_level")
        await db.run_ddl("DROP INDEX IF EXISTS award_record_person_occupation_level")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
