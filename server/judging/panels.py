"""Panels and tolerance tickets: after every accepted batch the touched panels are evaluated by scoring/,
and a status that needs people opens (or moves on) one ticket for that panel.

The server never re-implements a panel rule: ``scoring.evaluate_panel`` decides whether a panel is
final (``ok``, ``fallback_applied``, ``flagged``), incomplete, or needs a re-mark round, a third marker
or an arbiter. What needs people becomes a ticket, one per (code, aspect):

- ``remark`` — the panel's judges mark round r+1 after discussion; if the breach persists once they
  have, the ticket moves to the next round; every round's marks are kept;
- ``third_marker`` — the chief judge names a third marker (conflicts refused), who marks round 2;
- ``arbiter`` — the chief judge names an arbiter, whose round-3 mark is final.

A ticket closes with a recorded resolution when the panel evaluates to a final status. Opening a ticket
takes back the sign-offs of the judges involved: their sheet is not finished.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import msgspec

import scoring
from server.audit.services import record
from server.db import write_transaction
from server.errors import Conflict, InvalidInput, NotFound
from server.judging.context import Context, announce, now
from server.judging.schemas import TicketOut
from server.judging.states import TICKET
from server.judging.tables import CodeConflict, Mark, PanelJudge, Seat, SignOff, Ticket

FINAL = {"ok", "fallback_applied", "flagged"}
NEEDS = {"needs_remark": "remark", "needs_third_marker": "third_marker", "needs_arbiter": "arbiter"}
WHAT_TO_DO = {
    "remark": "The judges involved discuss and mark this aspect again (round {round}).",
    "third_marker": "The chief judge names a third marker, who marks this aspect (round 2).",
    "arbiter": "The chief judge names an arbiter, whose mark (round 3) is final.",
}


def ticket_out(r: dict) -> TicketOut:
    return TicketOut(r["id"], r["code"], r["criterion"], r["aspect"], r["kind"], r["status"], r["round"],
                     msgspec.json.decode(r["judges"] or "[]"), r["assignee"], r["opened_at"], r["resolved_at"],
                     r["resolution"], WHAT_TO_DO[r["kind"]].format(round=r["round"]) if r["status"] == "open" else "")


async def current_marks(event_id: int, cells: set[tuple[str, str]] | None = None) -> dict[tuple[str, str], list[dict]]:
    """(code, aspect) → the latest version of every judge's mark in every round."""
    query = Mark.select(Mark.code, Mark.aspect, Mark.user, Mark.round, Mark.version, Mark.value).where(
        Mark.event == event_id)
    if cells is not None:
        codes = sorted({c for c, _ in cells})
        query = query.where(Mark.code.is_in(codes or ["-"]))
    latest: dict[tuple, dict] = {}
    for r in await query:
        if cells is not None and (r["code"], r["aspect"]) not in cells:
            continue
        key = (r["code"], r["aspect"], r["user"], r["round"])
        if key not in latest or latest[key]["version"] < r["version"]:
            latest[key] = r
    out: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for (code, aspect, _, _), r in sorted(latest.items()):
        out[(code, aspect)].append(r)
    return out


def evaluate(ctx: Context, cells: dict[tuple[str, str], list[dict]]) -> dict[tuple[str, str], scoring.AspectResult]:
    """(code, aspect) → scoring's result for each panel, every stored round of it (one compiled plan)."""
    rows = [scoring.Mark(entry=code, judge=str(m["user"]), aspect=aspect, mark=Decimal(m["value"]), round=m["round"])
            for (code, aspect), panel in cells.items() for m in panel]
    if not rows:
        return {}
    results = scoring.evaluate_panels(ctx.scheme().plan, rows)
    return {(code, aspect): results[code][aspect] for code, aspect in cells if aspect in results.get(code, {})}


