"""The organization tree: level order, school types, and organizers acting only inside their region."""

from __future__ import annotations

from tests.server.factories import token_for


async def test_tree_is_ordered_with_paths(client, world):
    headers = await token_for(client, "judge")
    r = await client.get(f"/api/organizations?within={world.orgs['city']}", headers=headers)
    assert r.status_code == 200
    names = [o["name"] for o in r.json()]
    assert names[0] == "济宁市" and "曲阜市职业中等专业学校" in names and "泰安技师学院" not in names
    school = next(o for o in r.json() if o["name"] == "曲阜市职业中等专业学校")
    county = next(o for o in r.json() if o["name"] == "曲阜市")
    assert school["path"].startswith(county["path"]) and school["school_type"] == "vocational"


async def test_organizer_adds_school_in_own_region(client, world):
    headers = await token_for(client, "organizer")
    r = await client.post("/api/organizations", headers=headers, json={
        "name": "曲阜远东职业技术学院", "kind": "school", "level": "school", "parent_id": world.orgs["county"],
        "school_type": "vocational"})
    assert r.status_code == 201, r.text


async def test_organizer_cannot_add_outside_region(client, world):
    headers = await token_for(client, "organizer")
    r = await client.post("/api/organizations", headers=headers, json={
        "name": "泰安某学校", "kind": "school", "level": "school", "parent_id": world.orgs["other_city"],
        "school_type": "technical"})
    assert r.status_code == 403


async def test_coordinator_cannot_add_organizations(client, world):
    r = await client.post("/api/organizations", headers=await token_for(client, "coord_a"), json={
        "name": "某学校", "kind": "school", "level": "school", "parent_id": world.orgs["county"],
        "school_type": "technical"})
    assert r.status_code == 403 and r.json()["code"] == "role_required"


async def test_level_rules(client, world):
    headers = await token_for(client, "admin")
    bad = [
        ({"name": "错层", "kind": "region", "level": "province", "parent_id": world.orgs["city"]}, "invalid_level"),
        ({"name": "学校下", "kind": "region", "level": "county", "parent_id": world.orgs["school_a"]}, "invalid_parent"),
        ({"name": "局下", "kind": "school", "level": "school", "parent_id": world.orgs["edu"],
          "school_type": "technical"}, "invalid_parent"),
        ({"name": "无局", "kind": "authority", "level": "city", "parent_id": world.orgs["city"]}, "bureau_required"),
        ({"name": "孤儿", "kind": "region", "level": "province"}, "parent_required"),
    ]
    for body, code in bad:
        r = await client.post("/api/organizations", headers=headers, json=body)
        assert r.status_code == 422 and r.json()["code"] == code, (body, r.text)


async def test_patch_school(client, world):
    headers = await token_for(client, "organizer")
    r = await client.patch(f"/api/organizations/{world.orgs['school_b']}", headers=headers,
                           json={"name": "济宁技师学院（新校区）"})
    assert r.status_code == 200 and r.json()["name"] == "济宁技师学院（新校区）"
    r = await client.patch(f"/api/organizations/{world.orgs['school_c']}", headers=headers, json={"name": "改个名字"})
    assert r.status_code == 403
