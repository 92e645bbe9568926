"""The third way in: certificates from an event's results (``jineng.results/1``), sent with the request or
the event's published results (:class:`server.results.tables.EventResults`).

* **Awards.** Every awarded entry (a registration entry of the event, approved, with competitors) gives
  each competitor a 获奖证书 with the competition, edition, organizers, group, award, members and coaches.
  The awards must be final. Problems in the document are reported together (one 422, nothing issued).
* **Promotions.** The event's promotion rules (:mod:`scoring.promotion`) decide, from the standings and
  each member's current level (:func:`server.issuing.holders.current_level`), who is promoted to which
  level; a promoted member also gets a 职业技能等级证书 (``source="promotion"``), which the award certificate
  links to. A promotion the catalog or an existing certificate refuses is reported as ``not_issued``.

Entries already certified are skipped, so the same results can be sent again (e.g. after an appeal added
an award). Judging will call :func:`issue_from_results` with its parsed results.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import msgspec

from scoring import InvalidPolicy, promote
from scoring.model import Entry as ScoringEntry
from scoring.model import Member as ScoringMember
from scoring.promotion import PromotionRule
from scoring.results_format import ResultsDocument, decode_results, standings_from_results
from server import locks
from server.access import can_manage_competition
from server.catalog import services as catalog
from server.competitions.tables import Competition, CompetitionOrganizer, Event
from server.db import lock_key, write_transaction
from server.errors import InvalidInput, NotFound, join_path, refusal
from server.issuing.clock import issue_date
from server.issuing.codes import award_code
from server.issuing.holders import current_level, holds_certificate
from server.issuing.issuance import Draft, close_batch, issue, new_batch, record_award, record_skill_level
from server.issuing.reads import batch_out
from server.issuing.schemas import BatchOut, PromotionOut, ResultsIssueIn, SkippedOut
from server.issuing.scope import issuer_for
from server.issuing.tables import Certificate
from server.people.tables import Person
from server.principal import Principal
from server.registration.tables import Entry, EntryMember
from server.results.tables import EventResults

_GROUPS = {"student": "学生组", "worker": "职工组"}
_TRACKS = {"secondary": "中职", "higher": "高职", "technical": "技工院校"}


def _promotion_rules(text: str | None) -> list[PromotionRule]:
    if not text:
        return []
    try:
        data = msgspec.json.decode(text)
        if isinstance(data, dict):
            data = data.get("rules", data.get("promotion", []))
        return msgspec.convert(data, type=list[PromotionRule])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise InvalidInput(f"The event's promotion rules cannot be read: {exc}", code="promotion_rules_invalid",
                           field="promotion_rules") from None


async def _published_results(event_id: int) -> ResultsDocument:
    row = await EventResults.select(EventResults.document).where(
        (EventResults.event == event_id) & (EventResults.status == "published")).first()
    if row is None:
        raise InvalidInput("The event has no published results; send the results document.",
                           code="results_required", field="results")
    return decode_results(row["document"])


def _entry_id(text: str) -> int | None:
    value = text.strip()
    # ASCII digits only: "²".isdigit() is True, but int("²") raises ValueError
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 12 else None


def _group_name(event: dict) -> str:
    """组别 as printed: 学生组（中职）, 职工组, …"""
    return "".join(x for x in (_GROUPS.get(event["group"], ""),
                               f"（{_TRACKS[event['track']]}）" if event["track"] in _TRACKS else "") if x)


async def _issuer(principal: Principal | None, issuer_id: int | None, organizers: list[dict]) -> dict:
    """The issuer asked for, else the competition's host (else its first organizer)."""
    if issuer_id is not None:
        return await issuer_for(principal, issuer_id)
    host = next((o for o in organizers if o["role"] == "host"), organizers[0] if organizers else None)
    if host is None:
        raise InvalidInput("The competition has no organizer to issue in the name of; give issuer_id.",
                           code="issuer_required", field="issuer_id")
    return await issuer_for(None, host["org_id"])


