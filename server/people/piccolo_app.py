"""Piccolo app for the people domain."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.people.tables import AwardRecord, Person, SkillLevel

APP_CONFIG = AppConfig(
    app_name="people",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Person, SkillLevel, AwardRecord],
    migration_dependencies=["server.organizations.piccolo_app"],
    commands=[],
)
