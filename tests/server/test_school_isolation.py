"""A school coordinator can never read or change another school's data; IDs are masked for them."""

from __future__ import annotations

from tests.server.factories import FULL_ID, token_for


async def test_coordinator_lists_only_own_school(client, world):
    headers = await token_for(client, "coord_a")
    r = await client.get("/api/people", headers=headers)
    assert r.status_code == 200
    items = r.json()["items"]
    assert {p["school_id"] for p in items} == {world.orgs["school_a"]}
    assert r.json()["total"] == len(world.people["school_a"])


async def test_coordinator_cannot_read_another_schools_person(client, world):
    headers = await token_for(client, "coord_a")
    other = world.people["school_b"][0]
    r = await client.get(f"/api/people/{other}", headers=headers)
    assert r.status_code == 404  # not even its existence is revealed
    r = await client.get(f"/api/people?school_id={world.orgs['school_b']}", headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "other_school"


async def test_coordinator_cannot_change_another_schools_person(client, world):
    headers = await token_for(client, "coord_a")
    other = world.people["school_b"][0]
    r = await client.patch(f"/api/people/{other}", headers=headers, json={"name": "改名"})
    assert r.status_code == 404
    after = await client.get(f"/api/people/{other}", headers=await token_for(client, "admin"))
    assert after.json()["name"] != "改名"


async def test_coordinator_cannot_register_into_another_school(client, world):
    headers = await token_for(client, "coord_a")
    r = await client.post("/api/people", headers=headers, json={
        "name": "冒名", "resident_id": "370881200703019994", "school_id": world.orgs["school_b"]})
    assert r.status_code == 403 and r.json()["code"] == "other_school"  # refused before the ID is even read
    # with a valid ID it is the school that refuses
    r = await client.post("/api/people", headers=headers, json={
        "name": "冒名", "resident_id": "11010519491231002X", "school_id": world.orgs["school_b"]})
    assert r.status_code == 403 and r.json()["code"] == "other_school"


async def test_coordinator_sees_masked_ids_only(client, world):
    headers = await token_for(client, "coord_a")
    r = await client.get("/api/people", headers=headers)
    assert not FULL_ID.search(r.text)
    pid = world.people["school_a"][0]
    one = (await client.get(f"/api/people/{pid}", headers=headers)).json()
    assert one["resident_id_masked"] is True
    full = world.resident_ids[pid]
    assert one["resident_id"] == full[:3] + "*" * 11 + full[-4:]


async def test_organizer_in_scope_sees_full_ids_and_out_of_scope_nothing(client, world):
    headers = await token_for(client, "organizer")
    pid = world.people["school_a"][0]
    one = (await client.get(f"/api/people/{pid}", headers=headers)).json()
    assert one["resident_id"] == world.resident_ids[pid] and one["resident_id_masked"] is False
    listed = (await client.get("/api/people?limit=500", headers=headers)).json()
    # 济宁市教育局 governs 济宁市: schools a and b, not school c in 泰安市
    assert {p["school_id"] for p in listed["items"]} == {world.orgs["school_a"], world.orgs["school_b"]}
    outside = world.people["school_c"][0]
    assert (await client.get(f"/api/people/{outside}", headers=headers)).status_code == 404


async def test_graduate_sees_only_own_record(client, world):
    headers = await token_for(client, "graduate")
    own = world.people["school_a"][0]
    assert (await client.get(f"/api/people/{own}", headers=headers)).status_code == 200
    assert (await client.get(f"/api/people/{world.people['school_a'][1]}", headers=headers)).status_code == 404
    listed = (await client.get("/api/people", headers=headers)).json()
    assert [p["id"] for p in listed["items"]] == [own]


async def test_judge_has_no_access_to_people(client, world):
    headers = await token_for(client, "judge")
    assert (await client.get("/api/people", headers=headers)).status_code == 403
