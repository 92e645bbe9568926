"""Event results: import a results file in the scoring CLI's format, compute results from marks through
scoring/, publish them, and show them (organizers in full, the public with names and schools only).

The import path stays even when judging exists: it is also how results of competitions run elsewhere
enter the system. A file is taken whole or not at all: every row is checked (the entry is an approved or
withdrawn entry of this event, numbers are decimal strings within the scheme's total, ranks follow the
totals, awards are declared tiers, no approved entry is missing) and every problem is reported with its
row number and path before anything is written. Importing again replaces unpublished results.

Publishing marks an event's results public and records each award winner's award in the people
domain's award records (what "exclude prior national winners" reads). The competition's step to
``results_published`` publishes every event's imported results at once.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import msgspec

import scoring
from server import locks
from server.access import competition_row, require_competition_manager
from server.audit.services import record
from server.catalog.tables import Occupation
from server.competitions import rules
from server.competitions.schemas import (
    EventResultsOut,
    PublicCompetitionResults,
    PublicEventResults,
    PublicEventSummary,
    PublicResultLine,
    ResultLineOut,
)
from server.competitions.services import (
    event_row,
    now,
)
from server.competitions.tables import Competition, CompetitionOrganizer, Event
from server.db import lock_key, write_transaction
from server.errors import Conflict, DomainError, InvalidInput, NotFound, msgspec_problem, refusal
from server.principal import Principal
from server.results.tables import EntryResult, EventResults

ENTRY_STATUSES = {"final", "pending", "incomplete", "withdrawn"}  # scoring/'s entry statuses
# award tier codes that the people domain's award records know; any other code is recorded as "other"
AWARD_KINDS = {"first_prize", "second_prize", "third_prize", "gold", "silver", "bronze", "excellence"}


def _row_problem(i: int, path: str, code: str, message: str, entry: str | None = None) -> dict:
    who = f" (entry {entry})" if entry else ""
    return {"row": i + 1, "field": f"entries[{i}]{'.' + path if path else ''}", "code": code,
            "message": f"row {i + 1}{who}: {message}"}


def _refuse(problems: list[dict], what: str = "The results file was refused, nothing was imported") -> DomainError:
    return refusal(problems, what, extra={"row": problems[0].get("row")})


def decode_document(data: bytes) -> scoring.ResultsDocument:
    """The bytes as a ``jineng.results/1`` document, or 422 naming the row and path that failed."""
    if not data.strip():
        raise InvalidInput("The results file is empty.", code="empty_file", field="file")
    try:
        return scoring.decode_results(data)
    except msgspec.ValidationError as err:  # (a subclass of DecodeError: test it first)
        found = msgspec_problem(str(err))
        code, path, message = found["code"], found["field"], found["message"]
        problem = {"field": path or "file", "code": code, "message": f"{path or 'document'}: {message}"}
        if path.startswith("entries["):
            index = int(path[len("entries["):path.index("]")])
            problem["row"] = index + 1
            problem["message"] = f"row {index + 1}: {path}: {message}"
        raise _refuse([problem]) from None
    except msgspec.DecodeError as err:
        raise InvalidInput(f"The results file is not valid JSON: {err}", code="malformed_json", field="file") from None


def _number(text: str | None) -> Decimal | None:
    if text is None:
        return None
    value = Decimal(text)
    if not value.is_finite():
        raise InvalidOperation
    return value


def check_document(doc: scoring.ResultsDocument, event: dict, entries: dict[int, dict]) -> list[dict]:
    """Every problem of the document against this event and its entries (empty when it is acceptable)."""
    problems: list[dict] = []
    if doc.status != "final":
        problems.append({"field": "status", "code": "results_not_final",
                         "message": f"the results are {doc.status}, not final (re-marks or ties are open)"})
    try:
        max_total = _number(doc.scheme.total)
    except (InvalidOperation, ValueError):
        max_total = None
        problems.append({"field": "scheme.total", "code": "not_a_number",
                         "message": f"scheme.total {doc.scheme.total!r} is not a number"})
    declared = {t.code for t in doc.awards.tiers} if doc.awards is not None else set()
    event_codes = rules.award_codes(event)
    allowed_awards = declared | (event_codes or set())
    seen: dict[int, int] = {}
    ranked: list[tuple[int, object, int]] = []
    for i, rec in enumerate(doc.entries):

        def bad(path: str, code: str, message: str) -> None:
            problems.append(_row_problem(i, path, code, message, rec.entry))

        # ASCII digits only: "²".isdigit() is True, but int("²") raises ValueError
        entry_id = int(rec.entry) if rec.entry.isascii() and rec.entry.isdigit() and len(rec.entry) <= 12 else None
        entry = entries.get(entry_id) if entry_id is not None else None
        if entry_id is None:
            bad("entry", "entry_id_invalid", f"entry id {rec.entry[:40]!r} is not a Jineng entry id")
        elif entry is None:
            bad("entry", "entry_not_in_event", f"entry {rec.entry} is not an entry of this event")
        elif entry_id in seen:
            bad("entry", "duplicate_entry", f"entry {rec.entry} already appears in row {seen[entry_id] + 1}")
        else:
            seen[entry_id] = i
            if entry["status"] not in ("approved", "withdrawn"):
                bad("entry", "entry_not_approved", f"entry {rec.entry} is {entry['status']}, not an approved entry")
            elif entry["status"] == "withdrawn" and not rec.withdrawn:
                bad("withdrawn", "entry_withdrawn", f"entry {rec.entry} was withdrawn; its row must say so")
        if rec.status not in ENTRY_STATUSES:
            bad("status", "status_invalid", f"status {rec.status[:40]!r} is not one of {sorted(ENTRY_STATUSES)}")
        total_ok = True
        try:
            total = _number(rec.total)
        except (InvalidOperation, ValueError):
            total, total_ok = None, False
            bad("total", "not_a_number", f"total {rec.total[:40]!r} is not a number")
        else:
            if total is not None and len(rec.total) > 40:
                total_ok = False
                bad("total", "too_long", "a total of more than 40 characters")
            elif total is not None and total < 0:
                bad("total", "total_negative", f"total {rec.total} is negative")
            elif total is not None and max_total is not None and total > max_total:
                bad("total", "total_above_maximum", f"total {rec.total} is above the scheme's total {doc.scheme.total}")
        if rec.award is not None and len(rec.award) > 40:
            bad("award", "too_long", "an award code of more than 40 characters")
        exact = None
        if rec.total_exact is not None:
            try:
                if len(rec.total_exact) > 80:
                    raise ValueError
                exact = Fraction(rec.total_exact)
            except (ValueError, ZeroDivisionError):
                bad("total_exact", "not_a_number", f"total_exact {rec.total_exact[:40]!r} is not a fraction (≤ 80 characters)")
        if rec.withdrawn or rec.status != "final":
            if rec.rank is not None:
                bad("rank", "rank_without_result", f"a {rec.status} entry has no rank")
            if rec.award is not None:
                bad("award", "award_without_result", f"a {rec.status} entry wins no award")
            if not rec.withdrawn and rec.status != "final":
                bad("status", "entry_not_final", f"the entry's result is {rec.status}, not final")
        else:
            if total is None and total_ok:
                bad("total", "total_missing", "a final result needs a total")
            if rec.rank is None:
                bad("rank", "rank_missing", "a final result needs a rank")
            elif rec.rank < 1:
                bad("rank", "rank_invalid", f"rank {rec.rank} is not a place")
            elif total is not None:
                ranked.append((rec.rank, exact if exact is not None else total, i))
            if rec.award is not None:
                if not rec.eligible:
                    bad("award", "award_to_ineligible", "an ineligible entry wins no award")
                elif allowed_awards and rec.award not in allowed_awards:
                    bad("award", "award_unknown",
                        f"award {rec.award!r} is not one of the declared awards {sorted(allowed_awards)}")
                elif not allowed_awards:
                    bad("award", "award_unknown", f"award {rec.award!r} but no award tiers are declared")
    # places lie within the ranked entries, and ranks follow the totals: a later place never has a higher
    # total (equal totals may be separated by an unshared ranking's tie-break chain, so they are not checked)
    count = len(ranked)
    for rank, _, i in ranked:
        if rank > count:
            problems.append(_row_problem(i, "rank", "rank_invalid", f"rank {rank} is beyond the {count} ranked entries",
                                         doc.entries[i].entry))
    in_range = sorted((t for t in ranked if t[0] <= count), key=lambda t: (t[0], t[2]))
    for (rank_a, total_a, _), (rank_b, total_b, row_b) in zip(in_range, in_range[1:]):
        if total_b > total_a:
            problems.append(_row_problem(row_b, "rank", "rank_order",
                                         f"rank {rank_b} has a higher total than rank {rank_a}",
                                         doc.entries[row_b].entry))
    missing = sorted(e for e, row in entries.items() if row["status"] == "approved" and e not in seen)
    if missing:
        problems.append({"field": "entries", "code": "entries_missing",
                         "message": "approved entries without a result row: " + ", ".join(map(str, missing[:20]))
                                    + (" …" if len(missing) > 20 else "")})
    return problems


async def _event_entries(event_id: int) -> dict[int, dict]:
    from server.registration.tables import Entry

    return {r["id"]: r for r in await Entry.select(Entry.id, Entry.status, Entry.school).where(Entry.event == event_id)}


async def import_results(principal: Principal | None, competition_id: int, event_id: int, data: bytes,
                         *, source: str = "import") -> EventResultsOut:
    """Import an event's results from a ``jineng.results/1`` file: all rows or none (organizers only,
    while the competition runs; replaces unpublished results)."""
    competition = await require_competition_manager(principal, competition_id)
    event = await event_row(competition_id, event_id)
    if competition["status"] != "running":
        raise Conflict(f"Results are imported while the competition runs; it is {competition['status']}.",
                       code="competition_not_running")
    doc = decode_document(data)
    digest = hashlib.sha256(data).hexdigest()
    async with write_transaction():
        await lock_key(locks.competition(competition_id))
        status = (await Competition.select(Competition.status).where(Competition.id == competition_id).first())["status"]
        if status != "running":
            raise Conflict(f"Results are imported while the competition runs; it is {status}.",
                           code="competition_not_running")
        existing = await EventResults.select(EventResults.id, EventResults.status, EventResults.digest).where(
            EventResults.event == event_id).first()
        if existing is not None and existing["status"] == "published":
            raise Conflict("This event's results are published; they are not replaced.", code="results_published")
        problems = check_document(doc, event, await _event_entries(event_id))
        if problems:
            raise _refuse(problems)
        document = msgspec.json.encode(doc).decode()
        if existing is not None:
            await EntryResult.delete().where(EntryResult.event == event_id)
            await EventResults.update({
                EventResults.document: document, EventResults.digest: digest, EventResults.source: source,
                EventResults.status: "imported", EventResults.entry_count: len(doc.entries),
                EventResults.imported_by: principal.user_id if principal else None, EventResults.imported_at: now(),
            }).where(EventResults.id == existing["id"])
        else:
            await EventResults.insert(EventResults(
                event=event_id, document=document, digest=digest, source=source, status="imported",
                entry_count=len(doc.entries), imported_by=principal.user_id if principal else None,
                imported_at=now()))
        lines = [
            EntryResult(
                event=event_id, entry_id=int(rec.entry), row=i + 1, status=rec.status, rank=rec.rank, total=rec.total,
                total_exact=rec.total_exact, award=rec.award, eligible=rec.eligible, withdrawn=rec.withdrawn,
                detail=msgspec.json.encode(rec.criteria).decode(),
            )
            for i, rec in enumerate(doc.entries)
        ]
        if lines:
            await EntryResult.insert(*lines)
        await record(principal, action="event.results_imported", object_type="event", object_id=event_id,
                     before={"digest": existing["digest"]} if existing else None,
                     after={"source": source, "digest": digest, "entries": len(doc.entries),
                            "ranked": sum(1 for r in doc.entries if r.rank is not None),
                            "awards": sum(1 for r in doc.entries if r.award is not None)})
    return await event_results(principal, competition_id, event_id)


async def compute_results(principal: Principal | None, competition_id: int, event_id: int, data: bytes,
                          *, csv: bool = False) -> EventResultsOut:
    """Compute an event's results from marks (``jineng.marks/1`` JSON, or CSV entry,judge,aspect,mark[,round])
    with the event's scheme and award rules through scoring/, then import them like a results file."""
    from server.registration.tables import Entry, EntryMember

    competition = await require_competition_manager(principal, competition_id)
    event = await event_row(competition_id, event_id)
    if competition["status"] != "running":
        raise Conflict(f"Results are computed while the competition runs; it is {competition['status']}.",
                       code="competition_not_running")
    scheme = rules.effective_scheme(event)
    if scheme is None:
        raise Conflict("The event has no marking scheme to compute with.", code="scheme_missing", field="scheme")
    try:
        if csv:
            sheet, lines = scoring.decode_marks_csv(data.decode("utf-8-sig"))
        else:
            sheet, lines = scoring.decode_marks_json(data), None
    except UnicodeDecodeError:
        raise InvalidInput("The marks file is not UTF-8 text.", code="not_utf8", field="file") from None
    except scoring.ScoringError as err:
        raise rules.invalid_document("", rules.scoring_problems(err.problems), "The marks were refused") from None
    entries = await Entry.select(Entry.id, Entry.school, Entry.status).where(
        (Entry.event == event_id) & Entry.status.is_in(["approved", "withdrawn"])).order_by(Entry.id)
    members: dict[int, list[scoring.Member]] = {e["id"]: [] for e in entries}
    if entries:
        for m in await EntryMember.select(EntryMember.entry, EntryMember.person, EntryMember.person.name.as_alias("name")).where(
                EntryMember.entry.is_in(list(members)) & (EntryMember.role == "competitor")).order_by(EntryMember.position):
            members[m["entry"]].append(scoring.Member(id=str(m["person"]), name=m["name"]))
    roster = [scoring.Entry(id=str(e["id"]), school=str(e["school"]), members=members[e["id"]],
                            withdrawn=e["status"] == "withdrawn") for e in entries]
    try:
        result = scoring.compute_event(scheme, sheet.marks, roster, judges=sheet.judges, decisions=sheet.decisions,
                                       event=event["code"])
    except scoring.ScoringError as err:
        problems = err.problems
        if lines:
            problems = [p if p.line is not None or not p.path.startswith("marks[") else scoring.Problem(
                code=p.code, path=p.path, line=lines[int(p.path[6:p.path.index("]")])],
                message=f"line {lines[int(p.path[6:p.path.index(']')])]}: {p.message}") for p in problems]
        raise rules.invalid_document("", rules.scoring_problems(problems), "The marks were refused") from None
    if result.status != "final":
        waiting = [e.entry.id for e in result.entries if e.status not in ("final", "withdrawn")]
        raise InvalidInput(
            f"The results are {result.status}, not final: "
            + (f"entries {', '.join(waiting[:20])} wait for marks or re-marks." if waiting else "ties are unresolved."),
            code="results_not_final", field="marks", extra={"entries": waiting, "results_status": result.status})
    return await import_results(principal, competition_id, event_id, scoring.encode_results(result), source="computed")


