"""What eligibility needs to know, read from the database: the facts the pure engine
(``server.registration.eligibility``) judges an entry on.

- the event (team size, coaches, quota, window, its competition's status and year, occupation, rules);
- the school (its type) and the people listed (school, status, birth date, graduation year);
- the entry's members as stored, the places the school already holds in the event, competitors entered
  in another entry of the event;
- prior national wins in the same occupation: the people domain's ``AwardRecord`` rows (publishing
  results records every award there), nothing else.

:func:`gather` collects all of them for one entry; submission calls it inside its transaction, after the
lock on the school's places, so what it reads is what the decision is made on.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

import msgspec

from server.competitions.schemas import EligibilityRules
from server.competitions.tables import Event
from server.errors import InvalidInput
from server.organizations.tables import Organization
from server.people.tables import AwardRecord, Person
from server.registration import eligibility as elig
from server.registration.lifecycle import PLACE_HOLDING
from server.registration.tables import Entry, EntryMember

CHUNK = 900  # SQLite keeps well under its bound-parameter limit


def now() -> datetime:
    return datetime.now(timezone.utc)


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


async def event_row(event_id: int, field: str = "event_id") -> dict:
    row = await Event.select(
        Event.all_columns(),
        Event.competition.name.as_alias("competition_name"),
        Event.competition.status.as_alias("competition_status"),
        Event.competition.year.as_alias("competition_year"),
        Event.competition.level.as_alias("competition_level"),
        Event.occupation.code.as_alias("occupation_code"),
        Event.occupation.name.as_alias("occupation_name"),
    ).where(Event.id == event_id).first()
    if row is None:
        raise InvalidInput(f"Event {event_id} does not exist.", code="event_not_found", field=field)
    return row


def event_rules(text: str | None) -> elig.Rules:
    """The event's rules, stored by the competitions domain as an ``EligibilityRules`` document."""
    if not text:
        return elig.Rules()
    return elig.rules_from(msgspec.json.decode(text, type=EligibilityRules))


def event_facts(row: dict) -> elig.EventFacts:
    return elig.EventFacts(
        id=row["id"], name=row["name"], team=bool(row["team"]), min_members=row["min_members"] or 1,
        max_members=row["max_members"] or 1, max_coaches=row["max_coaches"] if row["max_coaches"] is not None else 2,
        quota_per_school=row["quota_per_school"], registration_opens=row["registration_opens"],
        registration_closes=row["registration_closes"], competition_status=row["competition_status"],
        competition_year=row["competition_year"], occupation_code=row["occupation_code"],
        occupation_name=row["occupation_name"], rules=event_rules(row["eligibility"]),
    )


async def school_facts(school_id: int) -> elig.SchoolFacts:
    row = await Organization.select(Organization.id, Organization.name, Organization.school_type).where(
        Organization.id == school_id
    ).first()
    return elig.SchoolFacts(id=row["id"], name=row["name"], school_type=row["school_type"])


async def people_facts(person_ids: Iterable[int]) -> dict[int, elig.PersonFacts]:
    ids = sorted(set(person_ids))
    out: dict[int, elig.PersonFacts] = {}
    for part in chunks(ids):
        for r in await Person.select(Person.id, Person.name, Person.school, Person.status, Person.birth_date,
                                     Person.graduation_year).where(Person.id.is_in(list(part))):
            out[r["id"]] = elig.PersonFacts(id=r["id"], name=r["name"], school_id=r["school"], status=r["status"],
                                            birth_date=r["birth_date"], graduation_year=r["graduation_year"])
    return out


async def member_ids(entry_id: int) -> tuple[list[int], list[int]]:
    """The entry's competitors and coaches as stored, in order."""
    rows = await EntryMember.select(EntryMember.person, EntryMember.role).where(
        EntryMember.entry == entry_id
    ).order_by(EntryMember.position)
    return ([r["person"] for r in rows if r["role"] == "competitor"],
            [r["person"] for r in rows if r["role"] == "coach"])


async def entered_elsewhere(event_id: int, person_ids: Sequence[int], exclude_entry: int | None) -> dict[int, int]:
    """Competitors among ``person_ids`` holding a place in another entry of the event: person -> entry."""
    if not person_ids:
        return {}
    query = EntryMember.select(EntryMember.person, EntryMember.entry).where(
        (EntryMember.event == event_id) & (EntryMember.role == "competitor") & (EntryMember.active == True)  # noqa: E712
        & EntryMember.person.is_in(list(person_ids))
    )
    if exclude_entry is not None:
        query = query.where(EntryMember.entry != exclude_entry)
    return {r["person"]: r["entry"] for r in await query}


async def places_taken(event_id: int, school_id: int, exclude_entry: int | None) -> int:
    query = Entry.count().where(
        (Entry.event == event_id) & (Entry.school == school_id) & Entry.status.is_in(list(PLACE_HOLDING))
    )
    if exclude_entry is not None:
        query = query.where(Entry.id != exclude_entry)
    return await query


async def prior_national_wins(occupation_code: str | None, person_ids: Sequence[int]) -> dict[int, str]:
    """National-level awards in the same occupation (the people domain's award records): person -> the
    first such award, in words."""
    if not occupation_code or not person_ids:
        return {}
    found: dict[int, str] = {}
    for r in await AwardRecord.select().where(
        (AwardRecord.competition_level == "national") & (AwardRecord.occupation_code == occupation_code)
        & AwardRecord.person.is_in(list(person_ids))
    ).order_by(AwardRecord.year):
        found.setdefault(r["person"], f"{r['year']} {r['competition_name']}, {r['award']}")
    return found


async def gather(row: dict, members: Sequence[int], coaches: Sequence[int], *, resubmission: bool,
                 entry_id: int | None, at: datetime | None = None) -> tuple[elig.EventFacts, elig.Candidate, elig.Context]:
    """Collect the facts the eligibility engine needs for one entry (``row``: its event and school).
    ``at`` is the moment judged against the registration window (now, unless loading history)."""
    event = event_facts(await event_row(row["event"]))
    candidate = elig.Candidate(
        school=await school_facts(row["school"]), team_name=row.get("team_name"), members=list(members),
        coaches=list(coaches), people=await people_facts([*members, *coaches]), resubmission=resubmission,
    )
    context = elig.Context(
        now=at or now(),
        entered_elsewhere=await entered_elsewhere(event.id, members, entry_id),
        school_places_taken=await places_taken(event.id, row["school"], entry_id),
        prior_national_wins=(await prior_national_wins(event.occupation_code, members)
                             if event.rules.exclude_prior_national_winners else {}),
    )
    return event, candidate, context
