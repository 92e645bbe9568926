"""Authentication middleware and guards.

The middleware resolves a bearer token or a session cookie to a ``Principal`` (or none) and enforces CSRF
for cookie-authenticated writes. The app-wide guard refuses anonymous requests to every route that is not
explicitly public (``opt={"public": True}``), so a new route is private unless someone decides otherwise.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from server.accounts.principal import Principal
from server.accounts.services import authenticate_token, csrf_ok
from server.errors import Forbidden, Unauthenticated

SESSION_COOKIE = "jineng_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# framework routes without handler options of our own: API docs and static pages
PUBLIC_PREFIXES = ("/schema",)


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        if header[:7].lower() == "bearer ":
            resolved = await authenticate_token(header[7:].strip(), via_cookie=False)
            if resolved is None:
                raise Unauthenticated("The bearer token is invalid, expired or revoked.", code="invalid_token")
            return AuthenticationResult(user=resolved[0], auth="bearer")
        cookie = connection.cookies.get(SESSION_COOKIE)
        if cookie:
            resolved = await authenticate_token(cookie, via_cookie=True)
            if resolved is not None:
                principal, csrf = resolved
                method = connection.scope.get("method", "GET")
                if method not in SAFE_METHODS and not csrf_ok(csrf, connection.headers.get(CSRF_HEADER)):
                    raise Forbidden("Missing or wrong X-CSRF-Token header for a cookie session.", code="csrf_failed")
                return AuthenticationResult(user=principal, auth="cookie")
        return AuthenticationResult(user=None, auth=None)


def is_public(connection: ASGIConnection, handler: BaseRouteHandler) -> bool:
    if handler.opt.get("public"):
        return True
    return connection.scope["path"].startswith(PUBLIC_PREFIXES)


def require_authenticated(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """App-wide guard: private by default."""
    if is_public(connection, handler):
        return
    if not isinstance(connection.scope.get("user"), Principal):
        raise Unauthenticated("Sign in or send a bearer token.")


def requires_role(*roles: str):
    """Guard factory: the principal holds one of ``roles`` somewhere (scope is checked in services)."""

    def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if not isinstance(user, Principal):
            raise Unauthenticated("Sign in or send a bearer token.")
        if not user.has_role(*roles):
            raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.", code="role_required")

    return guard
