"""Score sheets and mark intake: what a judge's tablet reads and writes.

A sheet is one judge's seats in one criterion: codes × aspects, each aspect with its kind and the
judge's scale. Marks arrive in batches from tablets that may have been offline for a while. Every mark
carries a key made on the tablet, the device, the tablet's clock and the version it corrects (none for a
first mark). Each mark is accepted or refused on its own, with a stable code:

``invalid_value`` / scoring's own codes (range, whole 0–3 for judgement aspects) · ``too_many_places`` ·
``unknown_code`` · ``not_assigned`` · ``conflict_of_interest`` · ``wrong_round`` · ``marking_closed`` ·
``criterion_locked`` · ``mark_exists`` (a first mark where one exists: send ``corrects``) ·
``stale_version`` (``corrects`` is not the current version) · ``key_reused`` (a key seen before with
other content).

A replay of a key with the same content is a no-op that answers what was stored. The accepted marks of
a batch are written in one transaction, under the event's judging lock (server/locks.py), so versions,
replays and the tickets that the batch's panels need are decided against one consistent state; the one
audit entry of the batch is appended last, so the audit chain's lock is held only for the commit.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from decimal import Decimal, InvalidOperation

import msgspec

import scoring
from server import locks
from server.audit.services import record
from server.db import lock_key, write_transaction
from server.judging.context import MAX_PLACES, Context, announce, now
from server.judging.panels import after_marks, current_marks, ticket_out
from server.judging.schemas import (
    AspectOut,
    BandOut,
    CellOut,
    MarkBatchIn,
    MarkBatchOut,
    MarkIn,
    MarkResult,
    ProgressJudge,
    ProgressOut,
    RoundingOut,
    SheetOut,
    SheetRow,
    SheetsOut,
)
from server.judging.tables import (
    Code,
    CodeConflict,
    CriterionLock,
    JudgingEvent,
    Mark,
    Seat,
    SignOff,
    Ticket,
)


def _digest(m: MarkIn, value: Decimal) -> str:
    text = msgspec.json.encode([m.code, m.aspect, str(value), m.round, m.corrects]).decode()
    return hashlib.sha256(text.encode()).hexdigest()


def _parse(m: MarkIn) -> tuple[Decimal | None, str | None, str | None]:
    try:
        value = Decimal(m.value.strip())
    except InvalidOperation:
        return None, "invalid_value", f"{m.value!r} is not a number"
    if not value.is_finite():
        return None, "invalid_value", f"{m.value!r} is not a number"
    if -value.as_tuple().exponent > MAX_PLACES:
        return None, "too_many_places", f"marks have at most {MAX_PLACES} decimal places"
    return value, None, None


def _prevalidate(ctx: Context, user_id: int, marks: list[MarkIn]) -> tuple[dict[int, Decimal], dict[int, tuple]]:
    """Values and refusals that need no database: the number itself, and scoring's range and kind rules."""
    info = ctx.scheme()
    values: dict[int, Decimal] = {}
    refused: dict[int, tuple[str, str]] = {}
    for i, m in enumerate(marks):
        value, code, detail = _parse(m)
        if value is None:
            refused[i] = (code, detail)
        elif m.aspect not in info.aspects:
            refused[i] = ("unknown_aspect", f"the scheme has no aspect {m.aspect!r}")
        else:
            values[i] = value
    order = sorted(values)
    rows = [scoring.Mark(entry=marks[i].code, judge=str(user_id), aspect=marks[i].aspect, mark=values[i],
                         round=marks[i].round) for i in order]
    try:  # scoring's own range and kind rules, against the plan compiled once for the scheme
        scoring.evaluate_panels(info.plan, rows)
        problems = []
    except scoring.InvalidMarks as err:
        problems = err.problems
    for problem in problems:
        if problem.code in ("duplicate_mark", "duplicate"):  # the same cell twice: versions decide below
            continue
        head = problem.path.split("]")[0]
        if head.startswith("marks["):
            i = order[int(head[len("marks["):])]
            refused.setdefault(i, (problem.code, problem.message.split(": ", 1)[-1]))
            values.pop(i, None)
    return values, refused


