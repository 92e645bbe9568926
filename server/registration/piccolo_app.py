"""Piccolo app for the registration domain."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.registration.tables import Entry, EntryMember, EntryRemark

APP_CONFIG = AppConfig(
    app_name="registration",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Entry, EntryMember, EntryRemark],
    migration_dependencies=[
        "server.competitions.piccolo_app",
        "server.people.piccolo_app",
        "server.organizations.piccolo_app",
    ],
    commands=[],
)
