"""Re-check (复核) after the lock: every top-N code plus a random share of the rest, drawn with a recorded
seed; re-checkers confirm or correct each line. When every drawn line is checked and the share of
corrected lines is above the event's threshold (default 5%), every remaining code must be re-checked too
before the results may be published."""

from __future__ import annotations

import math
import random
import secrets
from decimal import Decimal

from server import locks
from server.audit.services import record
from server.db import lock_key, write_transaction
from server.errors import Conflict, InvalidInput, NotFound
from server.judging import corrections
from server.judging.context import Context, announce, now
from server.judging.outcome import standings
from server.judging.schemas import BlockerOut, RecheckIn, RecheckLineOut, RecheckOut
from server.judging.tables import JudgingEvent, RecheckLine

RECHECKERS = ("chief_judge", "supervisor")


async def state(ctx: Context) -> RecheckOut:
    ctx.require(*RECHECKERS, "organizer")
    judging = await JudgingEvent.select().where(JudgingEvent.id == ctx.judging["id"]).first()
    lines = await RecheckLine.select().where(RecheckLine.event == ctx.event_id).order_by(RecheckLine.id)
    checked = [line for line in lines if line["outcome"] != "pending"]
    corrected = [line for line in checked if line["outcome"] == "corrected"]
    rate = None if not checked else str((Decimal(len(corrected)) / len(checked)).quantize(Decimal("0.0001")))
    return RecheckOut(judging["recheck_seed"], [RecheckLineOut(r["code"], r["reason"], r["outcome"], r["note"])
                                                for r in lines],
                      len(checked), len(corrected), rate, judging["recheck_full"],
                      bool(lines) and len(checked) == len(lines))


async def draw(ctx: Context) -> RecheckOut:
    ctx.require("chief_judge")
    ctx.status_in("locked", "decrypted", what="The re-check draw")
    board = await standings(ctx)
    top_n = ctx.judging["recheck_top_n"]
    top = [s.code for s in board if s.rank is not None and s.rank <= top_n]
    rest = sorted(s.code for s in board if s.code not in top)
    seed = secrets.token_hex(16)
    share = math.ceil(Decimal(ctx.judging["recheck_rate"]) * len(rest))
    sample = sorted(random.Random(seed).sample(rest, min(share, len(rest))))
    async with write_transaction():
        await lock_key(locks.judging_event(ctx.event_id))
        drawn = await JudgingEvent.update({JudgingEvent.recheck_seed: seed, JudgingEvent.updated_at: now()}).where(
            (JudgingEvent.id == ctx.judging["id"]) & (JudgingEvent.recheck_seed == "")).returning(JudgingEvent.id)
        if not drawn:
            raise Conflict("The re-check list has been drawn already.", code="recheck_drawn")
        await RecheckLine.insert(*[RecheckLine(event=ctx.event_id, code=c, reason="top") for c in top],
                                 *[RecheckLine(event=ctx.event_id, code=c, reason="sample") for c in sample])
        await record(ctx.principal, action="judging.recheck_drawn", object_type="event", object_id=ctx.event_id,
                     after={"seed": seed, "top": len(top), "sample": len(sample), "of": len(rest)})
    return await state(ctx)


async def check(ctx: Context, code: str, data: RecheckIn) -> RecheckOut:
    ctx.require(*RECHECKERS)
    ctx.status_in("locked", "decrypted", what="Re-checking")
    if data.outcome == "corrected" and not data.corrections:
        raise InvalidInput("A corrected line names its corrections.", code="corrections_required",
                           field="corrections")
    if data.outcome == "confirmed" and data.corrections:
        raise InvalidInput("A confirmed line has no corrections.", code="corrections_not_allowed",
                           field="corrections")
    async with write_transaction():
        await lock_key(locks.judging_event(ctx.event_id))
        line = await RecheckLine.select().where((RecheckLine.event == ctx.event_id) & (RecheckLine.code == code)).first()
        if line is None:
            raise NotFound(f"{code} is not on the re-check list.", code="recheck_line_not_found")
        if line["outcome"] != "pending":
            raise Conflict(f"{code} has been re-checked already ({line['outcome']}).", code="recheck_done")
        revisions = await corrections.apply(ctx, code, data.corrections, source="recheck",
                                            reason=data.note or "re-check") if data.corrections else []
        await RecheckLine.update({RecheckLine.outcome: data.outcome, RecheckLine.note: data.note,
                                  RecheckLine.checked_by: getattr(ctx.principal, "user_id", None),
                                  RecheckLine.checked_at: now()}).where(RecheckLine.id == line["id"])
        await _maybe_full(ctx)
        await announce(ctx.event_id, "recheck", code=code, outcome=data.outcome)
        await record(ctx.principal, action="judging.rechecked", object_type="event", object_id=ctx.event_id,
                     after={"code": code, "outcome": data.outcome, "revisions": revisions}, reason=data.note)
    return await state(ctx)


async def _maybe_full(ctx: Context) -> None:
    """Once the drawn lines are all checked, an error rate above the threshold adds every other code."""
    judging = await JudgingEvent.select().where(JudgingEvent.id == ctx.judging["id"]).first()
    if judging["recheck_full"]:
        return
    lines = await RecheckLine.select(RecheckLine.code, RecheckLine.outcome).where(RecheckLine.event == ctx.event_id)
    if any(line["outcome"] == "pending" for line in lines):
        return
    corrected = sum(line["outcome"] == "corrected" for line in lines)
    if not lines or Decimal(corrected) / len(lines) <= Decimal(judging["recheck_error_threshold"]):
        return
    listed = {line["code"] for line in lines}
    rest = [s.code for s in await standings(ctx) if s.code not in listed]
    await JudgingEvent.update({JudgingEvent.recheck_full: True}).where(JudgingEvent.id == judging["id"])
    if rest:
        await RecheckLine.insert(*[RecheckLine(event=ctx.event_id, code=c, reason="full") for c in sorted(rest)])


async def blockers(ctx: Context) -> list[BlockerOut]:
    """What stops publication on the re-check side."""
    out = await state(ctx)
    if not out.lines:
        return [BlockerOut(code="recheck_not_drawn", message="the re-check list has not been drawn")]
    if not out.complete:
        pending = [line.code for line in out.lines if line.outcome == "pending"]
        if out.full_required:
            return [BlockerOut(code="recheck_full_pending", pending=len(pending), codes=pending,
                               message=f"{len(pending)} re-check line(s) are not checked (full re-check required)")]
        return [BlockerOut(code="recheck_pending", pending=len(pending), codes=pending,
                           message=f"{len(pending)} re-check line(s) are not checked")]
    return []