async def submit(ctx: Context, batch: MarkBatchIn) -> MarkBatchOut:
    ctx.require("judge")
    user_id = ctx.principal.user_id
    marks = batch.marks
    values, refused = _prevalidate(ctx, user_id, marks)
    results: list[MarkResult | None] = [None] * len(marks)
    for i, (code, detail) in refused.items():
        results[i] = MarkResult(i, marks[i].key, "refused", code=code, detail=detail)
    accepted: list[Mark] = []
    tickets = []
    seq = None
    async with write_transaction():
        await lock_key(locks.judging_event(ctx.event_id))
        status = (await JudgingEvent.select(JudgingEvent.status).where(
            JudgingEvent.id == ctx.judging["id"]).first())["status"]
        codes = sorted({m.code for m in marks})
        keys = [m.key for m in marks]
        stored = {r["key"]: r for r in await Mark.select(Mark.key, Mark.digest, Mark.version).where(
            (Mark.user == user_id) & Mark.key.is_in(keys))}
        seats = defaultdict(set)
        for r in await Seat.select(Seat.code, Seat.aspect, Seat.round).where(
                (Seat.event == ctx.event_id) & (Seat.user == user_id) & Seat.code.is_in(codes)):
            seats[(r["code"], r["aspect"])].add(r["round"])
        remarks = defaultdict(set)
        for t in await Ticket.select(Ticket.code, Ticket.aspect, Ticket.round, Ticket.judges, Ticket.kind).where(
                (Ticket.event == ctx.event_id) & (Ticket.status == "open") & Ticket.code.is_in(codes)):
            if t["kind"] == "remark" and user_id in msgspec.json.decode(t["judges"] or "[]"):
                remarks[(t["code"], t["aspect"])].update(range(2, t["round"] + 1))
        known = {r["code"] for r in await Code.select(Code.code).where(
            (Code.event == ctx.event_id) & Code.code.is_in(codes))}
        conflicted = {r["code"] for r in await CodeConflict.select(CodeConflict.code).where(
            (CodeConflict.event == ctx.event_id) & (CodeConflict.user == user_id) & CodeConflict.code.is_in(codes))}
        locked = {r["criterion"] for r in await CriterionLock.select(CriterionLock.criterion).where(
            CriterionLock.event == ctx.event_id)}
        versions: dict[tuple, int] = {}
        for r in await Mark.select(Mark.code, Mark.aspect, Mark.round, Mark.version).where(
                (Mark.event == ctx.event_id) & (Mark.user == user_id) & Mark.code.is_in(codes)):
            cell = (r["code"], r["aspect"], r["round"])
            versions[cell] = max(versions.get(cell, 0), r["version"])
        info = ctx.scheme()
        stamp = now()
        seen_keys: dict[str, tuple[str, int]] = {}  # keys accepted earlier in this batch
        for i, m in enumerate(marks):
            digest = _digest(m, values[i]) if i in values else None
            earlier = (stored[m.key]["digest"], stored[m.key]["version"]) if m.key in stored else seen_keys.get(m.key)
            if earlier is not None:  # a retry: harmless when it says the same, refused when it does not
                results[i] = MarkResult(i, m.key, "replayed", version=earlier[1]) if earlier[0] == digest else \
                    MarkResult(i, m.key, "refused", code="key_reused",
                               detail="this key was sent before with other content")
                continue
            if results[i] is not None:
                continue
            value = values[i]
            cell = (m.code, m.aspect)
            refusal = None
            if status != "marking":
                refusal = ("marking_closed", f"marking is not open (judging is {status})")
            elif m.code not in known:
                refusal = ("unknown_code", f"no code {m.code} in this event")
            elif m.code in conflicted:
                refusal = ("conflict_of_interest", "you may not mark this code (recusal)")
            elif cell not in seats:
                refusal = ("not_assigned", f"aspect {m.aspect} of {m.code} is not on your sheet")
            elif info.aspects[m.aspect].criterion in locked:
                refusal = ("criterion_locked", f"criterion {info.aspects[m.aspect].criterion} is locked")
            elif m.round not in seats[cell] and m.round not in remarks[cell]:
                refusal = ("wrong_round", f"round {m.round} is not open for you on this aspect")
            else:
                current = versions.get((*cell, m.round), 0)
                if m.corrects is None and current:
                    refusal = ("mark_exists", f"version {current} exists; send corrects={current} to change it")
                elif m.corrects is not None and m.corrects != current:
                    refusal = ("stale_version", f"the current version is {current or 'none'}, not {m.corrects}")
            if refusal is not None:
                results[i] = MarkResult(i, m.key, "refused", code=refusal[0], detail=refusal[1])
                continue
            version = versions.get((*cell, m.round), 0) + 1
            versions[(*cell, m.round)] = version
            seen_keys[m.key] = (digest, version)
            accepted.append(Mark(event=ctx.event_id, code=m.code, aspect=m.aspect, user=user_id, round=m.round,
                                 version=version, value=str(value), key=m.key, digest=digest, device=m.device,
                                 client_time=m.client_time, received_at=stamp))
            results[i] = MarkResult(i, m.key, "accepted", version=version)
        if accepted:
            await Mark.insert(*accepted)
            touched = sorted({info.aspects[a.aspect].criterion for a in accepted})
            await SignOff.delete().where((SignOff.event == ctx.event_id) & (SignOff.user == user_id)
                                         & SignOff.criterion.is_in(touched))
            tickets = await after_marks(ctx, {(a.code, a.aspect) for a in accepted})
            seq = await announce(ctx.event_id, "marks", judge=user_id, accepted=len(accepted),
                         criteria=touched)
            await record(ctx.principal, action="judging.marks_accepted", object_type="event",
                         object_id=ctx.event_id, after={"marks": [[a.code, a.aspect, a.round, a.version, a.value]
                                                                  for a in accepted]})
    done = [r for r in results if r is not None]
    return MarkBatchOut(results=done, accepted=sum(r.status == "accepted" for r in done),
                        refused=sum(r.status == "refused" for r in done), tickets=tickets, seq=seq)


