"""People API: the graduate record, scoped to the caller's schools or region."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from server.accounts.principal import Principal
from server.people import services
from server.people.schemas import PersonIn, PersonOut, PersonPage, PersonPatch


class PeopleController(Controller):
    path = "/api/people"
    tags = ["people"]

    @get("/")
    async def search_people(
        self,
        principal: NamedDependency[Principal],
        school_id: FromQuery[int | None] = None,
        q: FromQuery[str | None] = None,
        status: FromQuery[Literal["student", "graduate", "teacher"] | None] = None,
        limit: FromQuery[Annotated[int, msgspec.Meta(ge=1, le=500)]] = 50,
        offset: FromQuery[Annotated[int, msgspec.Meta(ge=0)]] = 0,
    ) -> PersonPage:
        """People the caller may see (own school, organizer region, or own record); IDs masked for
        coordinators."""
        return await services.search(principal, school_id=school_id, q=q, status=status, limit=limit, offset=offset)

    @post("/", status_code=201)
    async def create_person(self, principal: NamedDependency[Principal], data: JSONBody[PersonIn]) -> PersonOut:
        """Add a student, graduate or teacher to a school the caller coordinates or organizes."""
        return await services.create(principal, data)

    @get("/{person_id:int}")
    async def get_person(self, principal: NamedDependency[Principal], person_id: FromPath[int]) -> PersonOut:
        return await services.get(principal, person_id)

    @patch("/{person_id:int}")
    async def update_person(
        self, principal: NamedDependency[Principal], person_id: FromPath[int], data: JSONBody[PersonPatch]
    ) -> PersonOut:
        return await services.update(principal, person_id, data)
