"""Appeals (申诉): one per entry, filed in writing by the entry's school within a window after the event's
marking was locked (default 2 hours), ruled by the supervisor: upheld — with the mark revisions it
caused, which needs the codes decrypted — or dismissed, with reasons. Publication waits until the window
has closed and every appeal is ruled; outcomes are published with the results, without names until the
results are."""

from __future__ import annotations

from datetime import timedelta

import msgspec

from server import locks
from server.audit.services import record
from server.db import lock_key, write_transaction
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.judging import corrections
from server.judging.context import Context, announce, now
from server.judging.schemas import AppealIn, AppealOut, AppealWindowOut, BlockerOut, PublicAppealOut, RulingIn
from server.judging.states import APPEAL
from server.judging.tables import Appeal, Code, JudgingEvent
from server.principal import Principal
from server.registration.tables import Entry

RULERS = ("supervisor",)


def appeals_close_at(judging: dict):
    if judging["locked_at"] is None:
        return None
    return judging["locked_at"] + timedelta(minutes=judging["appeal_window_minutes"])


def _out(r: dict) -> AppealOut:
    return AppealOut(r["id"], r["entry"], r["school"], r["text"], r["status"], r["filed_at"], r["ruling"],
                     r["ruled_at"], msgspec.json.decode(r["revisions"] or "[]"))


async def file(principal: Principal, event_id: int, judging: dict, data: AppealIn) -> AppealOut:
    """The entry's school coordinator files the entry's one appeal."""
    entry = await Entry.select(Entry.id, Entry.school, Entry.event, Entry.status).where(Entry.id == data.entry_id).first()
    if entry is None or entry["event"] != event_id or entry["school"] not in principal.school_ids():
        raise NotFound("No such entry of your school in this event.", code="entry_not_found", field="entry_id")
    closes = appeals_close_at(judging)
    if closes is None:
        raise Conflict("Appeals open when the event's marking is locked.", code="appeals_not_open")
    if now() > closes:
        raise Conflict(f"The appeal window closed at {closes.isoformat()}.", code="appeal_window_closed",
                       extra={"closed_at": closes.isoformat()})
    async with write_transaction():
        if await Appeal.exists().where(Appeal.entry == data.entry_id):
            raise Conflict("This entry has filed its appeal already (one per entry).", code="appeal_exists")
        rows = await Appeal.insert(Appeal(event=event_id, entry=data.entry_id, school=entry["school"], text=data.text,
                                          filed_by=principal.user_id, filed_at=now())).returning(Appeal.id)
        await announce(event_id, "appeal", appeal_id=rows[0]["id"], status="filed")
        await record(principal, action="judging.appeal_filed", object_type="judging_appeal",
                     object_id=rows[0]["id"], after={"entry_id": data.entry_id})
    return _out(await Appeal.select().where(Appeal.id == rows[0]["id"]).first())


async def window(principal: Principal, ctx: Context) -> AppealWindowOut:
    """The event's appeal window, for its judging officials and the coordinators of a school with an entry
    in it; anyone else is told there is no such event (as for the rest of judging)."""
    if not ctx.roles:
        schools = list(principal.school_ids())
        if not schools or not await Entry.exists().where((Entry.event == ctx.event_id) & Entry.school.is_in(schools)):
            raise NotFound("No such event in your judging roles or your school's entries.", code="event_not_found")
    judging = ctx.judging
    closes = appeals_close_at(judging)
    stamp = now()
    return AppealWindowOut(event_id=ctx.event_id, judging_status=judging["status"],
                           window_minutes=judging["appeal_window_minutes"], opens_at=judging["locked_at"],
                           closes_at=closes, open=closes is not None and stamp <= closes, checked_at=stamp)


async def listing(principal: Principal, ctx: Context | None, event_id: int) -> list[AppealOut]:
    """The supervisor, chief judge and organizers see every appeal; a school its own."""
    query = Appeal.select().where(Appeal.event == event_id).order_by(Appeal.id)
    if ctx is None or not ctx.roles.intersection({"supervisor", "chief_judge", "organizer"}):
        schools = list(principal.school_ids())
        if not schools:
            raise Forbidden("Appeals are for the entry's school and the judging officials.", code="forbidden")
        query = query.where(Appeal.school.is_in(schools))
    return [_out(r) for r in await query]


async def rule(ctx: Context, appeal_id: int, data: RulingIn) -> AppealOut:
    ctx.require(*RULERS)
    if data.outcome == "upheld" and not data.corrections:
        raise InvalidInput("An upheld appeal names the mark revisions it causes.", code="corrections_required",
                           field="corrections")
    if data.outcome == "dismissed" and data.corrections:
        raise InvalidInput("A dismissed appeal changes no mark.", code="corrections_not_allowed", field="corrections")
    async with write_transaction():
        await lock_key(locks.judging_event(ctx.event_id))
        row = await Appeal.select().where((Appeal.id == appeal_id) & (Appeal.event == ctx.event_id)).first()
        if row is None:
            raise NotFound("No such appeal.", code="appeal_not_found")
        revisions = []
        if data.corrections:
            code = await Code.select(Code.code).where((Code.event == ctx.event_id) & (Code.entry == row["entry"])).first()
            if code is None:
                raise Conflict("An appeal is upheld with mark revisions after decryption.", code="not_decrypted")
            revisions = await corrections.apply(ctx, code["code"], data.corrections, source="appeal",
                                                reason=f"appeal {appeal_id}: {data.reason}")
        await APPEAL.apply(appeal_id, "uphold" if data.outcome == "upheld" else "dismiss", row["status"], {
            Appeal.ruling: data.reason, Appeal.ruled_by: getattr(ctx.principal, "user_id", None),
            Appeal.ruled_at: now(), Appeal.revisions: msgspec.json.encode(revisions).decode()})
        await announce(ctx.event_id, "appeal", appeal_id=appeal_id, status=data.outcome)
        await record(ctx.principal, action=f"judging.appeal_{data.outcome}", object_type="judging_appeal",
                     object_id=appeal_id, after={"revisions": revisions}, reason=data.reason)
    return _out(await Appeal.select().where(Appeal.id == appeal_id).first())


async def blockers(event_id: int) -> list[BlockerOut]:
    judging = await JudgingEvent.select().where(JudgingEvent.event == event_id).first()
    closes = appeals_close_at(judging)
    out = []
    if closes is None or now() <= closes:
        out.append(BlockerOut(code="appeal_window_open", closes_at=closes, message="the appeal window has not closed"
                              + (f" (closes {closes.isoformat()})" if closes else "")))
    pending = await Appeal.select(Appeal.id, Appeal.entry).where(
        (Appeal.event == event_id) & (Appeal.status == "filed")).order_by(Appeal.id)
    if pending:
        out.append(BlockerOut(code="appeals_unruled", pending=len(pending), appeal_ids=[r["id"] for r in pending],
                              entry_ids=[r["entry"] for r in pending],
                              message=f"{len(pending)} appeal(s) are not ruled"))
    return out


async def public(event_id: int, published: bool) -> list[PublicAppealOut]:
    rows = await Appeal.select().where((Appeal.event == event_id) & (Appeal.status != "filed")).order_by(Appeal.id)
    return [PublicAppealOut(r["id"], r["status"], r["ruling"], r["entry"] if published else None) for r in rows]
