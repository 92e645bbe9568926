"""Award certificates from an event's results (``jineng.results/1``), with promotion (晋升) to a skill
level by the event's rules and the person's current level; the award certificate links to the promoted
skill-level certificate."""

from __future__ import annotations

from server.issuing.tables import Certificate
from server.people.tables import AwardRecord, SkillLevel
from tests.server.factories import token_for
from tests.server.issuing.helpers import leaks_id, make_entry, make_event, results_doc


async def _issue(client, h, event_id, doc, **extra):
    return await client.post("/api/certificates/batches/results", json={"event_id": event_id, "results": doc, **extra},
                             headers=h)


async def test_results_give_awards_and_linked_promotions(client, world):
    h = await token_for(client, "organizer")
    ev = await make_event(world)
    a0, a1 = world.people["school_a"][:2]
    b0, b1, b2 = world.people["school_b"]
    e1 = await make_entry(world, ev["event"], "school_a", [a0])
    e2 = await make_entry(world, ev["event"], "school_b", [b0])
    e3 = await make_entry(world, ev["event"], "school_a", [a1])
    e4 = await make_entry(world, ev["event"], "school_b", [b1], coaches=[b2])
    # b0 already holds 二级 in this occupation: silver (→ 二级) changes nothing for them
    pre = await client.post("/api/certificates/skill-level", headers=h, json={
        "person_id": b0, "name": "学生b0", "occupation_code": "6-31-01-03", "level": 2,
        "issuer_id": world.orgs["hrss"]})
    assert pre.status_code == 201
    doc = results_doc([(e1, 1, "gold"), (e2, 2, "silver"), (e3, 3, None), (e4, 4, "first")])
    r = await _issue(client, h, ev["event"], doc)
    assert r.status_code == 201, r.text
    batch = r.json()
    awards = {c["person_id"]: c for c in batch["certificates"] if c["kind"] == "award"}
    skills = {c["person_id"]: c for c in batch["certificates"] if c["kind"] == "skill_level"}
    assert set(awards) == {a0, b0, b1} and set(skills) == {a0, b1}
    assert batch["certificate_count"] == 5

    gold = awards[a0]
    assert gold["level_name"] == "金牌" and gold["number"].startswith("JN")
    assert gold["competition_name"] == "第三届全省职业技能大赛" and gold["edition"] == 3
    assert gold["work_type"] == "电工赛项" and gold["group_name"] == "学生组（中职）"
    assert gold["organizers"] == ["济宁市教育局", "济宁市人力资源和社会保障局"]
    assert gold["issuer_name"] == "济宁市教育局"  # the host organizer by default
    assert gold["promotion_certificate"]["number"] == skills[a0]["number"]
    assert skills[a0]["level"] == 2 and skills[a0]["source"] == "promotion"
    assert skills[a0]["promoted_by"]["number"] == gold["number"]
    assert awards[b1]["level_name"] == "一等奖" and awards[b1]["coaches"] == ["学生b2"]
    assert awards[b1]["promotion_certificate"]["number"] == skills[b1]["number"] and skills[b1]["level"] == 3
    assert awards[b0]["promotion_certificate"] is None
    promotions = {(p["person_id"], p["status"]) for p in batch["promotions"]}
    assert promotions == {(a0, "promoted"), (b0, "no_change"), (b1, "promoted")}

    # verification shows the signed award and the link with its live status
    v = (await client.post("/api/verify", json={"qr": gold["qr_text"]})).json()
    assert v["state"] == "valid" and v["facts"]["kind"] == "award" and v["facts"]["level"] == "金牌"
    assert v["facts"]["work_type"] == "电工赛项" and v["facts"]["occupation"] == "6-31-01-03 电工"
    assert v["registry"]["promotion"] == {"number": skills[a0]["number"], "title": "职业技能等级证书",
                                          "level": "二级/技师", "status": "valid"}
    assert not leaks_id(str(v))
    v = (await client.post("/api/verify", json={"qr": skills[a0]["qr_text"]})).json()
    assert v["state"] == "valid" and v["registry"]["promoted_by"]["number"] == gold["number"]

    # the graduate record: promoted levels and awards
    held = {(r["person"], r["level"], r["source_kind"]) for r in await SkillLevel.select()}
    assert (a0, 2, "promotion") in held and (b1, 3, "promotion") in held
    won = {(r["person"], r["award"]) for r in await AwardRecord.select()}
    assert won == {(a0, "gold"), (b0, "silver"), (b1, "first_prize")}

    # sending the same results again issues nothing new
    again = await _issue(client, h, ev["event"], doc)
    assert again.status_code == 201
    assert again.json()["certificate_count"] == 0
    assert {s["code"] for s in again.json()["skipped"]} == {"already_issued"}
    assert await Certificate.count() == 6  # 5 + the earlier 二级


