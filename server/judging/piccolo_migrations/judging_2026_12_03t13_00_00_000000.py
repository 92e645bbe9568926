"""Judging: composite and partial unique indexes (both engines), and the lookups marking makes.

``Unique([...])`` is PostgreSQL-only DDL, so uniqueness across columns is a unique index here; the
partial ones keep one open ticket per panel and one pending unlock request per event.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "judging unique indexes"

UNIQUE = [
    ("judging_event_event_uq", "judging_event", '"event"', ""),
    ("judging_panel_judge_uq", "judging_panel_judge", '"event", "user", "role"', ""),
    ("judging_assignment_uq", "judging_assignment", '"event", "user", "aspect"', ""),
    ("judging_checkin_uq", "judging_checkin", '"event", "entry"', ""),
    ("judging_code_uq", "judging_code", '"event", "code"', ""),
    ("judging_code_conflict_uq", "judging_code_conflict", '"event", "code", "user"', ""),
    ("judging_seat_uq", "judging_seat", '"event", "code", "aspect", "user", "round"', ""),
    ("judging_mark_key_uq", "judging_mark", '"user", "key"', ""),
    ("judging_mark_version_uq", "judging_mark", '"event", "code", "aspect", "user", "round", "version"', ""),
    ("judging_ticket_open_uq", "judging_ticket", '"event", "code", "aspect"', "WHERE status = 'open'"),
    ("judging_signoff_uq", "judging_signoff", '"event", "user", "criterion"', ""),
    ("judging_lock_uq", "judging_lock", '"event", "criterion"', ""),
    ("judging_unlock_pending_uq", "judging_unlock", '"event"', "WHERE status = 'pending'"),
    ("judging_decryption_uq", "judging_decryption", '"event", "layer"', ""),
    ("judging_recheck_uq", "judging_recheck", '"event", "code"', ""),
    ("judging_appeal_entry_uq", "judging_appeal", '"entry"', ""),
]
PLAIN = [
    ("judging_mark_event_code_ix", "judging_mark", '"event", "code"'),
    ("judging_seat_event_user_ix", "judging_seat", '"event", "user"'),
]


async def create_indexes() -> None:
    db = engine_finder()
    for name, table, columns, where in UNIQUE:
        await db.run_ddl(f'CREATE UNIQUE INDEX IF NOT EXISTS "{name}" ON "{table}" ({columns}) {where}')
    for name, table, columns in PLAIN:
        await db.run_ddl(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({columns})')


async def drop_indexes() -> None:
    db = engine_finder()
    for name, *_ in UNIQUE + PLAIN:
        await db.run_ddl(f'DROP INDEX IF EXISTS "{name}"')


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="judging", description=DESCRIPTION)
    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