async def _awarded(doc: ResultsDocument, event: dict) -> list[dict]:
    """The awarded entries with their competitors and coaches; every problem at once as one refusal."""
    tier_names = {t.code: t.name for t in doc.awards.tiers}
    problems: list[dict] = []
    awarded: list[dict] = []
    for i, e in enumerate(doc.entries):
        if not e.award or e.withdrawn:
            continue
        where = f"results.entries[{i}]"
        entry_id = _entry_id(e.entry)
        code = award_code(e.award, tier_names.get(e.award))
        if code is None:
            problems.append({"field": f"{where}.award", "entry": e.entry, "code": "unknown_award",
                             "message": f"The award “{e.award}” is not a certificate award (gold, first, 一等奖 …)."})
        if entry_id is None:
            problems.append({"field": f"{where}.entry", "entry": e.entry, "code": "invalid_entry_id",
                             "message": f"“{e.entry}” is not a registration entry id."})
            continue
        entry = await Entry.select().where(Entry.id == entry_id).first()
        if entry is None or entry["event"] != event["id"]:
            problems.append({"field": f"{where}.entry", "entry": e.entry, "code": "entry_not_in_event",
                             "message": f"Entry {entry_id} is not an entry of this event."})
            continue
        if entry["status"] != "approved":
            problems.append({"field": f"{where}.entry", "entry": e.entry, "code": "entry_not_approved",
                             "message": f"Entry {entry_id} is {entry['status']}, not approved."})
            continue
        members = await EntryMember.select(
            EntryMember.person, EntryMember.role, EntryMember.active, EntryMember.person.name.as_alias("name"),
        ).where(EntryMember.entry == entry_id).order_by(EntryMember.position, EntryMember.id)
        competitors = [m for m in members if m["role"] == "competitor" and m["active"]] or \
                      [m for m in members if m["role"] == "competitor"]
        if not competitors:
            problems.append({"field": f"{where}.entry", "entry": e.entry, "code": "entry_without_members",
                             "message": f"Entry {entry_id} has no competitors on record."})
            continue
        if code is not None:
            awarded.append({"entry_id": entry_id, "record": e, "award": code, "competitors": competitors,
                            "coaches": [m["name"] for m in members if m["role"] == "coach"]})
    if problems:
        raise refusal(problems, f"The results cannot be certified: {len(problems)} problem(s), the first",
                      code="results_invalid", after="Nothing was issued.")
    return awarded


async def _promotions(doc: ResultsDocument, event: dict, competition: dict,
                      awarded: list[dict]) -> dict[tuple[int, int], Any]:
    """What the event's promotion rules give each awarded member, by (entry id, person id)."""
    rules = _promotion_rules(event["promotion_rules"])
    occ_code = event["occupation_code"] or ""
    if not (rules and occ_code):
        return {}
    entries = []
    for a in awarded:
        members = [ScoringMember(id=str(m["person"]), name=m["name"],
                                 skill_level=await current_level(m["person"], occ_code)) for m in a["competitors"]]
        entries.append(ScoringEntry(id=a["record"].entry, members=members))
    try:
        result = promote(rules, competition_level=competition["level"], standings=standings_from_results(doc),
                         entries=entries)
    except InvalidPolicy as exc:
        raise refusal([{"field": join_path("promotion_rules", p.path), "code": p.code, "message": p.message}
                       for p in exc.problems], "The event's promotion rules are invalid",
                      code="promotion_rules_invalid") from None
    return {(int(p.entry), int(p.person)): p for p in result}


