"""Who is asking: the authenticated principal and its scoped role grants (kernel: every domain reads it).

The accounts domain builds a ``Principal`` from a session or token; every other domain only asks it questions.

A grant scopes a role to an organization subtree (an authority's scope is its whole region, since the
bureau governs the schools there) or to one competition. Checks are prefix tests on materialized paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Grant:
    id: int
    role: str
    organization_id: int | None
    organization_name: str | None
    # the subtree this grant covers ("" for none)
    scope_path: str
    competition_id: int | None


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    person_id: int | None
    session_id: int
    via_cookie: bool
    grants: tuple[Grant, ...] = field(default_factory=tuple)

    @property
    def is_admin(self) -> bool:
        return any(g.role == "admin" for g in self.grants)

    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def has_role(self, *roles: str) -> bool:
        return self.is_admin or any(g.role in roles for g in self.grants)

    def covers_path(self, path: str, *roles: str) -> bool:
        """True when one of ``roles`` is granted on an organization whose subtree holds ``path``."""
        if self.is_admin:
            return True
        return any(g.role in roles and g.scope_path and path.startswith(g.scope_path) for g in self.grants)

    def competition_roles(self, competition_id: int | None) -> set[str]:
        # no competition, no competition roles (organization grants also have competition_id None)
        if competition_id is None:
            return set()
        return {g.role for g in self.grants if g.competition_id == competition_id}

    def scope_paths(self, *roles: str) -> list[str]:
        return [g.scope_path for g in self.grants if g.role in roles and g.scope_path]

    def school_ids(self) -> set[int]:
        """Schools this principal coordinates (a coordinator grant sits on the school itself)."""
        return {
            g.organization_id
            for g in self.grants
            if g.role == "school_coordinator" and g.organization_id is not None
        }
