"""The occupation catalog: bundled 大典 rows in the database, search by code, name and pinyin initials,
local entries added by organizers (audit-logged)."""

from __future__ import annotations

from server.audit.tables import AuditEntry
from server.catalog.bundled import catalog_rows, initials_of, pinyin_initials, sync_catalog
from server.catalog.tables import Occupation
from tests.server.factories import token_for


async def search(client, headers, q):
    r = await client.get("/api/occupations", params={"q": q}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_bundled_file_holds_real_occupations_with_codes_and_levels():
    rows = catalog_rows()
    occupations = {(r["code"], r["name"]) for r in rows if not r["work_type"]}
    assert len(occupations) >= 60
    by_key = {(r["code"], r["work_type"]): r for r in rows}
    assert by_key[("6-31-01-03", "")]["name"] == "电工"
    assert by_key[("6-31-01-03", "")]["levels"] == "5,4,3,2,1"
    assert by_key[("4-04-04-02", "")]["levels"] == "4,3,2,1"  # no 五级 for 网络与信息安全管理员
    assert by_key[("6-18-02-04", "气焊工")]["levels"] == "5,4,3"
    assert by_key[("6-18-01-01", "")]["levels"] == ""  # not confirmed is not "all five"
    for r in rows:
        assert r["pinyin_initials"], r


def test_pinyin_initials():
    assert pinyin_initials("电工") == "DG"
    assert pinyin_initials("汽车维修工") == "QCWXG"
    assert pinyin_initials("汽车装调工") == "QCZTG"  # 调 read tiao in 装调
    assert pinyin_initials("调酒师") == "TJS"
    assert initials_of("无人机驾驶员", "植保（职业方向）") == "WRJJSY ZB"


async def test_catalog_is_there_and_syncing_again_changes_nothing(client, world):
    headers = await token_for(client, "coord_a")
    assert (await search(client, headers, "电工"))  # loaded by migration, kept between tests
    assert await Occupation.count() == len(catalog_rows())
    again = await sync_catalog()
    assert again["inserted"] == 0 and again["updated"] == 0
    assert await Occupation.count() == len(catalog_rows())


async def test_search_by_code_name_work_type_and_pinyin(client, world):
    headers = await token_for(client, "coord_a")
    by_code = await search(client, headers, "6-31-01-03")
    assert by_code[0]["name"] == "电工" and by_code[0]["levels"] == [5, 4, 3, 2, 1]
    assert {o["code"] for o in await search(client, headers, "6-18-02")} >= {"6-18-02-04"}
    by_name = await search(client, headers, "汽车维修")
    assert by_name[0]["code"] == "4-12-01-01"
    by_pinyin = await search(client, headers, "dg")
    assert by_pinyin[0]["name"] == "电工"
    assert "QCWXG" in {o["pinyin_initials"] for o in await search(client, headers, "qcwx")}
    work_types = await search(client, headers, "电焊工")
    assert [(o["name"], o["work_type"]) for o in work_types][0] == ("焊工", "电焊工")
    network = await search(client, headers, "网络与信息安全")
    assert {o["work_type"] for o in network} == {"", "数据安全管理员"}
    assert await search(client, headers, "no-such-thing") == []
    assert await search(client, headers, "%") != []  # LIKE wildcards are not search syntax
    one = await client.get(f"/api/occupations/{by_code[0]['id']}", headers=headers)
    assert one.status_code == 200 and one.json()["code"] == "6-31-01-03"
    assert (await client.get("/api/occupations/999999", headers=headers)).status_code == 404


async def test_organizer_adds_a_local_entry(client, world):
    headers = await token_for(client, "organizer")
    body = {"code": "6-18-01-01", "name": "车工", "work_type": "数控车工", "levels": [5, 4, 3],
            "source": "济宁市工程技师学院 预备技师 数控加工（数控车工）"}
    r = await client.post("/api/occupations", json=body, headers=headers)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["edition"] == "local" and made["pinyin_initials"] == "CG SKCG" and made["levels"] == [5, 4, 3]
    assert "source" not in made  # research notes and who added it stay out of responses
    found = await search(client, headers, "skcg")
    assert found[0]["id"] == made["id"]
    audit = await AuditEntry.select().where((AuditEntry.action == "occupation.added")
                                            & (AuditEntry.object_id == str(made["id"])))
    assert len(audit) == 1 and audit[0]["actor"] == "organizer"
    again = await client.post("/api/occupations", json=body, headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "occupation_exists"


async def test_local_entries_are_validated_and_organizers_only(client, world):
    organizer = await token_for(client, "organizer")
    bad_code = await client.post("/api/occupations", json={"code": "63101", "name": "电工"}, headers=organizer)
    assert bad_code.status_code == 400 and bad_code.json()["field"] == "code"
    bad_level = await client.post("/api/occupations", json={"code": "6-99-99-99", "name": "新职业", "levels": [6]},
                                  headers=organizer)
    assert bad_level.status_code == 400 and bad_level.json()["field"].startswith("levels")
    wrong_name = await client.post("/api/occupations", json={"code": "6-31-01-03", "name": "电气工", "work_type": "低压"},
                                   headers=organizer)
    assert wrong_name.status_code == 422 and wrong_name.json()["field"] == "name"
    coordinator = await token_for(client, "coord_a")
    refused = await client.post("/api/occupations", json={"code": "6-99-99-99", "name": "新职业"}, headers=coordinator)
    assert refused.status_code == 403
    assert await Occupation.count().where(Occupation.local == True) == 0  # noqa: E712


async def test_rows_carry_what_a_user_needs_and_no_research_notes(client, world):
    headers = await token_for(client, "coord_a")
    row = (await search(client, headers, "6-31-01-03"))[0]
    assert set(row) == {"id", "code", "name", "work_type", "major_group", "levels", "pinyin_initials", "edition"}
    assert row["edition"] == "2022"
    assert (await Occupation.select(Occupation.source).where(Occupation.id == row["id"]).first())["source"]