# --- publication ----------------------------------------------------------------------------------

async def _record_awards(principal: Principal | None, competition: dict, event: dict) -> int:
    """Add each award winner's award to the people domain's award records (competitors, not coaches)."""
    from server.people.schemas import AwardIn
    from server.people.services import record_award
    from server.registration.tables import EntryMember

    if event["occupation"] is None:
        return 0
    occupation = await Occupation.select(Occupation.code).where(Occupation.id == event["occupation"]).first()
    winners = await EntryResult.select().where(
        (EntryResult.event == event["id"]) & EntryResult.award.is_not_null() & (EntryResult.withdrawn == False)  # noqa: E712
    ).order_by(EntryResult.row)
    count = 0
    for w in winners:
        people = await EntryMember.select(EntryMember.person).where(
            (EntryMember.entry == w["entry_id"]) & (EntryMember.role == "competitor")).order_by(EntryMember.position)
        for p in people:
            await record_award(None, p["person"], AwardIn(
                competition_level=competition["level"], competition_name=competition["name"][:200],
                year=competition["year"], occupation_code=occupation["code"], work_type=event["work_type"],
                award=w["award"] if w["award"] in AWARD_KINDS else "other", event_name=event["name"][:200],
                rank=w["rank"], source=f"competition {competition['id']} event {event['id']} entry {w['entry_id']}"[:100],
                entry_id=w["entry_id"],
            ))
            count += 1
    return count


