"""Piccolo app for the organizations domain."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.organizations.tables import Organization

APP_CONFIG = AppConfig(
    app_name="organizations",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Organization],
    migration_dependencies=[],
    commands=[],
)
