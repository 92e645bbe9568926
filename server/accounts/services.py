"""Account rules: login with rate limiting, sessions and tokens, users and scoped grants.

Tokens are random (256 bits) and stored as SHA-256 digests. Wrong user and wrong password get the same
answer and roughly the same time. Password change and logout revoke sessions at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta, timezone

from server import locks
from server.access import can_manage_competition
from server.accounts.passwords import hash_password, verify_password
from server.accounts.signin import check_password
from server.accounts.schemas import ROLES, GrantIn, GrantOut, MeOut, UserIn, UserOut
from server.accounts.tables import AuthSession, RoleGrant, User
from server.audit.services import record
from server.config import get_settings
from server.db import lock_key, write_transaction
from server.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from server.organizations.tables import Organization
from server.people.tables import Person
from server.principal import Grant, Principal

# roles that make sense only with an organization scope / only with a competition scope
ORG_SCOPED = {"admin", "organizer", "school_coordinator", "judge", "chief_judge", "encryption_officer", "supervisor"}
COMPETITION_SCOPED = {"organizer", "judge", "chief_judge", "encryption_officer", "supervisor"}


def now() -> datetime:
    return datetime.now(timezone.utc)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- principal loading ---------------------------------------------------------------------------

async def load_grants(user_id: int) -> tuple[Grant, ...]:
    rows = await RoleGrant.select(
        RoleGrant.id,
        RoleGrant.role,
        RoleGrant.organization.id.as_alias("org_id"),
        RoleGrant.organization.name.as_alias("org_name"),
        RoleGrant.organization.kind.as_alias("org_kind"),
        RoleGrant.organization.path.as_alias("org_path"),
        RoleGrant.organization.parent.path.as_alias("parent_path"),
        RoleGrant.competition_id,
    ).where(RoleGrant.user == user_id).order_by(RoleGrant.id)
    grants = []
    for r in rows:
        scope = ""
        if r["org_id"] is not None:
            # an authority governs its whole region, i.e. its parent's subtree
            scope = (r["parent_path"] or r["org_path"]) if r["org_kind"] == "authority" else r["org_path"]
        grants.append(Grant(r["id"], r["role"], r["org_id"], r["org_name"], scope or "", r["competition_id"]))
    return tuple(grants)


# One round trip per authenticated request: the session, its user and every grant with the organization
# paths the grant's scope needs (an authority's scope is its parent's subtree). Raw SQL because this runs
# on every request and building it through the query builder costs more than running it.
_PRINCIPAL_SQL = """
SELECT s.id AS session_id, s.kind, s.csrf_token, s.expires_at, s.revoked_at,
       u.id AS user_id, u.username, u.display_name, u.active, u.person_id,
       g.id AS grant_id, g.role, g.competition_id, o.id AS org_id, o.name AS org_name, o.kind AS org_kind,
       o.path AS org_path, p.path AS parent_path
FROM auth_session s
JOIN app_user u ON u.id = s."user"
LEFT JOIN role_grant g ON g."user" = u.id
LEFT JOIN organization o ON o.id = g."organization"
LEFT JOIN organization p ON p.id = o."parent"
WHERE s.token_hash = {}
ORDER BY g.id
"""


def _grant(r: dict) -> Grant:
    scope = ""
    if r["org_id"] is not None:
        # an authority governs its whole region, i.e. its parent's subtree
        scope = (r["parent_path"] or r["org_path"]) if r["org_kind"] == "authority" else r["org_path"]
    return Grant(r["grant_id"], r["role"], r["org_id"], r["org_name"], scope or "", r["competition_id"])


async def authenticate_token(token: str, *, via_cookie: bool) -> tuple[Principal, str] | None:
    """Resolve a session cookie or bearer token to a principal (and its CSRF token), or None.

    Read on every request from the database (one query), so a logout, a revoked token or a removed grant
    takes effect on the next request in every worker."""
    if not token or len(token) > 200:
        return None
    rows = await AuthSession.raw(_PRINCIPAL_SQL, token_digest(token))
    if not rows:
        return None
    row = rows[0]
    if row["revoked_at"] is not None or not row["active"]:
        return None
    expires = row["expires_at"]
    if isinstance(expires, str):  # raw SQL on SQLite returns the stored text
        expires = datetime.fromisoformat(expires)
    if expires <= now():
        return None
    if row["kind"] != ("cookie" if via_cookie else "bearer"):
        return None
    principal = Principal(
        user_id=row["user_id"],
        username=row["username"],
        display_name=row["display_name"],
        person_id=row["person_id"],
        session_id=row["session_id"],
        via_cookie=via_cookie,
        grants=tuple(_grant(r) for r in rows if r["grant_id"] is not None),
    )
    return principal, row["csrf_token"]


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(expected) and given is not None and hmac.compare_digest(expected, given)


# --- login / logout / password -------------------------------------------------------------------

async def login(username: str, password: str, *, mode: str, remote: str) -> tuple[MeOut, str, str, datetime]:
    """Returns (user, token, csrf_token, expires_at). Same refusal for unknown user and wrong password;
    the limits on failed attempts are ``server.accounts.signin``'s."""
    user = await check_password(username, password, remote=remote)
    settings = get_settings()
    expires = now() + (
        timedelta(hours=settings.session_hours) if mode == "cookie" else timedelta(days=settings.token_days)
    )
    token, csrf = await new_session(user["id"], "cookie" if mode == "cookie" else "bearer", expires, "login")
    return await me(user["id"]), token, csrf, expires


