"""What judging hands on: the marks in scoring's file format, provisional standings by code, judge
analytics, and — after decryption — the marks by entry that the results domain computes results from.

Every number comes from scoring/: the server assembles the current marks (latest version of each
judge's mark in each round) into a ``jineng.marks/1`` sheet and lets the core compute. The same sheet is
what ``GET …/marks/export`` returns, so ``jineng score compute --scheme S --marks M`` reproduces the
server's digits exactly. Before decryption everything is keyed by code; only the results domain, after
the last decryption step, reads marks keyed by entry.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import msgspec

import scoring
from server.errors import Conflict
from server.judging.context import Context
from server.judging.panels import current_marks
from server.judging.schemas import AnalyticsOut, JudgeStatOut, StandingOut, WhatIfChangeOut, WhatIfOut
from server.judging.tables import Code, JudgingEvent


async def marks_sheet(ctx: Context, *, by_entry: bool = False) -> scoring.MarkSheet:
    """The current marks as a scoring marks sheet, keyed by code (or by entry id once decrypted)."""
    codes = {r["code"]: r["entry"] for r in await Code.select(Code.code, Code.entry).where(Code.event == ctx.event_id)}
    if by_entry and (not codes or any(e is None for e in codes.values())):
        raise Conflict("The codes are not decrypted yet: results exist by code only.", code="not_decrypted")

    def key(code: str) -> str:
        return str(codes[code]) if by_entry else code

    marks = [scoring.Mark(entry=key(m["code"]), judge=str(m["user"]), aspect=m["aspect"],
                          mark=Decimal(m["value"]), round=m["round"])
             for cell in (await current_marks(ctx.event_id)).values() for m in cell]
    judges = sorted({m.judge for m in marks}, key=int)
    return scoring.MarkSheet(event=ctx.event["code"], judges=[scoring.Judge(id=j) for j in judges],
                             entries=[scoring.Entry(id=key(c)) for c in sorted(codes)], marks=marks)


def compute(ctx: Context, sheet: scoring.MarkSheet) -> scoring.EventResult:
    return scoring.compute_event(ctx.scheme().scheme, sheet.marks, sheet.entries, judges=sheet.judges,
                                 event=sheet.event)


async def standings(ctx: Context) -> list[StandingOut]:
    """Provisional standings by code (what the scoreboard shows before publication)."""
    result = compute(ctx, await marks_sheet(ctx))
    order = sorted(result.entries, key=lambda e: (e.rank is None, e.rank or 0, e.entry.id))
    return [StandingOut(e.entry.id, e.rank, None if e.total is None else str(e.total), e.status) for e in order]


async def export(ctx: Context) -> bytes:
    """The marks in ``jineng.marks/1`` (docs/scoring-formats.md), by code; by entry once decrypted."""
    ctx.require("chief_judge", "supervisor", "organizer")
    decrypted = ctx.judging["status"] == "decrypted"
    return msgspec.json.encode(await marks_sheet(ctx, by_entry=decrypted))


def scheme_document(ctx: Context) -> bytes:
    """The scheme marks are judged by (``jineng.scheme/1``, the event's award rules folded in)."""
    ctx.require("chief_judge", "supervisor", "organizer")
    return msgspec.json.encode(ctx.scheme().scheme)


async def analytics(ctx: Context) -> AnalyticsOut:
    """Each judge's leniency and spread against the panel, and what-if results without each judge."""
    ctx.require("chief_judge", "supervisor")
    sheet = await marks_sheet(ctx)
    result = compute(ctx, sheet)
    stats = scoring.judge_analytics(result)
    what_ifs = []
    for judge in sheet.judges or []:
        w = scoring.what_if(ctx.scheme().scheme, sheet.marks, sheet.entries, judge=judge.id, judges=sheet.judges,
                            event=sheet.event)
        what_ifs.append(WhatIfOut(w.judge, w.replaced_marks, [WhatIfChangeOut(
            c.entry, _decimal(c.total_before), _decimal(c.total_after), c.rank_before, c.rank_after, c.award_before,
            c.award_after) for c in w.changes]))
    return AnalyticsOut(
        judges=[JudgeStatOut(s.judge, s.panels, _decimal(s.mean_deviation), _decimal(s.mean_abs_deviation),
                             s.breaches, _decimal(s.breach_rate), s.tendency) for s in stats.judges],
        threshold=str(stats.threshold), method=stats.method, what_if=what_ifs)


def _decimal(value) -> str | None:
    """An exact value as decimal digits (a non-terminating fraction to six places, as scoring shows them)."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        return str((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.000001")))
    return str(value)


async def decrypted(event_id: int) -> bool:
    row = await JudgingEvent.select(JudgingEvent.status).where(JudgingEvent.event == event_id).first()
    return row is not None and row["status"] == "decrypted"