# --- sheets ---------------------------------------------------------------------------------------

def _rounding(r) -> RoundingOut | None:
    return None if r is None else RoundingOut(r.places, r.mode)


def aspect_out(ctx: Context, aspect_id: str) -> AspectOut:
    info = ctx.scheme()
    a = info.aspects[aspect_id]
    bands = sorted(getattr(a.aspect, "bands", None) or [], key=lambda b: b.within)
    return AspectOut(id=a.id, name=a.name, kind=a.kind, min=str(a.low), max="" if a.high is None else str(a.high),
                     places=0 if a.whole else MAX_PLACES, whole=a.whole, points=format(a.aspect.max, "f"),
                     bands=[BandOut(format(b.within, "f"), format(b.mark, "f")) for b in bands],
                     rounding=_rounding(info.scheme.rounding.aspect))


async def sheets(ctx: Context, user_id: int | None = None) -> SheetsOut:
    """A judge's sheets (one per criterion they sit on): codes only, never an entry."""
    ctx.require("judge", "chief_judge")
    user_id = user_id if user_id is not None and "chief_judge" in ctx.roles else ctx.principal.user_id
    info = ctx.scheme()
    seats = await Seat.select().where((Seat.event == ctx.event_id) & (Seat.user == user_id)).order_by(
        Seat.code).order_by(Seat.aspect)
    marks = await current_marks(ctx.event_id, {(s["code"], s["aspect"]) for s in seats})
    open_tickets = [r for r in await Ticket.select().where((Ticket.event == ctx.event_id) & (Ticket.status == "open"))]
    by_cell = {(t["code"], t["aspect"]): t for t in open_tickets}
    signed = {r["criterion"] for r in await SignOff.select(SignOff.criterion).where(
        (SignOff.event == ctx.event_id) & (SignOff.user == user_id))}
    locked = {r["criterion"] for r in await CriterionLock.select(CriterionLock.criterion).where(
        CriterionLock.event == ctx.event_id)}
    out = []
    for criterion, (name, aspect_ids) in info.criteria.items():
        mine = [s for s in seats if s["criterion"] == criterion]
        if not mine:
            continue
        rows: dict[str, list[CellOut]] = defaultdict(list)
        marked = 0
        my_tickets = []
        for s in mine:
            cell = (s["code"], s["aspect"])
            ticket = by_cell.get(cell)
            round_ = s["round"]
            if ticket is not None and ticket["kind"] == "remark" and user_id in msgspec.json.decode(ticket["judges"]):
                round_ = ticket["round"]
            if ticket is not None and (user_id in msgspec.json.decode(ticket["judges"]) or ticket["assignee"] == user_id):
                my_tickets.append(ticket)
            own = [m for m in marks.get(cell, []) if m["user"] == user_id]
            now_mark = next((m for m in own if m["round"] == round_), None)
            latest = max(own, key=lambda m: m["round"], default=None)
            if now_mark is not None:
                marked += 1
            rows[s["code"]].append(CellOut(s["aspect"], latest["value"] if latest else None,
                                           now_mark["version"] if now_mark else None, round_,
                                           ticket["id"] if ticket else None))
        out.append(SheetOut(criterion, name, [aspect_out(ctx, a) for a in aspect_ids],
                            [SheetRow(code, cells) for code, cells in rows.items()], marked, len(mine),
                            criterion in signed, criterion in locked,
                            [ticket_out(t) for t in {t["id"]: t for t in my_tickets}.values()],
                            _rounding(info.scheme.rounding.criterion)))
    return SheetsOut(ctx.event_id, ctx.judging["status"], out)


