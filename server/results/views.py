"""Reading results: an event's results for organizers (and, once published, for every signed-in reader,
without entry and school ids unless they manage the competition), where each event of a competition
stands, the public announcements (names and schools only, no ids of any kind), and the standings that
advancement reads.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import scoring
from server.access import can_manage_competition, competition_row
from server.catalog.tables import Occupation
from server.competitions import rules
from server.competitions.events import event_row
from server.competitions.tables import Competition, CompetitionOrganizer, Event
from server.errors import NotFound
from server.principal import Principal
from server.registration.tables import Entry, EntryMember
from server.results.schemas import (
    EventResultsOut,
    EventResultsStatus,
    PublicCompetitionResults,
    PublicCompetitionSummary,
    PublicEventResults,
    PublicEventSummary,
    PublicResultLine,
    ResultLineOut,
)
from server.results.tables import EntryResult, EventResults


async def _lines(event_id: int) -> tuple[list[dict], dict[int, dict], dict[int, list[str]], dict[int, list[str]]]:
    """Result rows, their entries (school, team name) and member / coach names in position order."""
    rows = await EntryResult.select().where(EntryResult.event == event_id).order_by(EntryResult.row)
    ids = [r["entry_id"] for r in rows] or [-1]
    entries = {e["id"]: e for e in await Entry.select(
        Entry.id, Entry.team_name, Entry.school, Entry.school.name.as_alias("school_name")).where(Entry.id.is_in(ids))}
    members: dict[int, list[str]] = {}
    coaches: dict[int, list[str]] = {}
    for m in await EntryMember.select(EntryMember.entry, EntryMember.role, EntryMember.person.name.as_alias("name")).where(
            EntryMember.entry.is_in(ids)).order_by(EntryMember.position).order_by(EntryMember.id):
        (coaches if m["role"] == "coach" else members).setdefault(m["entry"], []).append(m["name"])
    return rows, entries, members, coaches


def _document_tiers(document: str) -> list:
    doc = scoring.decode_results(document)
    return doc.awards.tiers if doc.awards is not None else []


async def event_results(principal: Principal | None, competition_id: int, event_id: int) -> EventResultsOut:
    """The event's results: organizers of the competition always, with entry and school ids; every
    signed-in reader once published, by name only (``entry_id``/``school_id`` null)."""
    await competition_row(competition_id)
    event = await event_row(competition_id, event_id)
    head = await EventResults.select().where(EventResults.event == event_id).first()
    manager = principal is None or await can_manage_competition(principal, competition_id)
    if head is None or (head["status"] != "published" and not manager):
        raise NotFound("This event has no results yet.", code="results_not_found")
    names = rules.award_names(event, _document_tiers(head["document"]))
    rows, entries, members, _ = await _lines(event_id)
    lines = []
    for r in rows:
        entry = entries.get(r["entry_id"], {})
        lines.append(ResultLineOut(
            row=r["row"], entry_id=r["entry_id"] if manager else None,
            school_id=(entry.get("school") or 0) if manager else None,
            school_name=entry.get("school_name") or "", team_name=entry.get("team_name"),
            members=members.get(r["entry_id"], []), status=r["status"], rank=r["rank"], total=r["total"],
            total_exact=r["total_exact"], award=r["award"], award_name=names.get(r["award"]) if r["award"] else None,
            eligible=r["eligible"], withdrawn=r["withdrawn"]))
    return EventResultsOut(event_id=event_id, status=head["status"], source=head["source"], digest=head["digest"],
                           entry_count=head["entry_count"], imported_at=head["imported_at"],
                           published_at=head["published_at"], lines=lines)


async def public_event_results(competition_id: int, event_id: int) -> PublicEventResults:
    """Published results for anyone: rank, total, award, school, team and people's names — no ids."""
    competition = await competition_row(competition_id)
    event = await event_row(competition_id, event_id)
    head = await EventResults.select().where(EventResults.event == event_id).first()
    if head is None or head["status"] != "published":
        raise NotFound("This event's results are not published.", code="results_not_found")
    occupation = None
    if event["occupation"] is not None:
        occupation = (await Occupation.select(Occupation.name).where(Occupation.id == event["occupation"]).first())["name"]
    names = rules.award_names(event, _document_tiers(head["document"]))
    rows, entries, members, coaches = await _lines(event_id)
    ordered = sorted((r for r in rows if not r["withdrawn"]), key=lambda r: (r["rank"] is None, r["rank"] or 0, r["row"]))
    lines = [PublicResultLine(
        rank=r["rank"], total=r["total"], award=r["award"], award_name=names.get(r["award"]) if r["award"] else None,
        school=entries.get(r["entry_id"], {}).get("school_name") or "", team_name=entries.get(r["entry_id"], {}).get("team_name"),
        members=members.get(r["entry_id"], []), coaches=coaches.get(r["entry_id"], []),
    ) for r in ordered]
    return PublicEventResults(
        competition=competition["name"], competition_level=competition["level"], year=competition["year"],
        event=event["name"], event_code=event["code"], occupation=occupation, work_type=event["work_type"],
        group=event["group"], track=event["track"], published_at=head["published_at"], lines=lines)


