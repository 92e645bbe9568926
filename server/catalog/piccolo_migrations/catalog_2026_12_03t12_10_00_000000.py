"""Catalog: the unique index on (code, work_type), owned here since the handover.

The competitions domain created it under the same name; ``IF NOT EXISTS`` makes this a no-op there and
creates it on a database whose history started later.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from server.catalog.tables import Occupation

ID = "2026-12-03T12:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "occupation (code, work_type) unique index"


async def create_index() -> None:
    await Occupation.raw('CREATE UNIQUE INDEX IF NOT EXISTS "occupation_code_work_type_uq" '
                         'ON "occupation" ("code", "work_type")')


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="catalog", description=DESCRIPTION)
    manager.add_raw(create_index)
    return manager
