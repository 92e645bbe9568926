"""Piccolo app for the audit domain."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.audit.tables import AuditCheckpoint, AuditEntry, AuditHead

APP_CONFIG = AppConfig(
    app_name="audit",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[AuditEntry, AuditHead, AuditCheckpoint],
    migration_dependencies=[],
    commands=[],
)
