"""Mark intake: idempotent keys, versions, per-mark refusals with stable codes, conflicts and locks, and
many judges at once (every acknowledged mark stored exactly once)."""

from __future__ import annotations

import asyncio
import random
import uuid

from server.db import is_postgres
from server.judging.tables import Mark, Seat
from tests.server.judging.support import (
    cells,
    drawn,
    make_judged_event,
    mark,
    post_marks,
    sheet,
    staffed,
)
from tests.server.query_count import count_queries


async def _ready(client, world):
    j = await staffed(client, await make_judged_event(client, world))
    await drawn(client, j)
    return j


async def test_replays_versions_and_refusals(client, world):
    j = await _ready(client, world)
    code, aspect, _, _ = next(c for c in cells(await sheet(client, j, "j2")) if c[1] == "A1")
    first = mark(code, aspect, 2)
    out = await post_marks(client, j, "j2", first)
    assert out["results"][0] == {"index": 0, "key": first["key"], "status": "accepted", "version": 1,
                                 "code": None, "detail": None}
    again = await post_marks(client, j, "j2", first)  # the tablet retries: nothing new
    assert again["results"][0]["status"] == "replayed" and again["results"][0]["version"] == 1
    assert await Mark.count().where(Mark.key == first["key"]) == 1
    tampered = {**first, "value": "3"}
    assert (await post_marks(client, j, "j2", tampered))["results"][0]["code"] == "key_reused"
    # a second first mark is refused; a correction names the version it replaces
    assert (await post_marks(client, j, "j2", mark(code, aspect, 3)))["results"][0]["code"] == "mark_exists"
    assert (await post_marks(client, j, "j2", mark(code, aspect, 3, corrects=2)))["results"][0]["code"] == \
        "stale_version"
    fixed = await post_marks(client, j, "j2", mark(code, aspect, 3, corrects=1))
    assert fixed["results"][0]["version"] == 2
    versions = [r["value"] for r in await Mark.select(Mark.value).where(
        (Mark.code == code) & (Mark.aspect == aspect) & (Mark.user == j.users["j2"])).order_by(Mark.version)]
    assert versions == ["2", "3"]  # history is append-only
    # each mark of a batch on its own: the good one is written, the bad ones say why
    other = next(c for c in cells(await sheet(client, j, "j2")) if c[0] != code)
    batch = await post_marks(client, j, "j2",
                             mark(other[0], "A1", "2.5"), mark(other[0], "A1", "7"), mark(other[0], "A1", "abc"),
                             mark(other[0], "A1", "1.0001"), mark("ZZZ", "A1", 1), mark(other[0], "B1", 5),
                             mark(other[0], "A1", 1, round=2), mark(other[0], "A1", 2))
    codes = [r["code"] for r in batch["results"]]
    assert codes == ["judgement_mark_invalid", "judgement_mark_invalid", "invalid_value", "too_many_places",
                     "unknown_code", "not_assigned", "wrong_round", None], batch
    assert batch["accepted"] == 1 and batch["refused"] == 7


async def test_a_judge_never_marks_a_code_of_their_own_school(client, world):
    j = await _ready(client, world)
    mine = {c for c, *_ in cells(await sheet(client, j, "j1"))}
    every = {r["code"] for r in await Seat.select(Seat.code).where(Seat.aspect == "A1")}
    own = (every - mine).pop()  # school_a's code: j1 has no seat there
    out = await post_marks(client, j, "j1", mark(own, "A1", 2))
    assert out["results"][0]["code"] == "conflict_of_interest"
    # the substitute on that panel is a pool judge without the conflict
    seated = {r["user"] for r in await Seat.select(Seat.user).where((Seat.code == own) & (Seat.aspect == "A1"))}
    assert j.users["j1"] not in seated and len(seated) == 3


