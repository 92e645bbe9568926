"""Accounts API: sign in and out, the current user, password change, API tokens, users and grants."""

from __future__ import annotations

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from server.accounts import services
from server.accounts.middleware import SESSION_COOKIE, session_response
from server.accounts.schemas import (
    GrantIn,
    LoginIn,
    LoginOut,
    LogoutOut,
    MeOut,
    PasswordChangeIn,
    PasswordChangeOut,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
)
from server.guards import requires_role
from server.params import PathId
from server.principal import Principal


def remote_address(request: Request) -> str:
    client = request.client
    return client.host if client else "unknown"


def _cleared_session_cookie() -> Cookie:
    """Tells the browser to drop the session cookie (its session is already revoked on the server)."""
    return Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/")


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", opt={"public": True}, status_code=200)
    async def login(self, request: Request, data: JSONBody[LoginIn]) -> Response[LoginOut]:
        """Sign in. ``mode=cookie`` sets an HttpOnly session cookie and returns a CSRF token to echo in
        ``X-CSRF-Token``; ``mode=token`` returns a bearer token. Failed attempts are rate-limited."""
        user, token, csrf, expires = await services.login(
            data.username, data.password, mode=data.mode, remote=remote_address(request)
        )
        return session_response(user, token, csrf, expires, data.mode)

    @post("/logout", status_code=200)
    async def logout(self, principal: NamedDependency[Principal]) -> Response[LogoutOut]:
        """End this session or revoke the bearer token used for this request; the session cookie is cleared."""
        await services.logout(principal)
        return Response(LogoutOut(), cookies=[_cleared_session_cookie()])

    @get("/me")
    async def me(self, principal: NamedDependency[Principal]) -> MeOut:
        """The signed-in user with every role grant and its scope; for a cookie session also its
        ``csrf_token`` (to echo in ``X-CSRF-Token``), so a reloaded page can write again."""
        return await services.me(principal.user_id,
                                 cookie_session=principal.session_id if principal.via_cookie else None)

    @post("/password", status_code=200)
    async def change_password(
        self, principal: NamedDependency[Principal], data: JSONBody[PasswordChangeIn]
    ) -> Response[PasswordChangeOut]:
        """Change the password; every session and token of the user is revoked and the session cookie is
        cleared."""
        await services.change_password(principal, data.current_password, data.new_password)
        return Response(PasswordChangeOut(), cookies=[_cleared_session_cookie()])

    @post("/tokens", status_code=201)
    async def create_token(self, principal: NamedDependency[Principal], data: JSONBody[TokenIn]) -> TokenOut:
        """Create a named bearer token for an API client (shown once)."""
        token_id, token, expires = await services.create_token(principal, data.label, data.days)
        return TokenOut(id=token_id, token=token, label=data.label, expires_at=expires)

    @delete("/tokens/{token_id:int}", status_code=204)
    async def revoke_token(self, principal: NamedDependency[Principal], token_id: FromPath[PathId]) -> None:
        """Revoke one of your own tokens."""
        await services.revoke_token(principal, token_id)


class UserController(Controller):
    path = "/api/users"
    tags = ["users"]
    guards = [requires_role("admin", "organizer")]

    @get("/")
    async def list_users(self, principal: NamedDependency[Principal]) -> list[UserOut]:
        """Accounts the caller may manage (admins: all; organizers: those with grants in their subtree)."""
        return await services.list_users(principal)

    @post("/", status_code=201)
    async def create_user(self, principal: NamedDependency[Principal], data: JSONBody[UserIn]) -> UserOut:
        """Create an account with its role grants. Organizers may grant school and judging roles in
        their own subtree only."""
        return await services.create_user(principal, data)

    @get("/{user_id:int}")
    async def get_user(self, principal: NamedDependency[Principal], user_id: FromPath[PathId]) -> UserOut:
        return await services.get_user(principal, user_id)

    @post("/{user_id:int}/grants", status_code=201)
    async def add_grant(
        self, principal: NamedDependency[Principal], user_id: FromPath[PathId], data: JSONBody[GrantIn]
    ) -> UserOut:
        """Grant a role scoped to an organization subtree or to one competition."""
        return await services.add_grant(principal, user_id, data)

    @delete("/{user_id:int}/grants/{grant_id:int}", status_code=204)
    async def remove_grant(
        self, principal: NamedDependency[Principal], user_id: FromPath[PathId], grant_id: FromPath[PathId]
    ) -> None:
        await services.remove_grant(principal, user_id, grant_id)
