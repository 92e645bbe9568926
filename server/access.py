"""Cross-domain access questions that several domains ask (kept here to avoid import cycles)."""

from __future__ import annotations

from server.accounts.principal import Principal


async def can_manage_competition(principal: Principal, competition_id: int) -> bool:
    """Organizer rights on a competition: admin, a competition-scoped organizer grant, or an organizer grant
    covering one of its organizing authorities. Until the competitions domain exists only the first two count."""
    if principal.is_admin or "organizer" in principal.competition_roles(competition_id):
        return True
    try:
        from server.competitions.services import organizing_paths
    except ImportError:
        return False
    return any(principal.covers_path(p, "organizer") for p in await organizing_paths(competition_id))
