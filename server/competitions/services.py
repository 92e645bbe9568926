"""Competition rules: the occupation catalog, competitions and their lifecycle, events (赛项) and who
may manage them.

- Levels run school < county < city < province < national; a competition feeds (选拔 for) a parent at a
  higher level. Its organizing authorities sit at its own level; creating one needs organizer rights
  on every named authority, and every organizer covering one of them manages it (joint organizing).
- Lifecycle: draft → registration_open → registration_closed → running → results_published →
  archived, one step at a time, forwards only (409 ``invalid_transition`` otherwise). Concurrent
  requests for the same step: exactly one wins (a per-competition lock, then a status-guarded update).
- Events freeze field by field as the competition moves on (``FROZEN_FROM``): what entrants registered
  under stops changing when registration closes, the marking scheme when the competition runs, the
  award, promotion and advancement rules when results are published; nothing changes once archived.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

import msgspec

from server import locks
from server.access import competition_row, require_competition_manager
from server.audit.services import record
from server.catalog import services as catalog
from server.catalog.tables import Occupation
from server.competitions import rules
from server.competitions.schemas import (
    CompetitionIn,
    CompetitionOut,
    CompetitionPatch,
    EligibilityRules,
    EventIn,
    EventOut,
    EventPatch,
    OrganizerIn,
    OrganizerOut,
)
from server.competitions.tables import Competition, CompetitionOrganizer, Event
from server.db import lock_key, write_transaction
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.organizations.tables import Organization
from server.principal import Principal
from server.results.tables import EventResults
from server.statemachine import StateMachine, Transition

LEVEL_RANK = {"school": 0, "county": 1, "city": 2, "province": 3, "national": 4}
LIFECYCLE = ("draft", "registration_open", "registration_closed", "running", "results_published", "archived")
NEXT_STATUS: dict[str, str] = dict(zip(LIFECYCLE, LIFECYCLE[1:]))
# one step at a time, never back: the action is the status entered
COMPETITION_LIFECYCLE = StateMachine("competition", Competition, [
    Transition(to, (current,), to) for current, to in NEXT_STATUS.items()
], stale_code="invalid_transition")

REGISTRATION_RULES = (
    "occupation", "work_type", "group", "track", "team", "min_members", "max_members", "max_coaches",
    "quota_per_school", "registration_opens", "registration_closes", "eligibility",
)
# Event fields that stop changing once the competition reaches a status (and in every later status).
FROZEN_FROM: dict[str, tuple[str, ...]] = {
    "registration_closed": REGISTRATION_RULES,  # entrants registered under these
    "running": ("scheme",),  # judging has started
    "results_published": ("award_rules", "promotion_rules", "advancement_rules"),  # results were read by them
}
EVENT_FIELDS = ("code", "name", *REGISTRATION_RULES, "scheme", "award_rules", "promotion_rules", "advancement_rules")

def now() -> datetime:
    return datetime.now(timezone.utc)


def frozen_fields(status: str) -> set[str]:
    """Event fields that may no longer change in a competition with this status."""
    if status == "archived":
        return set(EVENT_FIELDS)
    reached = LIFECYCLE.index(status)
    out: set[str] = set()
    for since, fields in FROZEN_FROM.items():
        if reached >= LIFECYCLE.index(since):
            out.update(fields)
    return out


async def _organizers_of(competition_ids: Iterable[int]) -> dict[int, list[OrganizerOut]]:
    ids = list(competition_ids)
    out: dict[int, list[OrganizerOut]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = await CompetitionOrganizer.select(
        CompetitionOrganizer.competition,
        CompetitionOrganizer.role,
        CompetitionOrganizer.organization.id.as_alias("org_id"),
        CompetitionOrganizer.organization.name.as_alias("org_name"),
        CompetitionOrganizer.organization.level.as_alias("org_level"),
        CompetitionOrganizer.organization.bureau.as_alias("org_bureau"),
    ).where(CompetitionOrganizer.competition.is_in(ids)).order_by(CompetitionOrganizer.id)
    for r in rows:
        out[r["competition"]].append(OrganizerOut(organization_id=r["org_id"], name=r["org_name"],
                                                  level=r["org_level"], bureau=r["org_bureau"], role=r["role"]))
    return out


async def _outs(rows: list[dict]) -> list[CompetitionOut]:
    ids = [r["id"] for r in rows]
    organizers = await _organizers_of(ids)
    counts: dict[int, int] = {i: 0 for i in ids}
    if ids:
        for e in await Event.select(Event.competition).where(Event.competition.is_in(ids)):
            counts[e["competition"]] += 1
    parent_ids = {r["parent"] for r in rows if r["parent"] is not None}
    parents = {}
    if parent_ids:
        parents = {p["id"]: p["name"] for p in
                   await Competition.select(Competition.id, Competition.name).where(Competition.id.is_in(list(parent_ids)))}
    return [
        CompetitionOut(
            id=r["id"], name=r["name"], level=r["level"], year=r["year"], edition=r["edition"], status=r["status"],
            next_status=NEXT_STATUS.get(r["status"]), description=r["description"], parent_id=r["parent"],
            parent_name=parents.get(r["parent"]), organizers=organizers[r["id"]], event_count=counts[r["id"]],
            created_at=r["created_at"], updated_at=r["updated_at"],
        )
        for r in rows
    ]


async def get_competition(competition_id: int) -> CompetitionOut:
    return (await _outs([await competition_row(competition_id)]))[0]


async def list_competitions(
    *, level: str | None = None, year: int | None = None, status: str | None = None,
    parent_id: int | None = None, organization_id: int | None = None,
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
    return await _outs(rows)


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


async def _check_parent(level: str, parent_id: int | None, competition_id: int | None = None) -> dict | None:
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
    return parent


async def create_competition(principal: Principal | None, data: CompetitionIn) -> CompetitionOut:
    """Create a competition in draft. Needs organizer rights on every named organizing authority."""
    if principal is not None and not principal.has_role("admin", "organizer"):
        raise Forbidden("Only organizers create competitions.", code="role_required")
    await _check_organizers(principal, data.level, data.organizers)
    await _check_parent(data.level, data.parent_id)
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
    return await get_competition(competition_id)


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
        if LIFECYCLE.index(status) >= LIFECYCLE.index("results_published") and data.parent_id != row["parent"]:
            raise Conflict("The parent changes only until results are published.", code="competition_results_published",
                           field="parent_id")
        await _check_parent(row["level"], data.parent_id, competition_id)
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
    return await get_competition(competition_id)


async def delete_competition(principal: Principal, competition_id: int) -> None:
    """Only a draft that no other competition feeds into and whose events hold no entries."""
    from server.registration.tables import Entry

    row = await require_competition_manager(principal, competition_id)
    async with write_transaction():
        await lock_key(locks.competition(competition_id))
        current = await Competition.select(Competition.status).where(Competition.id == competition_id).first()
        if current is None:
            raise NotFound(f"Competition {competition_id} does not exist.", code="competition_not_found")
        if current["status"] != "draft":
            raise Conflict("Only a draft competition can be deleted.", code="competition_not_draft")
        if await Competition.exists().where(Competition.parent == competition_id):
            raise Conflict("Other competitions feed into this one; detach them first.", code="competition_has_children")
        if await Entry.exists().where(Entry.event.competition == competition_id):
            raise Conflict("Entries exist in this competition's events.", code="competition_has_entries")
        await Competition.delete().where(Competition.id == competition_id)
        await record(principal, action="competition.deleted", object_type="competition",
                     object_id=competition_id, before={"name": row["name"], "level": row["level"], "year": row["year"]})


async def _transition_guards(competition_id: int, current: str, to: str) -> list[str]:
    """Checks a step needs beyond order; returns what the step does besides changing the status."""
    from server.registration.tables import Entry

    if to == "registration_open":
        if not await Event.exists().where(Event.competition == competition_id):
            raise Conflict("Add at least one event before opening registration.", code="no_events")
    if to == "results_published":
        events = await Event.select(Event.id, Event.code, Event.name).where(Event.competition == competition_id)
        with_results = {r["event"]: r["status"] for r in await EventResults.select(
            EventResults.event, EventResults.status).where(EventResults.event.is_in([e["id"] for e in events] or [-1]))}
        approved = {r["event"] for r in await Entry.select(Entry.event).where(
            Entry.event.is_in([e["id"] for e in events] or [-1]) & (Entry.status == "approved"))}
        missing = [e for e in events if e["id"] in approved and e["id"] not in with_results]
        if missing:
            raise Conflict(
                "Results are missing for events with approved entries: "
                + ", ".join(f"{e['code']} {e['name']}" for e in missing) + ".",
                code="results_missing", extra={"events": [e["id"] for e in missing]},
            )
        return [f"results of event {e}" for e, status in with_results.items() if status == "imported"]
    return []


async def transition(principal: Principal | None, competition_id: int, to: str, reason: str = "") -> CompetitionOut:
    """Move the competition one step along its lifecycle (organizers only, audit-logged)."""
    await require_competition_manager(principal, competition_id)
    async with write_transaction():
        await lock_key(locks.competition(competition_id))
        row = await Competition.select(Competition.status).where(Competition.id == competition_id).first()
        if row is None:
            raise NotFound(f"Competition {competition_id} does not exist.", code="competition_not_found")
        current = row["status"]
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
        effects = await _transition_guards(competition_id, current, to)
        if to == "results_published":
            from server.competitions.results import publish_all_imported

            await publish_all_imported(principal, competition_id)
        await COMPETITION_LIFECYCLE.apply(competition_id, to, current, {Competition.updated_at: now()})
        await record(principal, action="competition.transitioned", object_type="competition",
                     object_id=competition_id, before={"status": current},
                     after={"status": to, **({"published": effects} if effects else {})}, reason=reason)
    return await get_competition(competition_id)


# --- events ---------------------------------------------------------------------------------------

async def event_row(competition_id: int, event_id: int) -> dict:
    row = await Event.select().where((Event.id == event_id) & (Event.competition == competition_id)).first()
    if row is None:
        raise NotFound(f"Event {event_id} of competition {competition_id} does not exist.", code="event_not_found")
    return row


async def _results_status(event_ids: list[int]) -> dict[int, str]:
    if not event_ids:
        return {}
    return {r["event"]: r["status"] for r in await EventResults.select(EventResults.event, EventResults.status).where(
        EventResults.event.is_in(event_ids))}


async def _event_outs(rows: list[dict]) -> list[EventOut]:
    occupation_ids = {r["occupation"] for r in rows if r["occupation"] is not None}
    occupations = {}
    if occupation_ids:
        occupations = {o["id"]: catalog.occupation_out(o) for o in
                       await Occupation.select().where(Occupation.id.is_in(list(occupation_ids)))}
    statuses = await _results_status([r["id"] for r in rows])
    return [
        EventOut(
            id=r["id"], competition_id=r["competition"], code=r["code"], name=r["name"],
            occupation=occupations.get(r["occupation"]), work_type=r["work_type"], group=r["group"],
            track=r["track"], team=r["team"], min_members=r["min_members"], max_members=r["max_members"],
            max_coaches=r["max_coaches"], quota_per_school=r["quota_per_school"],
            registration_opens=r["registration_opens"], registration_closes=r["registration_closes"],
            scheme=rules.as_builtins(r["scheme"]), award_rules=rules.as_builtins(r["award_rules"]),
            promotion_rules=rules.as_builtins(r["promotion_rules"]),
            advancement_rules=rules.as_builtins(r["advancement_rules"]),
            eligibility=msgspec.json.decode(r["eligibility"], type=EligibilityRules) if r["eligibility"] else None,
            results_status=statuses.get(r["id"], "none"), created_at=r["created_at"], updated_at=r["updated_at"],
        )
        for r in rows
    ]


async def get_event(competition_id: int, event_id: int) -> EventOut:
    await competition_row(competition_id)
    return (await _event_outs([await event_row(competition_id, event_id)]))[0]


async def list_events(competition_id: int) -> list[EventOut]:
    await competition_row(competition_id)
    rows = await Event.select().where(Event.competition == competition_id).order_by(Event.code)
    return await _event_outs(rows)


async def _resolve_occupation(occupation_id: int | None, occupation_code: str | None,
                              work_type: str | None) -> tuple[dict, str]:
    """The catalog row and the event's work type, by the catalog's one rule (``server.catalog.services``);
    a row that is itself a work type fixes the work type."""
    if occupation_id is None and occupation_code is None:
        raise InvalidInput("Name the event's occupation (occupation_id or occupation_code).",
                           code="occupation_required", field="occupation_id")
    wanted = (work_type or "").strip()
    code = occupation_code
    if occupation_id is not None:
        row = await catalog.row_by_id(occupation_id)
        if occupation_code is not None and occupation_code != row["code"]:
            raise InvalidInput(f"Occupation {occupation_id} has code {row['code']}, not {occupation_code}.",
                               code="occupation_mismatch", field="occupation_code")
        if row["work_type"]:
            if wanted and wanted != row["work_type"]:
                raise InvalidInput(f"Catalog entry {row['id']} is the work type {row['work_type']}, not {wanted}.",
                                   code="work_type_mismatch", field="work_type")
            return row, row["work_type"]
        code = row["code"]
    row = await catalog.find(code, wanted, field="occupation_code" if occupation_id is None else "occupation_id")
    return row, row["work_type"] or wanted


def _check_shape(values: dict[str, Any]) -> None:
    """Team size, coaches, registration window and eligibility rules that do not need scoring/."""
    if not values["team"]:
        if values["min_members"] != 1 or values["max_members"] != 1:
            raise InvalidInput("An individual event has exactly one competitor per entry.",
                               code="individual_event_size", field="max_members")
    else:
        if values["min_members"] < 2:
            raise InvalidInput("A team event has at least two members per entry.", code="team_too_small",
                               field="min_members")
    if values["min_members"] > values["max_members"]:
        raise InvalidInput("min_members is larger than max_members.", code="members_range_invalid",
                           field="min_members")
    opens, closes = values["registration_opens"], values["registration_closes"]
    if opens is not None and closes is not None and closes <= opens:
        raise InvalidInput("Registration closes before it opens.", code="registration_window_invalid",
                           field="registration_closes")
    e: EligibilityRules | None = values["eligibility"]
    if e is not None:
        if e.min_age is not None and e.max_age is not None and e.min_age > e.max_age:
            raise InvalidInput("min_age is above max_age.", code="age_window_invalid", field="eligibility.max_age")
        if (e.min_age is not None or e.max_age is not None) and e.age_reference_date is None:
            raise InvalidInput("An age window needs the date ages are taken on.", code="age_reference_required",
                               field="eligibility.age_reference_date")
        if not e.person_statuses or len(set(e.person_statuses)) != len(e.person_statuses):
            raise InvalidInput("List the allowed statuses once each (student, graduate).",
                               code="person_statuses_invalid", field="eligibility.person_statuses")
        if e.graduated_within_years is not None and "graduate" not in e.person_statuses:
            raise InvalidInput("graduated_within_years applies to graduates; allow 'graduate' too.",
                               code="graduates_not_allowed", field="eligibility.graduated_within_years")
        if e.school_types is not None and (not e.school_types or len(set(e.school_types)) != len(e.school_types)):
            raise InvalidInput("List the allowed school types once each, or leave them unset for all.",
                               code="school_types_invalid", field="eligibility.school_types")


def _rule_columns(values: dict[str, Any], changed: set[str], level: str, stored: dict | None) -> dict[str, Any]:
    """Validate the rule documents that changed (through scoring/) and return their stored JSON."""
    out: dict[str, Any] = {}
    scheme = None
    if "scheme" in changed:
        scheme = rules.scheme_from(values["scheme"]) if values["scheme"] is not None else None
        out["scheme"] = rules.to_json(scheme) if scheme is not None else None
    elif stored is not None:
        scheme = rules.stored_scheme(stored["scheme"])
    if "award_rules" in changed or ("scheme" in changed and stored is not None and stored["award_rules"]):
        raw = values["award_rules"] if "award_rules" in changed else rules.as_builtins(stored["award_rules"])
        out["award_rules"] = rules.to_json(rules.award_rules_from(raw, scheme)) if raw is not None else None
    if "promotion_rules" in changed:
        raw = values["promotion_rules"]
        out["promotion_rules"] = rules.to_json(rules.promotion_rules_from(raw, level)) if raw is not None else None
    if "advancement_rules" in changed:
        raw = values["advancement_rules"]
        out["advancement_rules"] = rules.to_json(rules.advancement_rules_from(raw)) if raw is not None else None
    return out


def _audit_view(columns: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in columns.items():
        out[k] = v.isoformat() if isinstance(v, datetime) else v
    return out


async def create_event(principal: Principal | None, competition_id: int, data: EventIn) -> EventOut:
    """Add an event; refused once registration has closed (entrants could no longer enter it)."""
    competition = await require_competition_manager(principal, competition_id)
    if LIFECYCLE.index(competition["status"]) >= LIFECYCLE.index("registration_closed"):
        raise Conflict(f"The competition is {competition['status']}: events are added before registration closes.",
                       code="competition_registration_closed")
    occupation, work_type = await _resolve_occupation(data.occupation_id, data.occupation_code, data.work_type)
    values = {f: getattr(data, f) for f in data.__struct_fields__}
    _check_shape(values)
    documents = _rule_columns(values, {"scheme", "award_rules", "promotion_rules", "advancement_rules"},
                              competition["level"], None)
    columns = {
        "code": data.code, "name": data.name.strip(), "occupation": occupation["id"], "work_type": work_type,
        "group": data.group, "track": data.track, "team": data.team, "min_members": data.min_members,
        "max_members": data.max_members, "max_coaches": data.max_coaches, "quota_per_school": data.quota_per_school,
        "registration_opens": data.registration_opens, "registration_closes": data.registration_closes,
        "eligibility": rules.to_json(data.eligibility) if data.eligibility is not None else None, **documents,
    }
    async with write_transaction():
        await lock_key(locks.competition(competition_id))
        status = (await Competition.select(Competition.status).where(Competition.id == competition_id).first())["status"]
        if LIFECYCLE.index(status) >= LIFECYCLE.index("registration_closed"):
            raise Conflict(f"The competition is {status}: events are added before registration closes.",
                           code="competition_registration_closed")
        if await Event.exists().where((Event.competition == competition_id) & (Event.code == data.code)):
            raise Conflict(f"The competition already has an event {data.code}.", code="event_code_taken", field="code")
        rows = await Event.insert(Event(competition=competition_id, created_at=now(), updated_at=now(),
                                        **columns)).returning(Event.id)
        event_id = rows[0]["id"]
        await record(principal, action="event.created", object_type="event", object_id=event_id,
                     after={"competition_id": competition_id, **_audit_view(columns)})
    return await get_event(competition_id, event_id)


async def update_event(principal: Principal, competition_id: int, event_id: int, data: EventPatch) -> EventOut:
    """Change the fields sent. Refused (409 ``event_field_frozen``, naming the field) for fields frozen by
    the competition's status: the registration rules once registration has closed, the marking scheme
    once the competition runs, award/promotion/advancement rules once results are published."""
    competition = await require_competition_manager(principal, competition_id)
    stored = await event_row(competition_id, event_id)
    sent = {f for f in data.__struct_fields__ if getattr(data, f) is not msgspec.UNSET}
    frozen = frozen_fields(competition["status"])
    # asking for the value it already has is not a change
    wanted = {"occupation" if f == "occupation_id" else f for f in sent}
    for field in sorted(wanted & frozen):
        current = stored[field if field != "occupation" else "occupation"]
        new = getattr(data, "occupation_id" if field == "occupation" else field)
        if field in ("scheme", "award_rules", "promotion_rules", "advancement_rules"):
            same = new == rules.as_builtins(current) if current is not None else new is None
        elif field == "eligibility":
            same = (rules.to_json(new) if new is not None else None) == current
        else:
            same = new == current
        if not same:
            raise Conflict(
                f"{field} no longer changes: the competition is {competition['status']} "
                f"({'archived' if competition['status'] == 'archived' else 'entrants and results rely on it'}).",
                code="event_field_frozen", field="occupation_id" if field == "occupation" else field,
                extra={"competition_status": competition["status"], "frozen_fields": sorted(frozen)},
            )
    if not sent:
        return await get_event(competition_id, event_id)
    values: dict[str, Any] = {
        "team": stored["team"], "min_members": stored["min_members"], "max_members": stored["max_members"],
        "registration_opens": stored["registration_opens"], "registration_closes": stored["registration_closes"],
        "eligibility": msgspec.json.decode(stored["eligibility"], type=EligibilityRules) if stored["eligibility"] else None,
    }
    for f in sent:
        values[f] = getattr(data, f)
    _check_shape(values)
    columns: dict[str, Any] = {}
    if "occupation_id" in sent or "work_type" in sent:
        occupation_id = data.occupation_id if "occupation_id" in sent else stored["occupation"]
        # a work type not sent stays as it is while the occupation stays the same
        hint = data.work_type if "work_type" in sent else (
            stored["work_type"] if occupation_id == stored["occupation"] else None)
        occupation, work_type = await _resolve_occupation(occupation_id, None, hint)
        columns["occupation"], columns["work_type"] = occupation["id"], work_type
    for f in ("code", "name", "group", "track", "team", "min_members", "max_members", "max_coaches",
              "quota_per_school", "registration_opens", "registration_closes"):
        if f in sent:
            columns[f] = values[f].strip() if f == "name" else values[f]
    if "eligibility" in sent:
        columns["eligibility"] = rules.to_json(values["eligibility"]) if values["eligibility"] is not None else None
    columns.update(_rule_columns(values, sent, competition["level"], stored))
    columns = {k: v for k, v in columns.items() if stored[k] != v}
    if not columns:
        return await get_event(competition_id, event_id)
    async with write_transaction():
        await lock_key(locks.competition(competition_id))
        status = (await Competition.select(Competition.status).where(Competition.id == competition_id).first())["status"]
        late = sorted(set(columns) & frozen_fields(status))
        if late:  # the competition moved on while this request was validated
            raise Conflict(f"{late[0]} no longer changes: the competition is {status}.", code="event_field_frozen",
                           field="occupation_id" if late[0] == "occupation" else late[0], extra={"competition_status": status})
        if "code" in columns and await Event.exists().where(
                (Event.competition == competition_id) & (Event.code == columns["code"]) & (Event.id != event_id)):
            raise Conflict(f"The competition already has an event {columns['code']}.", code="event_code_taken",
                           field="code")
        await Event.update({**{getattr(Event, k): v for k, v in columns.items()}, Event.updated_at: now()}).where(
            Event.id == event_id)
        await record(principal, action="event.updated", object_type="event", object_id=event_id,
                     before=_audit_view({k: stored[k] for k in columns}), after=_audit_view(columns))
    return await get_event(competition_id, event_id)


async def delete_event(principal: Principal, competition_id: int, event_id: int) -> None:
    """Only before registration closes and only while the event holds no entries."""
    from server.registration.tables import Entry

    await require_competition_manager(principal, competition_id)
    stored = await event_row(competition_id, event_id)
    async with write_transaction():
        await lock_key(locks.competition(competition_id))
        status = (await Competition.select(Competition.status).where(Competition.id == competition_id).first())["status"]
        if LIFECYCLE.index(status) >= LIFECYCLE.index("registration_closed"):
            raise Conflict(f"The competition is {status}: its events stay.", code="competition_registration_closed")
        if await Entry.exists().where(Entry.event == event_id):
            raise Conflict("The event holds entries; they would be lost.", code="event_has_entries")
        await Event.delete().where(Event.id == event_id)
        await record(principal, action="event.deleted", object_type="event", object_id=event_id,
                     before={"competition_id": competition_id, "code": stored["code"], "name": stored["name"]})


# --- eligibility support --------------------------------------------------------------------------

async def prior_national_winners(occupation_code: str, person_ids: list[int]) -> dict[int, str]:
    """People among ``person_ids`` who won an award in published results of a national-level competition,
    in an event of this occupation (大典 code): person id → "2025 <competition>, <award>".

    Publishing results also writes the people domain's award records; this answers from the results
    themselves (the registration domain merges both for ``exclude_prior_national_winners``).
    """
    from server.registration.tables import EntryMember
    from server.results.tables import EntryResult

    if not occupation_code or not person_ids:
        return {}
    events = await Event.select(Event.id, Event.competition.name.as_alias("competition"),
                                Event.competition.year.as_alias("year")).where(
        (Event.competition.level == "national") & (Event.occupation.code == occupation_code))
    if not events:
        return {}
    by_event = {e["id"]: e for e in events}
    published = {r["event"] for r in await EventResults.select(EventResults.event).where(
        EventResults.event.is_in(list(by_event)) & (EventResults.status == "published"))}
    if not published:
        return {}
    winners = {r["entry_id"]: r for r in await EntryResult.select(
        EntryResult.entry_id, EntryResult.event, EntryResult.award).where(
        EntryResult.event.is_in(list(published)) & EntryResult.award.is_not_null()
        & (EntryResult.withdrawn == False))}  # noqa: E712
    if not winners:
        return {}
    out: dict[int, str] = {}
    for m in await EntryMember.select(EntryMember.person, EntryMember.entry).where(
            EntryMember.entry.is_in(list(winners)) & (EntryMember.role == "competitor")
            & EntryMember.person.is_in(list(person_ids))):
        result = winners[m["entry"]]
        event = by_event[result["event"]]
        out.setdefault(m["person"], f"{event['year']} {event['competition']}, {result['award']}")
    return out
