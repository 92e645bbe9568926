"""Closing an event's marking: sign-off, lock and unlock, then the decryption ceremony.

- A judge signs off a sheet (their seats in one criterion) when every cell is marked in the round it
  awaits and none of its panels has an open ticket. A later correction takes the signature back.
- The chief judge locks a criterion, or the whole event, once every sheet of it is signed off; locked
  marks refuse every write. Locking the last criterion locks the event (the appeal window starts).
- Unlocking takes two people: the chief judge asks with a reason, the supervisor approves.
- Decryption (逆向逐层解密), after the event is locked: layer by layer, outermost first (work-product code
  → station → draw number → entry). For each layer the supervisor approves, then the encryption officer
  opens it with the passphrase; two different people, both audited. Before the last step nothing in
  the database links a code to an entry.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from server import locks
from server.audit.services import record
from server.db import lock_key, write_transaction
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.judging import seal
from server.judging.context import Context, announce, now
from server.judging.marks import sheets
from server.judging.schemas import DecryptionOut, UnlockOut
from server.judging.states import JUDGING, UNLOCK
from server.judging.tables import Code, CriterionLock, DecryptionStep, JudgingEvent, Seat, SignOff, Ticket, Unlock

_LAYER_COLUMN = {"work_code": Code.station, "station": Code.draw_number, "draw_number": Code.entry}


async def sign_off(ctx: Context, criterion: str) -> None:
    ctx.require("judge")
    ctx.status_in("marking", what="Signing off")
    user_id = ctx.principal.user_id
    async with write_transaction():
        await lock_key(locks.judging_event(ctx.event_id))
        sheet = next((s for s in (await sheets(ctx)).sheets if s.criterion == criterion), None)
        if sheet is None:
            raise NotFound(f"You have no sheet in criterion {criterion}.", code="sheet_not_found")
        if sheet.locked:
            raise Conflict(f"Criterion {criterion} is locked.", code="criterion_locked")
        if sheet.open_tickets:
            raise Conflict(f"{len(sheet.open_tickets)} panel(s) of this sheet have an open ticket.",
                           code="open_tickets", extra={"tickets": [t.id for t in sheet.open_tickets]})
        if sheet.marked < sheet.cells:
            raise Conflict(f"{sheet.cells - sheet.marked} of {sheet.cells} cells are not marked yet.",
                           code="sheet_incomplete", extra={"missing": sheet.cells - sheet.marked})
        if sheet.signed_off:
            return
        await SignOff.insert(SignOff(event=ctx.event_id, user=user_id, criterion=criterion, signed_at=now()))
        await announce(ctx.event_id, "signoff", judge=user_id, criterion=criterion)
        await record(ctx.principal, action="judging.signed_off", object_type="event", object_id=ctx.event_id,
                     after={"criterion": criterion})


async def _unsigned(ctx: Context, criteria: list[str]) -> dict[str, list[int]]:
    judges = defaultdict(set)
    for r in await Seat.select(Seat.criterion, Seat.user).where(
            (Seat.event == ctx.event_id) & Seat.criterion.is_in(criteria or ["-"])):
        judges[r["criterion"]].add(r["user"])
    signed = defaultdict(set)
    for r in await SignOff.select(SignOff.criterion, SignOff.user).where(SignOff.event == ctx.event_id):
        signed[r["criterion"]].add(r["user"])
    return {c: sorted(judges[c] - signed[c]) for c in criteria if judges[c] - signed[c]}


async def lock(ctx: Context, criterion: str | None) -> list[str]:
    """Lock one criterion or every criterion; returns the locked criteria."""
    ctx.require("chief_judge")
    ctx.status_in("marking", what="Locking")
    info = ctx.scheme()
    if criterion is not None and criterion not in info.criteria:
        raise InvalidInput(f"The scheme has no criterion {criterion!r}.", code="unknown_criterion", field="criterion")
    async with write_transaction():
        await lock_key(locks.judging_event(ctx.event_id))
        done = {r["criterion"] for r in await CriterionLock.select(CriterionLock.criterion).where(
            CriterionLock.event == ctx.event_id)}
        wanted = [c for c in ([criterion] if criterion else list(info.criteria)) if c not in done]
        unsigned = await _unsigned(ctx, wanted)
        if unsigned:
            first = next(iter(unsigned))
            raise Conflict(f"Criterion {first}: {len(unsigned[first])} judge(s) have not signed off.",
                           code="not_signed_off", extra={"unsigned": {c: js for c, js in unsigned.items()}})
        if await Ticket.exists().where((Ticket.event == ctx.event_id) & (Ticket.status == "open")
                                       & Ticket.criterion.is_in(wanted or ["-"])):
            raise Conflict("A ticket of these criteria is still open.", code="open_tickets")
        stamp = now()
        if wanted:
            await CriterionLock.insert(*[CriterionLock(event=ctx.event_id, criterion=c, locked_at=stamp,
                                                       locked_by=getattr(ctx.principal, "user_id", 0))
                                         for c in wanted])
        locked = sorted(done | set(wanted))
        if set(locked) == set(info.criteria):
            await JUDGING.apply(ctx.judging["id"], "lock", "marking",
                                {JudgingEvent.locked_at: stamp, JudgingEvent.updated_at: stamp})
        await announce(ctx.event_id, "lock", criteria=wanted, event_locked=len(locked) == len(info.criteria))
        await record(ctx.principal, action="judging.locked", object_type="event", object_id=ctx.event_id,
                     after={"criteria": wanted})
    return locked


def _unlock_out(r: dict) -> UnlockOut:
    return UnlockOut(r["id"], r["criterion"], r["reason"], r["status"], r["requested_by"], r["approved_by"])


async def request_unlock(ctx: Context, criterion: str | None, reason: str) -> UnlockOut:
    ctx.require("chief_judge")
    ctx.status_in("marking", "locked", what="Unlocking")
    target = criterion or ""
    async with write_transaction():
        held = CriterionLock.event == ctx.event_id
        if target:
            held = held & (CriterionLock.criterion == target)
        if not await CriterionLock.exists().where(held):
            raise Conflict("Nothing of that is locked.", code="not_locked")
        if await Unlock.exists().where((Unlock.event == ctx.event_id) & (Unlock.status == "pending")):
            raise Conflict("An unlock request is already waiting for the supervisor.", code="unlock_pending")
        rows = await Unlock.insert(Unlock(event=ctx.event_id, criterion=target, reason=reason,
                                          requested_by=ctx.principal.user_id, requested_at=now())).returning(Unlock.id)
        await record(ctx.principal, action="judging.unlock_requested", object_type="event", object_id=ctx.event_id,
                     after={"criterion": target}, reason=reason)
    return _unlock_out(await Unlock.select().where(Unlock.id == rows[0]["id"]).first())


async def approve_unlock(ctx: Context, unlock_id: int, reason: str) -> UnlockOut:
    ctx.require("supervisor")
    async with write_transaction():
        await lock_key(locks.judging_event(ctx.event_id))
        row = await Unlock.select().where((Unlock.id == unlock_id) & (Unlock.event == ctx.event_id)).first()
        if row is None:
            raise NotFound("No such unlock request.", code="unlock_not_found")
        if row["requested_by"] == getattr(ctx.principal, "user_id", None):
            raise Forbidden("An unlock needs a second person: the supervisor approves the chief judge's request.",
                            code="second_person_required")
        judging = await JudgingEvent.select(JudgingEvent.status, JudgingEvent.decrypted_layers).where(
            JudgingEvent.id == ctx.judging["id"]).first()
        if judging["decrypted_layers"]:
            raise Conflict("Decryption has begun; marks stay locked.", code="decryption_started")
        await UNLOCK.apply(unlock_id, "approve", row["status"], {Unlock.approved_by: ctx.principal.user_id,
                                                               Unlock.approved_at: now()})
        condition = CriterionLock.event == ctx.event_id
        if row["criterion"]:
            condition = condition & (CriterionLock.criterion == row["criterion"])
        await CriterionLock.delete().where(condition)
        if judging["status"] == "locked":
            await JUDGING.apply(ctx.judging["id"], "unlock", "locked",
                                {JudgingEvent.locked_at: None, JudgingEvent.updated_at: now()})
        await announce(ctx.event_id, "unlock", criterion=row["criterion"])
        await record(ctx.principal, action="judging.unlocked", object_type="event", object_id=ctx.event_id,
                     after={"criterion": row["criterion"], "requested_by": row["requested_by"]},
                     reason=f"{row['reason']} / {reason}")
    return _unlock_out(await Unlock.select().where(Unlock.id == unlock_id).first())


async def unlocks(ctx: Context) -> list[UnlockOut]:
    ctx.require("chief_judge", "supervisor")
    return [_unlock_out(r) for r in await Unlock.select().where(Unlock.event == ctx.event_id).order_by(Unlock.id)]


# --- decryption -----------------------------------------------------------------------------------

def _remaining(ctx: Context, judging: dict) -> list[str]:
    return seal.layers_of(judging["sealed"])[judging["decrypted_layers"]:] if judging["sealed"] else []


async def approve_layer(ctx: Context) -> DecryptionOut:
    """The supervisor approves opening the next layer."""
    ctx.require("supervisor")
    ctx.status_in("locked", what="Decryption")
    async with write_transaction():
        await lock_key(locks.judging_event(ctx.event_id))
        judging = await JudgingEvent.select().where(JudgingEvent.id == ctx.judging["id"]).first()
        remaining = _remaining(ctx, judging)
        layer = remaining[0]
        if await DecryptionStep.exists().where((DecryptionStep.event == ctx.event_id) & (DecryptionStep.layer == layer)):
            raise Conflict(f"The {layer} layer is already approved; the encryption officer opens it.",
                           code="layer_approved")
        await DecryptionStep.insert(DecryptionStep(event=ctx.event_id, layer=layer, approved_by=ctx.principal.user_id,
                                                   approved_at=now()))
        await announce(ctx.event_id, "decryption", layer=layer, step="approved")
        await record(ctx.principal, action="judging.decryption_approved", object_type="event",
                     object_id=ctx.event_id, after={"layer": layer})
    return DecryptionOut(layer, ctx.principal.user_id, None, remaining)


async def open_layer(ctx: Context, passphrase: str) -> DecryptionOut:
    """The encryption officer opens the approved layer with the passphrase."""
    ctx.require("encryption_officer")
    ctx.status_in("locked", what="Decryption")
    judging = ctx.judging
    remaining = _remaining(ctx, judging)
    layer = remaining[0]
    step = await DecryptionStep.select().where((DecryptionStep.event == ctx.event_id)
                                               & (DecryptionStep.layer == layer)).first()
    if step is None:
        raise Conflict(f"The supervisor has not approved opening the {layer} layer.", code="supervisor_required")
    if step["approved_by"] == getattr(ctx.principal, "user_id", None):
        raise Forbidden("Decryption needs two people: the supervisor approves, the encryption officer opens.",
                        code="second_person_required")
    try:
        mapping = await asyncio.to_thread(seal.open_layer, passphrase, ctx.event_id, judging["sealed"], layer)
    except seal.WrongPassphrase:
        raise Conflict("The passphrase does not open the seal.", code="wrong_passphrase", field="passphrase") from None
    async with write_transaction():
        await lock_key(locks.judging_event(ctx.event_id))
        updated = await JudgingEvent.update({JudgingEvent.decrypted_layers: JudgingEvent.decrypted_layers + 1,
                                             JudgingEvent.updated_at: now()}).where(
            (JudgingEvent.id == judging["id"]) & (JudgingEvent.decrypted_layers == judging["decrypted_layers"])
        ).returning(JudgingEvent.id)
        if not updated:
            raise Conflict("This layer was opened meanwhile.", code="judging_changed")
        # the codes' rows learn the layer beneath; the code judges saw stays the key
        first = seal.layers_of(judging["sealed"])[0]
        outer = Code.code if layer == first else {"station": Code.station, "draw_number": Code.draw_number}[layer]
        column = _LAYER_COLUMN[layer]
        for above, below in mapping.items():
            await Code.update({column: int(below) if layer == "draw_number" else below}).where(
                (Code.event == ctx.event_id) & (outer == above))
        await DecryptionStep.update({DecryptionStep.performed_by: ctx.principal.user_id,
                                     DecryptionStep.performed_at: now()}).where(DecryptionStep.id == step["id"])
        if len(remaining) == 1:
            await JUDGING.apply(judging["id"], "decrypt", "locked", {JudgingEvent.updated_at: now()})
        await announce(ctx.event_id, "decryption", layer=layer, step="opened",
                     complete=len(remaining) == 1)
        await record(ctx.principal, action="judging.decrypted", object_type="event", object_id=ctx.event_id,
                     after={"layer": layer, "codes": len(mapping)})
    return DecryptionOut(layer, step["approved_by"], ctx.principal.user_id, remaining[1:])
