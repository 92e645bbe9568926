"""Events (赛项) of a competition: reading them, their occupation, shape and rule documents, and how
they freeze field by field as the competition moves on.

``FROZEN_FROM``: what entrants registered under stops changing when registration closes, the marking
scheme when the competition runs, the award, promotion and advancement rules when results are
published; nothing changes once archived. Events are added until registration closes and deleted only
before then; inside the deleting transaction ``event.deleting`` (``competition_id``, ``event_id``) lets
downstream domains refuse (an event holding entries stays).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from server.access import competition_row, require_competition_manager
from server.audit.services import record
from server.catalog import services as catalog
from server.catalog.tables import Occupation
from server.competitions import rules
from server.competitions.competitions import lock_competition, now, reached
from server.competitions.schemas import EligibilityRules, EventIn, EventOut, EventPatch
from server.competitions.tables import Event
from server.db import write_transaction
from server.errors import Conflict, InvalidInput, NotFound
from server.events import emit
from server.principal import Principal

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


def frozen_fields(status: str) -> set[str]:
    """Event fields that may no longer change in a competition with this status."""
    if status == "archived":
        return set(EVENT_FIELDS)
    out: set[str] = set()
    for since, fields in FROZEN_FROM.items():
        if reached(status, since):
            out.update(fields)
    return out


async def event_row(competition_id: int, event_id: int) -> dict:
    row = await Event.select().where((Event.id == event_id) & (Event.competition == competition_id)).first()
    if row is None:
        raise NotFound(f"Event {event_id} of competition {competition_id} does not exist.", code="event_not_found")
    return row


async def _event_outs(rows: list[dict]) -> list[EventOut]:
    occupation_ids = {r["occupation"] for r in rows if r["occupation"] is not None}
    occupations = {}
    if occupation_ids:
        occupations = {o["id"]: catalog.occupation_out(o) for o in
                       await Occupation.select().where(Occupation.id.is_in(list(occupation_ids)))}
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
            created_at=r["created_at"], updated_at=r["updated_at"],
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
    if reached(competition["status"], "registration_closed"):
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
        status = await lock_competition(competition_id)
        if reached(status, "registration_closed"):
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
        status = await lock_competition(competition_id)
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
    """Only before registration closes; downstream domains may refuse too (an event holding entries)."""
    await require_competition_manager(principal, competition_id)
    stored = await event_row(competition_id, event_id)
    async with write_transaction():
        status = await lock_competition(competition_id)
        if reached(status, "registration_closed"):
            raise Conflict(f"The competition is {status}: its events stay.", code="competition_registration_closed")
        await emit("event.deleting", principal, competition_id=competition_id, event_id=event_id)
        await Event.delete().where(Event.id == event_id)
        await record(principal, action="event.deleted", object_type="event", object_id=event_id,
                     before={"competition_id": competition_id, "code": stored["code"], "name": stored["name"]})