async def _publish(principal: Principal | None, competition: dict, event: dict) -> None:
    """Inside the caller's transaction: mark published, record awards, audit."""
    await EventResults.update({EventResults.status: "published", EventResults.published_at: now(),
                               EventResults.published_by: principal.user_id if principal else None}).where(
        EventResults.event == event["id"])
    awards = await _record_awards(principal, competition, event)
    await record(principal, action="event.results_published", object_type="event", object_id=event["id"],
                 before={"status": "imported"}, after={"status": "published", "award_records": awards})


async def publish_event_results(principal: Principal | None, competition_id: int, event_id: int) -> EventResultsOut:
    """Publish one event's imported results (while the competition runs)."""
    await require_competition_manager(principal, competition_id)
    event = await event_row(competition_id, event_id)
    async with write_transaction():
        await lock_key(locks.competition(competition_id))
        competition = await competition_row(competition_id)
        if competition["status"] != "running":
            raise Conflict(f"Event results are published while the competition runs; it is {competition['status']}.",
                           code="competition_not_running")
        current = await EventResults.select(EventResults.status).where(EventResults.event == event_id).first()
        if current is None:
            raise Conflict("The event has no results to publish.", code="results_missing")
        if current["status"] == "published":
            raise Conflict("The event's results are already published.", code="results_published")
        await _publish(principal, competition, event)
    return await event_results(principal, competition_id, event_id)


