"""Results API: an event's results (import, compute, read, publish), where a competition's events stand,
advancement to the parent competition, and the public results pages' data. Same URLs as when these
lived in the competitions API. Controllers only translate HTTP to service calls."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from server.params import PathId
from server.principal import Principal
from server.results import advancement, importing, publication, views
from server.results.schemas import (
    AdvancementOut,
    EventResultsOut,
    EventResultsStatus,
    PublicCompetitionResults,
    PublicCompetitionSummary,
    PublicEventResults,
)
from server.uploads import uploaded_file


class CompetitionResultsController(Controller):
    path = "/api/competitions/{competition_id:int}/results"
    tags = ["results"]

    @get("/")
    async def results_status(self, competition_id: FromPath[PathId]) -> list[EventResultsStatus]:
        """Every event of the competition and where its results stand: none, imported (not public yet) or
        published."""
        return await views.competition_results_status(competition_id)


class EventResultsController(Controller):
    path = "/api/competitions/{competition_id:int}/events"
    tags = ["results"]

    @post("/{event_id:int}/results", status_code=201)
    async def import_results(
        self, request: Request, principal: NamedDependency[Principal], competition_id: FromPath[PathId],
        event_id: FromPath[PathId],
    ) -> EventResultsOut:
        """Import the event's results from a ``jineng.results/1`` file (the scoring CLI's output), sent as
        the JSON body or as a multipart upload in field ``file``. All rows or none: every problem is
        reported with its row number."""
        data, _ = await uploaded_file(request)
        return await importing.import_results(principal, competition_id, event_id, data)

    @post("/{event_id:int}/results/compute", status_code=201)
    async def compute_results(
        self, request: Request, principal: NamedDependency[Principal], competition_id: FromPath[PathId],
        event_id: FromPath[PathId],
    ) -> EventResultsOut:
        """Compute the results from marks with the event's scheme: a ``jineng.marks/1`` JSON body, or an
        upload in field ``file`` (``.csv``: entry,judge,aspect,mark[,round])."""
        data, name = await uploaded_file(request)
        csv = name.lower().endswith(".csv") or request.headers.get("content-type", "").startswith("text/csv")
        return await importing.compute_results(principal, competition_id, event_id, data, csv=csv)

    @post("/{event_id:int}/results/from-judging", status_code=201)
    async def compute_from_judging(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], event_id: FromPath[PathId]
    ) -> EventResultsOut:
        """Compute the results from the event's judged marks (after the last decryption step)."""
        return await importing.compute_from_judging(principal, competition_id, event_id)

    @get("/{event_id:int}/results")
    async def event_results(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], event_id: FromPath[PathId]
    ) -> EventResultsOut:
        """The results: organizers always, with entry and school ids; every signed-in reader once published,
        by name (``entry_id`` and ``school_id`` null for those who do not manage the competition)."""
        return await views.event_results(principal, competition_id, event_id)

    @post("/{event_id:int}/results/publish", status_code=200)
    async def publish_results(
        self, principal: NamedDependency[Principal], competition_id: FromPath[PathId], event_id: FromPath[PathId]
    ) -> EventResultsOut:
        return await publication.publish_event_results(principal, competition_id, event_id)

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

    @get("/", opt={"public": True})
    async def competitions(self) -> list[PublicCompetitionSummary]:
        """Competitions with published results, newest publication first (what /results/ lists)."""
        return await views.public_competitions()

    @get("/{competition_id:int}/results", opt={"public": True})
    async def competition_results(self, competition_id: FromPath[PathId]) -> PublicCompetitionResults:
        """Events of the competition whose results are published."""
        return await views.public_competition_results(competition_id)

    @get("/{competition_id:int}/events/{event_id:int}/results", opt={"public": True})
    async def event_results(self, competition_id: FromPath[PathId], event_id: FromPath[PathId]) -> PublicEventResults:
        """Published results: ranks, totals, awards, schools and names; no ids of any kind."""
        return await views.public_event_results(competition_id, event_id)


ROUTES = [CompetitionResultsController, EventResultsController, PublicResultsController]
