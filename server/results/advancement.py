"""Advancement (选拔): qualifiers of an event with published results become pending entries of the matching
event of the competition it feeds, chosen by the event's advancement rule through ``scoring.advance``.

- Matching event: the parent competition's event with the same occupation (大典 code), work type and
  group; when several match, the one of the same track. No match, or more than one, is refused (409).
- Entries are created with status ``submitted`` (pending review by the parent's organizers),
  ``source="advancement"``, ``source_entry`` = the qualifying entry and ``source_detail`` = JSON with the
  rule, the basis of the quota, rank and total. Competitors and coaches are copied (``EntryMember.event``
  is the parent event and ``active`` is true, as for any submitted entry).
- Idempotent: a qualifier that already has an advancement entry in the parent event (in any status)
  gets no second one; running again creates nothing new.
- Withdrawal: ``offer_replacement`` (run by ``server.results.handlers`` when the registration domain
  emits ``registration.entry_withdrawn`` for an advancement entry) recomputes the selection with the
  withdrawn qualifiers left out and offers the next eligible entry the same way.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import msgspec

import scoring
from server.access import can_manage_competition, competition_row
from server.audit.services import record
from server.catalog.tables import Occupation
from server.competitions import rules
from server.competitions.competitions import lock_competition, now
from server.competitions.events import event_row
from server.competitions.tables import Competition, Event
from server.db import engine, write_transaction
from server.errors import Conflict, Forbidden
from server.principal import Principal
from server.registration.tables import Entry, EntryMember
from server.results.schemas import AdvancementOut, QualifierOut
from server.results.views import results_head, standings

# the parent competition still takes entries in these statuses
PARENT_OPEN = ("draft", "registration_open")
# ... and a withdrawn qualifier is still replaced in these
PARENT_REPLACEABLE = ("draft", "registration_open", "registration_closed")


class _Plan(msgspec.Struct):
    competition: dict
    event: dict
    parent: dict
    parent_event: dict
    policy: scoring.AdvancementPolicy


async def matching_event(event: dict, parent_id: int) -> dict:
    """The parent competition's event for the same occupation, work type and group (track breaks ties)."""
    occupation = await Occupation.select(Occupation.code).where(Occupation.id == event["occupation"]).first() \
        if event["occupation"] is not None else None
    if occupation is None:
        raise Conflict("The event has no occupation to match in the parent competition.", code="no_matching_event")
    candidates = await Event.select(Event.all_columns(), Event.occupation.code.as_alias("occupation_code")).where(
        (Event.competition == parent_id) & (Event.group == event["group"]) & (Event.work_type == event["work_type"])
    ).order_by(Event.id)
    candidates = [c for c in candidates if c["occupation_code"] == occupation["code"]]
    if len(candidates) > 1:
        same_track = [c for c in candidates if c["track"] == event["track"]]
        if len(same_track) == 1:
            candidates = same_track
        else:
            raise Conflict(
                "Several events of the parent competition match (" + ", ".join(c["code"] for c in candidates)
                + "); they differ by track and none has this event's track.", code="ambiguous_matching_event",
                extra={"events": [c["id"] for c in candidates]})
    if not candidates:
        what = f"{occupation['code']}{' ' + event['work_type'] if event['work_type'] else ''}, group {event['group']}"
        raise Conflict(f"The parent competition has no event for {what}.", code="no_matching_event")
    return candidates[0]


async def _plan(competition_id: int, event_id: int) -> _Plan:
    competition = await competition_row(competition_id)
    event = await event_row(competition_id, event_id)
    head = await results_head(event_id)
    if head is None or head["status"] != "published":
        raise Conflict("Advancement is computed from published results.", code="results_not_published")
    policy = rules.stored_advancement(event["advancement_rules"])
    if policy is None:
        raise Conflict("The event has no advancement rule.", code="advancement_rules_missing",
                       field="advancement_rules")
    if competition["parent"] is None:
        raise Conflict("The competition feeds no higher competition.", code="no_parent_competition")
    parent = await competition_row(competition["parent"])
    parent_event = await matching_event(event, parent["id"])
    return _Plan(competition=competition, event=event, parent=parent, parent_event=parent_event, policy=policy)


async def _advancement_entries(parent_event_id: int) -> dict[int, dict]:
    """Existing advancement entries in the parent event by the entry they came from."""
    rows = await Entry.select(Entry.id, Entry.status, Entry.source_entry).where(
        (Entry.event == parent_event_id) & (Entry.source == "advancement") & Entry.source_entry.is_not_null()
    ).order_by(Entry.id)
    out: dict[int, dict] = {}
    for r in rows:
        out.setdefault(r["source_entry"], r)
    return out


