"""Who may manage what: the questions several domains ask, answered from the tables alone.

A competition is managed by admins, by organizers granted on that competition, and by organizers whose
grant covers one of its organizing authorities (主办/承办/协办: an authority's grant covers its region).
``None`` as the principal is the system itself (demo loader, CLI), which needs no grant. Scope checks of
one domain's own records (which school, which certificate) stay in that domain's services; this module
holds only what more than one domain needs.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.competitions.tables import Competition, CompetitionOrganizer
from server.errors import Forbidden, NotFound
from server.principal import Principal


async def organizing_paths(competition_id: int) -> list[str]:
    """Organization paths of the competition's organizing authorities."""
    rows = await CompetitionOrganizer.select(
        CompetitionOrganizer.organization.path.as_alias("path")
    ).where(CompetitionOrganizer.competition == competition_id)
    return [r["path"] for r in rows if r["path"]]


def _manages_without_paths(principal: Principal | None, competition_id: int | None) -> bool | None:
    """True or False when the grants alone decide, None when the organizing authorities' paths do."""
    if principal is None:
        return True
    if competition_id is None:
        return False
    if principal.is_admin or "organizer" in principal.competition_roles(competition_id):
        return True
    if not principal.scope_paths("organizer"):  # no organizer grant on any authority: the paths cannot help
        return False
    return None


def manages_competition(principal: Principal | None, competition_id: int | None, paths: Iterable[str]) -> bool:
    """:func:`can_manage_competition` for a caller that already read the organizing paths (a list of
    competitions answered from one query)."""
    decided = _manages_without_paths(principal, competition_id)
    if decided is not None:
        return decided
    return any(principal.covers_path(p, "organizer") for p in paths if p)


async def can_manage_competition(principal: Principal | None, competition_id: int | None) -> bool:
    """Organizer rights on a competition (see the module docstring)."""
    decided = _manages_without_paths(principal, competition_id)
    if decided is not None:
        return decided
    return manages_competition(principal, competition_id, await organizing_paths(competition_id))


async def competition_row(competition_id: int) -> dict:
    """The competition's row, or 404."""
    row = await Competition.select().where(Competition.id == competition_id).first()
    if row is None:
        raise NotFound(f"Competition {competition_id} does not exist.", code="competition_not_found")
    return row


async def require_competition_manager(principal: Principal | None, competition_id: int) -> dict:
    """The competition row if the principal manages it: 404 when it does not exist, 403 otherwise."""
    row = await competition_row(competition_id)
    if not await can_manage_competition(principal, competition_id):
        raise Forbidden("Only the organizers of this competition may change it.", code="not_competition_organizer")
    return row
