"""Authentication middleware: a bearer token or a session cookie becomes a ``Principal`` (or none).

CSRF is enforced here for cookie-authenticated writes. Which routes need a principal is decided by the
guards in ``server.guards``.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from server.accounts.services import authenticate_token, csrf_ok
from server.errors import Forbidden, Unauthenticated

SESSION_COOKIE = "jineng_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


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