async def public_competition_results(competition_id: int) -> PublicCompetitionResults:
    """The competition's events whose results are published (for anyone)."""
    competition = await competition_row(competition_id)
    organizers = await CompetitionOrganizer.select(CompetitionOrganizer.organization.name.as_alias("name")).where(
        CompetitionOrganizer.competition == competition_id).order_by(CompetitionOrganizer.id)
    events = await Event.select(Event.id, Event.code, Event.name).where(Event.competition == competition_id).order_by(Event.code)
    heads = {h["event"]: h for h in await EventResults.select().where(
        EventResults.event.is_in([e["id"] for e in events] or [-1]) & (EventResults.status == "published"))}
    if not heads and competition["status"] not in ("results_published", "archived"):
        raise NotFound("This competition has no published results.", code="results_not_found")
    return PublicCompetitionResults(
        competition=competition["name"], level=competition["level"], year=competition["year"],
        edition=competition["edition"], organizers=[o["name"] for o in organizers],
        events=[PublicEventSummary(event_id=e["id"], code=e["code"], name=e["name"],
                                   published_at=heads[e["id"]]["published_at"], entries=heads[e["id"]]["entry_count"])
                for e in events if e["id"] in heads])


async def public_competitions() -> list[PublicCompetitionSummary]:
    """Every competition with at least one published event, newest publication first (for anyone)."""
    heads = await EventResults.select(EventResults.published_at,
                                      EventResults.event.competition.as_alias("competition")).where(
        EventResults.status == "published")
    published: dict[int, list] = {}
    for h in heads:
        published.setdefault(h["competition"], []).append(h["published_at"])
    if not published:
        return []
    rows = await Competition.select().where(Competition.id.is_in(list(published)))
    organizers: dict[int, list[str]] = {}
    for o in await CompetitionOrganizer.select(CompetitionOrganizer.competition,
                                               CompetitionOrganizer.organization.name.as_alias("name")).where(
            CompetitionOrganizer.competition.is_in(list(published))).order_by(CompetitionOrganizer.id):
        organizers.setdefault(o["competition"], []).append(o["name"])
    out = [PublicCompetitionSummary(
        competition_id=r["id"], name=r["name"], level=r["level"], year=r["year"], edition=r["edition"],
        organizers=organizers.get(r["id"], []), published_events=len(published[r["id"]]),
        last_published_at=max(published[r["id"]])) for r in rows]
    return sorted(out, key=lambda c: (c.last_published_at, c.competition_id), reverse=True)


async def competition_results_status(competition_id: int) -> list[EventResultsStatus]:
    """Every event of the competition with where its results stand (none, imported or published)."""
    await competition_row(competition_id)
    events = await Event.select(Event.id, Event.code, Event.name).where(
        Event.competition == competition_id).order_by(Event.code)
    heads = {h["event"]: h for h in await EventResults.select(
        EventResults.event, EventResults.status, EventResults.source, EventResults.entry_count,
        EventResults.imported_at, EventResults.published_at).where(
        EventResults.event.is_in([e["id"] for e in events] or [-1]))}
    out = []
    for e in events:
        head = heads.get(e["id"])
        out.append(EventResultsStatus(
            event_id=e["id"], code=e["code"], name=e["name"], status=head["status"] if head else "none",
            source=head["source"] if head else None, entry_count=head["entry_count"] if head else 0,
            imported_at=head["imported_at"] if head else None, published_at=head["published_at"] if head else None))
    return out


async def standings(event_id: int) -> list[scoring.Standing]:
    """The event's standings from its stored results (for advancement): exact totals, our school ids."""
    rows = await EntryResult.select().where(EntryResult.event == event_id).order_by(EntryResult.row)
    schools = {e["id"]: e["school"] for e in await Entry.select(Entry.id, Entry.school).where(
        Entry.id.is_in([r["entry_id"] for r in rows] or [-1]))}
    out = []
    for r in rows:
        total = Fraction(r["total_exact"]) if r["total_exact"] else (Decimal(r["total"]) if r["total"] else None)
        out.append(scoring.Standing(entry=str(r["entry_id"]), rank=r["rank"], total=total, eligible=r["eligible"],
                                    school=str(schools.get(r["entry_id"], "")) or None, award=r["award"],
                                    withdrawn=r["withdrawn"]))
    return out


async def results_head(event_id: int) -> dict | None:
    return await EventResults.select().where(EventResults.event == event_id).first()
