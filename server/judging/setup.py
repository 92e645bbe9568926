"""Before the draw: an event's judging settings, its judge pool, declared recusals, assignments, check-in.

Who: the competition's organizers and its chief judge set up; judges declare their own recusals; the
encryption officer and organizers run check-in. Everything here is frozen by the draw, because the draw
computes from it who may not mark which code (``server.judging.draw``).

Hard conflicts (refused server-side, stable codes): a judge never marks an entry of their own school
(``own_school``), of a school or person they declared (``declared_recusal``), or — when the event says
so — of their own county (``same_county``). They are checked against entries at the draw; the suggested
assignment already keeps conflicted judges off as many panels as it can.
"""

from __future__ import annotations

from collections import defaultdict

from server.accounts.tables import RoleGrant, User
from server.audit.services import record
from server.db import write_transaction
from server.errors import Conflict, InvalidInput, NotFound
from server.judging.context import Context, now
from server.judging.schemas import (
    AssignmentIn,
    AssignmentOut,
    AssignmentPlan,
    CheckInIn,
    CheckInOut,
    JudgingSettingsIn,
    PanelJudgeIn,
    PanelJudgeOut,
    RecusalIn,
    RecusalOut,
)
from server.judging.tables import Assignment, CheckIn, JudgingEvent, PanelJudge, Recusal
from server.organizations.tables import Organization
from server.people.tables import Person
from server.registration.tables import Entry, EntryMember

SETUP_ROLES = ("organizer", "chief_judge")


async def configure(ctx: Context, data: JudgingSettingsIn) -> None:
    ctx.require(*SETUP_ROLES)
    ctx.status_in("setup", what="Changing the judging settings")
    changes = {k: v for k, v in (
        ("same_county_recusal", data.same_county_recusal), ("work_codes", data.work_codes),
        ("recheck_top_n", data.recheck_top_n), ("recheck_rate", data.recheck_rate),
        ("recheck_error_threshold", data.recheck_error_threshold),
        ("appeal_window_minutes", data.appeal_window_minutes)) if v is not None}
    if not changes:
        return
    async with write_transaction():
        updated = await JudgingEvent.update({**{getattr(JudgingEvent, k): v for k, v in changes.items()},
                                             JudgingEvent.updated_at: now()}).where(
            (JudgingEvent.id == ctx.judging["id"]) & (JudgingEvent.status == "setup")).returning(JudgingEvent.id)
        if not updated:
            raise Conflict("The draw has been made; the settings are frozen.", code="judging_status")
        await record(ctx.principal, action="judging.configured", object_type="event", object_id=ctx.event_id,
                     before={k: ctx.judging[k] for k in changes}, after=changes)


# --- the pool -------------------------------------------------------------------------------------

async def pool(ctx: Context) -> list[PanelJudgeOut]:
    ctx.require(*SETUP_ROLES, "encryption_officer", "supervisor")
    rows = await PanelJudge.select(PanelJudge.all_columns(), PanelJudge.user.username.as_alias("username"),
                                   PanelJudge.user.display_name.as_alias("display_name")).where(
        PanelJudge.event == ctx.event_id).order_by(PanelJudge.role).order_by(PanelJudge.user)
    return [PanelJudgeOut(r["user"], r["username"], r["display_name"], r["role"], r["school"]) for r in rows]


async def _own_school(user_id: int) -> int | None:
    """A judge's school when none is given: the school of the person record the account is linked to."""
    user = await User.select(User.person_id).where(User.id == user_id).first()
    if user is None:
        raise InvalidInput(f"User {user_id} does not exist.", code="user_not_found", field="user_id")
    if user["person_id"] is None:
        return None
    person = await Person.select(Person.school).where(Person.id == user["person_id"]).first()
    return person["school"] if person else None


async def add_to_pool(ctx: Context, data: PanelJudgeIn) -> list[PanelJudgeOut]:
    """Add a person to the event's pool in a role; grants the role on the competition if they lack it."""
    ctx.require(*SETUP_ROLES)
    ctx.status_in("setup", what="Changing the judge pool")
    school = data.school_id if data.school_id is not None else await _own_school(data.user_id)
    if data.school_id is not None and not await Organization.exists().where(
            (Organization.id == data.school_id) & (Organization.kind == "school")):
        raise InvalidInput(f"Organization {data.school_id} is not a school.", code="school_not_found",
                           field="school_id")
    async with write_transaction():
        if await PanelJudge.exists().where((PanelJudge.event == ctx.event_id) & (PanelJudge.user == data.user_id)
                                           & (PanelJudge.role == data.role)):
            raise Conflict("This person is already in the pool in that role.", code="already_in_pool")
        granted = await RoleGrant.exists().where((RoleGrant.user == data.user_id) & (RoleGrant.role == data.role)
                                                 & (RoleGrant.competition_id == ctx.competition_id))
        if not granted:  # managing the competition is what entitles granting its judging roles
            await RoleGrant.insert(RoleGrant(user=data.user_id, role=data.role, competition_id=ctx.competition_id,
                                             granted_by=getattr(ctx.principal, "user_id", None), created_at=now()))
        await PanelJudge.insert(PanelJudge(event=ctx.event_id, user=data.user_id, role=data.role, school=school,
                                           added_at=now()))
        await record(ctx.principal, action="judging.pool_added", object_type="event", object_id=ctx.event_id,
                     after={"user_id": data.user_id, "role": data.role, "school_id": school,
                            "granted_on_competition": not granted}, reason=data.reason)
    return await pool(ctx)


