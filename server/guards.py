"""Route guards: private by default, and role checks (scope is checked in services, see ``server.access``).

The app-wide guard refuses anonymous requests to every route that is not explicitly public
(``opt={"public": True}``), so a new route is private unless someone decides otherwise.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import WebSocketException
from litestar.handlers.base import BaseRouteHandler

from server.errors import DomainError, Forbidden, Unauthenticated
from server.principal import Principal

# framework routes without handler options of our own: API docs
PUBLIC_PREFIXES = ("/schema",)


def is_public(connection: ASGIConnection, handler: BaseRouteHandler) -> bool:
    if handler.opt.get("public"):
        return True
    return connection.scope["path"].startswith(PUBLIC_PREFIXES)


def for_connection(connection: ASGIConnection, error: DomainError) -> Exception:
    """A refusal as the connection can carry it: problem+json over HTTP; over a WebSocket (which has no
    response body before it is accepted) a close code of 4000 + the HTTP status, with the stable code as
    the reason."""
    if connection.scope["type"] == "websocket":
        return WebSocketException(detail=error.code, code=4000 + error.status)
    return error


# Guards are coroutines: Litestar runs a plain-function guard in a worker thread (``sync_to_thread``), a
# thread hand-off on every request for a check of a few attribute reads.

async def require_authenticated(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """App-wide guard: private by default."""
    if is_public(connection, handler):
        return
    if not isinstance(connection.scope.get("user"), Principal):
        raise for_connection(connection, Unauthenticated("Sign in or send a bearer token."))


def requires_role(*roles: str):
    """Guard factory: the principal holds one of ``roles`` somewhere (scope is checked in services)."""

    async def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if not isinstance(user, Principal):
            raise Unauthenticated("Sign in or send a bearer token.")
        if not user.has_role(*roles):
            raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.", code="role_required")

    return guard
