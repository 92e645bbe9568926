"""Competitions: creation with joint organizing authorities, the competition tree, reading, changing,
deleting; who may do what."""

from __future__ import annotations

from server.audit.tables import AuditEntry
from server.competitions.tables import Competition, CompetitionOrganizer
from tests.server.competitions.helpers import create_competition, create_event
from tests.server.factories import token_for


async def test_joint_competition_is_created_by_an_organizer_of_both_bureaus(client, competition_world):
    headers = await token_for(client, "admin")
    made = await create_competition(client, headers, competition_world)
    assert made["status"] == "draft" and made["next_status"] == "registration_open"
    assert [o["name"] for o in made["organizers"]] == ["济宁市教育局", "济宁市人力资源和社会保障局"]
    assert made["level"] == "city" and made["year"] == 2026 and made["edition"] == 5
    audit = await AuditEntry.select().where(AuditEntry.action == "competition.created")
    assert len(audit) == 1 and audit[0]["object_id"] == str(made["id"])


async def test_city_organizers_create_joint_competitions(client, competition_world):
    # the lead's grant model: an authority's organizer covers its whole region, so either bureau's
    # organizer holds rights on both city authorities
    edu = await token_for(client, "organizer")
    made = await create_competition(client, edu, competition_world)
    assert made["status"] == "draft"


async def test_creating_needs_rights_on_every_named_authority(client, competition_world):
    other = await token_for(client, "other_organizer")
    r = await client.post("/api/competitions", headers=other, json={
        "name": "2026年职业院校技能大赛", "level": "city", "year": 2026,
        "organizers": [{"organization_id": competition_world.orgs["other_edu"]},
                       {"organization_id": competition_world.orgs["edu"]}]})
    assert r.status_code == 403
    assert r.json()["code"] == "not_organizer_of_authority" and r.json()["field"] == "organizers[1].organization_id"
    coordinator = await token_for(client, "coord_a")
    r = await client.post("/api/competitions", headers=coordinator, json={
        "name": "校赛", "level": "city", "year": 2026,
        "organizers": [{"organization_id": competition_world.orgs["edu"]}]})
    assert r.status_code == 403
    assert await Competition.count() == 0


async def test_bad_competitions_are_refused_naming_the_field(client, competition_world):
    headers = await token_for(client, "admin")
    base = {"name": "2026年技能大赛", "level": "city", "year": 2026,
            "organizers": [{"organization_id": competition_world.orgs["edu"]}]}
    cases = [
        ({**base, "level": "county"}, 422, "organizer_level_mismatch", "organizers[0].organization_id"),
        ({**base, "organizers": [{"organization_id": competition_world.orgs["city"]}]}, 422, "not_an_authority",
         "organizers[0].organization_id"),
        ({**base, "organizers": [{"organization_id": 999999}]}, 422, "organization_not_found",
         "organizers[0].organization_id"),
        ({**base, "organizers": [{"organization_id": competition_world.orgs["edu"]},
                                 {"organization_id": competition_world.orgs["edu"]}]},
         422, "duplicate_organizer", "organizers[1].organization_id"),
        ({**base, "organizers": []}, 400, None, "organizers"),
        ({**base, "level": "regional"}, 400, None, "level"),
        ({**base, "year": 1800}, 400, None, "year"),
        ({**base, "parent_id": 999999}, 422, "parent_not_found", "parent_id"),
        ({**base, "surprise": 1}, 400, None, None),
    ]
    for body, status, code, field in cases:
        r = await client.post("/api/competitions", json=body, headers=headers)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        if code:
            assert r.json()["code"] == code, r.text
        if field:
            assert r.json()["field"] == field, r.text
    assert await Competition.count() == 0 and await CompetitionOrganizer.count() == 0


