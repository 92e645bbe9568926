"""Authentication middleware: a bearer token or a session cookie becomes a ``Principal`` (or none).

CSRF is enforced here for cookie-authenticated writes. Which routes need a principal is decided by the
guards in ``server.guards``. Being the one middleware every request passes, it also refuses text no
engine stores alike (``server.errors.refuse_nul_text``) for requests that will reach their handler.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp, Receive, Scope, Send

from server.accounts.schemas import LoginOut, MeOut
from server.accounts.services import authenticate_token, csrf_ok
from server.config import get_settings
from server.errors import Forbidden, Unauthenticated, refuse_nul_text
from server.guards import is_public
from server.principal import Principal

SESSION_COOKIE = "jineng_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _text_guarded(app: ASGIApp) -> ASGIApp:
    """``app`` behind ``refuse_nul_text``, for requests the guards will let through (signed in, or a
    public route): an anonymous body sent to a private route is never read."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            handler = scope.get("route_handler")
            if isinstance(scope.get("user"), Principal) or (
                    handler is not None and is_public(ASGIConnection(scope), handler)):
                await refuse_nul_text(Request(scope, receive))
        await app(scope, receive, send)

    return guarded


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    def __init__(self, app: ASGIApp, *args: Any, **kwargs: Any) -> None:
        super().__init__(app, *args, **kwargs)
        self.app = _text_guarded(self.app)

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


def session_response(user: MeOut, token: str, csrf: str, expires: datetime, mode: str, *,
                     body: type = LoginOut, **extra) -> Response:
    """A new session as the answer to a sign-in: the bearer token in the body, or an HttpOnly,
    SameSite=Strict session cookie plus the CSRF token to echo in ``X-CSRF-Token``. ``body`` is the
    answer's struct (LoginOut's fields, plus ``extra``: a paired tablet is told its event)."""
    if mode == "token":
        return Response(body(user=user, expires_at=expires, token=token, **extra))
    settings = get_settings()
    cookie = Cookie(key=SESSION_COOKIE, value=token, httponly=True, samesite="strict",
                    secure=settings.cookie_secure, path="/", max_age=settings.session_hours * 3600)
    return Response(body(user=user, expires_at=expires, csrf_token=csrf, **extra), cookies=[cookie])
