"""Competitions: hand the occupation table to the catalog domain and the results tables to the results
domain (``server.migrating``): recorded as dropped here, no SQL runs, the rows stay."""

from server.migrating import ReleasingMigrationManager

ID = "2026-12-03T12:03:48:074336"
VERSION = "1.38.0"
DESCRIPTION = "tables handed over between domains"


async def forwards():
    manager = ReleasingMigrationManager(
        migration_id=ID, app_name="competitions", description=DESCRIPTION
    )

    manager.drop_table(
        class_name="EventResults", tablename="event_results", schema=None
    )

    manager.drop_table(
        class_name="EntryResult", tablename="entry_result", schema=None
    )

    manager.drop_table(
        class_name="Occupation", tablename="occupation", schema=None
    )

    return manager