async def test_the_competition_tree_feeds_upwards_only(client, competition_world):
    headers = await token_for(client, "admin")
    province = await create_competition(client, headers, competition_world, level="province",
                                        organizers=("sd_edu", "sd_hrss"), name="2026年山东省职业院校技能大赛")
    city = await create_competition(client, headers, competition_world, parent_id=province["id"])
    assert city["parent_id"] == province["id"] and city["parent_name"] == "2026年山东省职业院校技能大赛"
    county = await create_competition(client, headers, competition_world, level="county", organizers=("county_edu",),
                                      parent_id=city["id"], name="2026年曲阜市职业院校技能大赛")
    assert county["parent_id"] == city["id"]
    r = await client.post("/api/competitions", headers=headers, json={
        "name": "反向", "level": "province", "year": 2026, "parent_id": city["id"],
        "organizers": [{"organization_id": competition_world.orgs["sd_edu"]}]})
    assert r.status_code == 422 and r.json()["code"] == "parent_level_not_above" and r.json()["field"] == "parent_id"
    same = await client.post("/api/competitions", headers=headers, json={
        "name": "同级", "level": "city", "year": 2026, "parent_id": city["id"],
        "organizers": [{"organization_id": competition_world.orgs["edu"]}]})
    assert same.status_code == 422 and same.json()["code"] == "parent_level_not_above"
    # and through PATCH
    r = await client.patch(f"/api/competitions/{province['id']}", json={"parent_id": county["id"]}, headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "parent_id"


async def test_any_signed_in_user_reads_and_filters_competitions(client, competition_world):
    admin = await token_for(client, "admin")
    province = await create_competition(client, admin, competition_world, level="province", organizers=("sd_edu",),
                                        name="2026年山东省职业院校技能大赛")
    city = await create_competition(client, admin, competition_world, parent_id=province["id"])
    await create_competition(client, admin, competition_world, name="2025年济宁市职业院校技能大赛", year=2025)
    judge = await token_for(client, "judge")
    everything = (await client.get("/api/competitions", headers=judge)).json()
    assert len(everything) == 3 and everything[0]["year"] == 2026
    cities = (await client.get("/api/competitions", params={"level": "city", "year": 2026}, headers=judge)).json()
    assert [c["id"] for c in cities] == [city["id"]]
    children = (await client.get("/api/competitions", params={"parent_id": province["id"]}, headers=judge)).json()
    assert [c["id"] for c in children] == [city["id"]]
    by_org = (await client.get("/api/competitions", params={"organization_id": competition_world.orgs["sd_edu"]},
                               headers=judge)).json()
    assert [c["id"] for c in by_org] == [province["id"]]
    drafts = (await client.get("/api/competitions", params={"status": "draft"}, headers=judge)).json()
    assert len(drafts) == 3
    assert (await client.get("/api/competitions", params={"status": "nonsense"}, headers=judge)).status_code == 400
    one = await client.get(f"/api/competitions/{city['id']}", headers=judge)
    assert one.status_code == 200 and one.json()["name"] == "2026年济宁市职业院校技能大赛"
    assert (await client.get("/api/competitions/999999", headers=judge)).status_code == 404
    assert (await client.get("/api/competitions")).status_code == 401


async def test_organizers_change_a_competition_and_it_is_audited(client, competition_world):
    admin = await token_for(client, "admin")
    made = await create_competition(client, admin, competition_world, organizers=("edu",))
    hrss = await token_for(client, "hrss_organizer")
    r = await client.patch(f"/api/competitions/{made['id']}", headers=hrss, json={
        "name": "2026年济宁市职业院校技能大赛（第五届）", "description": "市政府主办",
        "organizers": [{"organization_id": competition_world.orgs["edu"], "role": "host"},
                       {"organization_id": competition_world.orgs["hrss"], "role": "organizer"}]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"].endswith("（第五届）") and [o["role"] for o in body["organizers"]] == ["host", "organizer"]
    audit = await AuditEntry.select().where(AuditEntry.action == "competition.updated")
    assert len(audit) == 1 and "organizers" in audit[0]["before"]
    other = await token_for(client, "other_organizer")
    refused = await client.patch(f"/api/competitions/{made['id']}", headers=other, json={"name": "别人的大赛"})
    assert refused.status_code == 403 and refused.json()["code"] == "not_competition_organizer"


async def test_only_empty_drafts_are_deleted(client, competition_world):
    admin = await token_for(client, "admin")
    province = await create_competition(client, admin, competition_world, level="province", organizers=("sd_edu",),
                                        name="省赛")
    city = await create_competition(client, admin, competition_world, parent_id=province["id"])
    r = await client.delete(f"/api/competitions/{province['id']}", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "competition_has_children"
    await create_event(client, admin, city["id"])
    await client.post(f"/api/competitions/{city['id']}/transitions", json={"to": "registration_open"}, headers=admin)
    r = await client.delete(f"/api/competitions/{city['id']}", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "competition_not_draft"
    other = await token_for(client, "other_organizer")
    assert (await client.delete(f"/api/competitions/{province['id']}", headers=other)).status_code == 403
    lonely = await create_competition(client, admin, competition_world, name="试点赛")
    assert (await client.delete(f"/api/competitions/{lonely['id']}", headers=admin)).status_code == 204
    assert (await client.get(f"/api/competitions/{lonely['id']}", headers=admin)).status_code == 404


async def test_a_draft_whose_events_hold_entries_is_not_deleted(client, competition_world):
    """The registration domain refuses the deletion (``competition.deleting``), inside the transaction."""
    from tests.server.competitions.helpers import add_entries

    admin = await token_for(client, "admin")
    made = await create_competition(client, admin, competition_world)
    event = await create_event(client, admin, made["id"])
    await add_entries(event["id"], [(competition_world.orgs["school_a"], [competition_world.people["school_a"][0]])],
                      status="draft")
    r = await client.delete(f"/api/competitions/{made['id']}", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "competition_has_entries", r.text
    assert await Competition.exists().where(Competition.id == made["id"])
    assert not await AuditEntry.exists().where(AuditEntry.action == "competition.deleted")


async def test_a_competition_is_attached_only_below_one_its_organizer_manages(client, competition_world):
    """Issue 13 item 8: naming a parent needs organizer rights on that parent, on create and on change."""
    admin = await token_for(client, "admin")
    province = await create_competition(client, admin, competition_world, level="province", organizers=("sd_edu",),
                                        name="2026年山东省职业院校技能大赛")
    other = await token_for(client, "other_organizer")  # 泰安市教育局: manages nothing in the province's tree
    r = await client.post("/api/competitions", headers=other, json={
        "name": "2026年泰安市职业院校技能大赛", "level": "city", "year": 2026, "parent_id": province["id"],
        "organizers": [{"organization_id": competition_world.orgs["other_edu"]}]})
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "not_parent_organizer" and r.json()["field"] == "parent_id"
    own = await create_competition(client, other, competition_world, organizers=("other_edu",), name="2026年泰安市职业院校技能大赛")
    r = await client.patch(f"/api/competitions/{own['id']}", json={"parent_id": province["id"]}, headers=other)
    assert r.status_code == 403 and r.json()["code"] == "not_parent_organizer", r.text
    assert (await client.get(f"/api/competitions/{own['id']}", headers=other)).json()["parent_id"] is None
    # the province's organizer attaches it; the city organizer attaches a county competition below its own
    province_organizer = await token_for(client, "province_organizer")
    r = await client.patch(f"/api/competitions/{own['id']}", json={"parent_id": province["id"]},
                           headers=province_organizer)
    assert r.status_code == 200 and r.json()["parent_id"] == province["id"], r.text
    edu = await token_for(client, "organizer")
    city = await create_competition(client, edu, competition_world)
    county = await create_competition(client, edu, competition_world, level="county", organizers=("county_edu",),
                                      parent_id=city["id"], name="2026年曲阜市职业院校技能大赛")
    assert county["parent_id"] == city["id"]
    # resending the parent it already has changes nothing and needs no rights on the parent
    r = await client.patch(f"/api/competitions/{own['id']}", json={"parent_id": province["id"], "name": "泰安市赛"},
                           headers=other)
    assert r.status_code == 200, r.text
    # detaching needs no rights on the parent either
    r = await client.patch(f"/api/competitions/{own['id']}", json={"parent_id": None}, headers=other)
    assert r.status_code == 200 and r.json()["parent_id"] is None
