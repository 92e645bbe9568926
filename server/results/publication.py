"""Publishing results: an event's imported results become public, and every award winner's award is
recorded in the people domain's award records (the graduate record: what "exclude prior national
winners" and promotions read). One event at a time while the competition runs, or every event's
imported results at once inside the competition's step to ``results_published``
(``server.results.handlers``), which is refused while an event with approved entries has no results.
An event judged here publishes only when judging says it may (``server.judging.readiness``).
"""

from __future__ import annotations

import msgspec

from server import events
from server.access import competition_row, require_competition_manager
from server.audit.services import record
from server.catalog.tables import Occupation
from server.competitions.competitions import lock_competition, now
from server.competitions.events import event_row
from server.competitions.tables import Event
from server.db import write_transaction
from server.errors import Conflict
from server.judging.readiness import blockers as judging_blockers
from server.people.schemas import AwardIn
from server.people.services import record_award
from server.principal import Principal
from server.registration.tables import Entry, EntryMember
from server.results.schemas import EventResultsOut
from server.results.tables import EntryResult, EventResults
from server.results.views import event_results

# award tier codes that the people domain's award records know; any other code is recorded as "other"
AWARD_KINDS = {"first_prize", "second_prize", "third_prize", "gold", "silver", "bronze", "excellence"}


async def _record_awards(principal: Principal | None, competition: dict, event: dict) -> int:
    """Add each award winner's award to the people domain's award records (competitors, not coaches)."""
    if event["occupation"] is None:
        return 0
    occupation = await Occupation.select(Occupation.code).where(Occupation.id == event["occupation"]).first()
    winners = await EntryResult.select().where(
        (EntryResult.event == event["id"]) & EntryResult.award.is_not_null() & (EntryResult.withdrawn == False)  # noqa: E712
    ).order_by(EntryResult.row)
    count = 0
    for w in winners:
        people = await EntryMember.select(EntryMember.person).where(
            (EntryMember.entry == w["entry_id"]) & (EntryMember.role == "competitor")).order_by(EntryMember.position)
        for p in people:
            await record_award(None, p["person"], AwardIn(
                competition_level=competition["level"], competition_name=competition["name"][:200],
                year=competition["year"], occupation_code=occupation["code"], work_type=event["work_type"],
                award=w["award"] if w["award"] in AWARD_KINDS else "other", event_name=event["name"][:200],
                rank=w["rank"], source=f"competition {competition['id']} event {event['id']} entry {w['entry_id']}"[:100],
                entry_id=w["entry_id"],
            ))
            count += 1
    return count


async def _ready(event: dict) -> None:
    """A judged event publishes only after decryption, the re-check, the appeal window and every ruling."""
    blockers = await judging_blockers(event["id"])
    if blockers:  # each blocker as GET …/publication lists it: a stable code and what is at fault
        raise Conflict(f"{event['code']} {event['name']}: " + "; ".join(b.message for b in blockers) + ".",
                       code="judging_not_ready",
                       extra={"event_id": event["id"], "blockers": msgspec.to_builtins(blockers)})


async def _publish(principal: Principal | None, competition: dict, event: dict) -> None:
    """Inside the caller's transaction: mark published, record awards, audit."""
    await _ready(event)
    await EventResults.update({EventResults.status: "published", EventResults.published_at: now(),
                               EventResults.published_by: principal.user_id if principal else None}).where(
        EventResults.event == event["id"])
    awards = await _record_awards(principal, competition, event)
    events.queue("results.published", event_id=event["id"], competition_id=competition["id"])
    await record(principal, action="event.results_published", object_type="event", object_id=event["id"],
                 before={"status": "imported"}, after={"status": "published", "award_records": awards})


async def publish_event_results(principal: Principal | None, competition_id: int, event_id: int) -> EventResultsOut:
    """Publish one event's imported results (while the competition runs)."""
    await require_competition_manager(principal, competition_id)
    event = await event_row(competition_id, event_id)
    async with write_transaction():
        status = await lock_competition(competition_id)
        if status != "running":
            raise Conflict(f"Event results are published while the competition runs; it is {status}.",
                           code="competition_not_running")
        competition = await competition_row(competition_id)
        current = await EventResults.select(EventResults.status).where(EventResults.event == event_id).first()
        if current is None:
            raise Conflict("The event has no results to publish.", code="results_missing")
        if current["status"] == "published":
            raise Conflict("The event's results are already published.", code="results_published")
        await _publish(principal, competition, event)
    return await event_results(principal, competition_id, event_id)


async def publish_all_imported(principal: Principal | None, competition_id: int) -> list[int]:
    """Inside the competition's step to ``results_published``: refuse while an event with approved
    entries has no results (409 ``results_missing``), then publish every event's imported results.
    Returns the ids of the events published."""
    competition = await competition_row(competition_id)
    events = await Event.select().where(Event.competition == competition_id).order_by(Event.id)
    ids = [e["id"] for e in events] or [-1]
    with_results = {r["event"]: r["status"] for r in await EventResults.select(
        EventResults.event, EventResults.status).where(EventResults.event.is_in(ids))}
    approved = {r["event"] for r in await Entry.select(Entry.event).where(
        Entry.event.is_in(ids) & (Entry.status == "approved"))}
    missing = [e for e in events if e["id"] in approved and e["id"] not in with_results]
    if missing:
        raise Conflict(
            "Results are missing for events with approved entries: "
            + ", ".join(f"{e['code']} {e['name']}" for e in missing) + ".",
            code="results_missing", extra={"events": [e["id"] for e in missing]},
        )
    published = []
    for event in events:
        if with_results.get(event["id"]) == "imported":
            await _publish(principal, competition, event)
            published.append(event["id"])
    return published
