"""Occupation catalog API: search (code, name, work type, pinyin initials), one row, local entries."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.catalog import services
from server.catalog.schemas import OccupationIn, OccupationOut
from server.guards import requires_role
from server.params import PathId
from server.principal import Principal


class OccupationController(Controller):
    path = "/api/occupations"
    tags = ["occupations"]

    @get("/")
    async def search_occupations(
        self,
        q: FromQuery[Annotated[str | None, QueryParameter(max_length=60)]] = None,
        limit: FromQuery[Annotated[int, QueryParameter(ge=1, le=200)]] = 50,
    ) -> list[OccupationOut]:
        """The occupation catalog (国家职业分类大典 2022 plus local entries), searched by code, name, work type
        or pinyin initials (``q=dg`` finds 电工)."""
        return await services.search(q, limit)

    @get("/{occupation_id:int}")
    async def get_occupation(self, occupation_id: FromPath[PathId]) -> OccupationOut:
        return await services.get(occupation_id)

    @post("/", status_code=201, guards=[requires_role("admin", "organizer")])
    async def add_occupation(self, principal: NamedDependency[Principal], data: JSONBody[OccupationIn]) -> OccupationOut:
        """Add a local catalog entry (an occupation or work type the bundled catalog lacks)."""
        return await services.add_local(principal, data)


ROUTES = [OccupationController]