async def new_session(user_id: int, kind: str, expires: datetime, label: str) -> tuple[str, str]:
    """A new cookie or bearer session of a user: (token, CSRF token for cookie sessions)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24) if kind == "cookie" else ""
    async with write_transaction():
        await AuthSession.insert(
            AuthSession(
                token_hash=token_digest(token), user=user_id, kind=kind, label=label,
                csrf_token=csrf, created_at=now(), expires_at=expires,
            )
        )
    return token, csrf


async def logout(principal: Principal) -> None:
    async with write_transaction():
        await AuthSession.update({AuthSession.revoked_at: now()}).where(AuthSession.id == principal.session_id)


async def create_token(principal: Principal, label: str, days: int) -> tuple[int, str, datetime]:
    expires = now() + timedelta(days=days)
    token, _ = await new_session(principal.user_id, "bearer", expires, label)
    row = await AuthSession.select(AuthSession.id).where(AuthSession.token_hash == token_digest(token)).first()
    return row["id"], token, expires


async def revoke_token(principal: Principal, token_id: int) -> None:
    async with write_transaction():
        rows = await AuthSession.update({AuthSession.revoked_at: now()}).where(
            (AuthSession.id == token_id) & (AuthSession.user == principal.user_id)
        ).returning(AuthSession.id)
    if not rows:
        raise NotFound("No such token.", code="token_not_found")


async def change_password(principal: Principal, current: str, new: str) -> None:
    user = await User.select().where(User.id == principal.user_id).first()
    if not await asyncio.to_thread(verify_password, user["password_hash"], current):
        raise InvalidInput("The current password is wrong.", code="wrong_password", field="current_password")
    if current == new:
        raise InvalidInput("The new password must differ from the current one.", code="password_unchanged", field="new_password")
    new_hash = await asyncio.to_thread(hash_password, new)  # argon2: off the loop, outside the write lock
    async with write_transaction():
        await User.update({User.password_hash: new_hash, User.password_changed_at: now()}).where(
            User.id == principal.user_id
        )
        # every session and token of this user ends: a changed password must lock out whoever knew the old one
        await AuthSession.update({AuthSession.revoked_at: now()}).where(
            (AuthSession.user == principal.user_id) & AuthSession.revoked_at.is_null()
        )
        await record(principal, action="user.password_changed", object_type="user",
                     object_id=principal.user_id)


# --- users and grants ----------------------------------------------------------------------------

def _grant_out(g: Grant) -> GrantOut:
    return GrantOut(id=g.id, role=g.role, organization_id=g.organization_id,  # type: ignore[arg-type]
                    organization_name=g.organization_name, competition_id=g.competition_id)


async def me(user_id: int, *, cookie_session: int | None = None) -> MeOut:
    """The user with every grant; with ``cookie_session`` (the id of the cookie session asking) also that
    session's CSRF token, which a reloaded page has lost (it is never in the HttpOnly cookie)."""
    user = await User.select().where(User.id == user_id).first()
    if user is None:
        raise NotFound("No such user.", code="user_not_found")
    grants = await load_grants(user_id)
    csrf = None
    if cookie_session is not None:
        row = await AuthSession.select(AuthSession.csrf_token).where(
            (AuthSession.id == cookie_session) & (AuthSession.user == user_id) & (AuthSession.kind == "cookie")
        ).first()
        csrf = row["csrf_token"] if row else None
    return MeOut(id=user["id"], username=user["username"], display_name=user["display_name"],
                 person_id=user["person_id"], grants=[_grant_out(g) for g in grants], csrf_token=csrf)


