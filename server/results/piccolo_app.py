"""Piccolo app for the results domain (its tables were handed over by the competitions app)."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.results.tables import EntryResult, EventResults

APP_CONFIG = AppConfig(
    app_name="results",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[EventResults, EntryResult],
    migration_dependencies=["server.competitions.piccolo_app", "server.registration.piccolo_app"],
    commands=[],
)