async def publish_all_imported(principal: Principal | None, competition_id: int) -> list[int]:
    """Publish every event's imported results; runs inside the transition to ``results_published``."""
    competition = await competition_row(competition_id)
    events = await Event.select().where(Event.competition == competition_id).order_by(Event.id)
    pending = {r["event"] for r in await EventResults.select(EventResults.event).where(
        EventResults.event.is_in([e["id"] for e in events] or [-1]) & (EventResults.status == "imported"))}
    published = []
    for event in events:
        if event["id"] in pending:
            await _publish(principal, competition, event)
            published.append(event["id"])
    return published


# --- reading --------------------------------------------------------------------------------------

async def _lines(event_id: int) -> tuple[list[dict], dict[int, dict], dict[int, list[str]], dict[int, list[str]]]:
    """Result rows, their entries (school, team name) and member / coach names in position order."""
    from server.registration.tables import Entry, EntryMember

    rows = await EntryResult.select().where(EntryResult.event == event_id).order_by(EntryResult.row)
    ids = [r["entry_id"] for r in rows] or [-1]
    entries = {e["id"]: e for e in await Entry.select(
        Entry.id, Entry.team_name, Entry.school, Entry.school.name.as_alias("school_name")).where(Entry.id.is_in(ids))}
    members: dict[int, list[str]] = {}
    coaches: dict[int, list[str]] = {}
    for m in await EntryMember.select(EntryMember.entry, EntryMember.role, EntryMember.person.name.as_alias("name")).where(
            EntryMember.entry.is_in(ids)).order_by(EntryMember.position).order_by(EntryMember.id):
        (coaches if m["role"] == "coach" else members).setdefault(m["entry"], []).append(m["name"])
    return rows, entries, members, coaches


