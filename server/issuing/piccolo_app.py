"""Piccolo app for the issuing domain (certificates, counters, labels, rate counters, published
documents)."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.issuing.tables import (
    Certificate,
    CertificateBatch,
    CertificateCounter,
    CertificateLabel,
    PublishedDocument,
    RateCounter,
)

APP_CONFIG = AppConfig(
    app_name="issuing",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[CertificateBatch, Certificate, CertificateCounter, CertificateLabel, RateCounter,
                   PublishedDocument],
    migration_dependencies=[
        "server.organizations.piccolo_app",
        "server.people.piccolo_app",
        "server.competitions.piccolo_app",
    ],
    commands=[],
)
