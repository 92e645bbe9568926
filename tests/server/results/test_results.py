"""Results: import from the scoring CLI's results file (all or nothing, every bad row named with its row
number), compute from marks through scoring/, publish, and the public view without ids."""

from __future__ import annotations

import json
import random

from server.audit.tables import AuditEntry
from server.people.tables import AwardRecord
from server.results.tables import EntryResult, EventResults
from tests.server.competitions.helpers import (
    JSON,
    add_entries,
    create_competition,
    create_event,
    marks_for,
    results_file,
    running_event,
    step,
    url,
)
from tests.server.factories import token_for


async def test_a_results_file_is_imported_with_every_line(client, competition_world):
    admin, competition, event, ids = await running_event(client, competition_world)
    totals = dict(zip(ids, ["95.5", "88", "72.25", "90", "60", "81"]))
    r = await client.post(url(competition, event), content=results_file(totals), headers={**admin, **JSON})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "imported" and body["entry_count"] == 6 and body["source"] == "import"
    lines = {line["entry_id"]: line for line in body["lines"]}
    assert lines[ids[0]]["rank"] == 1 and lines[ids[0]]["total"] == "95.5" and lines[ids[0]]["award"] == "first_prize"
    assert lines[ids[0]]["award_name"] == "一等奖" and lines[ids[0]]["school_name"] == "曲阜市职业中等专业学校"
    assert lines[ids[4]]["rank"] == 6 and lines[ids[4]]["award"] is None
    assert lines[ids[0]]["members"] == ["学生a0"]
    audit = await AuditEntry.select().where(AuditEntry.action == "event.results_imported")
    assert len(audit) == 1 and '"entries":6' in audit[0]["after"]
    judge = await token_for(client, "judge")
    standing = (await client.get(f"/api/competitions/{competition['id']}/results", headers=judge)).json()
    assert [(s["event_id"], s["status"], s["source"], s["entry_count"]) for s in standing] == [
        (event["id"], "imported", "import", 6)]


async def test_a_broken_row_in_the_middle_imports_nothing(client, competition_world):
    admin, competition, event, ids = await running_event(client, competition_world)
    doc = json.loads(results_file(dict(zip(ids, ["95", "88", "72", "90", "60", "81"]))))
    doc["entries"][2]["total"] = "7x.5"  # row 3
    doc["entries"][3]["entry"] = "999999"  # row 4: not an entry of this event
    r = await client.post(url(competition, event), json=doc, headers=admin)
    assert r.status_code == 422, r.text
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert body["code"] == "not_a_number" and body["field"] == "entries[2].total" and body["row"] == 3
    assert "row 3" in body["detail"] and "nothing was imported" in body["detail"]
    assert {(e.get("row"), e["field"], e["code"]) for e in body["errors"]} >= {
        (3, "entries[2].total", "not_a_number"), (4, "entries[3].entry", "entry_not_in_event")}
    assert await EventResults.count() == 0 and await EntryResult.count() == 0
    assert not await AuditEntry.exists().where(AuditEntry.action == "event.results_imported")


async def test_every_kind_of_bad_file_is_named(client, competition_world):
    admin, competition, event, ids = await running_event(client, competition_world, entries_per_school=2)
    good = json.loads(results_file(dict(zip(ids, ["95", "88", "72", "90"]))))

    async def refused(doc, code, field, status=422):
        r = await client.post(url(competition, event), content=doc if isinstance(doc, bytes) else json.dumps(doc),
                              headers={**admin, **JSON})
        assert r.status_code == status, r.text
        assert r.json()["code"] == code and r.json().get("field") == field, r.text
        return r.json()

    def changed(row, **fields):
        doc = json.loads(json.dumps(good))
        doc["entries"][row].update(fields)
        return doc

    await refused(b"{not json", "malformed_json", "file")
    await refused(b"", "empty_file", "file")
    body = await refused(changed(1, rank="second"), "invalid_type", "entries[1].rank")
    assert body["row"] == 2
    await refused({**good, "format": "jineng.results/9"}, "invalid_value", "format")
    await refused({**good, "status": "pending"}, "results_not_final", "status")
    await refused(changed(0, total="-1"), "total_negative", "entries[0].total")
    await refused(changed(0, total="1000"), "total_above_maximum", "entries[0].total")
    await refused(changed(0, rank=4), "rank_order", "entries[0].rank")
    await refused(changed(2, award="gold_medal"), "award_unknown", "entries[2].award")
    await refused(changed(0, total="95." + "0" * 40), "too_long", "entries[0].total")
    await refused(changed(0, total_exact="1/" + "3" * 90), "not_a_number", "entries[0].total_exact")
    await refused(changed(1, status="great"), "status_invalid", "entries[1].status")
    await refused(changed(1, rank=10 ** 12), "rank_invalid", "entries[1].rank")
    await refused(changed(1, entry="9" * 30), "entry_id_invalid", "entries[1].entry")
    await refused(json.dumps([1, 2]).encode(), "invalid_type", "file")
    await refused(changed(1, entry=good["entries"][0]["entry"]), "duplicate_entry", "entries[1].entry")
    await refused(changed(1, entry="E-17"), "entry_id_invalid", "entries[1].entry")
    short = json.loads(json.dumps(good))
    short["entries"] = short["entries"][:-1]
    await refused(short, "entries_missing", "entries")
    submitted = await add_entries(event["id"],
                                  [(competition_world.orgs["school_a"], [competition_world.people["school_a"][5]])],
                                  status="submitted")
    await refused(changed(0, entry=str(submitted[0])), "entry_not_approved", "entries[0].entry")
    assert await EventResults.count() == 0 and await EntryResult.count() == 0


