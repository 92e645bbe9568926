"""Request and response shapes of the accounts API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

Role = Literal[
    "admin",
    "organizer",
    "school_coordinator",
    "judge",
    "chief_judge",
    "encryption_officer",
    "supervisor",
    "graduate",
]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]

Username = Annotated[str, msgspec.Meta(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=200)]


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    # cookie: a browser session (HttpOnly cookie + CSRF token); token: a bearer token for API clients
    mode: Literal["cookie", "token"] = "cookie"


class GrantOut(msgspec.Struct):
    id: int
    role: Role
    organization_id: int | None
    organization_name: str | None
    competition_id: int | None


class MeOut(msgspec.Struct):
    id: int
    username: str
    display_name: str
    person_id: int | None
    grants: list[GrantOut]
    # GET /api/auth/me with a session cookie: the session's CSRF token again, for a page that was reloaded
    csrf_token: str | None = None


class LoginOut(msgspec.Struct):
    user: MeOut
    expires_at: datetime
    # bearer mode only: send as "Authorization: Bearer <token>"
    token: str | None = None
    # cookie mode only: echo in the X-CSRF-Token header on every state-changing request
    csrf_token: str | None = None


class LogoutOut(msgspec.Struct):
    """The answer to ``POST /api/auth/logout``: this session or bearer token no longer works."""

    signed_out: bool = True


class PasswordChangeOut(msgspec.Struct):
    """The answer to ``POST /api/auth/password``: the new password is set and every session and token of
    the user (this one included) is revoked, so the caller signs in again."""

    password_changed: bool = True
    signed_out_everywhere: bool = True


class PasswordChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    new_password: Password


class TokenIn(msgspec.Struct, forbid_unknown_fields=True):
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 30


class TokenOut(msgspec.Struct):
    id: int
    token: str
    label: str
    expires_at: datetime


class GrantIn(msgspec.Struct, forbid_unknown_fields=True):
    role: Role
    organization_id: int | None = None
    competition_id: int | None = None


class UserIn(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    display_name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    password: Password
    person_id: int | None = None
    grants: list[GrantIn] = []


class UserOut(msgspec.Struct):
    id: int
    username: str
    display_name: str
    active: bool
    person_id: int | None
    grants: list[GrantOut]