async def _org_path(org_id: int) -> tuple[str, str]:
    row = await Organization.select(Organization.path, Organization.kind).where(Organization.id == org_id).first()
    if row is None:
        raise InvalidInput(f"Organization {org_id} does not exist.", code="organization_not_found",
                           field="organization_id")
    return row["path"], row["kind"]


async def _check_grant_allowed(principal: Principal | None, grant: GrantIn, field: str) -> None:
    if grant.role not in ROLES:
        raise InvalidInput(f"Unknown role {grant.role!r}.", code="unknown_role", field=f"{field}.role")
    if grant.organization_id is None and grant.competition_id is None and grant.role != "graduate":
        raise InvalidInput("A role needs an organization or a competition scope.", code="grant_scope_missing",
                           field=field)
    if grant.organization_id is not None and grant.competition_id is not None:
        raise InvalidInput("Give an organization or a competition scope, not both.", code="grant_scope_ambiguous",
                           field=field)
    if grant.competition_id is not None and grant.role not in COMPETITION_SCOPED:
        raise InvalidInput(f"The role {grant.role} cannot be scoped to a competition.", code="grant_scope_invalid",
                           field=f"{field}.competition_id")
    if grant.role == "school_coordinator":
        path, kind = await _org_path(grant.organization_id)  # type: ignore[arg-type]
        if kind != "school":
            raise InvalidInput("A school coordinator is granted on a school.", code="grant_scope_invalid",
                               field=f"{field}.organization_id")
    if principal is None or principal.is_admin:
        return
    # organizers may hand out school-level and judging roles inside their own subtree, nothing above it
    if grant.role in {"admin", "organizer", "supervisor"}:
        raise Forbidden("Only an administrator can grant this role.", code="grant_not_allowed")
    if grant.organization_id is not None:
        path, _ = await _org_path(grant.organization_id)
        if not principal.covers_path(path, "organizer"):
            raise Forbidden("You can only grant roles inside your own organizations.", code="grant_not_allowed")
    elif grant.competition_id is not None:
        if not await can_manage_competition(principal, grant.competition_id):
            raise Forbidden("You can only grant roles for competitions you organize.", code="grant_not_allowed")
    # else: the unscoped graduate role, which by itself opens nothing (a graduate sees the person record the
    # account is linked to). Before, ``can_manage_competition(principal, None)`` answered this case, and it
    # matched every organization-scoped organizer grant (their competition_id is None too).


async def _person_in_scope(principal: Principal | None, person_id: int) -> bool:
    """The person exists and (for anyone but the system and admins) is at a school the caller organizes."""
    row = await Person.select(Person.id, Person.school.path.as_alias("school_path")).where(
        Person.id == person_id).first()
    return row is not None and (principal is None or principal.covers_path(row["school_path"] or "", "organizer"))


async def _check_person_link(principal: Principal | None, person_id: int | None) -> None:
    """An account linked to a person record reads that record, its certificates and PDFs (as the graduate).
    The person must exist, and an organizer may link only people of schools in their own region: otherwise
    an organizer could create an account for anyone's record and read it through that account."""
    if person_id is None:
        return
    if not await _person_in_scope(principal, person_id):  # the same answer for absent and out of scope
        raise InvalidInput(f"Person {person_id} is not on record in your region.", code="person_not_found",
                           field="person_id")


