"""The draw (抽签): draw numbers, station numbers (二次加密) and optional work-product codes, sealed.

The encryption officer makes the draw with a passphrase only they know. Every present entry gets a
draw number, then a station number, and — if the event uses them — a work-product code, each a fresh
permutation from the operating system's CSPRNG (``secrets.SystemRandom``). Judges see the outermost
code (the work-product code, else the station number). The three mappings are sealed at once
(``server.judging.seal``); the server keeps the codes, the seats and the ciphertexts, never the link.

Seats: for every (code, aspect) the aspect's assigned judges who are not in conflict with the code's
entry, and for each one who is, a substitute — the least-loaded pool judge without a conflict who is not
already on that panel. A conflicted judge never gets a seat on that code, so a refused mark needs no
entry to explain it. When no substitute exists the draw is refused (nothing is written) and says which
aspect lacks judges, not which entry.
"""

from __future__ import annotations

import asyncio
import secrets
import string
from collections import defaultdict

from server.audit.services import record
from server.db import insert_rows, write_transaction
from server.errors import Conflict
from server.judging import seal
from server.judging.context import Context, announce, now
from server.judging.schemas import DrawOut
from server.judging.setup import conflicts, entry_facts
from server.judging.states import JUDGING
from server.judging.tables import Assignment, CheckIn, Code, CodeConflict, JudgingEvent, PanelJudge, Seat
from server.registration.tables import Entry, EntryMember

_WORK_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "0O1IL")


def _numbers(prefix: str, count: int, rng: secrets.SystemRandom) -> list[str]:
    width = max(2, len(str(count)))
    values = [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]
    rng.shuffle(values)
    return values


def _work_codes(count: int, rng: secrets.SystemRandom) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add("".join(rng.choice(_WORK_ALPHABET) for _ in range(6)))
    out = sorted(codes)
    rng.shuffle(out)
    return out


async def _present_entries(ctx: Context) -> list[int]:
    approved = await entry_facts(ctx.event_id)
    checked = {r["entry"]: r["present"] for r in await CheckIn.select().where(CheckIn.event == ctx.event_id)}
    missing = [e for e in approved if e not in checked]
    if missing:
        raise Conflict(f"{len(missing)} approved entr{'y has' if len(missing) == 1 else 'ies have'} not been "
                       "checked in (present or absent).", code="checkin_incomplete", extra={"entry_ids": missing})
    present = [e for e in approved if checked[e]]
    if not present:
        raise Conflict("No entry is present.", code="no_entries_present")
    return present


async def _panels(ctx: Context) -> dict[str, list[int]]:
    info = ctx.scheme()
    panels = defaultdict(list)
    for r in await Assignment.select(Assignment.aspect, Assignment.user).where(
            Assignment.event == ctx.event_id).order_by(Assignment.id):
        panels[r["aspect"]].append(r["user"])
    short = [a for a, aspect in info.aspects.items() if len(panels[a]) != aspect.seats]
    if short:
        a = short[0]
        raise Conflict(f"Aspect {a} has {len(panels[a])} of its {info.aspects[a].seats} judge(s) assigned.",
                       code="panel_incomplete", field="aspect", extra={"aspects": short})
    return panels


def _seats(ctx: Context, codes: dict[int, str], panels: dict[str, list[int]], barred: dict[int, set[int]],
           pool: list[int]) -> list[Seat]:
    info = ctx.scheme()
    load = defaultdict(int)
    for aspect, judges in panels.items():
        for j in judges:
            load[j] += len(codes)
    seats: list[Seat] = []
    short: dict[str, int] = defaultdict(int)
    for entry_id, code in sorted(codes.items(), key=lambda kv: kv[1]):
        for aspect_id, aspect in info.aspects.items():
            seated = [j for j in panels[aspect_id] if j not in barred[entry_id]]
            for j in seated:
                seats.append(Seat(event=ctx.event_id, code=code, criterion=aspect.criterion, aspect=aspect_id,
                                  user=j, kind="panel", round=1))
            for _ in range(len(panels[aspect_id]) - len(seated)):
                candidates = sorted((j for j in pool if j not in barred[entry_id] and j not in panels[aspect_id]
                                     and j not in seated), key=lambda j: (load[j], j))
                if not candidates:
                    short[aspect_id] += 1
                    continue
                j = candidates[0]
                seated.append(j)
                load[j] += 1
                seats.append(Seat(event=ctx.event_id, code=code, criterion=aspect.criterion, aspect=aspect_id,
                                  user=j, kind="substitute", round=1))
    if short:
        aspect_id = next(iter(short))
        raise Conflict(f"Aspect {aspect_id}: {short[aspect_id]} code(s) need a substitute judge and no judge of the "
                       "pool is free of conflict with them; add judges to the pool.", code="not_enough_judges",
                       field="aspect", extra={"aspects": dict(short)})
    return seats