async def test_team_entries_give_every_member_a_certificate(client, world):
    h = await token_for(client, "organizer")
    ev = await make_event(world, team=True, event_name="工业机器人团体赛", promotion_rules=None)
    a0, a1, a2 = world.people["school_a"]
    entry = await make_entry(world, ev["event"], "school_a", [a0, a1], coaches=[a2])
    r = await _issue(client, h, ev["event"], results_doc([(entry, 1, "gold")]))
    assert r.status_code == 201, r.text
    certs = r.json()["certificates"]
    assert sorted(c["person_id"] for c in certs) == [a0, a1]
    for c in certs:
        assert c["members"] == ["学生a0", "学生a1"] and c["coaches"] == ["学生a2"]
        assert c["promotion_certificate"] is None
    assert len({c["number"] for c in certs}) == 2


async def test_bad_results_are_refused_whole(client, world):
    h = await token_for(client, "organizer")
    ev = await make_event(world)
    other = await make_event(world, name="另一个比赛")
    good = await make_entry(world, ev["event"], "school_a", [world.people["school_a"][0]])
    foreign = await make_entry(world, other["event"], "school_b", [world.people["school_b"][0]])
    pending = await make_entry(world, ev["event"], "school_b", [world.people["school_b"][1]], status="submitted")

    r = await _issue(client, h, ev["event"], results_doc([(good, 1, "gold"), (foreign, 2, "silver")]))
    assert r.status_code == 422 and r.json()["code"] == "results_invalid"
    assert r.json()["field"] == "results.entries[1].entry"
    assert r.json()["errors"][0]["code"] == "entry_not_in_event"

    r = await _issue(client, h, ev["event"], results_doc([(good, 1, "gold"), (pending, 2, "silver")]))
    assert r.json()["errors"][0]["code"] == "entry_not_approved"
    r = await _issue(client, h, ev["event"], results_doc([("E-12", 1, "gold")]))
    assert r.json()["errors"][0]["code"] == "invalid_entry_id"
    r = await _issue(client, h, ev["event"], results_doc([(good, 1, "platinum")], tiers=(("platinum", "白金"),)))
    assert r.json()["errors"][0]["code"] == "unknown_award" and r.json()["field"] == "results.entries[0].award"
    r = await _issue(client, h, ev["event"], results_doc([(good, 1, "gold")], status="provisional"))
    assert r.status_code == 422 and r.json()["code"] == "awards_not_final"
    broken = results_doc([(good, 1, "gold")])
    broken["entries"][0]["surprise"] = 1
    r = await _issue(client, h, ev["event"], broken)
    assert r.status_code == 400 and "surprise" in r.text
    r = await _issue(client, h, 999999, results_doc([(good, 1, "gold")]))
    assert r.status_code == 404
    r = await client.post("/api/certificates/batches/results", json={"event_id": ev["event"]}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "results_required"
    assert await Certificate.count() == 0

    # an organizer of another region may not certify this competition
    r = await _issue(client, await token_for(client, "coord_a"), ev["event"], results_doc([(good, 1, "gold")]))
    assert r.status_code == 403


async def test_gold_for_a_technician_promotes_one_level_further(client, world):
    h = await token_for(client, "organizer")
    ev = await make_event(world)
    a0 = world.people["school_a"][0]
    pre = await client.post("/api/certificates/skill-level", headers=h, json={
        "person_id": a0, "name": "学生a0", "occupation_code": "6-31-01-03", "level": 2,
        "issuer_id": world.orgs["hrss"]})
    assert pre.status_code == 201
    entry = await make_entry(world, ev["event"], "school_a", [a0])
    r = await _issue(client, h, ev["event"], results_doc([(entry, 1, "gold")]))
    assert r.status_code == 201, r.text
    skill = [c for c in r.json()["certificates"] if c["kind"] == "skill_level"]
    assert [c["level_name"] for c in skill] == ["一级/高级技师"]
