"""Organizations API: browse the tree; organizers add and edit inside their region."""

from __future__ import annotations

from typing import Literal

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from server.guards import requires_role
from server.organizations import services
from server.organizations.schemas import OrganizationIn, OrganizationOut, OrganizationPatch
from server.params import PathId
from server.principal import Principal


class OrganizationController(Controller):
    path = "/api/organizations"
    tags = ["organizations"]

    @get("/")
    async def list_organizations(
        self,
        parent_id: FromQuery[int | None] = None,
        kind: FromQuery[Literal["region", "authority", "school"] | None] = None,
        within: FromQuery[int | None] = None,
        q: FromQuery[str | None] = None,
    ) -> list[OrganizationOut]:
        """Regions, authorities and schools, ordered as a tree; filter by parent, kind, subtree or name."""
        return await services.list_organizations(parent_id=parent_id, kind=kind, within=within, q=q)

    @get("/{org_id:int}")
    async def get_organization(self, org_id: FromPath[PathId]) -> OrganizationOut:
        return services.to_out(await services.get_row(org_id))

    @post("/", status_code=201, guards=[requires_role("admin", "organizer")])
    async def create_organization(
        self, principal: NamedDependency[Principal], data: JSONBody[OrganizationIn]
    ) -> OrganizationOut:
        """Add a region, authority or school under a region the caller organizes."""
        return await services.create(principal, data)

    @patch("/{org_id:int}", guards=[requires_role("admin", "organizer")])
    async def update_organization(
        self, principal: NamedDependency[Principal], org_id: FromPath[PathId], data: JSONBody[OrganizationPatch]
    ) -> OrganizationOut:
        return await services.update(principal, org_id, data)