async def after_marks(ctx: Context, cells: set[tuple[str, str]]) -> list[TicketOut]:
    """Evaluate the touched panels inside the batch's transaction; open, move on or resolve tickets."""
    if not cells:
        return []
    info = ctx.scheme()
    marks = await current_marks(ctx.event_id, cells)
    open_tickets = {(r["code"], r["aspect"]): r for r in await Ticket.select().where(
        (Ticket.event == ctx.event_id) & (Ticket.status == "open")
        & Ticket.code.is_in(sorted({c for c, _ in cells}) or ["-"]))}
    changed: list[int] = []
    stamp = now()
    results = evaluate(ctx, {cell: marks[cell] for cell in cells if marks.get(cell)})
    for (code, aspect_id), result in sorted(results.items()):
        panel = marks[(code, aspect_id)]
        ticket = open_tickets.get((code, aspect_id))
        criterion = info.aspects[aspect_id].criterion
        if result.status in FINAL:
            if ticket is not None:
                await TICKET.apply(ticket["id"], "resolve", "open", {
                    Ticket.resolved_at: stamp,
                    Ticket.resolution: f"{result.status}: mark {result.mark} ({result.reason or 'within tolerance'})"})
                changed.append(ticket["id"])
            continue
        kind = NEEDS.get(result.status)
        if kind is None:  # incomplete: waits for marks
            continue
        step = result.next_step  # scoring says who answers and in which round
        judges = sorted(int(j) for j in step.judges) if step.judges else sorted({m["user"] for m in panel})
        if ticket is None:
            rows = await Ticket.insert(Ticket(event=ctx.event_id, code=code, criterion=criterion, aspect=aspect_id,
                                              kind=kind, round=step.round, judges=msgspec.json.encode(judges).decode(),
                                              opened_at=stamp)).returning(Ticket.id)
            changed.append(rows[0]["id"])
            await SignOff.delete().where((SignOff.event == ctx.event_id) & (SignOff.criterion == criterion)
                                         & SignOff.user.is_in(judges))
        elif kind != ticket["kind"] or step.round != ticket["round"]:
            # escalated (third marker → arbiter), or every judge re-marked and the breach persists
            await Ticket.update({Ticket.kind: kind, Ticket.round: step.round, Ticket.assignee: None,
                                 Ticket.judges: msgspec.json.encode(judges).decode()}).where(Ticket.id == ticket["id"])
            changed.append(ticket["id"])
    if not changed:
        return []
    rows = [ticket_out(r) for r in await Ticket.select().where(Ticket.id.is_in(changed)).order_by(Ticket.id)]
    for t in rows:
        await announce(ctx.event_id, "ticket", ticket_id=t.id, code=t.code, aspect=t.aspect,
                     kind=t.kind, status=t.status, round=t.round)
    return rows


async def tickets(ctx: Context, status: str | None = None) -> list[TicketOut]:
    """Open and closed tickets: the chief judge sees all; a judge sees those of their panels."""
    ctx.require("chief_judge", "judge", "supervisor")
    query = Ticket.select().where(Ticket.event == ctx.event_id).order_by(Ticket.id)
    if status:
        query = query.where(Ticket.status == status)
    rows = await query
    if not ctx.roles.intersection({"chief_judge", "supervisor"}):
        me = ctx.principal.user_id
        mine = {(r["code"], r["aspect"]) for r in await Seat.select(Seat.code, Seat.aspect).where(
            (Seat.event == ctx.event_id) & (Seat.user == me))}
        rows = [r for r in rows if (r["code"], r["aspect"]) in mine or r["assignee"] == me]
    return [ticket_out(r) for r in rows]


async def name_marker(ctx: Context, ticket_id: int, user_id: int, reason: str) -> TicketOut:
    """The chief judge names the third marker or the arbiter of a ticket; conflicts are refused."""
    ctx.require("chief_judge")
    ctx.status_in("marking", what="Naming a marker")
    async with write_transaction():
        ticket = await Ticket.select().where((Ticket.id == ticket_id) & (Ticket.event == ctx.event_id)).first()
        if ticket is None:
            raise NotFound("No such ticket.", code="ticket_not_found")
        if ticket["status"] != "open" or ticket["kind"] not in ("third_marker", "arbiter"):
            raise Conflict("Only an open third-marker or arbiter ticket takes a named marker.", code="ticket_status")
        if not await PanelJudge.exists().where((PanelJudge.event == ctx.event_id) & (PanelJudge.user == user_id)
                                               & (PanelJudge.role == "judge")):
            raise InvalidInput("The marker must be a judge of this event's pool.", code="not_a_pool_judge",
                               field="user_id")
        if await CodeConflict.exists().where((CodeConflict.event == ctx.event_id) & (CodeConflict.code == ticket["code"])
                                             & (CodeConflict.user == user_id)):
            raise Conflict("This judge may not mark this code (own school, county or a declared recusal).",
                           code="conflict_of_interest", field="user_id")
        if user_id in msgspec.json.decode(ticket["judges"] or "[]"):
            raise Conflict("A marker already on this panel cannot also be its third marker or arbiter.",
                           code="already_on_panel", field="user_id")
        await Seat.delete().where((Seat.event == ctx.event_id) & (Seat.code == ticket["code"])
                                  & (Seat.aspect == ticket["aspect"]) & (Seat.kind == ticket["kind"]))
        await Seat.insert(Seat(event=ctx.event_id, code=ticket["code"], criterion=ticket["criterion"],
                               aspect=ticket["aspect"], user=user_id, kind=ticket["kind"], round=ticket["round"]))
        await Ticket.update({Ticket.assignee: user_id}).where(Ticket.id == ticket_id)
        await announce(ctx.event_id, "ticket", ticket_id=ticket_id, code=ticket["code"],
                     aspect=ticket["aspect"], kind=ticket["kind"], status="open", round=ticket["round"])
        await record(ctx.principal, action="judging.marker_named", object_type="judging_ticket", object_id=ticket_id,
                     after={"user_id": user_id, "kind": ticket["kind"], "code": ticket["code"],
                            "aspect": ticket["aspect"]}, reason=reason)
    return ticket_out(await Ticket.select().where(Ticket.id == ticket_id).first())