async def test_withdrawn_entries_are_accepted_when_the_file_says_so(client, competition_world):
    from server.registration.tables import Entry

    admin, competition, event, ids = await running_event(client, competition_world, entries_per_school=2)
    await Entry.update({Entry.status: "withdrawn"}).where(Entry.id == ids[3])
    totals = dict(zip(ids, ["95", "88", "72", "0"]))
    lying = json.loads(results_file(totals))
    r = await client.post(url(competition, event), json=lying, headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "entry_withdrawn"
    honest = results_file(totals, withdrawn={ids[3]})
    r = await client.post(url(competition, event), content=honest, headers={**admin, **JSON})
    assert r.status_code == 201, r.text
    line = next(x for x in r.json()["lines"] if x["entry_id"] == ids[3])
    assert line["withdrawn"] and line["rank"] is None


async def test_upload_reimport_publish_and_the_public_view(client, competition_world):
    admin, competition, event, ids = await running_event(client, competition_world)
    first = results_file(dict(zip(ids, ["95", "88", "72", "90", "60", "81"])))
    r = await client.post(url(competition, event), files={"file": ("results.json", first, "application/json")},
                          headers=admin)
    assert r.status_code == 201, r.text
    second = results_file(dict(zip(ids, ["65", "88", "72", "90", "60", "99"])))
    r = await client.post(url(competition, event), content=second, headers={**admin, **JSON})
    assert r.status_code == 201
    assert {x["entry_id"]: x["rank"] for x in r.json()["lines"]}[ids[5]] == 1  # replaced, not added
    assert await EntryResult.count() == 6
    coordinator = await token_for(client, "coord_a")
    assert (await client.get(url(competition, event), headers=coordinator)).status_code == 404
    public = f"/api/public/competitions/{competition['id']}/events/{event['id']}/results"
    assert (await client.get(public)).status_code == 404
    r = await client.post(url(competition, event, "results/publish"), headers=coordinator)
    assert r.status_code == 403
    r = await client.post(url(competition, event, "results/publish"), headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "published" and r.json()["published_at"]
    again = await client.post(url(competition, event, "results/publish"), headers=admin)
    assert again.status_code == 409 and again.json()["code"] == "results_published"
    replace = await client.post(url(competition, event), content=first, headers={**admin, **JSON})
    assert replace.status_code == 409 and replace.json()["code"] == "results_published"
    assert (await client.get(url(competition, event), headers=coordinator)).status_code == 200

    anonymous = await client.get(public)
    assert anonymous.status_code == 200, anonymous.text
    page = anonymous.json()
    assert page["competition"] == "2026年济宁市职业院校技能大赛" and page["event"] == "电工" and page["occupation"] == "电工"
    assert [x["rank"] for x in page["lines"]] == [1, 2, 3, 4, 5, 6]
    top = page["lines"][0]
    assert top["members"] == ["学生b2"] and top["school"] == "济宁技师学院" and top["award_name"] == "一等奖"
    assert top["coaches"] == ["学生b5"]
    text = anonymous.text
    for rid in competition_world.resident_ids.values():
        assert rid not in text and rid[-4:] not in text
    assert not any(key.endswith("id") for line in page["lines"] for key in line)
    summary = (await client.get(f"/api/public/competitions/{competition['id']}/results")).json()
    assert [e["code"] for e in summary["events"]] == ["DG"]
    assert summary["organizers"] == ["济宁市教育局", "济宁市人力资源和社会保障局"]

    awards = await AwardRecord.select().order_by(AwardRecord.rank)
    assert [(a["award"], a["rank"]) for a in awards] == [("first_prize", 1), ("second_prize", 2), ("third_prize", 3),
                                                         ("third_prize", 4)]
    assert {a["occupation_code"] for a in awards} == {"6-31-01-03"} and awards[0]["competition_level"] == "city"


async def test_only_organizers_import_and_only_while_running(client, competition_world):
    admin = await token_for(client, "admin")
    competition = await create_competition(client, admin, competition_world)
    event = await create_event(client, admin, competition["id"])
    await step(client, admin, competition["id"], "registration_open")
    ids = await add_entries(event["id"],
                            [(competition_world.orgs["school_a"], [competition_world.people["school_a"][0]])])
    file = results_file({ids[0]: "90"})
    r = await client.post(url(competition, event), content=file, headers={**admin, **JSON})
    assert r.status_code == 409 and r.json()["code"] == "competition_not_running"
    await step(client, admin, competition["id"], "registration_closed", "running")
    other = await token_for(client, "other_organizer")
    r = await client.post(url(competition, event), content=file, headers={**other, **JSON})
    assert r.status_code == 403
    hrss = await token_for(client, "hrss_organizer")
    assert (await client.post(url(competition, event), content=file, headers={**hrss, **JSON})).status_code == 201


async def test_results_are_computed_from_marks_through_the_scoring_core(client, competition_world):
    admin, competition, event, ids = await running_event(client, competition_world)
    rng = random.Random(5)
    sheet = marks_for(ids, rng)
    bad = json.loads(json.dumps(sheet))
    bad["marks"][7]["mark"] = "99"  # above the judgement scale
    r = await client.post(url(competition, event, "results/compute"), json=bad, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "marks[7].mark", r.text
    incomplete = marks_for(ids, random.Random(5), skip=2)
    r = await client.post(url(competition, event, "results/compute"), json=incomplete, headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "results_not_final"
    r = await client.post(url(competition, event, "results/compute"), json=sheet, headers=admin)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["source"] == "computed" and sorted(x["rank"] for x in body["lines"]) == [1, 2, 3, 4, 5, 6]
    assert {x["award"] for x in body["lines"]} >= {"first_prize", "second_prize", "third_prize"}
    csv_text = "entry,judge,aspect,mark\n" + "".join(
        f"{m['entry']},{m['judge']},{m['aspect']},{m['mark']}\n" for m in sheet["marks"])
    r = await client.post(url(competition, event, "results/compute"), headers=admin,
                          files={"file": ("marks.csv", csv_text.encode(), "text/csv")})
    assert r.status_code == 201, r.text
    assert [x["total"] for x in r.json()["lines"]] == [x["total"] for x in body["lines"]]
    broken = csv_text.replace(f"{ids[1]},J1,A1,", f"{ids[1]},J1,A1,x", 1)
    r = await client.post(url(competition, event, "results/compute"), headers=admin,
                          files={"file": ("marks.csv", broken.encode(), "text/csv")})
    assert r.status_code == 422 and "line" in r.json()["detail"], r.text


async def test_published_national_awards_are_recorded_in_the_graduate_record(client, competition_world):
    """Publishing records every award in the people domain's award records: the one source that
    registration's "exclude prior national winners" reads."""
    from server.organizations import services as orgs
    from server.organizations.schemas import OrganizationIn

    moe = await orgs.create(None, OrganizationIn(name="教育部", kind="authority", level="national",
                                                 parent_id=competition_world.orgs["national"], bureau="education"))
    competition_world.orgs["moe"] = moe.id
    admin = await token_for(client, "admin")
    national = await create_competition(client, admin, competition_world, level="national", organizers=("moe",),
                                        name="2025年全国职业院校技能大赛", year=2025)
    event = await create_event(client, admin, national["id"], promotion_rules=None)
    await step(client, admin, national["id"], "registration_open")
    people = competition_world.people["school_a"][:3]
    ids = await add_entries(event["id"], [(competition_world.orgs["school_a"], [p]) for p in people])
    await step(client, admin, national["id"], "registration_closed", "running")
    file = results_file(dict(zip(ids, ["90", "80", "70"])))
    assert (await client.post(url(national, event), content=file, headers={**admin, **JSON})).status_code == 201
    assert await AwardRecord.count() == 0  # not yet published
    await step(client, admin, national["id"], "results_published")
    records = await AwardRecord.select().where(AwardRecord.competition_level == "national").order_by(AwardRecord.rank)
    # 3 entrants at 10/20/30 % half up: no first prize, one second, one third
    assert [(r["person"], r["award"], r["occupation_code"], r["year"]) for r in records] == [
        (people[0], "second_prize", "6-31-01-03", 2025), (people[1], "third_prize", "6-31-01-03", 2025)]
    audit = await AuditEntry.select().where(AuditEntry.action == "competition.transitioned").order_by(AuditEntry.seq)
    assert json.loads(audit[-1]["after"]) == {"status": "results_published", "published": [f"results of event {event['id']}"]}
