"""Piccolo configuration: the engine comes from ``JINENG_DATABASE_URL``; each domain is a Piccolo app.

Piccolo caches the engine on first query, so the environment must be final before anything queries.
"""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry

from server.config import get_settings

_settings = get_settings()

if _settings.engine == "postgres":
    from piccolo.engine.postgres import PostgresEngine

    DB = PostgresEngine(config={"dsn": _settings.database_url})
else:
    from server.sqlite_engine import PooledSQLiteEngine

    _settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    # A long busy timeout: writers are serialized in-process, so waiting only happens against
    # another process (a CLI command beside the server).
    DB = PooledSQLiteEngine(path=str(_settings.sqlite_path), timeout=60)

APP_REGISTRY = AppRegistry(
    apps=[
        "server.organizations.piccolo_app",
        "server.accounts.piccolo_app",
        "server.audit.piccolo_app",
        "server.people.piccolo_app",
        "server.competitions.piccolo_app",
        "server.catalog.piccolo_app",
        "server.registration.piccolo_app",
        "server.judging.piccolo_app",
        "server.results.piccolo_app",
        "server.issuing.piccolo_app",
    ]
)