async def draw(ctx: Context, passphrase: str) -> DrawOut:
    ctx.require("encryption_officer")
    ctx.status_in("setup", what="The draw")
    present = await _present_entries(ctx)
    panels = await _panels(ctx)
    barred = await conflicts(ctx, await entry_facts(ctx.event_id, present))
    pool = [r["user"] for r in await PanelJudge.select(PanelJudge.user).where(
        (PanelJudge.event == ctx.event_id) & (PanelJudge.role == "judge"))]
    rng = secrets.SystemRandom()
    count = len(present)
    order = list(present)
    rng.shuffle(order)
    draw_numbers = dict(zip(order, _numbers("D", count, rng)))
    stations = dict(zip(order, _numbers("G", count, rng)))
    work = dict(zip(order, _work_codes(count, rng))) if ctx.judging["work_codes"] else {}
    visible = {e: work.get(e, stations[e]) for e in order}
    mappings = {"station": {stations[e]: draw_numbers[e] for e in order},
                "draw_number": {draw_numbers[e]: str(e) for e in order}}
    if work:
        mappings["work_code"] = {work[e]: stations[e] for e in order}
    seats = _seats(ctx, visible, panels, barred, pool)
    sealed = await asyncio.to_thread(seal.seal, passphrase, ctx.event_id, mappings)
    async with write_transaction():
        await JUDGING.apply(ctx.judging["id"], "draw", "setup", {
            JudgingEvent.sealed: sealed, JudgingEvent.drawn_at: now(), JudgingEvent.updated_at: now(),
            JudgingEvent.drawn_by: getattr(ctx.principal, "user_id", None)})
        await insert_rows(Code, [Code(event=ctx.event_id, code=c) for c in sorted(visible.values())])
        await insert_rows(Seat, seats)
        barred_rows = sorted((visible[e], j) for e, judges in barred.items() for j in judges)
        if barred_rows:
            await insert_rows(CodeConflict, [CodeConflict(event=ctx.event_id, code=c, user=j) for c, j in barred_rows])
        await announce(ctx.event_id, "drawn", codes=count)
        await record(ctx.principal, action="judging.drawn", object_type="event", object_id=ctx.event_id,
                     after={"codes": count, "seats": len(seats), "layers": seal.layers_of(sealed)})
    return DrawOut(codes=count, seats=len(seats), substitutes=sum(s.kind == "substitute" for s in seats),
                   layers=seal.layers_of(sealed))


async def open_marking(ctx: Context) -> None:
    ctx.require("chief_judge")
    async with write_transaction():
        await JUDGING.apply(ctx.judging["id"], "open_marking", ctx.judging["status"],
                            {JudgingEvent.updated_at: now()})
        await announce(ctx.event_id, "opened")
        await record(ctx.principal, action="judging.marking_opened", object_type="event", object_id=ctx.event_id)


async def mapping(ctx: Context, passphrase: str) -> list[dict[str, str]]:
    """The whole mapping (for the sealed envelope): only the encryption officer, only with the passphrase."""
    ctx.require("encryption_officer")
    if not ctx.judging["sealed"]:
        raise Conflict("The draw has not been made.", code="judging_status")
    sealed = ctx.judging["sealed"]
    try:
        layers = {layer: await asyncio.to_thread(seal.open_layer, passphrase, ctx.event_id, sealed, layer)
                  for layer in seal.layers_of(sealed)}
    except seal.WrongPassphrase:
        raise Conflict("The passphrase does not open the seal.", code="wrong_passphrase",
                       field="passphrase") from None
    entries = {r["id"]: r for r in await Entry.select(Entry.id, Entry.team_name,
                                                         Entry.school.name.as_alias("school")).where(
        Entry.id.is_in([int(e) for e in layers["draw_number"].values()] or [-1]))}
    names = defaultdict(list)
    for m in await EntryMember.select(EntryMember.entry, EntryMember.person.name.as_alias("name")).where(
            EntryMember.entry.is_in(list(entries) or [-1]) & (EntryMember.role == "competitor")).order_by(
            EntryMember.position):
        names[m["entry"]].append(m["name"])
    stations = {d: s for s, d in layers["station"].items()}
    works = {s: w for w, s in layers.get("work_code", {}).items()}
    rows = []
    for draw_number, entry in sorted(layers["draw_number"].items()):
        row = entries[int(entry)]
        station = stations[draw_number]
        rows.append({"entry": f"#{entry} " + (row["team_name"] or "、".join(names[row["id"]])),
                     "school": row["school"], "draw_number": draw_number, "station": station,
                     "work_code": works.get(station, "")})
    async with write_transaction():
        await record(ctx.principal, action="judging.mapping_read", object_type="event", object_id=ctx.event_id,
                     reason="sealed-envelope copy")
    return rows
