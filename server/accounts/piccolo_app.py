"""Piccolo app for the accounts domain."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.accounts.tables import AuthSession, LoginAttempt, RoleGrant, User

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[User, RoleGrant, AuthSession, LoginAttempt],
    migration_dependencies=["server.organizations.piccolo_app"],
    commands=[],
)