async def test_fifty_judges_at_once_every_acknowledged_mark_stored_once(client, world):
    """Each of 50 simulated tablets posts its batches with duplicates, replays of whole batches and
    retries racing the original, all at the same time."""
    j = await _ready(client, world)
    sheets = {name: cells(await sheet(client, j, name)) for name in ("j1", "j2", "j3", "j4", "j5")}
    rng = random.Random(5)
    tablets = []
    for t in range(50):  # ten tablets per judge, each sending the judge's whole sheet, keys fixed per cell
        name = ("j1", "j2", "j3", "j4", "j5")[t % 5]
        batch = [mark(code, aspect, {"A1": 2, "A2": 3, "B1": 7}[aspect], key=f"{name}-{code}-{aspect}")
                 for code, aspect, _, _ in sheets[name]]
        rng.shuffle(batch)
        tablets.append((name, batch + batch[:2]))  # duplicates inside a batch too

    async def send(name, batch):
        r = await client.post(f"{j.base}/marks", headers=j.tokens[name], json={"marks": batch})
        assert r.status_code == 200, r.text
        return r.json()

    outs = await asyncio.gather(*(send(name, batch) for name, batch in tablets))
    accepted = sum(o["accepted"] for o in outs)
    total_cells = sum(len(c) for c in sheets.values())
    assert accepted == total_cells  # the first of the racing tablets wins each cell
    assert all(r["status"] in ("accepted", "replayed") for o in outs for r in o["results"])
    assert await Mark.count().where(Mark.event == j.event) == total_cells
    keys = [r["key"] for r in await Mark.select(Mark.key)]
    assert len(keys) == len(set(keys))


async def test_judges_see_codes_only_and_only_their_event(client, world):
    j = await _ready(client, world)
    body = await client.get(f"{j.base}/sheets", headers=j.tokens["j2"])
    text = body.text
    for entry_id in j.entries.values():
        assert f'"entry_id":{entry_id}' not in text and '"school' not in text
    other = await client.get(f"/api/judging/events/{j.event + 1000}/sheets", headers=j.tokens["j2"])
    assert other.status_code == 404
    for name in ("j2", "chief", "sup"):  # no judging role but the encryption officer reads the mapping
        r = await client.post(f"{j.base}/mapping.pdf", headers=j.tokens[name], json={"passphrase": "x" * 12})
        assert r.status_code == 403, (name, r.text)
    pdf = await client.post(f"{j.base}/mapping.pdf", headers=j.tokens["enc"],
                            json={"passphrase": "锁在信封里的口令 2026"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_unknown_fields_and_oversized_batches_are_refused_whole(client, world):
    j = await _ready(client, world)
    r = await client.post(f"{j.base}/marks", headers=j.tokens["j2"],
                          json={"marks": [{**mark("G01", "A1", 1), "extra": 1}]})
    assert r.status_code == 400 and r.json()["code"] == "invalid_body"
    r = await client.post(f"{j.base}/marks", headers=j.tokens["j2"],
                          json={"marks": [mark("G01", "A1", 1, key=uuid.uuid4().hex) for _ in range(201)]})
    assert r.status_code == 400 and r.json()["field"] == "marks"
    assert await Mark.count() == 0


async def test_a_mark_costs_a_bounded_number_of_queries(client, world):
    """A tablet's single mark, counted on the real app (tests/server/query_count.py): the principal, the
    judging context (event, judging row), then in one transaction the status under the event's lock, the
    cell facts (stored keys, seats, open tickets, codes, conflicts, locks, versions), the insert, the
    sign-off reset, the panel's evaluation (marks, tickets), the sequence number and the audit chain. The
    bound keeps it from growing (bench/bench_marks.py says what it costs); PostgreSQL adds the locks."""
    j = await _ready(client, world)
    free = [c for c in cells(await sheet(client, j, "j2")) if c[3] is None]
    await post_marks(client, j, "j2", mark(free[0][0], free[0][1], 2))  # warm
    async with count_queries() as log:
        out = await post_marks(client, j, "j2", mark(free[1][0], free[1][1], 2))
    assert out["accepted"] == 1, out
    assert log.transactions == 1, str(log)
    # 19 on SQLite; PostgreSQL adds the event's and the audit chain's advisory locks
    assert log.count <= (21 if is_postgres() else 19), str(log)
