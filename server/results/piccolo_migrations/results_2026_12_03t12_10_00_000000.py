"""Results: the unique indexes of the results tables, owned here since the handover.

The competitions domain created them under the same names; ``IF NOT EXISTS`` makes this a no-op there
and creates them on a database whose history started later.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from server.results.tables import EventResults

ID = "2026-12-03T12:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "results unique indexes"

UNIQUE_INDEXES = [
    ("event_results_event_uq", "event_results", '"event"'),
    ("entry_result_event_entry_uq", "entry_result", '"event", "entry_id"'),
]


async def create_indexes() -> None:
    for name, table, columns in UNIQUE_INDEXES:
        await EventResults.raw(f'CREATE UNIQUE INDEX IF NOT EXISTS "{name}" ON "{table}" ({columns})')


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="results", description=DESCRIPTION)
    manager.add_raw(create_indexes)
    return manager
