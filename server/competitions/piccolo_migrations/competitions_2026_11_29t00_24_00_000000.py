"""Competitions: composite unique indexes (and two lookup indexes) on both engines.

``Unique([...])`` is PostgreSQL-only DDL, so uniqueness across columns is a plain unique index here.
Raw steps run before a migration's table changes, hence their own migration after the tables exist.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-29T00:24:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique indexes of the competitions tables"

UNIQUE_INDEXES = [
    ("occupation_code_work_type_uq", "occupation", '"code", "work_type"'),
    ("competition_organizer_uq", "competition_organizer", '"competition", "organization"'),
    ("competition_event_code_uq", "competition_event", '"competition", "code"'),
    ("event_results_event_uq", "event_results", '"event"'),
    ("entry_result_event_entry_uq", "entry_result", '"event", "entry_id"'),
]
PLAIN_INDEXES = [
    ("competition_parent_ix", "competition", '"parent"'),
    ("competition_status_ix", "competition", '"status"'),
]


class Competition(Table, tablename="competition", schema=None):
    pass


async def create_indexes() -> None:
    for name, table, columns in UNIQUE_INDEXES:
        await Competition.raw(f'CREATE UNIQUE INDEX IF NOT EXISTS "{name}" ON "{table}" ({columns})')
    for name, table, columns in PLAIN_INDEXES:
        await Competition.raw(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({columns})')


async def drop_indexes() -> None:
    for name, _, _ in UNIQUE_INDEXES + PLAIN_INDEXES:
        await Competition.raw(f'DROP INDEX IF EXISTS "{name}"')


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="competitions", description=DESCRIPTION)
    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
