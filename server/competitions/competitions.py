"""Competitions: the competition tree, organizing authorities, reading and changing competitions, and
their lifecycle.

- Levels run school < county < city < province < national; a competition feeds (选拔 for) a parent at a
  higher level, and only an organizer who manages that parent may attach a competition below it. Its
  organizing authorities sit at its own level; creating one needs organizer rights on every named
  authority, and every organizer covering one of them manages it (joint organizing).
- Lifecycle: draft → registration_open → registration_closed → running → results_published →
  archived, one step at a time, forwards only (409 ``invalid_transition`` otherwise). Concurrent
  requests for the same step: exactly one wins (a per-competition lock, then ``COMPETITION_LIFECYCLE``'s
  status-guarded update).
- Downstream domains take part in these writes without this package importing them
  (docs/architecture.md): inside the write transaction it emits ``competition.deleting``
  (``competition_id``) before deleting a draft, and ``competition.entering`` (``competition_id``,
  ``from_status``, ``to_status``) before each step. A handler refuses by raising (the step rolls back);
  what the ``competition.entering`` handlers return (lists of what they published with the step, or
  ``None``) goes into the step's audit entry as ``published``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import msgspec

from server import locks
from server.access import (
    can_manage_competition,
    competition_row,
    manages_competition,
    require_competition_manager,
)
from server.audit.services import record
from server.competitions.schemas import (
    CompetitionIn,
    CompetitionOut,
    CompetitionPatch,
    OrganizerIn,
    OrganizerOut,
)
from server.competitions.tables import Competition, CompetitionOrganizer, Event
from server.db import lock_key, write_transaction
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.events import emit
from server.organizations.tables import Organization
from server.principal import Principal
from server.statemachine import StateMachine, Transition

LEVEL_RANK = {"school": 0, "county": 1, "city": 2, "province": 3, "national": 4}
LIFECYCLE = ("draft", "registration_open", "registration_closed", "running", "results_published", "archived")
NEXT_STATUS: dict[str, str] = dict(zip(LIFECYCLE, LIFECYCLE[1:]))
# one step at a time, never back: the action is the status entered
COMPETITION_LIFECYCLE = StateMachine("competition", Competition, [
    Transition(to, (current,), to) for current, to in NEXT_STATUS.items()
], stale_code="invalid_transition")


def now() -> datetime:
    return datetime.now(timezone.utc)


async def lock_competition(competition_id: int) -> str:
    """Inside a write transaction: take the competition's lock (first in the lock order,
    server/locks.py) and return its status as it is now; 404 if it is gone."""
    await lock_key(locks.competition(competition_id))
    row = await Competition.select(Competition.status).where(Competition.id == competition_id).first()
    if row is None:
        raise NotFound(f"Competition {competition_id} does not exist.", code="competition_not_found")
    return row["status"]


def reached(status: str, milestone: str) -> bool:
    """Whether a competition in ``status`` has reached ``milestone`` (or gone past it)."""
    return LIFECYCLE.index(status) >= LIFECYCLE.index(milestone)


# what a list of competitions shows besides their rows, in one query: organizers (with their paths, which
# also decide ``can_manage``), the number of events and the parent's name
_FACTS_SQL = """
SELECT 'organizer' AS kind, co.competition AS competition, co.id AS position, co.role AS role, o.id AS org_id,
       o.name AS name, o.level AS level, o.bureau AS bureau, o.path AS path, 0 AS n
