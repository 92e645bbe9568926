"""Registration rules: entries of schools in events, their status lifecycle, review and eligibility facts.

Status lifecycle of an entry::

    draft ──submit──▶ submitted ──┬─return──▶ returned ──submit──▶ resubmitted ──┐
                                  ├─approve─▶ approved                         (review again)
                                  └─decline─▶ declined
    withdraw: from draft, submitted, returned, resubmitted (by the school or an organizer of the
    competition), and from approved until the competition runs.

Who does what: a school coordinator creates, edits (draft, returned), submits and withdraws the school's
own entries; the competition's organizers (``server.access.can_manage_competition``) review. Another
school's entry is reported as absent (404); drafts are the school's own and invisible to reviewers.

Eligibility is checked at submission by the pure engine (``server.registration.eligibility``) over facts
gathered here, inside the write transaction and after a lock keyed on (event, school): concurrent
submissions for a school's last place are serialized, so exactly one wins (on SQLite the write lock does
the same). A partial unique index backs "one entry per person per event" in the database.

Every change is audit-logged in its own transaction. Transitions are conditional updates
(``... WHERE status IN (...)``), so two reviewers acting at once cannot both move an entry.
"""

from __future__ import annotations

import inspect
import logging
from datetime import date, datetime, timezone
from typing import Any, Iterable, Sequence

import msgspec

from server import locks
from server.access import can_manage_competition
from server.audit.services import record
from server.competitions.tables import Competition, Event
from server.db import lock_key, write_transaction
from server.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, refusal
from server.organizations.tables import Organization
from server.people import resident_id as rid
from server.people.services import school_row, sees_full_id
from server.people.tables import AwardRecord, Person
from server.principal import Principal
from server.registration import eligibility as elig
from server.registration.schemas import (
    BulkApproveOut,
    EligibilityOut,
    EntryIn,
    EntryOut,
    EntryPage,
    EntryPatch,
    MemberOut,
    ProblemOut,
    RemarkIn,
    RemarkOut,
    ReviewPage,
    WithdrawOut,
)
from server.registration.tables import Entry, EntryMember, EntryRemark

log = logging.getLogger("jineng.registration")

EDITABLE = ("draft", "returned")
REVIEWABLE = ("submitted", "resubmitted")
PLACE_HOLDING = ("submitted", "returned", "resubmitted", "approved")
WITHDRAWABLE = ("draft", "submitted", "returned", "resubmitted")
FINAL = ("declined", "withdrawn")
STARTED = elig.STARTED
ROSTER_CODES = {"not_on_roster", "duplicate_member", "coach_is_competitor"}
CHUNK = 900  # SQLite keeps well under its bound-parameter limit


def now() -> datetime:
    return datetime.now(timezone.utc)


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


# --- reading rows ---------------------------------------------------------------------------------

def entry_select():
    return Entry.select(
        Entry.all_columns(),
        Entry.event.code.as_alias("event_code"),
        Entry.event.name.as_alias("event_name"),
        Entry.event.competition.id.as_alias("competition_id"),
        Entry.event.competition.name.as_alias("competition_name"),
        Entry.event.competition.status.as_alias("competition_status"),
        Entry.school.name.as_alias("school_name"),
        Entry.school.path.as_alias("school_path"),
    )


async def fetch_entry(entry_id: int) -> dict | None:
    return await entry_select().where(Entry.id == entry_id).first()


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


def _decode_rules(text: str | None, event_id: int) -> elig.Rules:
    """The event's ``EligibilityRules`` (competitions' shape); anything unreadable degrades to defaults
    rule by rule rather than failing the submission."""
    if not text:
        return elig.Rules()
    try:
        from server.competitions.schemas import EligibilityRules

        return elig.rules_from(msgspec.json.decode(text, type=EligibilityRules))
    except Exception:  # older/newer shape or not yet defined: read what is there
        log.warning("event %s: eligibility document does not match EligibilityRules; reading it leniently", event_id)
    try:
        raw = msgspec.json.decode(text)
    except msgspec.DecodeError:
        return elig.Rules()
    if not isinstance(raw, dict):
        return elig.Rules()
    ref = raw.get("age_reference_date")
    if isinstance(ref, str):
        try:
            raw["age_reference_date"] = date.fromisoformat(ref)
        except ValueError:
            raw["age_reference_date"] = None
    return elig.rules_from(raw)


