"""The graduate record: skill levels held and awards won on GET /api/people/{id}; who may add them;
roster exports with masked IDs for coordinators."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.server.factories import FULL_ID, token_for

LEVEL = {"occupation_code": "6-31-01-03", "level": 3, "obtained_on": "2025-12-20", "source_kind": "certificate",
         "source": "S123437123456253000001"}


async def test_skill_levels_are_part_of_the_record(client, world):
    org = await token_for(client, "organizer")
    pid = world.people["school_a"][0]
    r = await client.post(f"/api/people/{pid}/skill-levels", headers=org, json=LEVEL)
    assert r.status_code == 201, r.text
    level = r.json()
    assert level["occupation_name"] == "电工" and level["level_name"] == "三级/高级工"
    r = await client.post(f"/api/people/{pid}/skill-levels", headers=org, json={
        "occupation_code": "6-18-02-04", "work_type": "电焊工", "level": 4, "obtained_on": "2025-06-30",
        "source_kind": "assessment"})
    assert r.status_code == 201, r.text
    coord = await token_for(client, "coord_a")
    one = (await client.get(f"/api/people/{pid}", headers=coord)).json()
    assert [(s["occupation_code"], s["level"]) for s in one["skill_levels"]] == [("6-18-02-04", 4), ("6-31-01-03", 3)]
    assert one["awards"] == []
    # the graduate sees their own levels
    mine = (await client.get(f"/api/people/{pid}", headers=await token_for(client, "graduate"))).json()
    assert len(mine["skill_levels"]) == 2
    audit = (await client.get(f"/api/audit?object_type=person&object_id={pid}",
                              headers=await token_for(client, "admin"))).json()
    assert [a["action"] for a in audit][:2] == ["person.skill_level_added", "person.skill_level_added"]


async def test_skill_level_rules(client, world):
    org = await token_for(client, "organizer")
    pid = world.people["school_a"][1]
    url = f"/api/people/{pid}/skill-levels"
    assert (await client.post(url, headers=org, json=LEVEL)).status_code == 201
    dup = await client.post(url, headers=org, json=LEVEL)
    assert dup.status_code == 409 and dup.json()["code"] == "skill_level_exists"
    r = await client.post(url, headers=org, json={**LEVEL, "occupation_code": "9-99-99-99"})
    assert r.status_code == 422 and r.json()["code"] == "unknown_occupation" and r.json()["field"] == "occupation_code"
    # 气焊工 is certified up to 三级 only
    r = await client.post(url, headers=org, json={**LEVEL, "occupation_code": "6-18-02-04", "work_type": "气焊工",
                                                 "level": 2})
    assert r.status_code == 422 and r.json()["code"] == "level_not_offered" and r.json()["field"] == "level"
    r = await client.post(url, headers=org, json={**LEVEL, "level": 2, "source": ""})
    assert r.status_code == 422 and r.json()["field"] == "source"
    r = await client.post(url, headers=org, json={**LEVEL, "level": 6})
    assert r.status_code == 400 and r.json()["field"] == "level"
    r = await client.post(url, headers=org, json={**LEVEL, "level": 2, "obtained_on": "2099-01-01"})
    assert r.status_code == 422 and r.json()["field"] == "obtained_on"
    # coordinators read but do not certify; another school does not even see the person
    coord = await token_for(client, "coord_a")
    r = await client.post(url, headers=coord, json={**LEVEL, "level": 2})
    assert r.status_code == 403 and r.json()["code"] == "staff_only"
    r = await client.post(url, headers=await token_for(client, "coord_b"), json={**LEVEL, "level": 2})
    assert r.status_code == 404
    # removal needs a reason and is audited
    level_id = (await client.get(f"/api/people/{pid}", headers=org)).json()["skill_levels"][0]["id"]
    assert (await client.delete(f"{url}/{level_id}?reason=录入错误", headers=coord)).status_code == 403
    assert (await client.delete(f"{url}/{level_id}", headers=org)).status_code == 400
    assert (await client.delete(f"{url}/{level_id}?reason=录入错误", headers=org)).status_code == 204
    assert (await client.get(f"/api/people/{pid}", headers=org)).json()["skill_levels"] == []


async def test_awards_are_part_of_the_record(client, world):
    org = await token_for(client, "organizer")
    pid = world.people["school_a"][2]
    r = await client.post(f"/api/people/{pid}/awards", headers=org, json={
        "competition_level": "national", "competition_name": "2025年全国职业院校技能大赛", "year": 2025,
        "occupation_code": "6-31-01-03", "award": "first_prize", "rank": 2})
    assert r.status_code == 201, r.text
    one = (await client.get(f"/api/people/{pid}", headers=await token_for(client, "coord_a"))).json()
    assert one["awards"][0]["award"] == "first_prize" and one["awards"][0]["rank"] == 2
    r = await client.post(f"/api/people/{pid}/awards", headers=org, json={
        "competition_level": "planet", "competition_name": "x", "year": 2025, "occupation_code": "6-31-01-03",
        "award": "gold"})
    assert r.status_code == 400 and r.json()["field"] == "competition_level"


async def test_roster_export_masks_ids_for_coordinators(client, world):
    coord = await token_for(client, "coord_a")
    await client.post(f"/api/people/{world.people['school_a'][0]}/skill-levels",
                      headers=await token_for(client, "organizer"), json=LEVEL)
    r = await client.get("/api/people/export?format=csv", headers=coord)
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    text = r.content.decode("utf-8-sig")
    assert not FULL_ID.search(text)
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 3 and {row[6] for row in rows[1:]} == {"曲阜市职业中等专业学校"}
    assert "电工 三级/高级工" in text
    r = await client.get("/api/people/export", headers=coord)
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    cells = str([list(row) for row in wb.worksheets[0].iter_rows(values_only=True)])
    assert not FULL_ID.search(cells)
    # another school's roster is refused; the organizer in scope gets full IDs for both city schools
    assert (await client.get(f"/api/people/export?school_id={world.orgs['school_b']}", headers=coord)).status_code == 403
    full = (await client.get("/api/people/export?format=csv", headers=await token_for(client, "organizer"))).content
    text = full.decode("utf-8-sig")
    assert world.resident_ids[world.people["school_a"][0]] in text
    assert world.resident_ids[world.people["school_b"][0]] in text
    assert world.resident_ids[world.people["school_c"][0]] not in text


async def test_a_work_type_the_catalog_does_not_list_is_refused_not_silently_dropped(client, world):
    """The catalog's one rule (server/catalog/services.py): 焊工 lists its work types, so 水焊工 is refused;
    车工 lists none, so its work type is the caller's text."""
    org = await token_for(client, "organizer")
    pid = world.people["school_a"][0]
    r = await client.post(f"/api/people/{pid}/skill-levels", headers=org, json={
        "occupation_code": "6-18-02-04", "work_type": "水焊工", "level": 4, "obtained_on": "2025-06-30",
        "source_kind": "assessment"})
    assert r.status_code == 422 and r.json()["code"] == "unknown_work_type" and r.json()["field"] == "work_type"
    r = await client.post(f"/api/people/{pid}/skill-levels", headers=org, json={
        "occupation_code": "6-18-01-01", "work_type": "数控车工", "level": 4, "obtained_on": "2025-06-30",
        "source_kind": "assessment"})
    assert r.status_code == 201 and r.json()["work_type"] == "数控车工", r.text
