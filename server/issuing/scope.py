"""Who may read and who may manage a certificate (issuing's own scope rules).

* **Manage** (revoke, suspend, reinstate, supersede; download any PDF): the system (``principal=None``),
  organizers whose region covers the issuing organization, and whoever manages the certificate's
  competition (:func:`server.access.can_manage_competition`).
* **Read**: the holder (the account's person record), the holder's school coordinators, organizers covering
  the issuer or the holder's school, and organizers granted on the certificate's competition.
* **Issue in the name of** an organization: organizers covering it.

A certificate outside the caller's reach is reported as absent (404), so no one learns that it exists; one
the caller may read but not manage is a 403.
"""

from __future__ import annotations

from server.access import can_manage_competition
from server.errors import Forbidden, InvalidInput, NotFound
from server.issuing.rows import fetch
from server.issuing.tables import Certificate
from server.organizations.tables import Organization
from server.principal import Principal

STAFF_ROLES = ("organizer",)


async def issuer_for(principal: Principal | None, issuer_id: int, field: str = "issuer_id") -> dict:
    """The issuing organization's row, if the principal may issue in its name (422 unknown, 403 outside)."""
    row = await Organization.select().where(Organization.id == issuer_id).first()
    if row is None:
        raise InvalidInput(f"Organization {issuer_id} does not exist.", code="issuer_not_found", field=field)
    if principal is not None and not principal.covers_path(row["path"], *STAFF_ROLES):
        raise Forbidden("You can only issue certificates in the name of organizations you organize for.",
                        code="issuer_out_of_scope", field=field)
    return row


async def may_manage(principal: Principal | None, row: dict) -> bool:
    if principal is None or principal.covers_path(row["issuer_path"], *STAFF_ROLES):
        return True
    return await can_manage_competition(principal, row["competition"])


def may_read(principal: Principal, row: dict) -> bool:
    if principal.person_id is not None and principal.person_id == row["person"]:
        return True
    if row["school_id"] in principal.school_ids():
        return True
    if principal.covers_path(row["issuer_path"], *STAFF_ROLES):
        return True
    if row["school_path"] and principal.covers_path(row["school_path"], *STAFF_ROLES):
        return True
    return row["competition"] is not None and "organizer" in principal.competition_roles(row["competition"])


async def is_staff_for(principal: Principal, row: dict) -> bool:
    """Staff (not the holder or the school's coordinator): may still download a revoked or superseded PDF."""
    return bool(await may_manage(principal, row) or (
        row["school_path"] and principal.covers_path(row["school_path"], *STAFF_ROLES)))


def may_see_batch(principal: Principal, batch: dict) -> bool:
    """Batches (with ``issuer_path``) belong to the organizers of their issuer."""
    return principal.covers_path(batch["issuer_path"], *STAFF_ROLES) or principal.is_admin


def read_condition(principal: Principal):
    """The certificates a principal may list (None: all)."""
    if principal.is_admin:
        return None
    condition = None

    def either(cond):
        nonlocal condition
        condition = cond if condition is None else condition | cond

    for path in principal.scope_paths(*STAFF_ROLES):
        either(Certificate.issuer.path.like(path + "%"))
        either(Certificate.person.school.path.like(path + "%"))
    schools = list(principal.school_ids())
    if schools:
        either(Certificate.person.school.is_in(schools))
    competitions = [g.competition_id for g in principal.grants if g.role == "organizer" and g.competition_id]
    if competitions:
        either(Certificate.competition.is_in(competitions))
    if principal.person_id is not None:
        either(Certificate.person == principal.person_id)
    if condition is None:
        raise Forbidden("Your roles do not include access to certificates.", code="forbidden")
    return condition


async def readable(principal: Principal, ref: str | int) -> dict:
    """The certificate's row if the principal may read it, else 404."""
    row = await fetch(ref)
    # a certificate outside the caller's scope is reported as absent: no existence oracle
    if row is None or not may_read(principal, row):
        raise NotFound("No such certificate.", code="certificate_not_found")
    return row


async def manageable(principal: Principal | None, ref: str | int) -> dict:
    """The certificate's row if the principal may change it: 404 absent or unreadable, 403 read-only."""
    row = await fetch(ref)
    if row is None:
        raise NotFound("No such certificate.", code="certificate_not_found")
    if principal is not None and not await may_manage(principal, row):
        if may_read(principal, row):
            raise Forbidden("Only organizers of the issuing body change a certificate.", code="not_issuer")
        raise NotFound("No such certificate.", code="certificate_not_found")
    return row