async def issue_from_results(principal: Principal | None, data: ResultsIssueIn) -> BatchOut:
    """Award certificates for the awarded entries of an event's results, and the skill-level certificates
    its promotion rules give (linked from the award certificate). Entries already certified are skipped,
    so the same results can be sent again (e.g. after an appeal added an award)."""
    event = await Event.select(Event.all_columns(), Event.occupation.code.as_alias("occupation_code"),
                               Event.occupation.name.as_alias("occupation_name")).where(
        Event.id == data.event_id).first()
    if event is None:
        raise NotFound("No such event.", code="event_not_found")
    competition = await Competition.select().where(Competition.id == event["competition"]).first()
    if not await can_manage_competition(principal, competition["id"]):
        raise NotFound("No such event.", code="event_not_found")
    doc = data.results or await _published_results(event["id"])
    if doc.awards is None or doc.awards.status != "final":
        raise InvalidInput("The results have no final awards (provisional or blocked awards give no certificates).",
                           code="awards_not_final", field="results.awards.status")
    organizers = await CompetitionOrganizer.select(
        CompetitionOrganizer.organization.as_alias("org_id"), CompetitionOrganizer.organization.name.as_alias("name"),
        CompetitionOrganizer.role).where(CompetitionOrganizer.competition == competition["id"]).order_by(
        CompetitionOrganizer.id)
    issuer = await _issuer(principal, data.issuer_id, organizers)
    day = issue_date(data.issued_on)
    awarded = await _awarded(doc, event)
    promotions = await _promotions(doc, event, competition, awarded)

    occ_code = event["occupation_code"] or ""
    group = _group_name(event)
    organizer_names = [o["name"] for o in organizers]
    out_promotions: list[PromotionOut] = []
    skipped: list[SkippedOut] = []
    count = 0
    async with write_transaction():
        await lock_key(locks.certificate_numbers())
        batch_id = await new_batch(principal, "results", issuer, event_id=event["id"])
        for a in awarded:
            member_names = [m["name"] for m in a["competitors"]]
            for m in a["competitors"]:
                person = await Person.select().where(Person.id == m["person"]).first()
                existing = await Certificate.select(Certificate.number).where(
                    (Certificate.entry == a["entry_id"]) & (Certificate.person == person["id"])
                    & (Certificate.kind == "award") & (Certificate.status != "superseded")).first()
                if existing is not None:
                    skipped.append(SkippedOut(entry_id=a["entry_id"], person_id=person["id"], code="already_issued",
                                              message=f"Award certificate {existing['number']} exists."))
                    continue
                promotion_id = None
                p = promotions.get((a["entry_id"], person["id"]))
                if p is not None:
                    out = PromotionOut(entry_id=a["entry_id"], person_id=person["id"], name=person["name"],
                                       status=p.status, reason=p.reason, current_level=p.current_level,
                                       target_level=p.target_level)
                    if p.status == "promoted":
                        promotion_id, out = await _promote(principal, out, person, issuer, event, day, batch_id)
                        count += promotion_id is not None
                    out_promotions.append(out)
                draft = Draft(
                    kind="award", person=person, issuer=issuer, issued_on=day, level=int(a["award"]),
                    occupation_code=occ_code, occupation_name=event["occupation_name"] or "",
                    work_type=event["name"], work_type_ref=f"event:{event['id']}", competition=competition,
                    organizers=organizer_names, event=event, group_name=group, award_tier=a["record"].award,
                    members=member_names, coaches=a["coaches"], entry=a["entry_id"], rank=a["record"].rank,
                    source="results", promotion_certificate=promotion_id)
                made = await issue(principal, draft, batch_id)
                await record_award(draft, made["number"])
                count += 1
        await close_batch(principal, batch_id, count, "results", issuer)
    return await batch_out(batch_id, promotions=out_promotions, skipped=skipped)


async def _promote(principal, out: PromotionOut, person: dict, issuer: dict, event: dict, day: _dt.date,
                   batch_id: int) -> tuple[int | None, PromotionOut]:
    """The promoted level's certificate (row id, the promotion as reported), or why it was not issued."""
    level = out.target_level
    code, work_type = event["occupation_code"], event["work_type"] or ""
    try:
        occ = await catalog.find(code, work_type, level=level)
    except InvalidInput as exc:
        return None, msgspec.structs.replace(out, status="not_issued", reason=f"{out.reason}; {exc.detail}")
    held = await holds_certificate(person["id"], code, work_type, level)
    if held is not None:
        return None, msgspec.structs.replace(out, status="not_issued",
                                             reason=f"{out.reason}; already holds certificate {held['number']}")
    draft = Draft(kind="skill_level", person=person, issuer=issuer, issued_on=day, level=level,
                  occupation_code=occ["code"], occupation_name=occ["name"], work_type=work_type, assessed_on=day,
                  source="promotion")
    made = await issue(principal, draft, batch_id)
    await record_skill_level(draft, made["number"], "promotion")
    return made["id"], msgspec.structs.replace(out, certificate_number=made["number"])