async def progress(ctx: Context) -> ProgressOut:
    """Marking progress per criterion and per judge (codes never appear): what the console shows live."""
    ctx.require("chief_judge", "supervisor", "organizer")
    seats = await Seat.select(Seat.code, Seat.aspect, Seat.criterion, Seat.user, Seat.round,
                              Seat.user.username.as_alias("username")).where(Seat.event == ctx.event_id)
    marks = await current_marks(ctx.event_id)
    locked = {r["criterion"] for r in await CriterionLock.select(CriterionLock.criterion).where(
        CriterionLock.event == ctx.event_id)}
    signed = {(r["user"], r["criterion"]) for r in await SignOff.select(SignOff.user, SignOff.criterion).where(
        SignOff.event == ctx.event_id)}
    criteria: dict[str, dict[str, int]] = {}
    judges: dict[tuple[int, str], list] = {}
    for s in seats:
        done = any(m["user"] == s["user"] and m["round"] >= s["round"] for m in marks.get((s["code"], s["aspect"]), []))
        c = criteria.setdefault(s["criterion"], {"cells": 0, "marked": 0, "locked": int(s["criterion"] in locked)})
        c["cells"] += 1
        c["marked"] += done
        row = judges.setdefault((s["user"], s["criterion"]), [s["username"], 0, 0])
        row[1] += done
        row[2] += 1
    open_tickets = await Ticket.count().where((Ticket.event == ctx.event_id) & (Ticket.status == "open"))
    return ProgressOut(ctx.event_id, ctx.judging["status"], criteria,
                       [ProgressJudge(u, v[0], c, v[1], v[2], (u, c) in signed) for (u, c), v in sorted(judges.items())],
                       open_tickets)
