"""Corrections after the lock: the two formal ways a locked mark changes — a re-check finding (复核) and an
upheld appeal (申诉). Each correction is a new version of the judge's mark with its source and reason;
the old versions stay. A correction must leave the panel final under the scheme's rule (scoring/
decides); otherwise it is refused and nothing changes."""

from __future__ import annotations

import hashlib
import secrets
from decimal import Decimal, InvalidOperation

import scoring
from server.errors import Conflict, InvalidInput, refusal
from server.judging.context import Context, now
from server.judging.panels import FINAL, current_marks, evaluate
from server.judging.schemas import CorrectionIn
from server.judging.tables import Mark


async def apply(ctx: Context, code: str, corrections: list[CorrectionIn], *, source: str, reason: str) -> list[dict]:
    """Write the corrections of one code (inside the caller's transaction); returns the revisions."""
    info = ctx.scheme()
    problems = []
    for i, c in enumerate(corrections):
        if c.aspect not in info.aspects:
            problems.append({"field": f"corrections[{i}].aspect", "code": "unknown_aspect",
                             "message": f"the scheme has no aspect {c.aspect!r}"})
            continue
        try:
            value = Decimal(c.value)
        except InvalidOperation:
            problems.append({"field": f"corrections[{i}].value", "code": "invalid_value",
                             "message": f"{c.value!r} is not a number"})
            continue
        for p in scoring.validate_marks(info.scheme, [scoring.Mark(entry=code, judge=str(c.user_id), aspect=c.aspect,
                                                                   mark=value, round=c.round)]):
            problems.append({"field": f"corrections[{i}].value", "code": p.code, "message": p.message})
    if problems:
        raise refusal(problems, "The corrections were refused")
    cells = {(code, c.aspect) for c in corrections}
    marks = await current_marks(ctx.event_id, cells)
    revisions, stamp = [], now()
    for i, c in enumerate(corrections):
        panel = marks.get((code, c.aspect), [])
        mine = next((m for m in panel if m["user"] == c.user_id and m["round"] == c.round), None)
        if mine is None:
            raise InvalidInput(f"Judge {c.user_id} has no round-{c.round} mark on {code} {c.aspect} to correct.",
                               code="mark_not_found", field=f"corrections[{i}]")
        version = mine["version"] + 1
        panel[panel.index(mine)] = {**mine, "value": str(Decimal(c.value)), "version": version}
        key = f"{source}:{secrets.token_hex(12)}"
        await Mark.insert(Mark(event=ctx.event_id, code=code, aspect=c.aspect, user=c.user_id, round=c.round,
                               version=version, value=str(Decimal(c.value)), key=key,
                               digest=hashlib.sha256(key.encode()).hexdigest(), received_at=stamp, source=source,
                               reason=reason))
        revisions.append({"code": code, "aspect": c.aspect, "user_id": c.user_id, "round": c.round,
                          "from": mine["value"], "to": str(Decimal(c.value)), "version": version})
    for cell, result in evaluate(ctx, {cell: marks[cell] for cell in cells}).items():
        if result.status not in FINAL:
            raise Conflict(f"After the correction {cell[0]} {cell[1]} is {result.status}: {result.reason}",
                           code="correction_not_final", field="corrections")
    return revisions