FROM {organizers} co JOIN {organizations} o ON o.id = co.organization
WHERE co.competition IN ({ids})
UNION ALL
SELECT 'events', e.competition, 0, NULL, NULL, NULL, NULL, NULL, NULL, count(*)
FROM {events} e WHERE e.competition IN ({ids}) GROUP BY e.competition
UNION ALL
SELECT 'parent', c.id, 0, NULL, NULL, p.name, NULL, NULL, NULL, 0
FROM {competitions} c JOIN {competitions} p ON p.id = c.parent WHERE c.id IN ({ids})
ORDER BY kind, competition, position
"""
_TABLES = {"organizers": CompetitionOrganizer._meta.tablename, "organizations": Organization._meta.tablename,
           "events": Event._meta.tablename, "competitions": Competition._meta.tablename}


async def _facts(ids: list[int]) -> tuple[dict[int, list[OrganizerOut]], dict[int, list[str]], dict[int, int],
                                           dict[int, str]]:
    organizers: dict[int, list[OrganizerOut]] = {i: [] for i in ids}
    paths: dict[int, list[str]] = {i: [] for i in ids}
    counts: dict[int, int] = dict.fromkeys(ids, 0)
    parents: dict[int, str] = {}
    if not ids:
        return organizers, paths, counts, parents
    marks = ", ".join(["{}"] * len(ids))
    for r in await Competition.raw(_FACTS_SQL.format(ids=marks, **_TABLES), *ids, *ids, *ids):
        cid = r["competition"]
        if r["kind"] == "organizer":
            organizers[cid].append(OrganizerOut(organization_id=r["org_id"], name=r["name"], level=r["level"],
                                                bureau=r["bureau"], role=r["role"]))
            paths[cid].append(r["path"])
        elif r["kind"] == "events":
            counts[cid] = int(r["n"])
        else:
            parents[cid] = r["name"]
    return organizers, paths, counts, parents


async def _outs(rows: list[dict], principal: Principal | None) -> list[CompetitionOut]:
    """The competitions as read by ``principal`` (``can_manage``: whether they may organize it)."""
    organizers, paths, counts, parents = await _facts([r["id"] for r in rows])
    return [
        CompetitionOut(
            id=r["id"], name=r["name"], level=r["level"], year=r["year"], edition=r["edition"], status=r["status"],
            next_status=NEXT_STATUS.get(r["status"]), description=r["description"], parent_id=r["parent"],
            parent_name=parents.get(r["id"]), organizers=organizers[r["id"]], event_count=counts[r["id"]],
            created_at=r["created_at"], updated_at=r["updated_at"],
            can_manage=manages_competition(principal, r["id"], paths[r["id"]]),
        )
        for r in rows
    ]


async def get_competition(competition_id: int, principal: Principal | None = None) -> CompetitionOut:
    return (await _outs([await competition_row(competition_id)], principal))[0]


async def list_competitions(
    *, level: str | None = None, year: int | None = None, status: str | None = None,
    parent_id: int | None = None, organization_id: int | None = None, principal: Principal | None = None,
) -> list[CompetitionOut]:
    """Every competition (any signed-in user may read them), newest year first, filtered as asked."""
    query = Competition.select()
    if level is not None:
        query = query.where(Competition.level == level)
    if year is not None:
        query = query.where(Competition.year == year)
    if status is not None:
        query = query.where(Competition.status == status)
    if parent_id is not None:
        query = query.where(Competition.parent == parent_id)
    if organization_id is not None:
        ids = [r["competition"] for r in await CompetitionOrganizer.select(CompetitionOrganizer.competition).where(
            CompetitionOrganizer.organization == organization_id)]
        query = query.where(Competition.id.is_in(ids or [-1]))
    rows = await query.order_by(Competition.year, ascending=False).order_by(Competition.id)
    return await _outs(rows, principal)


# --- competitions: changes ------------------------------------------------------------------------

async def _check_organizers(principal: Principal | None, level: str, organizers: list[OrganizerIn]) -> None:
    """Each organizing body exists, sits at the competition's level, is named once, and the caller holds
    organizer rights on it (``principal=None`` is the system: demo loader, CLI)."""
    seen: set[int] = set()
    for i, o in enumerate(organizers):
        field = f"organizers[{i}].organization_id"
        org = await Organization.select().where(Organization.id == o.organization_id).first()
        if org is None:
            raise InvalidInput(f"Organization {o.organization_id} does not exist.", code="organization_not_found",
                               field=field)
        if o.organization_id in seen:
            raise InvalidInput(f"{org['name']} is named twice.", code="duplicate_organizer", field=field)
        seen.add(o.organization_id)
        allowed_kind = org["kind"] == "authority" or (level == "school" and org["kind"] == "school")
        if not allowed_kind:
            raise InvalidInput(f"{org['name']} is not an authority; competitions are organized by authorities "
                               "(a school-level competition by its school).", code="not_an_authority", field=field)
        if org["level"] != level:
            raise InvalidInput(f"{org['name']} is a {org['level']}-level body; a {level}-level competition is "
                               f"organized at the {level} level.", code="organizer_level_mismatch", field=field)
        if principal is not None and not principal.covers_path(org["path"], "organizer"):
            raise Forbidden(f"You hold no organizer rights for {org['name']}.", code="not_organizer_of_authority",
                            field=field)


async def _check_parent(principal: Principal | None, level: str, parent_id: int | None,
                        competition_id: int | None = None) -> dict | None:
    """The parent exists, is another competition at a higher level, is not archived, and the caller
    manages it (a competition is attached below one only by that one's organizers)."""
    if parent_id is None:
        return None
    parent = await Competition.select().where(Competition.id == parent_id).first()
    if parent is None:
        raise InvalidInput(f"Competition {parent_id} does not exist.", code="parent_not_found", field="parent_id")
    if competition_id is not None and parent_id == competition_id:
        raise InvalidInput("A competition cannot feed itself.", code="invalid_parent", field="parent_id")
    if LEVEL_RANK[parent["level"]] <= LEVEL_RANK[level]:
        raise InvalidInput(
            f"A {level}-level competition feeds a higher level; {parent['name']} is {parent['level']}-level.",
            code="parent_level_not_above", field="parent_id",
        )
    if parent["status"] == "archived":
        raise InvalidInput(f"{parent['name']} is archived.", code="parent_archived", field="parent_id")
    if not await can_manage_competition(principal, parent_id):
        raise Forbidden(f"Only the organizers of {parent['name']} attach competitions below it.",
                        code="not_parent_organizer", field="parent_id")
    return parent


async def create_competition(principal: Principal | None, data: CompetitionIn) -> CompetitionOut:
    """Create a competition in draft. Needs organizer rights on every named organizing authority."""
    if principal is not None and not principal.has_role("admin", "organizer"):
        raise Forbidden("Only organizers create competitions.", code="role_required")
    await _check_organizers(principal, data.level, data.organizers)
    await _check_parent(principal, data.level, data.parent_id)
    async with write_transaction():
        rows = await Competition.insert(Competition(
            name=data.name.strip(), level=data.level, parent=data.parent_id, year=data.year, edition=data.edition,
            status="draft", description=data.description, created_by=principal.user_id if principal else None,
            created_at=now(), updated_at=now(),
        )).returning(Competition.id)
        competition_id = rows[0]["id"]
        for o in data.organizers:
            await CompetitionOrganizer.insert(CompetitionOrganizer(
                competition=competition_id, organization=o.organization_id, role=o.role))
        await record(principal, action="competition.created", object_type="competition",
                     object_id=competition_id, after={
                         "name": data.name, "level": data.level, "year": data.year, "edition": data.edition,
                         "parent_id": data.parent_id, "status": "draft",
                         "organizers": [{"organization_id": o.organization_id, "role": o.role} for o in data.organizers],
                     })
    return await get_competition(competition_id, principal)


async def update_competition(principal: Principal, competition_id: int, data: CompetitionPatch) -> CompetitionOut:
    """Name, description and edition change until archived; the parent until results are published
    (advancement reads it then); the year only in draft; organizers until archived, the caller needing
    organizer rights on every authority named."""
    row = await require_competition_manager(principal, competition_id)
    status = row["status"]
    if status == "archived":
        raise Conflict("An archived competition does not change.", code="competition_archived")
    changes: dict[str, Any] = {}
    for name in ("name", "description", "edition"):
        value = getattr(data, name)
        if value is not msgspec.UNSET:
            changes[name] = value.strip() if isinstance(value, str) and name == "name" else value
    if data.year is not msgspec.UNSET:
        if status != "draft" and data.year != row["year"]:
            raise Conflict("The year changes only while the competition is a draft.", code="competition_not_draft",
                           field="year")
        changes["year"] = data.year
    if data.parent_id is not msgspec.UNSET:
        if data.parent_id != row["parent"]:
            if reached(status, "results_published"):
                raise Conflict("The parent changes only until results are published.",
                               code="competition_results_published", field="parent_id")
            await _check_parent(principal, row["level"], data.parent_id, competition_id)
        changes["parent"] = data.parent_id
    if data.organizers is not msgspec.UNSET:
        await _check_organizers(principal, row["level"], data.organizers)
    async with write_transaction():
        before = {k: row[k] for k in changes}
        if changes:
            await Competition.update({**{getattr(Competition, k): v for k, v in changes.items()},
                                      Competition.updated_at: now()}).where(Competition.id == competition_id)
        after = dict(changes)
        if data.organizers is not msgspec.UNSET:
            old = await CompetitionOrganizer.select(CompetitionOrganizer.organization, CompetitionOrganizer.role).where(
                CompetitionOrganizer.competition == competition_id).order_by(CompetitionOrganizer.id)
            before["organizers"] = [{"organization_id": o["organization"], "role": o["role"]} for o in old]
            await CompetitionOrganizer.delete().where(CompetitionOrganizer.competition == competition_id)
            for o in data.organizers:
                await CompetitionOrganizer.insert(CompetitionOrganizer(
                    competition=competition_id, organization=o.organization_id, role=o.role))
            after["organizers"] = [{"organization_id": o.organization_id, "role": o.role} for o in data.organizers]
            await Competition.update({Competition.updated_at: now()}).where(Competition.id == competition_id)
        if after:
            await record(principal, action="competition.updated", object_type="competition",
                         object_id=competition_id, before=before, after=after)
    return await get_competition(competition_id, principal)


async def delete_competition(principal: Principal, competition_id: int) -> None:
    """Only a draft that no other competition feeds into; downstream domains may refuse too (entries)."""
    row = await require_competition_manager(principal, competition_id)
    async with write_transaction():
        if await lock_competition(competition_id) != "draft":
            raise Conflict("Only a draft competition can be deleted.", code="competition_not_draft")
        if await Competition.exists().where(Competition.parent == competition_id):
            raise Conflict("Other competitions feed into this one; detach them first.", code="competition_has_children")
        await emit("competition.deleting", principal, competition_id=competition_id)
        await Competition.delete().where(Competition.id == competition_id)
        await record(principal, action="competition.deleted", object_type="competition",
                     object_id=competition_id, before={"name": row["name"], "level": row["level"], "year": row["year"]})


async def transition(principal: Principal | None, competition_id: int, to: str, reason: str = "") -> CompetitionOut:
    """Move the competition one step along its lifecycle (organizers only, audit-logged). Downstream
    domains check and act on the step through ``competition.entering`` inside the same transaction."""
    await require_competition_manager(principal, competition_id)
    async with write_transaction():
        current = await lock_competition(competition_id)
        allowed = NEXT_STATUS.get(current)
        if to != allowed:
            if to == current:
                why = f"The competition is already {current}."
            elif LIFECYCLE.index(to) < LIFECYCLE.index(current):
                why = f"A competition never moves back from {current} to {to}."
            else:
                why = f"From {current} the next step is {allowed or 'none (archived is final)'}; steps are not skipped."
            raise Conflict(why, code="invalid_transition", field="to",
                           extra={"from": current, "to": to, "allowed": allowed})
        if to == "registration_open" and not await Event.exists().where(Event.competition == competition_id):
            raise Conflict("Add at least one event before opening registration.", code="no_events")
        done = await emit("competition.entering", principal, competition_id=competition_id, from_status=current,
                          to_status=to)
        published = [item for items in done if items for item in items]
        await COMPETITION_LIFECYCLE.apply(competition_id, to, current, {Competition.updated_at: now()})
        await record(principal, action="competition.transitioned", object_type="competition",
                     object_id=competition_id, before={"status": current},
                     after={"status": to, **({"published": published} if published else {})}, reason=reason)
        # read in the transaction: the answer is the step this request made, not a later one that a
        # concurrent request committed before this one's read
        return await get_competition(competition_id, principal)