def _select(plan: _Plan, board: list[scoring.Standing], vacated: list[int]) -> scoring.AdvancementResult:
    return scoring.advance(plan.policy, board, withdrawn=[str(v) for v in vacated])


async def _create_entry(principal: Principal | None, plan: _Plan, source_id: int, standing: scoring.Standing | None,
                        result: scoring.AdvancementResult, replacement_for: int | None = None) -> tuple[int | None, str]:
    """Create the parent entry for one qualifier (inside the caller's transaction). Returns (entry id, reason
    it was skipped)."""
    source = await Entry.select(Entry.id, Entry.school, Entry.team_name, Entry.status).where(
        Entry.id == source_id).first()
    if source is None:
        return None, "the qualifying entry no longer exists"
    members = await EntryMember.select(EntryMember.person, EntryMember.role, EntryMember.position,
                                       EntryMember.person.name.as_alias("name")).where(
        (EntryMember.entry == source_id) & (EntryMember.active == True)  # noqa: E712
    ).order_by(EntryMember.position).order_by(EntryMember.id)
    competitors = [m for m in members if m["role"] == "competitor"]
    pe = plan.parent_event
    if not competitors:
        return None, "the qualifying entry has no competitors"
    if not (pe["min_members"] <= len(competitors) <= pe["max_members"]):
        return None, (f"{len(competitors)} competitor(s), but {pe['code']} takes {pe['min_members']}–"
                      f"{pe['max_members']} per entry")
    taken = await EntryMember.select(EntryMember.person.name.as_alias("name")).where(
        (EntryMember.event == pe["id"]) & (EntryMember.role == "competitor") & (EntryMember.active == True)  # noqa: E712
        & EntryMember.person.is_in([m["person"] for m in competitors])
    )
    if taken:
        return None, f"{', '.join(t['name'] for t in taken)} already hold(s) an entry in {pe['code']}"
    detail: dict[str, Any] = {
        "rule": msgspec.to_builtins(plan.policy),
        "from": {"competition_id": plan.competition["id"], "competition": plan.competition["name"],
                 "level": plan.competition["level"], "event_id": plan.event["id"], "event": plan.event["code"]},
        "rank": standing.rank if standing else None,
        "total": str(standing.total) if standing and standing.total is not None else None,
        "basis": result.basis,
        "status": result.status,
    }
    if replacement_for is not None:
        detail["replacement_for"] = replacement_for
    at = now()
    rows = await Entry.insert(Entry(
        event=pe["id"], school=source["school"], team_name=source["team_name"], status="submitted",
        source="advancement", source_entry=source_id, source_detail=msgspec.json.encode(detail).decode(),
        created_by=principal.user_id if principal else None, submitted_at=at, created_at=at, updated_at=at,
    )).returning(Entry.id)
    entry_id = rows[0]["id"]
    for position, m in enumerate(members):
        await EntryMember.insert(EntryMember(entry=entry_id, event=pe["id"], person=m["person"], role=m["role"],
                                             position=m["position"] if m["position"] is not None else position,
                                             active=True))
    await record(principal, action="entry.created_by_advancement", object_type="entry",
                 object_id=entry_id, after={
                     "event_id": pe["id"], "school_id": source["school"], "status": "submitted",
                     "source_entry": source_id, "replacement_for": replacement_for,
                     "members": [{"person_id": m["person"], "role": m["role"]} for m in members],
                     "rank": detail["rank"], "total": detail["total"]},
                 reason=(f"replacement for withdrawn qualifier (entry {replacement_for})" if replacement_for
                         else f"advanced from {plan.competition['name']} {plan.event['code']}"))
    return entry_id, ""