async def remove_from_pool(ctx: Context, user_id: int, role: str, reason: str) -> None:
    ctx.require(*SETUP_ROLES)
    ctx.status_in("setup", what="Changing the judge pool")
    async with write_transaction():
        gone = await PanelJudge.delete().where((PanelJudge.event == ctx.event_id) & (PanelJudge.user == user_id)
                                               & (PanelJudge.role == role)).returning(PanelJudge.id)
        if not gone:
            raise NotFound("No such pool member.", code="pool_member_not_found")
        if role == "judge":
            await Assignment.delete().where((Assignment.event == ctx.event_id) & (Assignment.user == user_id))
        await record(ctx.principal, action="judging.pool_removed", object_type="event", object_id=ctx.event_id,
                     before={"user_id": user_id, "role": role}, reason=reason)


async def _judges(ctx: Context) -> dict[int, dict]:
    rows = await PanelJudge.select(PanelJudge.user, PanelJudge.school, PanelJudge.school.path.as_alias("path"),
                                   PanelJudge.user.username.as_alias("username")).where(
        (PanelJudge.event == ctx.event_id) & (PanelJudge.role == "judge"))
    return {r["user"]: r for r in rows}


# --- recusals -------------------------------------------------------------------------------------

async def recusals(ctx: Context) -> list[RecusalOut]:
    ctx.require(*SETUP_ROLES, "judge", "supervisor")
    query = Recusal.select().where(Recusal.event == ctx.event_id).order_by(Recusal.id)
    if not ctx.roles.intersection(SETUP_ROLES + ("supervisor",)):  # a judge sees their own declarations
        query = query.where(Recusal.user == ctx.principal.user_id)
    return [RecusalOut(r["id"], r["user"], r["school"], r["person"], r["reason"]) for r in await query]


async def declare_recusal(ctx: Context, user_id: int, data: RecusalIn) -> list[RecusalOut]:
    """A judge declares (or an organizer records for them) a school or a person they must not mark."""
    own = ctx.principal is not None and ctx.principal.user_id == user_id and "judge" in ctx.roles
    if not own:
        ctx.require(*SETUP_ROLES)
    ctx.status_in("setup", what="Declaring a recusal")
    if (data.school_id is None) == (data.person_id is None):
        raise InvalidInput("Name either a school or a person.", code="recusal_target", field="school_id")
    if data.school_id is not None and not await Organization.exists().where(Organization.id == data.school_id):
        raise InvalidInput(f"Organization {data.school_id} does not exist.", code="school_not_found",
                           field="school_id")
    if data.person_id is not None and not await Person.exists().where(Person.id == data.person_id):
        raise InvalidInput(f"Person {data.person_id} does not exist.", code="person_not_found", field="person_id")
    if user_id not in await _judges(ctx):
        raise InvalidInput("Only judges of this event's pool declare recusals.", code="not_a_pool_judge",
                           field="user_id")
    async with write_transaction():
        await Recusal.insert(Recusal(event=ctx.event_id, user=user_id, school=data.school_id, person=data.person_id,
                                     reason=data.reason, declared_at=now()))
        await record(ctx.principal, action="judging.recusal_declared", object_type="event", object_id=ctx.event_id,
                     after={"user_id": user_id, "school_id": data.school_id, "person_id": data.person_id},
                     reason=data.reason)
    return await recusals(ctx)


# --- assignments ----------------------------------------------------------------------------------

async def assignments(ctx: Context) -> list[AssignmentOut]:
    ctx.require(*SETUP_ROLES, "judge", "supervisor", "encryption_officer")
    rows = await Assignment.select(Assignment.all_columns(), Assignment.user.username.as_alias("username")).where(
        Assignment.event == ctx.event_id).order_by(Assignment.criterion).order_by(Assignment.aspect).order_by(
        Assignment.user)
    return [AssignmentOut(r["user"], r["username"], r["criterion"], r["aspect"]) for r in rows]


