"""Hand-written: one active entry per person per event, enforced by the database on both engines.

``entry_member (event, person) WHERE role = 'competitor' AND active`` is a partial unique index: a
competitor holds at most one place per event while the entry is submitted, returned, resubmitted or
approved (``active``); drafts, declined and withdrawn entries hold none. A plain index on
``entry (event, school, status)`` serves the quota count at submission.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T00:19:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "partial unique index: one active entry per competitor per event"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS entry_member_one_entry_per_event "
    "ON entry_member (event, person) WHERE role = 'competitor' AND active",
    "CREATE INDEX IF NOT EXISTS entry_event_school_status ON entry (event, school, status)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registration", description=DESCRIPTION)

    async def create_indexes():
        db = engine_finder()
        for sql in STATEMENTS:
            await db.run_ddl(sql)

    async def drop_indexes():
        db = engine_finder()
        await db.run_ddl("DROP INDEX IF EXISTS entry_member_one_entry_per_event")
        await db.run_ddl("DROP INDEX IF EXISTS entry_event_school_status")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