async def create_user(principal: Principal | None, data: UserIn) -> UserOut:
    if principal is not None and not principal.has_role("admin", "organizer"):
        raise Forbidden("Only administrators and organizers create accounts.", code="forbidden")
    for i, g in enumerate(data.grants):
        await _check_grant_allowed(principal, g, f"grants[{i}]")
    await _check_person_link(principal, data.person_id)
    password_hash = await asyncio.to_thread(hash_password, data.password)  # off the loop, outside the lock
    async with write_transaction():
        if await User.exists().where(User.username == data.username):
            raise Conflict(f"The username {data.username!r} is taken.", code="username_taken", field="username")
        created = await User.insert(
            User(username=data.username, display_name=data.display_name, password_hash=password_hash,
                 person_id=data.person_id, created_at=now(), password_changed_at=now())
        ).returning(User.id)
        user_id = created[0]["id"]
        for g in data.grants:
            await RoleGrant.insert(RoleGrant(user=user_id, role=g.role, organization=g.organization_id,
                                             competition_id=g.competition_id,
                                             granted_by=principal.user_id if principal else None, created_at=now()))
        await record(principal, action="user.created", object_type="user", object_id=user_id,
                     after={"username": data.username, "display_name": data.display_name,
                            "grants": [{"role": g.role, "organization_id": g.organization_id,
                                        "competition_id": g.competition_id} for g in data.grants]})
    return await get_user(principal, user_id)


async def get_user(principal: Principal | None, user_id: int) -> UserOut:
    user = await User.select().where(User.id == user_id).first()
    if user is None:
        raise NotFound("No such user.", code="user_not_found")
    grants = await load_grants(user_id)
    if principal is not None and not principal.is_admin and principal.user_id != user_id:
        # organizers see accounts that hold a grant inside their subtree or on a competition they organize
        visible = any(g.scope_path and principal.covers_path(g.scope_path, "organizer") for g in grants)
        if not visible:
            for g in grants:
                if g.competition_id is not None and await can_manage_competition(principal, g.competition_id):
                    visible = True
                    break
        if not visible and user["person_id"] is not None:
            # a graduate account (no scoped grant) belongs to the region of the person it is linked to
            visible = await _person_in_scope(principal, user["person_id"])
        if not visible:
            raise NotFound("No such user.", code="user_not_found")
    return UserOut(id=user["id"], username=user["username"], display_name=user["display_name"],
                   active=user["active"], person_id=user["person_id"], grants=[_grant_out(g) for g in grants])


async def list_users(principal: Principal) -> list[UserOut]:
    if not principal.has_role("admin", "organizer"):
        raise Forbidden("Only administrators and organizers list accounts.", code="forbidden")
    ids = [r["id"] for r in await User.select(User.id).order_by(User.id)]
    out = []
    for user_id in ids:
        try:
            out.append(await get_user(principal, user_id))
        except NotFound:
            continue
    return out


async def add_grant(principal: Principal, user_id: int, grant: GrantIn) -> UserOut:
    # organizers manage the accounts they can see (those holding a grant in their subtree); any other
    # account is absent to them, as on GET, so they can neither change it nor read it through the answer
    await get_user(principal, user_id)
    await _check_grant_allowed(principal, grant, "body")
    async with write_transaction():
        if not await User.exists().where(User.id == user_id):
            raise NotFound("No such user.", code="user_not_found")
        await RoleGrant.insert(RoleGrant(user=user_id, role=grant.role, organization=grant.organization_id,
                                         competition_id=grant.competition_id, granted_by=principal.user_id,
                                         created_at=now()))
        await record(principal, action="grant.added", object_type="user", object_id=user_id,
                     after={"role": grant.role, "organization_id": grant.organization_id,
                            "competition_id": grant.competition_id})
    return await get_user(principal, user_id)


async def remove_grant(principal: Principal, user_id: int, grant_id: int) -> None:
    await get_user(principal, user_id)  # an account the caller does not manage is absent (see add_grant)
    row = await RoleGrant.select().where((RoleGrant.id == grant_id) & (RoleGrant.user == user_id)).first()
    if row is None:
        raise NotFound("No such grant.", code="grant_not_found")
    await _check_grant_allowed(
        principal, GrantIn(role=row["role"], organization_id=row["organization"], competition_id=row["competition_id"]),
        "grant",
    )
    async with write_transaction():
        if row["role"] == "admin":
            await lock_key(locks.admin_grants())  # two removals at once must not both see the other one remaining
        if row["role"] == "admin" and not await RoleGrant.exists().where(
                (RoleGrant.role == "admin") & (RoleGrant.id != grant_id)):
            # the API would lock everyone out of administration (only the CLI could create an admin again)
            raise Conflict("This is the last administrator grant; grant another administrator first.",
                           code="last_admin_grant")
        await RoleGrant.delete().where(RoleGrant.id == grant_id)
        await record(principal, action="grant.removed", object_type="user", object_id=user_id,
                     before={"role": row["role"], "organization_id": row["organization"],
                             "competition_id": row["competition_id"]})
