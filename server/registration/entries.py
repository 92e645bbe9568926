"""A school's entries: create a draft, edit it, submit it (the full eligibility check), withdraw it.

A school coordinator creates, edits (draft, returned), submits and withdraws the school's own entries; an
organizer of the competition may withdraw on the school's behalf. A draft must already have everyone on
the school's roster and nobody twice; everything else is judged at submission.

Submission runs inside the write transaction after a lock keyed on (event, school): concurrent
submissions for a school's last place are serialized, so exactly one wins (on SQLite the write lock does
the same); a partial unique index backs "one entry per person per event" in the database. Eligibility is
computed for the version of the entry read there, and the entry moves only if it still has that version
and status (an edit bumps the version): an edit racing the submission makes one of the two fail with 409,
never submits members that were not checked, and the audit entry names the members submitted.

Withdrawal emits ``registration.entry_withdrawn`` inside its transaction (``server.events``); the results
domain answers for advancement entries by offering the place to the next qualifier (it replies with the
id of the entry it created), and the first answer that is not None is the response's ``replacement``. For an advancement entry the competition's lock is taken first
(``server.locks``: competition before the audit chain), as the advancement flows take it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

import msgspec

from server import events, locks
from server.audit.services import record
from server.db import lock_key, write_transaction
from server.errors import Conflict, DomainError, Forbidden, InvalidInput, refusal
from server.people.services import school_row
from server.principal import Principal
from server.registration import eligibility as elig
from server.registration.facts import entered_elsewhere, event_row, gather, member_ids, now, people_facts, school_facts
from server.registration.lifecycle import EDITABLE, ENTRY, STARTED, submit_action
from server.registration.queries import entry_out, fetch_entry, readable_entry
from server.registration.schemas import EntryIn, EntryOut, EntryPatch, WithdrawOut
from server.registration.tables import Entry, EntryMember, EntryRemark

ROSTER_CODES = {"not_on_roster", "duplicate_member", "coach_is_competitor"}
WITHDRAWN = "registration.entry_withdrawn"


def acting_school(principal: Principal, school_id: int | None) -> int:
    """The school the caller registers for: the one named (own, or any for an admin), else the only one."""
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


def _require_school(school_side: bool, what: str) -> None:
    if not school_side:
        raise Forbidden(f"Only the school's coordinator can {what} this entry.", code="school_only")


def _check_version(row: dict, version: int | None) -> None:
    """The client's version (as it last read the entry), when it sent one, must be the current one."""
    if version is not None and version != row["version"]:
        raise Conflict(f"The entry changed since you read it (version {row['version']}, you sent {version}); "
                       "reload it and try again.", code="stale_version", field="version")


def refuse(problems: list[elig.Problem], summary: str, code: str) -> DomainError:
    return refusal([p.as_dict() for p in problems], summary, code=code)


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
    """Edit a draft or returned entry: a conditional update on the version and status read, which bumps
    the version (so a submission that checked the old members cannot go through)."""
    row, school_side, reviewer = await readable_entry(principal, entry_id)
    _require_school(school_side, "edit")
    if row["status"] not in EDITABLE:
        raise Conflict(f"A {row['status']} entry cannot be edited (only a draft or a returned one).",
                       code=ENTRY.refused_code, extra={"current_status": row["status"], "action": "edit"})
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
        return await entry_out(principal, entry_id, row, reviewer)
    stamp = now()
    async with write_transaction():
        updated = await Entry.update({
            Entry.team_name: team_name, Entry.version: Entry.version + 1, Entry.updated_at: stamp,
        }).where((Entry.id == entry_id) & (Entry.version == row["version"])
                 & (Entry.status == row["status"])).returning(Entry.id)
        if not updated:
            raise Conflict("The entry changed while you edited it; reload it and try again.",
                           code=ENTRY.stale_code)
        if roster_changed:
            await EntryMember.delete().where(EntryMember.entry == entry_id)
            await _insert_members(entry_id, row["event"], members, coaches, active=holds_place)
        await record(principal, action="entry.updated", object_type="entry", object_id=entry_id,
                     before={"team_name": row["team_name"], "members": old_members, "coaches": old_coaches},
                     after={"team_name": team_name, "members": members, "coaches": coaches})
    # the row as the conditional update left it (nothing else changes it: the update was on its version)
    changed = {**row, "team_name": team_name, "version": row["version"] + 1, "updated_at": stamp}
    return await entry_out(principal, entry_id, changed, reviewer)


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
        action = submit_action(row["status"])
        ENTRY.check(action, row["status"])
        _check_version(row, version)
        members, coaches = await member_ids(entry_id)
        resubmission = action == "resubmit"
        event, candidate, context = await gather(row, members, coaches, resubmission=resubmission,
                                                 entry_id=entry_id, at=at)
        problems = elig.evaluate(event, candidate, context)
        if problems:
            raise refuse(problems, f"The entry cannot be submitted ({len(problems)} problem(s))", "not_eligible")
        stamp = now()
        # the version checked: an edit since (members, coaches, team name) makes this a 409
        step = await ENTRY.apply(entry_id, action, row["status"], {
            Entry.submitted_at: stamp, Entry.updated_at: stamp, Entry.version: Entry.version + 1,
        }, where=Entry.version == row["version"])
        await EntryMember.update({EntryMember.active: True}).where(EntryMember.entry == entry_id)
        if resubmission:
            await EntryRemark.update({EntryRemark.resolved: True}).where(
                (EntryRemark.entry == entry_id) & (EntryRemark.kind == "return")
            )
        await record(principal, action=f"entry.{step.target}", object_type="entry", object_id=entry_id,
                     before={"status": row["status"], "version": row["version"]},
                     after={"status": step.target, "members": members, "coaches": coaches,
                            "team_name": row["team_name"]})
    return await entry_out(principal, entry_id)


async def withdraw(principal: Principal, entry_id: int, reason: str, version: int | None = None) -> WithdrawOut:
    row, _, _ = await readable_entry(principal, entry_id)  # the school or a reviewer; anyone else: 404
    status = row["status"]
    ENTRY.check("withdraw", status)
    if status == "approved" and row["competition_status"] in STARTED:
        raise Conflict("The competition has started; an approved entry can no longer be withdrawn.",
                       code="competition_started")
    _check_version(row, version)
    reason = reason.strip()
    async with write_transaction():
        if row["source"] == "advancement":
            await lock_key(locks.competition(row["competition_id"]))
        stamp = now()
        await ENTRY.apply(entry_id, "withdraw", status, {
            Entry.withdraw_reason: reason, Entry.withdrawn_at: stamp, Entry.withdrawn_by: principal.user_id,
            Entry.updated_at: stamp, Entry.version: Entry.version + 1,
        })
        await EntryMember.update({EntryMember.active: False}).where(EntryMember.entry == entry_id)
        await EntryRemark.insert(EntryRemark(entry=entry_id, field="", message=reason, kind="withdraw",
                                             author=principal.user_id, created_at=stamp))
        replies = await events.emit(WITHDRAWN, principal, entry_id=entry_id, source=row["source"],
                                    competition_id=row["competition_id"], event_id=row["event"])
        replacement = next((r for r in replies if r is not None), None)
        await record(principal, action="entry.withdrawn", object_type="entry", object_id=entry_id,
                     before={"status": status},
                     after={"status": "withdrawn", "source": row["source"],
                            **({"replacement": replacement} if replacement is not None else {})},
                     reason=reason)
    return WithdrawOut(entry=await entry_out(principal, entry_id), replacement=replacement)
