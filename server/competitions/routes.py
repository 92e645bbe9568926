"""Competitions API: the occupation catalog, competitions and their lifecycle, events, results and
advancement, plus the public results pages' data. Controllers only translate HTTP to service calls."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.competitions import advancement, results, services
from server.competitions.schemas import (
    AdvancementOut,
    CompetitionIn,
    CompetitionOut,
    CompetitionPatch,
    EventIn,
    EventOut,
    EventPatch,
    EventResultsOut,
    Level,
    PublicCompetitionResults,
    PublicEventResults,
    Status,
    TransitionIn,
)
from server.guards import requires_role
from server.params import MAX_ID, PathId
from server.principal import Principal
from server.uploads import uploaded_file


class CompetitionController(Controller):
    path = "/api/competitions"
    tags = ["competitions"]

    @get("/")
    async def list_competitions(
        self,
        level: FromQuery[Level | None] = None,
        year: FromQuery[Annotated[int | None, QueryParameter(ge=2000, le=2100)]] = None,
        status: FromQuery[Status | None] = None,
        parent_id: FromQuery[Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]] = None,
        organization_id: FromQuery[Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]] = None,
    ) -> list[CompetitionOut]:
        """Competitions at every level, newest year first; filter by level, year, status, parent or organizer."""
        return await services.list_competitions(level=level, year=year, status=status, parent_id=parent_id,
                                                organization_id=organization_id)

    @post("/", status_code=201, guards=[requires_role("admin", "organizer")])
    async def create_competition(
        self, principal: NamedDependency[Principal], data: JSONBody[CompetitionIn]
    ) -> CompetitionOut:
        """Create a draft competition; needs organizer rights on every organizing authority named."""
        return await services.create_competition(principal, data)

    @get("/{competition_id:int}")
    async def get_competition(self, competition_id: FromPath[PathId]) -> CompetitionOut:
        return await services.get_competition(competition_id)

    @patch("/{competition_id:int}")
    async def update_competition(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], data: JSONBody[CompetitionPatch]
    ) -> CompetitionOut:
        return await services.update_competition(principal, competition_id, data)

    @delete("/{competition_id:int}", status_code=204)
    async def delete_competition(self, principal: NamedDependency[Principal], competition_id: FromPath[PathId]) -> None:
        """Delete a draft competition without entries or competitions feeding into it."""
        await services.delete_competition(principal, competition_id)

    @post("/{competition_id:int}/transitions", status_code=200)
    async def transition(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], data: JSONBody[TransitionIn]
    ) -> CompetitionOut:
        """Move one step: draft → registration_open → registration_closed → running → results_published →
        archived. Skips and backward steps answer 409 ``invalid_transition``."""
        return await services.transition(principal, competition_id, data.to, data.reason)


class EventController(Controller):
    path = "/api/competitions/{competition_id:int}/events"
    tags = ["events"]

    @get("/")
    async def list_events(self, competition_id: FromPath[PathId]) -> list[EventOut]:
        return await services.list_events(competition_id)

    @post("/", status_code=201)
    async def create_event(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], data: JSONBody[EventIn]
    ) -> EventOut:
        """Add an event (赛项); the marking scheme and rules are validated by the scoring core (422 names the
        field and scoring's path, e.g. ``scheme.criteria[0].aspects[1].max``)."""
        return await services.create_event(principal, competition_id, data)

    @get("/{event_id:int}")
    async def get_event(self, competition_id: FromPath[PathId], event_id: FromPath[PathId]) -> EventOut:
        return await services.get_event(competition_id, event_id)

    @patch("/{event_id:int}")
    async def update_event(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], event_id: FromPath[PathId],
        data: JSONBody[EventPatch],
    ) -> EventOut:
        """Change an event. Registration rules freeze when registration closes, the scheme when the
        competition runs, award/promotion/advancement rules when results are published (409
        ``event_field_frozen`` names the field)."""
        return await services.update_event(principal, competition_id, event_id, data)

    @delete("/{event_id:int}", status_code=204)
    async def delete_event(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], event_id: FromPath[PathId]
    ) -> None:
        await services.delete_event(principal, competition_id, event_id)

    @post("/{event_id:int}/results", status_code=201)
    async def import_results(
        self, request: Request, principal: NamedDependency[Principal], competition_id: FromPath[PathId],
        event_id: FromPath[PathId],
    ) -> EventResultsOut:
        """Import the event's results from a ``jineng.results/1`` file (the scoring CLI's output), sent as
        the JSON body or as a multipart upload in field ``file``. All rows or none: every problem is
        reported with its row number."""
        data, _ = await uploaded_file(request)
        return await results.import_results(principal, competition_id, event_id, data)

    @post("/{event_id:int}/results/compute", status_code=201)
    async def compute_results(
        self, request: Request, principal: NamedDependency[Principal], competition_id: FromPath[PathId],
        event_id: FromPath[PathId],
    ) -> EventResultsOut:
        """Compute the results from marks with the event's scheme: a ``jineng.marks/1`` JSON body, or an
        upload in field ``file`` (``.csv``: entry,judge,aspect,mark[,round])."""
        data, name = await uploaded_file(request)
        csv = name.lower().endswith(".csv") or request.headers.get("content-type", "").startswith("text/csv")
        return await results.compute_results(principal, competition_id, event_id, data, csv=csv)

    @get("/{event_id:int}/results")
    async def event_results(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], event_id: FromPath[PathId]
    ) -> EventResultsOut:
        """The results with entry ids: organizers always, everyone once published."""
        return await results.event_results(principal, competition_id, event_id)

    @post("/{event_id:int}/results/publish", status_code=200)
    async def publish_results(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], event_id: FromPath[PathId]
    ) -> EventResultsOut:
        return await results.publish_event_results(principal, competition_id, event_id)

    @get("/{event_id:int}/advancement")
    async def preview_advancement(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], event_id: FromPath[PathId]
    ) -> AdvancementOut:
        """Who would advance to the parent competition's matching event, and why (creates nothing)."""
        return await advancement.advance(principal, competition_id, event_id, dry_run=True)

    @post("/{event_id:int}/advancement", status_code=200)
    async def run_advancement(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], event_id: FromPath[PathId]
    ) -> AdvancementOut:
        """Create pending (submitted) entries for the qualifiers in the parent competition's matching
        event; running it again creates nothing new."""
        return await advancement.advance(principal, competition_id, event_id)


class PublicResultsController(Controller):
    path = "/api/public/competitions"
    tags = ["public"]

    @get("/{competition_id:int}/results", opt={"public": True})
    async def competition_results(self, competition_id: FromPath[PathId]) -> PublicCompetitionResults:
        """Events of the competition whose results are published."""
        return await results.public_competition_results(competition_id)

    @get("/{competition_id:int}/events/{event_id:int}/results", opt={"public": True})
    async def event_results(self, competition_id: FromPath[PathId], event_id: FromPath[PathId]) -> PublicEventResults:
        """Published results: ranks, totals, awards, schools and names; no ids of any kind."""
        return await results.public_event_results(competition_id, event_id)


ROUTES = [CompetitionController, EventController, PublicResultsController]