async def _schools(entry_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Entry id → (school id, school name)."""
    if not entry_ids:
        return {}
    rows = await Entry.select(Entry.id, Entry.school, Entry.school.name.as_alias("name")).where(
        Entry.id.is_in(entry_ids))
    return {r["id"]: (r["school"], r["name"]) for r in rows}


async def advance(principal: Principal | None, competition_id: int, event_id: int, *, dry_run: bool = False) -> AdvancementOut:
    """Compute the qualifiers of an event and (unless ``dry_run``) create their pending entries in the
    parent competition. Organizers of either competition may run it."""
    competition = await competition_row(competition_id)
    if principal is not None and not (await can_manage_competition(principal, competition_id) or (
            competition["parent"] is not None and await can_manage_competition(principal, competition["parent"]))):
        raise Forbidden("Only organizers of this competition or of the one it feeds run advancement.",
                        code="not_competition_organizer")
    plan = await _plan(competition_id, event_id)
    if not dry_run and plan.parent["status"] not in PARENT_OPEN:
        raise Conflict(f"{plan.parent['name']} is {plan.parent['status']}: it takes no more entries.",
                       code="parent_registration_closed")
    created = 0
    async with write_transaction() if not dry_run else nullcontext():
        if not dry_run:
            status = await lock_competition(plan.parent["id"])
            if status not in PARENT_OPEN:
                raise Conflict(f"{plan.parent['name']} is {status}: it takes no more entries.",
                               code="parent_registration_closed")
        board = await standings(event_id)
        by_entry = {s.entry: s for s in board}
        existing = await _advancement_entries(plan.parent_event["id"])
        vacated = [src for src, e in existing.items() if e["status"] == "withdrawn"]
        result = _select(plan, board, vacated)
        schools = await _schools([int(q) for q in result.qualified])
        qualifiers: list[QualifierOut] = []
        for q in result.qualified:
            source_id = int(q)
            standing = by_entry.get(q)
            school_id, school_name = schools.get(source_id, (0, ""))
            common = dict(source_entry_id=source_id, rank=standing.rank if standing else None,
                          total=str(standing.total) if standing and standing.total is not None else None,
                          school_id=school_id, school_name=school_name)
            if source_id in existing:
                qualifiers.append(QualifierOut(**common, outcome="existing", entry_id=existing[source_id]["id"]))
                continue
            if dry_run:
                qualifiers.append(QualifierOut(**common, outcome="would_create", entry_id=None))
                continue
            entry_id, reason = await _create_entry(principal, plan, source_id, standing, result)
            if entry_id is None:
                qualifiers.append(QualifierOut(**common, outcome="skipped", entry_id=None, reason=reason))
            else:
                created += 1
                qualifiers.append(QualifierOut(**common, outcome="created", entry_id=entry_id))
        if not dry_run:
            await record(principal, action="event.advancement_run", object_type="event",
                         object_id=event_id, after={
                             "parent_event_id": plan.parent_event["id"], "qualified": result.qualified,
                             "created": created, "status": result.status})
    notes = list(result.notes) + [f"entry {s.entry}: {s.reason}" for s in result.skipped]
    return AdvancementOut(
        competition_id=competition_id, event_id=event_id, parent_competition_id=plan.parent["id"],
        parent_event_id=plan.parent_event["id"], dry_run=dry_run, status=result.status, quota=result.quota,
        basis=list(result.basis), notes=notes, qualifiers=qualifiers, created=created)


async def offer_replacement(withdrawn_entry_id: int, principal: Principal | None) -> int | None:
    """A qualifier's advancement entry was withdrawn: offer the next eligible entry of the source event.

    Runs inside the registration domain's withdrawal transaction (``server.results.handlers``), or on its
    own. Returns the id of the entry created for the replacement, or None when
    there is none (not an advancement entry, no rule, the parent competition has moved on, nobody
    eligible is left, or the replacement is already entered). Idempotent.
    """
    withdrawn = await Entry.select(Entry.id, Entry.event, Entry.source, Entry.source_entry).where(
        Entry.id == withdrawn_entry_id).first()
    if withdrawn is None or withdrawn["source"] != "advancement" or withdrawn["source_entry"] is None:
        return None
    source = await Entry.select(Entry.event, Entry.event.competition.as_alias("competition")).where(
        Entry.id == withdrawn["source_entry"]).first()
    if source is None:
        return None
    try:
        plan = await _plan(source["competition"], source["event"])
    except Conflict:
        return None
    if plan.parent_event["id"] != withdrawn["event"]:
        return None
    created_id: int | None = None
    # Lock order everywhere is "competition, then audit chain" (server/locks.py). The withdrawal's open
    # transaction takes the parent competition's lock before it records the withdrawal (and so the audit
    # chain's lock); taking the competition lock here, after the audit chain's, could deadlock against a
    # transition, so it is taken only when this function opens the transaction itself.
    outer = engine().current_transaction.get() is not None
    async with write_transaction():
        if outer:
            status = (await Competition.select(Competition.status).where(
                Competition.id == plan.parent["id"]).first())["status"]
        else:
            status = await lock_competition(plan.parent["id"])
        if status not in PARENT_REPLACEABLE:
            return None
        board = await standings(source["event"])
        by_entry = {s.entry: s for s in board}
        existing = await _advancement_entries(plan.parent_event["id"])
        vacated = {src for src, e in existing.items() if e["status"] == "withdrawn"}
        vacated.add(withdrawn["source_entry"])
        result = _select(plan, board, sorted(vacated))
        for q in result.qualified:
            source_id = int(q)
            if source_id in existing:
                continue
            entry_id, _ = await _create_entry(principal, plan, source_id, by_entry.get(q), result,
                                              replacement_for=withdrawn_entry_id)
            if entry_id is not None and created_id is None:
                created_id = entry_id
    return created_id

