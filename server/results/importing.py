"""Results in: import a results file in the scoring CLI's format, or compute results from marks through
scoring/ and import them the same way.

The import path stays even when judging exists: it is also how results of competitions run elsewhere
enter the system. A file is taken whole or not at all (``server.results.documents`` checks every row
first); importing again replaces unpublished results. Both run while the competition runs, under the
competition's lock. Results that are not final are refused naming each entry, aspect and what it waits
for (``server.results.pending``).
"""

from __future__ import annotations

import hashlib

import msgspec

import scoring
from server.access import require_competition_manager
from server.audit.services import record
from server.competitions import rules
from server.competitions.competitions import lock_competition, now
from server.competitions.events import event_row
from server.db import insert_rows, write_transaction
from server.errors import Conflict, InvalidInput
from server.judging.context import context as judging_context
from server.judging.outcome import marks_sheet
from server.principal import Principal
from server.registration.tables import Entry, EntryMember
from server.results import pending
from server.results.documents import check_document, decode_document, refuse
from server.results.schemas import EventResultsOut
from server.results.tables import EntryResult, EventResults
from server.results.views import event_results


async def _event_entries(event_id: int) -> dict[int, dict]:
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
        status = await lock_competition(competition_id)
        if status != "running":
            raise Conflict(f"Results are imported while the competition runs; it is {status}.",
                           code="competition_not_running")
        existing = await EventResults.select(EventResults.id, EventResults.status, EventResults.digest).where(
            EventResults.event == event_id).first()
        if existing is not None and existing["status"] == "published":
            raise Conflict("This event's results are published; they are not replaced.", code="results_published")
        problems = check_document(doc, event, await _event_entries(event_id))
        if problems:
            raise refuse(problems)
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
            await insert_rows(EntryResult, lines)
        await record(principal, action="event.results_imported", object_type="event", object_id=event_id,
                     before={"digest": existing["digest"]} if existing else None,
                     after={"source": source, "digest": digest, "entries": len(doc.entries),
                            "ranked": sum(1 for r in doc.entries if r.rank is not None),
                            "awards": sum(1 for r in doc.entries if r.award is not None)})
    return await event_results(principal, competition_id, event_id)


async def compute_results(principal: Principal | None, competition_id: int, event_id: int, data: bytes,
                          *, csv: bool = False, entry_ids: set[int] | None = None,
                          source: str = "computed") -> EventResultsOut:
    """Compute an event's results from marks (``jineng.marks/1`` JSON, or CSV entry,judge,aspect,mark[,round])
    with the event's scheme and award rules through scoring/, then import them like a results file."""
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
        raise rules.invalid_document("", rules.scoring_problems(err.problems), "The marks were refused",
                                    whole="file") from None
    entries = await Entry.select(Entry.id, Entry.school, Entry.status).where(
        (Entry.event == event_id) & Entry.status.is_in(["approved", "withdrawn"])).order_by(Entry.id)
    if entry_ids is not None:  # a judged event: the entries that were present at the draw
        entries = [e for e in entries if e["id"] in entry_ids]
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
        raise rules.invalid_document("", rules.scoring_problems(problems), "The marks were refused",
                                    whole="file") from None
    if result.status != "final":
        message, members = pending.not_final(scoring.to_document(result))
        waiting = [e.entry.id for e in result.entries if e.status not in ("final", "withdrawn")]
        raise InvalidInput(message[0].upper() + message[1:] + ".", code="results_not_final", field="marks",
                           extra={"entries": waiting, "results_status": result.status, **members})
    return await import_results(principal, competition_id, event_id, scoring.encode_results(result), source=source)


async def compute_from_judging(principal: Principal | None, competition_id: int, event_id: int) -> EventResultsOut:
    """Compute an event's results from the marks judged here (locked and decrypted): the same path as a
    marks file, with the marks the judging domain hands over (``server.judging.outcome``)."""
    await require_competition_manager(principal, competition_id)
    await event_row(competition_id, event_id)
    ctx = await judging_context(None, event_id)
    sheet = await marks_sheet(ctx, by_entry=True)
    present = {int(e.id) for e in sheet.entries or []}
    return await compute_results(principal, competition_id, event_id, msgspec.json.encode(sheet),
                                 entry_ids=present, source="judging")