def _document_tiers(document: str) -> list:
    doc = scoring.decode_results(document)
    return doc.awards.tiers if doc.awards is not None else []


async def event_results(principal: Principal | None, competition_id: int, event_id: int) -> EventResultsOut:
    """The event's results with entry ids: organizers of the competition always, everyone once published."""
    from server.access import can_manage_competition

    await competition_row(competition_id)
    event = await event_row(competition_id, event_id)
    head = await EventResults.select().where(EventResults.event == event_id).first()
    manager = principal is None or await can_manage_competition(principal, competition_id)
    if head is None or (head["status"] != "published" and not manager):
        raise NotFound("This event has no results yet.", code="results_not_found")
    names = rules.award_names(event, _document_tiers(head["document"]))
    rows, entries, members, _ = await _lines(event_id)
    lines = []
    for r in rows:
        entry = entries.get(r["entry_id"], {})
        lines.append(ResultLineOut(
            row=r["row"], entry_id=r["entry_id"], school_id=entry.get("school") or 0,
            school_name=entry.get("school_name") or "", team_name=entry.get("team_name"),
            members=members.get(r["entry_id"], []), status=r["status"], rank=r["rank"], total=r["total"],
            total_exact=r["total_exact"], award=r["award"], award_name=names.get(r["award"]) if r["award"] else None,
            eligible=r["eligible"], withdrawn=r["withdrawn"]))
    return EventResultsOut(event_id=event_id, status=head["status"], source=head["source"], digest=head["digest"],
                           entry_count=head["entry_count"], imported_at=head["imported_at"],
                           published_at=head["published_at"], lines=lines)


