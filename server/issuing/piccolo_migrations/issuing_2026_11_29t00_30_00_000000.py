"""Hand-written: composite and partial unique indexes of the issuing tables (both engines).

* one award certificate per competitor and entry, while it is not superseded (a correction supersedes the
  old certificate first, then issues the new one);
* a label's code and what it stands for are unique within its category;
* the rate-limit count reads attempts by kind, address and time.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T00:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "issuing: unique award per entry and person, unique label codes, attempt index"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS certificate_award_entry_person ON certificate (entry, person) "
    "WHERE kind = 'award' AND status <> 'superseded' AND entry IS NOT NULL",
    "CREATE UNIQUE INDEX IF NOT EXISTS certificate_label_category_code ON certificate_label (category, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS certificate_label_category_ref ON certificate_label (category, ref)",
    "CREATE INDEX IF NOT EXISTS verify_attempt_kind_remote_at ON verify_attempt (kind, remote, at)",
]
INDEXES = ["certificate_award_entry_person", "certificate_label_category_code", "certificate_label_category_ref",
           "verify_attempt_kind_remote_at"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="issuing", description=DESCRIPTION)

    async def create_indexes():
        db = engine_finder()
        for sql in STATEMENTS:
            await db.run_ddl(sql)

    async def drop_indexes():
        db = engine_finder()
        for name in INDEXES:
            await db.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
