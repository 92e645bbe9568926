"""Reading entries: who may see which, single entries and lists, the review queue, the eligibility
preview, and the response shapes (members with masked resident IDs, remarks, next actions).

Scope: a school coordinator sees the school's own entries, drafts included; the competition's organizers
(``server.access.can_manage_competition``) and organizers of a region see the non-draft entries of their
competitions or region. Another school's entry is reported as absent (404); drafts are the school's own
and invisible to reviewers. Resident IDs are masked unless the caller is staff authorized for the school.
"""

from __future__ import annotations

from typing import Sequence

from piccolo.query.functions.aggregate import Count

from server.access import can_manage_competition
from server.competitions.tables import Competition, Event
from server.errors import Forbidden, InvalidInput, NotFound
from server.people import resident_id as rid
from server.people.services import sees_full_id
from server.principal import Principal
from server.registration import eligibility as elig
from server.registration.facts import chunks, gather, member_ids
from server.registration.lifecycle import PLACE_HOLDING, actions_for
from server.registration.schemas import (
    EligibilityOut,
    EntryOut,
    EntryPage,
    MemberOut,
    ProblemOut,
    RemarkOut,
    ReviewPage,
)
from server.registration.tables import Entry, EntryMember, EntryRemark

# the review queue's counts, in lifecycle order (drafts are never in it)
QUEUE_STATUSES = ("submitted", "returned", "resubmitted", "approved", "declined", "withdrawn")


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


async def entries_by_id(entry_ids: Sequence[int]) -> dict[int, dict]:
    rows: dict[int, dict] = {}
    for part in chunks(list(entry_ids)):
        for r in await entry_select().where(Entry.id.is_in(list(part))):
            rows[r["id"]] = r
    return rows


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


def member_out(m: dict, full: bool) -> MemberOut:
    return MemberOut(
        person_id=m["person"], name=m["name"], gender=m["gender"], status=m["status"],
        resident_id=m["resident_id"] if full else rid.mask(m["resident_id"]), resident_id_masked=not full,
        position=m["position"],
    )


async def to_outs(principal: Principal, rows: list[dict], managed: dict[int, bool] | None = None) -> list[EntryOut]:
    """``managed``: whether the principal manages each competition, where the caller already knows."""
    ids = [r["id"] for r in rows]
    members = await members_of(ids)
    remarks = await remarks_of(ids)
    managed = dict(managed or {})
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


async def entry_out(principal: Principal, entry_id: int, row: dict | None = None,
                    manages: bool | None = None) -> EntryOut:
    """One entry as ``principal`` reads it; ``row`` (its current ``fetch_entry`` row) and ``manages`` (whether
    the principal manages its competition) when the caller has them already."""
    row = row if row is not None else await fetch_entry(entry_id)
    known = {row["competition_id"]: manages} if manages is not None else None
    return (await to_outs(principal, [row], known))[0]


async def get_entry(principal: Principal, entry_id: int) -> EntryOut:
    row, _, reviewer = await readable_entry(principal, entry_id)
    return await entry_out(principal, entry_id, row, reviewer)


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


def _filtered(conditions: list, *queries):
    for cond in conditions:
        queries = tuple(q.where(cond) for q in queries)
    return queries


async def list_entries(principal: Principal, *, competition_id: int | None, event_id: int | None,
                       status: str | None, school_id: int | None, source: str | None, limit: int,
                       offset: int) -> EntryPage:
    query, count = _filtered(await entry_conditions(principal, competition_id=competition_id, event_id=event_id,
                                                    status=status, school_id=school_id, source=source),
                             entry_select(), Entry.count())
    rows = await query.order_by(Entry.id).limit(limit).offset(offset)
    return EntryPage(items=await to_outs(principal, rows), total=await count, limit=limit, offset=offset)


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
    base = await review_conditions(principal, competition_id=competition_id, event_id=event_id,
                                   school_id=school_id)
    counts_query, query, count = _filtered(
        base, Entry.select(Entry.status, Count(Entry.id, alias="n")).group_by(Entry.status), entry_select(),
        Entry.count())
    if status:
        query, count = _filtered([Entry.status == status], query, count)
    counts = {s: 0 for s in QUEUE_STATUSES}
    for r in await counts_query:
        counts[r["status"]] = r["n"]
    rows = await query.order_by(Entry.submitted_at).order_by(Entry.id).limit(limit).offset(offset)
    return ReviewPage(items=await to_outs(principal, rows), total=await count, limit=limit, offset=offset,
                      counts=counts)
