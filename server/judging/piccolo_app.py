"""Piccolo app for the judging domain."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.judging.tables import (
    Appeal,
    Assignment,
    CheckIn,
    Code,
    CodeConflict,
    CriterionLock,
    DecryptionStep,
    JudgingEvent,
    Mark,
    Pairing,
    PanelJudge,
    RecheckLine,
    Recusal,
    Seat,
    SignOff,
    Ticket,
    Unlock,
)

APP_CONFIG = AppConfig(
    app_name="judging",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[JudgingEvent, PanelJudge, Recusal, Assignment, CheckIn, Code, CodeConflict, Seat, Mark, Ticket,
                   SignOff, CriterionLock, Unlock, DecryptionStep, RecheckLine, Appeal, Pairing],
    migration_dependencies=["server.competitions.piccolo_app", "server.registration.piccolo_app",
                            "server.accounts.piccolo_app", "server.people.piccolo_app",
                            "server.organizations.piccolo_app"],
    commands=[],
)
