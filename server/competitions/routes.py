"""Competitions API: competitions and their lifecycle, and their events. Controllers only translate HTTP
to service calls (``server.competitions.competitions``, ``server.competitions.events``)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.competitions import competitions, events
from server.competitions.schemas import (
    CompetitionIn,
    CompetitionOut,
    CompetitionPatch,
    EventIn,
    EventOut,
    EventPatch,
    Level,
    Status,
    TransitionIn,
)
from server.guards import requires_role
from server.params import MAX_ID, PathId
from server.principal import Principal


class CompetitionController(Controller):
    path = "/api/competitions"
    tags = ["competitions"]

    @get("/")
    async def list_competitions(
        self,
        principal: NamedDependency[Principal],
        level: FromQuery[Level | None] = None,
        year: FromQuery[Annotated[int | None, QueryParameter(ge=2000, le=2100)]] = None,
        status: FromQuery[Status | None] = None,
        parent_id: FromQuery[Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]] = None,
        organization_id: FromQuery[Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]] = None,
    ) -> list[CompetitionOut]:
        """Competitions at every level, newest year first; filter by level, year, status, parent or organizer."""
        return await competitions.list_competitions(level=level, year=year, status=status, parent_id=parent_id,
                                                organization_id=organization_id, principal=principal)

    @post("/", status_code=201, guards=[requires_role("admin", "organizer")])
    async def create_competition(
        self, principal: NamedDependency[Principal], data: JSONBody[CompetitionIn]
    ) -> CompetitionOut:
        """Create a draft competition; needs organizer rights on every organizing authority named."""
        return await competitions.create_competition(principal, data)

    @get("/{competition_id:int}")
    async def get_competition(self, principal: NamedDependency[Principal],
                              competition_id: FromPath[PathId]) -> CompetitionOut:
        return await competitions.get_competition(competition_id, principal)

    @patch("/{competition_id:int}")
    async def update_competition(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], data: JSONBody[CompetitionPatch]
    ) -> CompetitionOut:
        return await competitions.update_competition(principal, competition_id, data)

    @delete("/{competition_id:int}", status_code=204)
    async def delete_competition(self, principal: NamedDependency[Principal], competition_id: FromPath[PathId]) -> None:
        """Delete a draft competition without entries or competitions feeding into it."""
        await competitions.delete_competition(principal, competition_id)

    @post("/{competition_id:int}/transitions", status_code=200)
    async def transition(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], data: JSONBody[TransitionIn]
    ) -> CompetitionOut:
        """Move one step: draft → registration_open → registration_closed → running → results_published →
        archived. Skips and backward steps answer 409 ``invalid_transition``."""
        return await competitions.transition(principal, competition_id, data.to, data.reason)


class EventController(Controller):
    path = "/api/competitions/{competition_id:int}/events"
    tags = ["events"]

    @get("/")
    async def list_events(self, competition_id: FromPath[PathId]) -> list[EventOut]:
        return await events.list_events(competition_id)

    @post("/", status_code=201)
    async def create_event(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], data: JSONBody[EventIn]
    ) -> EventOut:
        """Add an event (赛项); the marking scheme and rules are validated by the scoring core (422 names the
        field and scoring's path, e.g. ``scheme.criteria[0].aspects[1].max``)."""
        return await events.create_event(principal, competition_id, data)

    @get("/{event_id:int}")
    async def get_event(self, competition_id: FromPath[PathId], event_id: FromPath[PathId]) -> EventOut:
        return await events.get_event(competition_id, event_id)

    @patch("/{event_id:int}")
    async def update_event(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], event_id: FromPath[PathId],
        data: JSONBody[EventPatch],
    ) -> EventOut:
        """Change an event. Registration rules freeze when registration closes, the scheme when the
        competition runs, award/promotion/advancement rules when results are published (409
        ``event_field_frozen`` names the field)."""
        return await events.update_event(principal, competition_id, event_id, data)

    @delete("/{event_id:int}", status_code=204)
    async def delete_event(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], event_id: FromPath[PathId]
    ) -> None:
        await events.delete_event(principal, competition_id, event_id)


ROUTES = [CompetitionController, EventController]