async def public_event_results(competition_id: int, event_id: int) -> PublicEventResults:
    """Published results for anyone: rank, total, award, school, team and people's names — no ids."""
    competition = await competition_row(competition_id)
    event = await event_row(competition_id, event_id)
    head = await EventResults.select().where(EventResults.event == event_id).first()
    if head is None or head["status"] != "published":
        raise NotFound("This event's results are not published.", code="results_not_found")
    occupation = None
    if event["occupation"] is not None:
        occupation = (await Occupation.select(Occupation.name).where(Occupation.id == event["occupation"]).first())["name"]
    names = rules.award_names(event, _document_tiers(head["document"]))
    rows, entries, members, coaches = await _lines(event_id)
    ordered = sorted((r for r in rows if not r["withdrawn"]), key=lambda r: (r["rank"] is None, r["rank"] or 0, r["row"]))
    lines = [PublicResultLine(
        rank=r["rank"], total=r["total"], award=r["award"], award_name=names.get(r["award"]) if r["award"] else None,
        school=entries.get(r["entry_id"], {}).get("school_name") or "", team_name=entries.get(r["entry_id"], {}).get("team_name"),
        members=members.get(r["entry_id"], []), coaches=coaches.get(r["entry_id"], []),
    ) for r in ordered]
    return PublicEventResults(
        competition=competition["name"], competition_level=competition["level"], year=competition["year"],
        event=event["name"], event_code=event["code"], occupation=occupation, work_type=event["work_type"],
        group=event["group"], track=event["track"], published_at=head["published_at"], lines=lines)


async def public_competition_results(competition_id: int) -> PublicCompetitionResults:
    """The competition's events whose results are published (for anyone)."""
    competition = await competition_row(competition_id)
    organizers = await CompetitionOrganizer.select(CompetitionOrganizer.organization.name.as_alias("name")).where(
        CompetitionOrganizer.competition == competition_id).order_by(CompetitionOrganizer.id)
    events = await Event.select(Event.id, Event.code, Event.name).where(Event.competition == competition_id).order_by(Event.code)
    heads = {h["event"]: h for h in await EventResults.select().where(
        EventResults.event.is_in([e["id"] for e in events] or [-1]) & (EventResults.status == "published"))}
    if not heads and competition["status"] not in ("results_published", "archived"):
        raise NotFound("This competition has no published results.", code="results_not_found")
    return PublicCompetitionResults(
        competition=competition["name"], level=competition["level"], year=competition["year"],
        edition=competition["edition"], organizers=[o["name"] for o in organizers],
        events=[PublicEventSummary(event_id=e["id"], code=e["code"], name=e["name"],
                                   published_at=heads[e["id"]]["published_at"], entries=heads[e["id"]]["entry_count"])
                for e in events if e["id"] in heads])


async def standings(event_id: int) -> list[scoring.Standing]:
    """The event's standings from its stored results (for advancement): exact totals, our school ids."""
    from server.registration.tables import Entry

    rows = await EntryResult.select().where(EntryResult.event == event_id).order_by(EntryResult.row)
    schools = {e["id"]: e["school"] for e in await Entry.select(Entry.id, Entry.school).where(
        Entry.id.is_in([r["entry_id"] for r in rows] or [-1]))}
    out = []
    for r in rows:
        total = Fraction(r["total_exact"]) if r["total_exact"] else (Decimal(r["total"]) if r["total"] else None)
        out.append(scoring.Standing(entry=str(r["entry_id"]), rank=r["rank"], total=total, eligible=r["eligible"],
                                    school=str(schools.get(r["entry_id"], "")) or None, award=r["award"],
                                    withdrawn=r["withdrawn"]))
    return out


async def results_head(event_id: int) -> dict | None:
    return await EventResults.select().where(EventResults.event == event_id).first()

