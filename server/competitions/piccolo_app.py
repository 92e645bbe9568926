"""Piccolo app for the competitions domain."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.competitions.tables import Competition, CompetitionOrganizer, Event

APP_CONFIG = AppConfig(
    app_name="competitions",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Competition, CompetitionOrganizer, Event],
    migration_dependencies=["server.organizations.piccolo_app"],
    commands=[],
)