def event_facts(row: dict) -> elig.EventFacts:
    return elig.EventFacts(
        id=row["id"], name=row["name"], team=bool(row["team"]), min_members=row["min_members"] or 1,
        max_members=row["max_members"] or 1, max_coaches=row["max_coaches"] if row["max_coaches"] is not None else 2,
        quota_per_school=row["quota_per_school"], registration_opens=row["registration_opens"],
        registration_closes=row["registration_closes"], competition_status=row["competition_status"],
        competition_year=row["competition_year"], occupation_code=row["occupation_code"],
        occupation_name=row["occupation_name"], rules=_decode_rules(row["eligibility"], row["id"]),
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
    rows = await EntryMember.select(EntryMember.person, EntryMember.role).where(
        EntryMember.entry == entry_id
    ).order_by(EntryMember.position)
    return ([r["person"] for r in rows if r["role"] == "competitor"],
            [r["person"] for r in rows if r["role"] == "coach"])


async def entered_elsewhere(event_id: int, person_ids: Sequence[int], exclude_entry: int | None) -> dict[int, int]:
    """Competitors among ``person_ids`` holding a place in another entry of the event."""
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
    """National-level awards in the same occupation: the people domain's award records, plus what the
    competitions domain knows from published results when it offers ``prior_national_winners``."""
    if not occupation_code or not person_ids:
        return {}
    found: dict[int, str] = {}
    for r in await AwardRecord.select().where(
        (AwardRecord.competition_level == "national") & (AwardRecord.occupation_code == occupation_code)
        & AwardRecord.person.is_in(list(person_ids))
    ).order_by(AwardRecord.year):
        found.setdefault(r["person"], f"{r['year']} {r['competition_name']}, {r['award']}")
    try:
        from server.competitions.services import prior_national_winners
    except ImportError:
        return found
    try:
        extra = prior_national_winners(occupation_code, list(person_ids))
        if inspect.isawaitable(extra):
            extra = await extra
    except TypeError:  # a different signature than expected: the award records above still apply
        log.warning("competitions.services.prior_national_winners has an unexpected signature")
        return found
    if isinstance(extra, dict):
        for person_id, text in extra.items():
            found.setdefault(int(person_id), str(text) if text else "a national award")
    elif extra:
        for person_id in extra:
            found.setdefault(int(person_id), "a national award")
    return found


async def gather(row: dict, members: Sequence[int], coaches: Sequence[int], *, resubmission: bool,
                 entry_id: int | None, at: datetime | None = None) -> tuple[elig.EventFacts, elig.Candidate, elig.Context]:
    """Collect the facts the eligibility engine needs for one entry (called inside the submit lock).
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


# --- access ---------------------------------------------------------------------------------------

def is_school_side(principal: Principal, school_id: int) -> bool:
    return school_id in principal.school_ids() or principal.is_admin


async def readable_entry(principal: Principal, entry_id: int) -> tuple[dict, bool, bool]:
    """(row, acts for the school, reviews it) or 404: another school's entry, or a draft to a reviewer."""
    row = await fetch_entry(entry_id)
    if row is None:
        raise NotFound("No such entry.", code="entry_not_found")
    school = is_school_side(principal, row["school"])
    reviewer = await can_manage_competition(principal, row["competition_id"])
    if not school and not (reviewer and row["status"] != "draft"):
        raise NotFound("No such entry.", code="entry_not_found")
    return row, school, reviewer


def _require_school(school_side: bool, what: str) -> None:
    if not school_side:
        raise Forbidden(f"Only the school's coordinator can {what} this entry.", code="school_only")


def _check_version(row: dict, version: int | None) -> None:
    if version is not None and version != row["version"]:
        raise Conflict(f"The entry changed since you read it (version {row['version']}, you sent {version}); "
                       "reload it and try again.", code="stale_version", field="version")


def _transition_refused(row: dict, action: str, allowed: Sequence[str]) -> Conflict:
    return Conflict(f"Entry {row['id']} is {row['status']}; it can be {action} only when "
                    f"{' or '.join(allowed)}.", code="invalid_transition", extra={"entry_status": row["status"]})


def acting_school(principal: Principal, school_id: int | None) -> int:
    own = principal.school_ids()
    if school_id is not None:
        if school_id in own or principal.is_admin:
            return school_id
        raise Forbidden("You can only register entries for your own school.", code="other_school")
    if len(own) == 1:
        return next(iter(own))
    if own or principal.is_admin:
        raise InvalidInput("You coordinate several schools: say which one (school_id).", code="school_required",
                           field="school_id")
    raise Forbidden("Only school coordinators register entries.", code="coordinator_only")


def check_event_takes_drafts(event: dict) -> None:
    status = event["competition_status"]
    if status == "draft":
        raise Conflict(f"{event['competition_name']} is not yet published; entries open with registration.",
                       code="registration_not_open", field="event_id")
    if status in STARTED:
        raise Conflict(f"{event['competition_name']} is {elig.COMPETITION_STATUS_WORDS.get(status, status)}; "
                       "registration is over.", code="registration_over", field="event_id")


# --- output ---------------------------------------------------------------------------------------

async def members_of(entry_ids: Sequence[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for part in chunks(list(entry_ids)):
        for r in await EntryMember.select(
            EntryMember.entry, EntryMember.person, EntryMember.role, EntryMember.position,
            EntryMember.person.name.as_alias("name"), EntryMember.person.gender.as_alias("gender"),
            EntryMember.person.status.as_alias("status"), EntryMember.person.resident_id.as_alias("resident_id"),
        ).where(EntryMember.entry.is_in(list(part))).order_by(EntryMember.position):
            out.setdefault(r["entry"], []).append(r)
    return out


async def remarks_of(entry_ids: Sequence[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for part in chunks(list(entry_ids)):
        for r in await EntryRemark.select().where(EntryRemark.entry.is_in(list(part))).order_by(EntryRemark.id):
            out.setdefault(r["entry"], []).append(r)
    return out


def actions_for(row: dict, school_side: bool, reviewer: bool) -> list[str]:
    status, acts = row["status"], []
    if school_side:
        if status in EDITABLE:
            acts += ["edit", "submit"]
    if (school_side or reviewer) and (
        status in WITHDRAWABLE or (status == "approved" and row["competition_status"] not in STARTED)
    ):
        acts.append("withdraw")
    if reviewer and status in REVIEWABLE and row["competition_status"] not in STARTED:
        acts += ["return", "approve", "decline"]
    return acts


def member_out(m: dict, full: bool) -> MemberOut:
    return MemberOut(
        person_id=m["person"], name=m["name"], gender=m["gender"], status=m["status"],
        resident_id=m["resident_id"] if full else rid.mask(m["resident_id"]), resident_id_masked=not full,
        position=m["position"],
    )


async def to_outs(principal: Principal, rows: list[dict]) -> list[EntryOut]:
    ids = [r["id"] for r in rows]
    members = await members_of(ids)
    remarks = await remarks_of(ids)
    managed: dict[int, bool] = {}
    outs = []
    for r in rows:
        comp = r["competition_id"]
        if comp not in managed:
            managed[comp] = await can_manage_competition(principal, comp)
        full = sees_full_id(principal, r["school_path"])
        ms = members.get(r["id"], [])
        outs.append(EntryOut(
            id=r["id"], event_id=r["event"], event_code=r["event_code"], event_name=r["event_name"],
            competition_id=comp, competition_name=r["competition_name"], school_id=r["school"],
            school_name=r["school_name"], team_name=r["team_name"], status=r["status"], source=r["source"],
            version=r["version"],
            members=[member_out(m, full) for m in ms if m["role"] == "competitor"],
            coaches=[member_out(m, full) for m in ms if m["role"] == "coach"],
            remarks=[RemarkOut(id=x["id"], kind=x["kind"], field=x["field"], message=x["message"],
                               resolved=bool(x["resolved"]), created_at=x["created_at"])
                     for x in remarks.get(r["id"], [])],
            decline_reason=r["decline_reason"], withdraw_reason=r["withdraw_reason"],
            submitted_at=r["submitted_at"], reviewed_at=r["reviewed_at"], withdrawn_at=r["withdrawn_at"],
            created_at=r["created_at"], updated_at=r["updated_at"],
            actions=actions_for(r, is_school_side(principal, r["school"]), managed[comp]),
        ))
    return outs


async def entry_out(principal: Principal, entry_id: int) -> EntryOut:
    return (await to_outs(principal, [await fetch_entry(entry_id)]))[0]


# --- drafts ---------------------------------------------------------------------------------------

async def _roster_problems(school_id: int, members: Sequence[int], coaches: Sequence[int]) -> list[elig.Problem]:
    """What a draft must already satisfy: everyone on the school's roster, nobody twice."""
    school = await school_facts(school_id)
    candidate = elig.Candidate(school=school, team_name=None, members=list(members), coaches=list(coaches),
                               people=await people_facts([*members, *coaches]))
    stub = elig.EventFacts(id=0, name="", team=False, min_members=0, max_members=99, max_coaches=99,
                           quota_per_school=None, registration_opens=None, registration_closes=None,
                           competition_status="registration_open", competition_year=now().year,
                           occupation_code=None, occupation_name=None,
                           rules=elig.Rules(person_statuses=("student", "graduate", "teacher")))
    return [p for p in elig.check_people(stub, candidate, elig.Context(now=now())) if p.code in ROSTER_CODES]


def refuse(problems: list[elig.Problem], summary: str, code: str) -> DomainError:
    return refusal([p.as_dict() for p in problems], summary, code=code)


async def _insert_members(entry_id: int, event_id: int, members: Sequence[int], coaches: Sequence[int],
                          active: bool) -> None:
    rows = [EntryMember(entry=entry_id, event=event_id, person=p, role="competitor", position=i, active=active)
            for i, p in enumerate(members)]
    rows += [EntryMember(entry=entry_id, event=event_id, person=p, role="coach", position=i, active=active)
             for i, p in enumerate(coaches)]
    if rows:
        await EntryMember.insert(*rows)


async def create_entry(principal: Principal, data: EntryIn) -> EntryOut:
    school_id = acting_school(principal, data.school_id)
    await school_row(school_id)
    event = await event_row(data.event_id)
    check_event_takes_drafts(event)
    members = [m.person_id for m in data.members]
    coaches = [c.person_id for c in data.coaches]
    problems = await _roster_problems(school_id, members, coaches)
    if problems:
        raise refuse(problems, "The entry was not saved", "invalid_members")
    team_name = data.team_name.strip() if data.team_name else None
    stamp = now()
    async with write_transaction():
        inserted = await Entry.insert(Entry(
            event=event["id"], school=school_id, team_name=team_name, status="draft", source="registration",
            created_by=principal.user_id, created_at=stamp, updated_at=stamp,
        )).returning(Entry.id)
        entry_id = inserted[0]["id"]
        await _insert_members(entry_id, event["id"], members, coaches, active=False)
        await record(principal, action="entry.created", object_type="entry", object_id=entry_id,
                     after={"event_id": event["id"], "school_id": school_id, "team_name": team_name,
                            "members": members, "coaches": coaches, "status": "draft"})
    return await entry_out(principal, entry_id)


async def update_entry(principal: Principal, entry_id: int, data: EntryPatch) -> EntryOut:
    row, school_side, _ = await readable_entry(principal, entry_id)
    _require_school(school_side, "edit")
    if row["status"] not in EDITABLE:
        raise _transition_refused(row, "edited", EDITABLE)
    _check_version(row, data.version)
    old_members, old_coaches = await member_ids(entry_id)
    members = old_members if data.members is msgspec.UNSET else [m.person_id for m in data.members]
    coaches = old_coaches if data.coaches is msgspec.UNSET else [c.person_id for c in data.coaches]
    team_name = row["team_name"] if data.team_name is msgspec.UNSET else (
        data.team_name.strip() if data.team_name else None)
    problems = await _roster_problems(row["school"], members, coaches)
    holds_place = row["status"] == "returned"
    if holds_place and not problems:
        taken = await entered_elsewhere(row["event"], members, entry_id)
        people = await people_facts(taken)
        problems = [elig.Problem("already_entered", f"members[{i}].person_id",
                                 f"{people[p].name if p in people else p} is already entered in this event "
                                 f"(entry {taken[p]}).") for i, p in enumerate(members) if p in taken]
    if problems:
        raise refuse(problems, "The entry was not changed", "invalid_members")
    roster_changed = (members, coaches) != (old_members, old_coaches)
    if not roster_changed and team_name == row["team_name"]:
        return await entry_out(principal, entry_id)
    async with write_transaction():
        updated = await Entry.update({
            Entry.team_name: team_name, Entry.version: Entry.version + 1, Entry.updated_at: now(),
        }).where((Entry.id == entry_id) & (Entry.version == row["version"])
                 & Entry.status.is_in(list(EDITABLE))).returning(Entry.id)
        if not updated:
            raise Conflict("The entry changed while you edited it; reload it and try again.", code="stale_version")
        if roster_changed:
            await EntryMember.delete().where(EntryMember.entry == entry_id)
            await _insert_members(entry_id, row["event"], members, coaches, active=holds_place)
        await record(principal, action="entry.updated", object_type="entry", object_id=entry_id,
                     before={"team_name": row["team_name"], "members": old_members, "coaches": old_coaches},
                     after={"team_name": team_name, "members": members, "coaches": coaches})
    return await entry_out(principal, entry_id)


# --- submit and eligibility -----------------------------------------------------------------------

async def check_eligibility(principal: Principal, entry_id: int) -> EligibilityOut:
    """What submitting the entry now would say, without submitting (a preview for school and reviewers)."""
    row, _, _ = await readable_entry(principal, entry_id)
    members, coaches = await member_ids(entry_id)
    # an entry that already holds its place is judged like a resubmission: window and quota are settled
    resubmission = row["status"] in PLACE_HOLDING
    event, candidate, context = await gather(row, members, coaches, resubmission=resubmission, entry_id=entry_id)
    problems = elig.evaluate(event, candidate, context)
    return EligibilityOut(entry_id=entry_id, eligible=not problems,
                          problems=[ProblemOut(code=p.code, field=p.field, message=p.message) for p in problems])


async def submit(principal: Principal, entry_id: int, version: int | None = None, *,
                 at: datetime | None = None) -> EntryOut:
    """Submit a draft or resubmit a returned entry after the full eligibility check. ``at`` replaces the
    clock for the window check when loading history (the demo); the API never passes it."""
    row, school_side, _ = await readable_entry(principal, entry_id)
    _require_school(school_side, "submit")
    async with write_transaction():
        # one school's places in one event: concurrent submissions queue here (SQLite: the write lock)
        await lock_key(locks.entry_places(row["event"], row["school"]))
        row = await fetch_entry(entry_id)
        if row["status"] not in EDITABLE:
            raise _transition_refused(row, "submitted", EDITABLE)
        _check_version(row, version)
        members, coaches = await member_ids(entry_id)
        resubmission = row["status"] == "returned"
        event, candidate, context = await gather(row, members, coaches, resubmission=resubmission, entry_id=entry_id,
                                                 at=at)
        problems = elig.evaluate(event, candidate, context)
        if problems:
            raise refuse(problems, f"The entry cannot be submitted ({len(problems)} problem(s))", "not_eligible")
        new_status = "resubmitted" if resubmission else "submitted"
        stamp = now()
        await Entry.update({
            Entry.status: new_status, Entry.submitted_at: stamp, Entry.updated_at: stamp,
            Entry.version: Entry.version + 1,
        }).where(Entry.id == entry_id)
        await EntryMember.update({EntryMember.active: True}).where(EntryMember.entry == entry_id)
        if resubmission:
            await EntryRemark.update({EntryRemark.resolved: True}).where(
                (EntryRemark.entry == entry_id) & (EntryRemark.kind == "return")
            )
        await record(principal, action=f"entry.{new_status}", object_type="entry", object_id=entry_id,
                     before={"status": row["status"]},
                     after={"status": new_status, "members": members, "coaches": coaches,
                            "team_name": row["team_name"]})
    return await entry_out(principal, entry_id)


# --- withdrawal -----------------------------------------------------------------------------------

def _as_report(result: Any) -> dict | None:
    if result is None:
        return None
    if isinstance(result, dict):
        return result
    if isinstance(result, msgspec.Struct):
        return msgspec.to_builtins(result)
    if isinstance(result, int):
        return {"entry_id": result}
    return {"result": str(result)}


async def _offer_replacement(entry_id: int, principal: Principal) -> dict | None:
    """Ask the advancement domain to offer the place to the next eligible qualifier (inside the
    withdrawal's transaction, after the withdrawal is recorded: both commit or neither)."""
    try:
        from server.competitions.advancement import offer_replacement
    except ImportError:
        log.warning("entry %s withdrawn from advancement, but no replacement service is available", entry_id)
        return None
    result = offer_replacement(entry_id, principal)
    if inspect.isawaitable(result):
        result = await result
    return _as_report(result)


async def _lock_competition(competition_id: int) -> None:
    """Take the advancement domain's competition lock before the audit chain's lock: ``offer_replacement``
    takes it later in this transaction, and lock order must match its own flows (competition, then audit)
    or PostgreSQL could deadlock a withdrawal against an advancement run."""
    await lock_key(locks.competition(competition_id))


async def withdraw(principal: Principal, entry_id: int, reason: str, version: int | None = None) -> WithdrawOut:
    row, school_side, reviewer = await readable_entry(principal, entry_id)
    if not (school_side or reviewer):  # pragma: no cover - readable_entry already refused
        raise NotFound("No such entry.", code="entry_not_found")
    status = row["status"]
    if status in FINAL:
        raise _transition_refused(row, "withdrawn", (*WITHDRAWABLE, "approved"))
    if status == "approved" and row["competition_status"] in STARTED:
        raise Conflict("The competition has started; an approved entry can no longer be withdrawn.",
                       code="competition_started")
    _check_version(row, version)
    replacement = None
    async with write_transaction():
        if row["source"] == "advancement":
            await _lock_competition(row["competition_id"])
        stamp = now()
        updated = await Entry.update({
            Entry.status: "withdrawn", Entry.withdraw_reason: reason.strip(), Entry.withdrawn_at: stamp,
            Entry.withdrawn_by: principal.user_id, Entry.updated_at: stamp, Entry.version: Entry.version + 1,
        }).where((Entry.id == entry_id) & Entry.status.is_in([*WITHDRAWABLE, "approved"])).returning(Entry.id)
        if not updated:
            raise Conflict("The entry changed meanwhile; reload it.", code="stale_version")
        await EntryMember.update({EntryMember.active: False}).where(EntryMember.entry == entry_id)
        await EntryRemark.insert(EntryRemark(entry=entry_id, field="", message=reason.strip(), kind="withdraw",
                                             author=principal.user_id, created_at=stamp))
        await record(principal, action="entry.withdrawn", object_type="entry", object_id=entry_id,
                     before={"status": status}, after={"status": "withdrawn", "source": row["source"]},
                     reason=reason.strip())
        if row["source"] == "advancement":
            replacement = await _offer_replacement(entry_id, principal)
    return WithdrawOut(entry=await entry_out(principal, entry_id), replacement=replacement)


# --- review ---------------------------------------------------------------------------------------

async def _review_row(principal: Principal, entry_id: int) -> dict:
    row = await fetch_entry(entry_id)
    if row is None:
        raise NotFound("No such entry.", code="entry_not_found")
    if await can_manage_competition(principal, row["competition_id"]) and row["status"] != "draft":
        return row
    if row["school"] in principal.school_ids():
        raise Forbidden("Only the competition's organizers review entries.", code="reviewer_only")
    raise NotFound("No such entry.", code="entry_not_found")


def _reviewable(row: dict, action: str) -> None:
    if row["status"] not in REVIEWABLE:
        raise _transition_refused(row, action, REVIEWABLE)
    if row["competition_status"] in STARTED:
        raise Conflict("The competition has started; entries can no longer be reviewed.", code="competition_started")


async def _decide(principal: Principal, row: dict, new_status: str, *, remarks: Sequence[RemarkIn] = (),
                  kind: str = "", reason: str = "") -> None:
    """One review transition inside the caller's transaction: conditional update, remarks, audit."""
    stamp = now()
    changes: dict = {Entry.status: new_status, Entry.reviewed_at: stamp, Entry.reviewed_by: principal.user_id,
                     Entry.updated_at: stamp, Entry.version: Entry.version + 1}
    if new_status == "declined":
        changes[Entry.decline_reason] = reason
    updated = await Entry.update(changes).where(
        (Entry.id == row["id"]) & Entry.status.is_in(list(REVIEWABLE))
    ).returning(Entry.id)
    if not updated:
        raise Conflict(f"Entry {row['id']} changed meanwhile (another reviewer or the school); reload it.",
                       code="stale_version", extra={"entry_id": row["id"]})
    if new_status == "declined":
        await EntryMember.update({EntryMember.active: False}).where(EntryMember.entry == row["id"])
    notes = [(r.field.strip(), r.message.strip()) for r in remarks]
    if reason:
        notes.append(("", reason))
    if notes:
        await EntryRemark.insert(*[
            EntryRemark(entry=row["id"], field=f, message=m, kind=kind, author=principal.user_id, created_at=stamp)
            for f, m in notes
        ])
    await record(principal, action=f"entry.{new_status}", object_type="entry", object_id=row["id"],
                 before={"status": row["status"]},
                 after={"status": new_status, **({"remarks": [{"field": f, "message": m} for f, m in notes]}
                                                 if notes else {})},
                 reason=reason)


async def return_entry(principal: Principal, entry_id: int, remarks: Sequence[RemarkIn]) -> EntryOut:
    row = await _review_row(principal, entry_id)
    _reviewable(row, "returned")
    async with write_transaction():
        await _decide(principal, row, "returned", remarks=remarks, kind="return")
    return await entry_out(principal, entry_id)


async def approve(principal: Principal, entry_id: int, note: str = "") -> EntryOut:
    row = await _review_row(principal, entry_id)
    _reviewable(row, "approved")
    async with write_transaction():
        await _decide(principal, row, "approved", kind="approve", reason=note.strip())
    return await entry_out(principal, entry_id)


async def decline(principal: Principal, entry_id: int, reason: str) -> EntryOut:
    row = await _review_row(principal, entry_id)
    _reviewable(row, "declined")
    async with write_transaction():
        await _decide(principal, row, "declined", kind="decline", reason=reason.strip())
    return await entry_out(principal, entry_id)


async def bulk_approve(principal: Principal, entry_ids: Sequence[int], note: str = "") -> BulkApproveOut:
    """All or nothing: if any entry cannot be approved, none is, and ``errors`` says why per entry."""
    ids = list(dict.fromkeys(entry_ids))
    rows = {}
    for part in chunks(ids):
        for r in await entry_select().where(Entry.id.is_in(list(part))):
            rows[r["id"]] = r
    managed: dict[int, bool] = {}
    errors = []
    for entry_id in ids:
        row = rows.get(entry_id)
        if row is not None and row["competition_id"] not in managed:
            managed[row["competition_id"]] = await can_manage_competition(principal, row["competition_id"])
        if row is None or row["status"] == "draft" or not managed[row["competition_id"]]:
            errors.append({"entry_id": entry_id, "code": "entry_not_found",
                           "message": f"Entry {entry_id} does not exist or is not in a competition you organize."})
        elif row["status"] not in REVIEWABLE:
            errors.append({"entry_id": entry_id, "code": "invalid_transition",
                           "message": f"Entry {entry_id} is {row['status']}; only submitted or resubmitted entries "
                                      "can be approved."})
        elif row["competition_status"] in STARTED:
            errors.append({"entry_id": entry_id, "code": "competition_started",
                           "message": f"Entry {entry_id}: the competition has started."})
    if errors:
        raise refusal(errors, f"{len(errors)} of {len(ids)} entries cannot be approved, so none was approved",
                      code="bulk_approve_refused", error=Conflict)
    async with write_transaction():
        for entry_id in ids:
            await _decide(principal, rows[entry_id], "approved", kind="approve", reason=note.strip())
    return BulkApproveOut(approved=ids)


# --- lists ----------------------------------------------------------------------------------------

async def _competition_of(competition_id: int | None, event_id: int | None) -> int | None:
    if event_id is not None:
        event = await Event.select(Event.id, Event.competition).where(Event.id == event_id).first()
        if event is None:
            raise NotFound(f"Event {event_id} does not exist.", code="event_not_found")
        if competition_id is not None and competition_id != event["competition"]:
            raise InvalidInput("The event belongs to another competition.", code="event_not_in_competition",
                               field="event_id")
        return event["competition"]
    if competition_id is not None and not await Competition.exists().where(Competition.id == competition_id):
        raise NotFound(f"Competition {competition_id} does not exist.", code="competition_not_found")
    return competition_id


async def entry_conditions(principal: Principal, *, competition_id: int | None, event_id: int | None,
                           status: str | None, school_id: int | None, source: str | None = None) -> list:
    """Filters plus the caller's scope: own schools (drafts included), competitions the caller organizes
    or schools in the organizer's region (drafts excluded)."""
    conditions = []
    comp = await _competition_of(competition_id, event_id)
    if event_id is not None:
        conditions.append(Entry.event == event_id)
    elif comp is not None:
        conditions.append(Entry.event.competition == comp)
    if status:
        conditions.append(Entry.status == status)
    if school_id is not None:
        conditions.append(Entry.school == school_id)
    if source:
        conditions.append(Entry.source == source)
    if principal.is_admin:
        return conditions
    scope = None
    own = list(principal.school_ids())
    if own:
        scope = Entry.school.is_in(own)
    staff = None
    if comp is not None and await can_manage_competition(principal, comp):
        staff = Entry.id > 0
    else:
        for path in principal.scope_paths("organizer"):
            cond = Entry.school.path.like(path + "%")
            staff = cond if staff is None else staff | cond
    if staff is not None:
        staff = staff & (Entry.status != "draft")
        scope = staff if scope is None else scope | staff
    if scope is None:
        raise Forbidden("Your roles do not include access to entries.", code="forbidden")
    conditions.append(scope)
    return conditions


async def list_entries(principal: Principal, *, competition_id: int | None, event_id: int | None,
                       status: str | None, school_id: int | None, source: str | None, limit: int,
                       offset: int) -> EntryPage:
    query = entry_select()
    count = Entry.count()
    for cond in await entry_conditions(principal, competition_id=competition_id, event_id=event_id,
                                       status=status, school_id=school_id, source=source):
        query = query.where(cond)
        count = count.where(cond)
    rows = await query.order_by(Entry.id).limit(limit).offset(offset)
    return EntryPage(items=await to_outs(principal, rows), total=await count, limit=limit, offset=offset)


async def get_entry(principal: Principal, entry_id: int) -> EntryOut:
    row, _, _ = await readable_entry(principal, entry_id)
    return (await to_outs(principal, [row]))[0]


async def review_conditions(principal: Principal, *, competition_id: int | None, event_id: int | None,
                            school_id: int | None) -> list:
    if competition_id is None and event_id is None:
        raise InvalidInput("Say which competition (competition_id) or event (event_id) to review.",
                           code="competition_required", field="competition_id")
    comp = await _competition_of(competition_id, event_id)
    if not await can_manage_competition(principal, comp):
        raise Forbidden("Only the competition's organizers review its entries.", code="reviewer_only")
    conditions = [Entry.event.competition == comp, Entry.status != "draft"]
    if event_id is not None:
        conditions.append(Entry.event == event_id)
    if school_id is not None:
        conditions.append(Entry.school == school_id)
    return conditions


async def review_queue(principal: Principal, *, competition_id: int | None, event_id: int | None,
                       status: str | None, school_id: int | None, limit: int, offset: int) -> ReviewPage:
    """Entries of a competition the caller organizes (never drafts), oldest submission first, with the
    number of entries per status."""
    from piccolo.query.functions.aggregate import Count

    base = await review_conditions(principal, competition_id=competition_id, event_id=event_id,
                                   school_id=school_id)
    counts_query = Entry.select(Entry.status, Count(Entry.id, alias="n")).group_by(Entry.status)
    query = entry_select()
    count = Entry.count()
    for cond in base:
        counts_query = counts_query.where(cond)
        query = query.where(cond)
        count = count.where(cond)
    if status:
        query = query.where(Entry.status == status)
        count = count.where(Entry.status == status)
    counts = {s: 0 for s in ("submitted", "returned", "resubmitted", "approved", "declined", "withdrawn")}
    for r in await counts_query:
        counts[r["status"]] = r["n"]
    rows = await query.order_by(Entry.submitted_at).order_by(Entry.id).limit(limit).offset(offset)
    return ReviewPage(items=await to_outs(principal, rows), total=await count, limit=limit, offset=offset,
                      counts=counts)
