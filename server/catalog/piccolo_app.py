"""Piccolo app for the occupation catalog.

The occupation table was created by the competitions app's first migrations and handed over to this app
later (``server.migrating``), so this app's migrations run after the competitions app's: the dependency
reflects the table's history (competition events reference occupations), not the code's direction.
"""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.catalog.tables import Occupation

APP_CONFIG = AppConfig(
    app_name="catalog",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Occupation],
    migration_dependencies=["server.competitions.piccolo_app"],
    commands=[],
)
