"""Health check: answers only when a real database round trip succeeds."""

from __future__ import annotations

import msgspec
from litestar import get
from litestar.exceptions import ServiceUnavailableException

from server.db import engine_type, ping


class Health(msgspec.Struct):
    status: str
    database: str


@get("/healthz", opt={"public": True}, tags=["health"])
async def healthz() -> Health:
    """Liveness with a database round trip (``SELECT 1``)."""
    try:
        ok = await ping()
    except Exception:  # the database is down: say so, never leak the driver's message
        ok = False
    if not ok:
        raise ServiceUnavailableException("database unreachable")
    return Health(status="ok", database=engine_type())
