"""Withdrawing an advancement entry through the API, with the handlers the app registers: the results
domain answers ``registration.entry_withdrawn`` by offering the place to the next qualifier, in the
withdrawal's transaction; concurrent withdrawals and advancement runs keep the lock order (competition
before the audit chain) and never deadlock on PostgreSQL."""

from __future__ import annotations

import asyncio
import json

from server.audit.tables import AuditEntry
from server.registration.tables import Entry
from tests.server.competitions.helpers import advancement_url, finished_county
from tests.server.factories import token_for


async def test_withdrawing_a_qualifier_offers_the_place_to_the_next(client, competition_world):
    admin, county, event, city, city_events, ids = await finished_county(client, competition_world)
    body = (await client.post(advancement_url(county, event), headers=admin)).json()
    second = next(q["entry_id"] for q in body["qualifiers"] if q["rank"] == 2)
    r = await client.post(f"/api/entries/{second}/withdraw", headers=await token_for(client, "coord_a"),
                          json={"reason": "选手升学"})
    assert r.status_code == 200, r.text
    assert r.json()["entry"]["status"] == "withdrawn"
    replacement = r.json()["replacement"]
    row = await Entry.select().where(Entry.id == replacement).first()
    assert row["source_entry"] == ids[3] and row["status"] == "submitted" and row["source"] == "advancement"
    audit = await AuditEntry.select(AuditEntry.after).where(
        (AuditEntry.action == "entry.withdrawn") & (AuditEntry.object_id == str(second))).first()
    assert json.loads(audit["after"])["replacement"] == replacement


async def test_concurrent_withdrawals_and_advancement_runs(client, competition_world):
    admin, county, event, city, city_events, ids = await finished_county(client, competition_world)
    body = (await client.post(advancement_url(county, event), headers=admin)).json()
    by_rank = {q["rank"]: q["entry_id"] for q in body["qualifiers"]}
    edu = await token_for(client, "organizer")
    results = await asyncio.gather(
        client.post(f"/api/entries/{by_rank[1]}/withdraw", headers=admin, json={"reason": "学校来函"}),
        *[client.post(advancement_url(county, event), headers=(admin, edu)[i % 2]) for i in range(3)],
        client.post(f"/api/entries/{by_rank[3]}/withdraw", headers=edu, json={"reason": "选手生病"}),
    )
    assert [r.status_code for r in results] == [200] * 5, [r.text for r in results]
    assert results[0].json()["replacement"] is not None and results[-1].json()["replacement"] is not None
    held = await Entry.select(Entry.source_entry).where(
        (Entry.event == city_events["DG"]) & (Entry.status == "submitted"))
    assert sorted(e["source_entry"] for e in held) == [ids[1], ids[3], ids[4]]