def _aspects_of(ctx: Context, criterion: str, aspect: str | None) -> list[str]:
    info = ctx.scheme()
    if criterion not in info.criteria:
        raise InvalidInput(f"The scheme has no criterion {criterion!r}.", code="unknown_criterion",
                           field="criterion")
    aspects = info.criteria[criterion][1]
    if aspect is not None and aspect not in aspects:
        raise InvalidInput(f"Criterion {criterion} has no aspect {aspect!r}.", code="unknown_aspect", field="aspect")
    return [aspect] if aspect else list(aspects)


async def assign(ctx: Context, data: AssignmentIn) -> list[AssignmentOut]:
    """Seat a pool judge on the panel of an aspect (or every aspect of a criterion); never more judges
    than the scheme's panel size."""
    ctx.require(*SETUP_ROLES)
    ctx.status_in("setup", what="Changing assignments")
    if data.user_id not in await _judges(ctx):
        raise InvalidInput("Only judges of this event's pool can be assigned.", code="not_a_pool_judge",
                           field="user_id")
    info = ctx.scheme()
    wanted = _aspects_of(ctx, data.criterion, data.aspect)
    async with write_transaction():
        current = defaultdict(set)
        for r in await Assignment.select(Assignment.aspect, Assignment.user).where(Assignment.event == ctx.event_id):
            current[r["aspect"]].add(r["user"])
        fresh = [a for a in wanted if data.user_id not in current[a]]
        full = [a for a in fresh if len(current[a]) >= info.aspects[a].seats]
        if full:
            raise Conflict(f"Aspect {full[0]} already has its {info.aspects[full[0]].seats} judge(s).",
                           code="panel_full", field="aspect", extra={"aspects": full})
        if fresh:
            await Assignment.insert(*[Assignment(event=ctx.event_id, user=data.user_id, criterion=data.criterion,
                                                 aspect=a) for a in fresh])
            await record(ctx.principal, action="judging.assigned", object_type="event", object_id=ctx.event_id,
                         after={"user_id": data.user_id, "criterion": data.criterion, "aspects": fresh},
                         reason=data.reason)
    return await assignments(ctx)


async def unassign(ctx: Context, user_id: int, criterion: str, aspect: str | None, reason: str) -> None:
    ctx.require(*SETUP_ROLES)
    ctx.status_in("setup", what="Changing assignments")
    wanted = _aspects_of(ctx, criterion, aspect)
    async with write_transaction():
        gone = await Assignment.delete().where((Assignment.event == ctx.event_id) & (Assignment.user == user_id)
                                               & Assignment.aspect.is_in(wanted)).returning(Assignment.aspect)
        if not gone:
            raise NotFound("No such assignment.", code="assignment_not_found")
        await record(ctx.principal, action="judging.unassigned", object_type="event", object_id=ctx.event_id,
                     before={"user_id": user_id, "criterion": criterion, "aspects": [g["aspect"] for g in gone]},
                     reason=reason)


# --- who conflicts with whom ----------------------------------------------------------------------

def county_of(path: str | None) -> str | None:
    """The county subtree a school sits in: its parent's path (a school hangs under its region)."""
    if not path:
        return None
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts[:-1]) + "/" if len(parts) > 1 else None


async def entry_facts(event_id: int, entry_ids: list[int] | None = None) -> dict[int, dict]:
    """Per entry: its school, the school's county path, its competitors (for recusals)."""
    query = Entry.select(Entry.id, Entry.school, Entry.school.path.as_alias("path")).where(
        (Entry.event == event_id) & (Entry.status == "approved"))
    if entry_ids is not None:
        query = query.where(Entry.id.is_in(entry_ids or [-1]))
    facts = {r["id"]: {"school": r["school"], "county": county_of(r["path"]), "people": set()} for r in await query}
    if facts:
        for m in await EntryMember.select(EntryMember.entry, EntryMember.person).where(
                EntryMember.entry.is_in(list(facts)) & (EntryMember.role == "competitor")):
            facts[m["entry"]]["people"].add(m["person"])
    return facts


async def conflicts(ctx: Context, entries: dict[int, dict]) -> dict[int, set[int]]:
    """Entry id → the pool judges who must not mark it."""
    judges = await _judges(ctx)
    declared = defaultdict(list)
    for r in await Recusal.select().where(Recusal.event == ctx.event_id):
        declared[r["user"]].append(r)
    same_county = ctx.judging["same_county_recusal"]
    out: dict[int, set[int]] = {}
    for entry_id, facts in entries.items():
        barred = set()
        for user_id, judge in judges.items():
            if judge["school"] is not None and judge["school"] == facts["school"]:
                barred.add(user_id)
            elif any(d["school"] == facts["school"] or d["person"] in facts["people"] for d in declared[user_id]):
                barred.add(user_id)
            elif same_county and facts["county"] and county_of(judge["path"]) == facts["county"]:
                barred.add(user_id)
        out[entry_id] = barred
    return out


