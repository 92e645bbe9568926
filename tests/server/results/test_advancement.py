"""Advancement: qualifiers of a finished county event become pending entries of the city's matching
event (exactly the qualifiers, with provenance, idempotently); a withdrawn qualifier is replaced by the
next eligible entry."""

from __future__ import annotations

import json

from server.audit.tables import AuditEntry
from server.registration.tables import Entry, EntryMember
from server.results.advancement import offer_replacement
from tests.server.competitions.helpers import add_entries, advancement_url, finished_county, step
from tests.server.factories import token_for


async def test_the_qualifiers_become_pending_entries_with_provenance(client, competition_world):
    admin, county, event, city, city_events, ids = await finished_county(client, competition_world)
    preview = await client.get(advancement_url(county, event), headers=admin)
    assert preview.status_code == 200, preview.text
    assert [q["outcome"] for q in preview.json()["qualifiers"]] == ["would_create"] * 3
    assert await Entry.count().where(Entry.event == city_events["DG"]) == 0

    r = await client.post(advancement_url(county, event), headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["parent_competition_id"] == city["id"] and body["parent_event_id"] == city_events["DG"]
    assert body["created"] == 3 and body["quota"] == 3
    assert [q["source_entry_id"] for q in body["qualifiers"]] == ids[:3]
    assert [q["rank"] for q in body["qualifiers"]] == [1, 2, 3]
    created = await Entry.select().where(Entry.event == city_events["DG"]).order_by(Entry.id)
    assert [e["source_entry"] for e in created] == ids[:3]
    for e in created:
        assert e["status"] == "submitted" and e["source"] == "advancement" and e["submitted_at"] is not None
        detail = json.loads(e["source_detail"])
        assert detail["rule"]["top_n"] == 3 and detail["from"]["competition_id"] == county["id"]
        assert detail["from"]["level"] == "county" and detail["basis"]
    first = created[0]
    assert first["school"] == competition_world.orgs["school_a"]
    members = await EntryMember.select().where(EntryMember.entry == first["id"]).order_by(EntryMember.position)
    assert [(m["person"], m["role"], m["event"], m["active"]) for m in members] == [
        (competition_world.people["school_a"][0], "competitor", city_events["DG"], True),
        (competition_world.people["school_a"][5], "coach", city_events["DG"], True)]
    audit = await AuditEntry.select().where(AuditEntry.action == "entry.created_by_advancement")
    assert len(audit) == 3


async def test_running_twice_creates_nothing_new(client, competition_world):
    admin, county, event, city, city_events, ids = await finished_county(client, competition_world)
    assert (await client.post(advancement_url(county, event), headers=admin)).json()["created"] == 3
    again = await client.post(advancement_url(county, event), headers=admin)
    assert again.status_code == 200 and again.json()["created"] == 0
    assert [q["outcome"] for q in again.json()["qualifiers"]] == ["existing"] * 3
    assert await Entry.count().where(Entry.event == city_events["DG"]) == 3


async def test_concurrent_runs_create_each_qualifier_once(client, competition_world):
    import asyncio

    admin, county, event, city, city_events, ids = await finished_county(client, competition_world)
    edu = await token_for(client, "organizer")
    runs = await asyncio.gather(*[client.post(advancement_url(county, event), headers=(admin, edu)[i % 2])
                                  for i in range(8)])
    assert [r.status_code for r in runs] == [200] * 8
    assert sum(r.json()["created"] for r in runs) == 3
    assert await Entry.count().where(Entry.event == city_events["DG"]) == 3


async def test_ties_at_the_cut_advance_together(client, competition_world):
    admin, county, event, city, city_events, ids = await finished_county(
        client, competition_world, totals=("95", "90", "88", "88", "72", "60"))
    body = (await client.post(advancement_url(county, event), headers=admin)).json()
    assert body["created"] == 4 and any("tied" in n for n in body["notes"])


async def test_a_person_already_entered_is_skipped_not_doubled(client, competition_world):
    admin, county, event, city, city_events, ids = await finished_county(client, competition_world)
    await add_entries(city_events["DG"],
                      [(competition_world.orgs["school_a"], [competition_world.people["school_a"][1]])], status="submitted")
    body = (await client.post(advancement_url(county, event), headers=admin)).json()
    outcomes = {q["source_entry_id"]: q for q in body["qualifiers"]}
    assert outcomes[ids[1]]["outcome"] == "skipped" and "already" in outcomes[ids[1]]["reason"]
    assert body["created"] == 2


async def test_refusals(client, competition_world):
    admin, county, event, city, city_events, ids = await finished_county(client, competition_world, city_events=("HG",))
    r = await client.post(advancement_url(county, event), headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "no_matching_event"
    other = await token_for(client, "other_organizer")
    assert (await client.post(advancement_url(county, event), headers=other)).status_code == 403


async def test_refused_before_results_are_published_and_after_the_parent_closes(client, competition_world):
    admin, county, event, city, city_events, ids = await finished_county(client, competition_world, publish=False)
    r = await client.post(advancement_url(county, event), headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "results_not_published"
    await step(client, admin, county["id"], "results_published")
    other = await token_for(client, "other_organizer")
    r = await client.post(advancement_url(county, event), headers=other)
    assert r.status_code == 403
    await step(client, admin, city["id"], "registration_closed")
    r = await client.post(advancement_url(county, event), headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "parent_registration_closed"
    assert await Entry.count().where(Entry.event == city_events["DG"]) == 0


async def withdraw(entry_id: int) -> None:
    """What the registration domain's withdrawal does to an entry (status, members free their place)."""
    from server.db import write_transaction

    async with write_transaction():
        await Entry.update({Entry.status: "withdrawn"}).where(Entry.id == entry_id)
        await EntryMember.update({EntryMember.active: False}).where(EntryMember.entry == entry_id)


async def test_a_withdrawn_qualifier_is_replaced_by_the_next_eligible(client, competition_world):
    admin, county, event, city, city_events, ids = await finished_county(client, competition_world)
    body = (await client.post(advancement_url(county, event), headers=admin)).json()
    second = next(q["entry_id"] for q in body["qualifiers"] if q["rank"] == 2)
    await withdraw(second)
    replacement = await offer_replacement(second, None)
    assert replacement is not None
    row = await Entry.select().where(Entry.id == replacement).first()
    assert row["source_entry"] == ids[3] and row["status"] == "submitted"  # rank 4 moves up
    assert json.loads(row["source_detail"])["replacement_for"] == second
    assert await offer_replacement(second, None) is None  # idempotent
    again = (await client.post(advancement_url(county, event), headers=admin)).json()
    assert again["created"] == 0
    assert sorted(q["source_entry_id"] for q in again["qualifiers"]) == [ids[0], ids[2], ids[3]]
    active = await Entry.select(Entry.source_entry).where((Entry.event == city_events["DG"])
                                                          & (Entry.status == "submitted"))
    assert sorted(e["source_entry"] for e in active) == [ids[0], ids[2], ids[3]]
    # entries that did not come from advancement are not replaced
    direct = await add_entries(city_events["DG"],
                               [(competition_world.orgs["school_b"], [competition_world.people["school_b"][4]])])
    assert await offer_replacement(direct[0], None) is None


async def test_replacement_inside_a_withdrawal_transaction(client, competition_world):
    """The registration domain calls offer_replacement within its own write transaction."""
    from server.db import write_transaction

    admin, county, event, city, city_events, ids = await finished_county(client, competition_world)
    body = (await client.post(advancement_url(county, event), headers=admin)).json()
    first = body["qualifiers"][0]["entry_id"]
    async with write_transaction():
        await Entry.update({Entry.status: "withdrawn"}).where(Entry.id == first)
        await EntryMember.update({EntryMember.active: False}).where(EntryMember.entry == first)
        replacement = await offer_replacement(first, None)
    assert (await Entry.select(Entry.source_entry).where(Entry.id == replacement).first())["source_entry"] == ids[3]