async def suggest(ctx: Context) -> AssignmentPlan:
    """A suggested assignment (nothing is written): balanced load, conflicted judges kept off panels.

    Greedy least-loaded assignment, criterion by criterion: each criterion's panel is the k judges
    (k = the largest panel size among its aspects) with the smallest load so far, ties broken by fewer
    conflicts with this event's entries, then by id. Greedy list scheduling is within a factor of two of
    the best possible balance and runs in O(criteria × judges log judges); keeping one panel per
    criterion is how real events seat judges (one team per module). Judges who conflict with an entry
    are never seated on it: the draw gives those cells to a substitute.
    """
    ctx.require(*SETUP_ROLES)
    info = ctx.scheme()
    judges = await _judges(ctx)
    if not judges:
        raise Conflict("The pool has no judges yet.", code="pool_empty")
    entries = await entry_facts(ctx.event_id)
    barred = await conflicts(ctx, entries)
    conflict_count = {j: sum(j in b for b in barred.values()) for j in judges}
    load = {j: 0 for j in judges}
    plan: list[AssignmentOut] = []
    cells = max(len(entries), 1)
    for criterion, (_, aspect_ids) in info.criteria.items():
        k = max(info.aspects[a].seats for a in aspect_ids)
        if k > len(judges):
            raise Conflict(f"Criterion {criterion} needs {k} judges; the pool has {len(judges)}.",
                           code="pool_too_small", extra={"criterion": criterion, "needed": k})
        panel = sorted(judges, key=lambda j: (load[j], conflict_count[j], j))[:k]
        for a in aspect_ids:
            seats = sorted(panel, key=lambda j: (load[j], j))[:info.aspects[a].seats]
            for j in seats:
                load[j] += cells
                plan.append(AssignmentOut(j, judges[j]["username"], criterion, a))
    return AssignmentPlan(plan, {judges[j]["username"]: n for j, n in load.items()},
                          "greedy least-loaded per criterion, ties by fewest conflicts")


# --- check-in -------------------------------------------------------------------------------------

async def checkin_list(ctx: Context) -> list[CheckInOut]:
    ctx.require("organizer", "encryption_officer")
    rows = await Entry.select(Entry.id, Entry.team_name, Entry.school.name.as_alias("school_name")).where(
        (Entry.event == ctx.event_id) & (Entry.status == "approved")).order_by(Entry.id)
    present = {r["entry"]: r["present"] for r in await CheckIn.select().where(CheckIn.event == ctx.event_id)}
    names = defaultdict(list)
    for m in await EntryMember.select(EntryMember.entry, EntryMember.person.name.as_alias("name")).where(
            EntryMember.entry.is_in([r["id"] for r in rows] or [-1]) & (EntryMember.role == "competitor")).order_by(
            EntryMember.position):
        names[m["entry"]].append(m["name"])
    return [CheckInOut(r["id"], r["school_name"], r["team_name"], names[r["id"]], present.get(r["id"]))
            for r in rows]


async def check_in(ctx: Context, items: list[CheckInIn]) -> list[CheckInOut]:
    ctx.require("organizer", "encryption_officer")
    ctx.status_in("setup", what="Check-in")
    ids = [i.entry_id for i in items]
    approved = {r["id"] for r in await Entry.select(Entry.id).where(
        (Entry.event == ctx.event_id) & (Entry.status == "approved") & Entry.id.is_in(ids or [-1]))}
    missing = [i for i in ids if i not in approved]
    if missing:
        raise InvalidInput(f"Entry {missing[0]} is not an approved entry of this event.", code="entry_not_found",
                           field="entry_id", extra={"entry_ids": missing})
    async with write_transaction():
        stamp = now()
        await CheckIn.delete().where((CheckIn.event == ctx.event_id) & CheckIn.entry.is_in(ids))
        await CheckIn.insert(*[CheckIn(event=ctx.event_id, entry=i.entry_id, present=i.present, at=stamp,
                                       by=getattr(ctx.principal, "user_id", None)) for i in items])
        await record(ctx.principal, action="judging.checked_in", object_type="event", object_id=ctx.event_id,
                     after={"present": [i.entry_id for i in items if i.present],
                            "absent": [i.entry_id for i in items if not i.present]})
    return await checkin_list(ctx)
