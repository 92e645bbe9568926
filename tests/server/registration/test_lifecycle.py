"""The entry status lifecycle end to end through the HTTP API, with remarks, audit and access rules."""

from __future__ import annotations

from server import events
from server.competitions.tables import Competition
from server.errors import Conflict
from server.registration.entries import WITHDRAWN
from server.registration.facts import now
from server.registration.tables import Entry, EntryMember
from tests.server.factories import FULL_ID
from tests.server.registration.support import draft, submit


async def audit_actions(client, reg, entry_id: int) -> list[str]:
    r = await client.get(f"/api/audit?object_type=entry&object_id={entry_id}", headers=reg.tokens["admin"])
    assert r.status_code == 200
    return [e["action"] for e in reversed(r.json())]


async def test_full_lifecycle_draft_to_withdrawn(client, reg):
    a = reg.students["school_a"]
    entry = await draft(client, reg, "coord_a", reg.team, [a[0], a[1]], [reg.teachers["school_a"][0]], "曲阜一队")
    assert entry["status"] == "draft" and entry["actions"] == ["edit", "submit", "withdraw"]
    assert [m["person_id"] for m in entry["members"]] == [a[0], a[1]]
    assert entry["coaches"][0]["person_id"] == reg.teachers["school_a"][0]
    eid = entry["id"]

    submitted = await submit(client, reg, "coord_a", eid)
    assert submitted["status"] == "submitted" and submitted["submitted_at"]

    org = reg.tokens["organizer"]
    r = await client.post(f"/api/review/{eid}/return", headers=org, json={"remarks": [
        {"field": "members[1].person_id", "message": "请核对该选手学籍"},
        {"field": "team_name", "message": "队名请用学校简称"}]})
    assert r.status_code == 200, r.text
    returned = r.json()
    assert returned["status"] == "returned"
    assert [(x["field"], x["resolved"]) for x in returned["remarks"]] == [
        ("members[1].person_id", False), ("team_name", False)]

    # the school sees the remarks, fixes the entry and resubmits
    seen = (await client.get(f"/api/entries/{eid}", headers=reg.tokens["coord_a"])).json()
    assert len(seen["remarks"]) == 2 and "edit" in seen["actions"]
    r = await client.patch(f"/api/entries/{eid}", headers=reg.tokens["coord_a"], json={
        "version": seen["version"], "team_name": "曲阜职专", "members": [{"person_id": a[0]}, {"person_id": a[2]}]})
    assert r.status_code == 200, r.text
    assert r.json()["team_name"] == "曲阜职专"
    resubmitted = await submit(client, reg, "coord_a", eid)
    assert resubmitted["status"] == "resubmitted"
    assert all(x["resolved"] for x in resubmitted["remarks"])

    r = await client.post(f"/api/review/{eid}/approve", headers=org, json={"note": "资格审核通过"})
    assert r.status_code == 200 and r.json()["status"] == "approved"

    r = await client.post(f"/api/entries/{eid}/withdraw", headers=reg.tokens["coord_a"], json={"reason": "选手生病"})
    assert r.status_code == 200, r.text
    assert r.json()["entry"]["status"] == "withdrawn" and r.json()["entry"]["withdraw_reason"] == "选手生病"
    assert r.json()["replacement"] is None
    # withdrawn is final
    r = await client.post(f"/api/entries/{eid}/withdraw", headers=reg.tokens["coord_a"], json={"reason": "再次"})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"

    assert await audit_actions(client, reg, eid) == [
        "entry.created", "entry.submitted", "entry.returned", "entry.updated", "entry.resubmitted",
        "entry.approved", "entry.withdrawn"]
    # places are freed: nothing of this entry is active any more
    assert not await EntryMember.exists().where((EntryMember.entry == eid) & (EntryMember.active == True))  # noqa: E712


async def test_decline_frees_the_person_for_another_entry(client, reg):
    a = reg.students["school_a"]
    eid = (await draft(client, reg, "coord_a", reg.individual, [a[0]]))["id"]
    await submit(client, reg, "coord_a", eid)
    r = await client.post(f"/api/review/{eid}/decline", headers=reg.tokens["organizer"],
                          json={"reason": "学籍证明材料缺失"})
    assert r.status_code == 200 and r.json()["status"] == "declined"
    assert r.json()["decline_reason"] == "学籍证明材料缺失"
    # declined is final for this entry; the person may be entered again
    r = await client.post(f"/api/entries/{eid}/submit", headers=reg.tokens["coord_a"])
    assert r.status_code == 409
    again = (await draft(client, reg, "coord_a", reg.individual, [a[0]]))["id"]
    assert (await submit(client, reg, "coord_a", again))["status"] == "submitted"


async def test_withdraw_from_every_open_state(client, reg):
    a = reg.students["school_a"]
    org = reg.tokens["organizer"]
    states = {}
    states["draft"] = (await draft(client, reg, "coord_a", reg.team, [a[0], a[1]], team_name="草稿队"))["id"]
    states["submitted"] = (await draft(client, reg, "coord_a", reg.team, [a[2], a[3]], team_name="提交队"))["id"]
    await submit(client, reg, "coord_a", states["submitted"])
    states["returned"] = (await draft(client, reg, "coord_a", reg.team, [a[4], a[5]], team_name="退回队"))["id"]
    await submit(client, reg, "coord_a", states["returned"])
    await client.post(f"/api/review/{states['returned']}/return", headers=org,
                      json={"remarks": [{"field": "team_name", "message": "请修改队名"}]})
    for status, eid in states.items():
        r = await client.post(f"/api/entries/{eid}/withdraw", headers=reg.tokens["coord_a"], json={"reason": "调整"})
        assert r.status_code == 200, (status, r.text)
        assert r.json()["entry"]["status"] == "withdrawn"


async def test_approved_entry_cannot_be_withdrawn_once_the_competition_runs(client, reg):
    a = reg.students["school_a"]
    eid = (await draft(client, reg, "coord_a", reg.individual, [a[0]]))["id"]
    await submit(client, reg, "coord_a", eid)
    await client.post(f"/api/review/{eid}/approve", headers=reg.tokens["organizer"])
    await Competition.update({Competition.status: "running"}).where(Competition.id == reg.competition_id)
    r = await client.post(f"/api/entries/{eid}/withdraw", headers=reg.tokens["coord_a"], json={"reason": "来不了"})
    assert r.status_code == 409 and r.json()["code"] == "competition_started"
    assert (await Entry.select(Entry.status).where(Entry.id == eid).first())["status"] == "approved"


async def test_only_drafts_and_returned_entries_are_edited(client, reg):
    a = reg.students["school_a"]
    entry = await draft(client, reg, "coord_a", reg.individual, [a[0]])
    await submit(client, reg, "coord_a", entry["id"])
    r = await client.patch(f"/api/entries/{entry['id']}", headers=reg.tokens["coord_a"],
                           json={"members": [{"person_id": a[1]}]})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


async def test_stale_version_is_refused(client, reg):
    a = reg.students["school_a"]
    entry = await draft(client, reg, "coord_a", reg.team, [a[0], a[1]], team_name="甲")
    ok = await client.patch(f"/api/entries/{entry['id']}", headers=reg.tokens["coord_a"],
                            json={"version": entry["version"], "team_name": "乙"})
    assert ok.status_code == 200 and ok.json()["version"] == entry["version"] + 1
    stale = await client.patch(f"/api/entries/{entry['id']}", headers=reg.tokens["coord_a"],
                               json={"version": entry["version"], "team_name": "丙"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert stale.json()["field"] == "version"


async def test_review_needs_submitted_entries_and_organizers(client, reg):
    a = reg.students["school_a"]
    eid = (await draft(client, reg, "coord_a", reg.individual, [a[0]]))["id"]
    # a draft is the school's own: reviewers do not see it
    r = await client.post(f"/api/review/{eid}/approve", headers=reg.tokens["organizer"])
    assert r.status_code == 404
    assert (await client.get(f"/api/entries/{eid}", headers=reg.tokens["organizer"])).status_code == 404
    await submit(client, reg, "coord_a", eid)
    # the school's coordinator cannot review its own entry; another school does not even see it
    r = await client.post(f"/api/review/{eid}/approve", headers=reg.tokens["coord_a"])
    assert r.status_code == 403 and r.json()["code"] == "reviewer_only"
    r = await client.post(f"/api/review/{eid}/approve", headers=reg.tokens["coord_b"])
    assert r.status_code == 404
    r = await client.post(f"/api/review/{eid}/return", headers=reg.tokens["organizer"], json={"remarks": []})
    assert r.status_code == 400 and r.json()["field"] == "remarks"
    r = await client.post(f"/api/review/{eid}/decline", headers=reg.tokens["organizer"], json={})
    assert r.status_code == 400 and "reason" in r.json()["detail"], r.text
    r = await client.post(f"/api/review/{eid}/approve", headers=reg.tokens["organizer"])
    assert r.status_code == 200
    r = await client.post(f"/api/review/{eid}/approve", headers=reg.tokens["organizer"])
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


async def test_review_queue_filters_and_counts(client, reg):
    a, b = reg.students["school_a"], reg.students["school_b"]
    ea = (await draft(client, reg, "coord_a", reg.individual, [a[0]]))["id"]
    eb = (await draft(client, reg, "coord_b", reg.individual, [b[0]]))["id"]
    await draft(client, reg, "coord_b", reg.individual, [b[1]])  # a draft: never in the queue
    await submit(client, reg, "coord_a", ea)
    await submit(client, reg, "coord_b", eb)
    await client.post(f"/api/review/{eb}/approve", headers=reg.tokens["organizer"])
    org = reg.tokens["organizer"]
    r = await client.get(f"/api/review?competition_id={reg.competition_id}", headers=org)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 2 and body["counts"]["submitted"] == 1 and body["counts"]["approved"] == 1
    assert body["counts"] == {"submitted": 1, "returned": 0, "resubmitted": 0, "approved": 1, "declined": 0,
                              "withdrawn": 0}
    # the organizer in scope sees the full resident IDs of both schools
    assert {m["resident_id"] for e in body["items"] for m in e["members"]} == {
        reg.resident_ids[a[0]], reg.resident_ids[b[0]]}
    r = await client.get(f"/api/review?competition_id={reg.competition_id}&status=submitted", headers=org)
    assert [e["id"] for e in r.json()["items"]] == [ea]
    r = await client.get(f"/api/review?event_id={reg.individual}&school_id={reg.world.orgs['school_b']}", headers=org)
    assert [e["id"] for e in r.json()["items"]] == [eb]
    r = await client.get("/api/review", headers=org)
    assert r.status_code == 422 and r.json()["field"] == "competition_id"
    r = await client.get(f"/api/review?competition_id={reg.competition_id}", headers=reg.tokens["coord_a"])
    assert r.status_code == 403
    r = await client.get("/api/review?competition_id=999999", headers=org)
    assert r.status_code == 404


async def test_bulk_approve_is_all_or_nothing(client, reg):
    a = reg.students["school_a"]
    org = reg.tokens["organizer"]
    e1 = (await draft(client, reg, "coord_a", reg.team, [a[0], a[1]], team_name="一队"))["id"]
    e2 = (await draft(client, reg, "coord_a", reg.team, [a[2], a[3]], team_name="二队"))["id"]
    e3 = (await draft(client, reg, "coord_a", reg.team, [a[4], a[5]], team_name="三队"))["id"]
    await submit(client, reg, "coord_a", e1)
    await submit(client, reg, "coord_a", e2)
    r = await client.post("/api/review/approve", headers=org, json={"entry_ids": [e1, e2, e3, 999999]})
    assert r.status_code == 409 and r.json()["code"] == "bulk_approve_refused"
    assert {e["entry_id"] for e in r.json()["errors"]} == {e3, 999999}
    statuses = {r["id"]: r["status"] for r in await Entry.select(Entry.id, Entry.status)}
    assert statuses[e1] == statuses[e2] == "submitted"
    r = await client.post("/api/review/approve", headers=org, json={"entry_ids": [e1, e2]})
    assert r.status_code == 200 and r.json()["approved"] == [e1, e2]
    assert (await audit_actions(client, reg, e1))[-1] == "entry.approved"


async def test_coordinator_cannot_see_or_touch_another_schools_entries(client, reg):
    a = reg.students["school_a"]
    eid = (await draft(client, reg, "coord_a", reg.individual, [a[0]]))["id"]
    b = reg.tokens["coord_b"]
    assert (await client.get(f"/api/entries/{eid}", headers=b)).status_code == 404
    assert (await client.patch(f"/api/entries/{eid}", headers=b, json={"team_name": "x"})).status_code == 404
    assert (await client.post(f"/api/entries/{eid}/submit", headers=b)).status_code == 404
    assert (await client.post(f"/api/entries/{eid}/withdraw", headers=b, json={"reason": "恶意"})).status_code == 404
    assert (await client.get(f"/api/entries/{eid}/eligibility", headers=b)).status_code == 404
    listed = (await client.get("/api/entries", headers=b)).json()
    assert listed["total"] == 0
    # registering another school's student or into another school is refused
    r = await client.post("/api/entries", headers=b, json={"event_id": reg.individual, "members": [{"person_id": a[1]}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "members[0].person_id"
    assert r.json()["errors"][0]["code"] == "not_on_roster"
    r = await client.post("/api/entries", headers=b, json={"event_id": reg.individual, "school_id": reg.world.orgs["school_a"],
                                                          "members": [{"person_id": a[1]}]})
    assert r.status_code == 403 and r.json()["code"] == "other_school"
    # judges and graduates have no entries to see
    assert (await client.get("/api/entries", headers=reg.tokens["judge"])).status_code == 403


async def test_coordinator_responses_never_show_a_full_resident_id(client, reg):
    a = reg.students["school_a"]
    coach = reg.teachers["school_a"][0]
    h = reg.tokens["coord_a"]
    created = await client.post("/api/entries", headers=h, json={
        "event_id": reg.team, "team_name": "队", "members": [{"person_id": a[0]}, {"person_id": a[1]}],
        "coaches": [{"person_id": coach}]})
    eid = created.json()["id"]
    responses = [created,
                 await client.get(f"/api/entries/{eid}", headers=h),
                 await client.get("/api/entries", headers=h),
                 await client.get(f"/api/entries/{eid}/eligibility", headers=h),
                 await client.post(f"/api/entries/{eid}/submit", headers=h)]
    assert [r.status_code for r in responses] == [201, 200, 200, 200, 200], [r.text for r in responses]
    for r in responses:
        assert not FULL_ID.search(r.text), r.text
    member = responses[1].json()["members"][0]
    full = reg.resident_ids[a[0]]
    assert member["resident_id"] == full[:3] + "*" * 11 + full[-4:] and member["resident_id_masked"]
    # the organizer in scope sees the full number
    seen = (await client.get(f"/api/entries/{eid}", headers=reg.tokens["organizer"])).json()
    assert seen["members"][0]["resident_id"] == full


async def test_withdrawing_an_advancement_entry_offers_the_place(client, reg, monkeypatch):
    """The withdrawal emits ``registration.entry_withdrawn`` inside its transaction, after the status change;
    the first answer that is not None is the response's replacement and goes into the audit entry."""
    rows = await Entry.insert(Entry(event=reg.individual, school=reg.world.orgs["school_a"], status="approved",
                                    source="advancement", source_detail="top 3 of 县赛", created_at=now(),
                                    updated_at=now())).returning(Entry.id)
    eid = rows[0]["id"]
    await EntryMember.insert(EntryMember(entry=eid, event=reg.individual, person=reg.students["school_a"][0],
                                         role="competitor", active=True))
    calls = []

    async def silent(principal, **facts):
        return None

    async def offer(principal, *, entry_id, source, competition_id, event_id):
        status = (await Entry.select(Entry.status).where(Entry.id == entry_id).first())["status"]
        calls.append((entry_id, source, competition_id, event_id, principal.username, status))
        return 4242

    monkeypatch.setitem(events._handlers, WITHDRAWN, [silent, offer])
    r = await client.post(f"/api/entries/{eid}/withdraw", headers=reg.tokens["coord_a"], json={"reason": "升学"})
    assert r.status_code == 200, r.text
    assert calls == [(eid, "advancement", reg.competition_id, reg.individual, "coord_a", "withdrawn")]
    assert r.json()["replacement"] == 4242
    r = await client.get(f"/api/audit?object_type=entry&object_id={eid}", headers=reg.tokens["admin"])
    assert r.json()[0]["action"] == "entry.withdrawn" and '"replacement":4242' in r.json()[0]["after"]


async def test_a_refusing_withdrawal_handler_rolls_the_withdrawal_back(client, reg, monkeypatch):
    a = reg.students["school_a"]
    eid = (await draft(client, reg, "coord_a", reg.individual, [a[0]]))["id"]
    await submit(client, reg, "coord_a", eid)

    async def refuse(principal, **facts):
        raise Conflict("Not now.", code="not_now")

    monkeypatch.setitem(events._handlers, WITHDRAWN, [refuse])
    r = await client.post(f"/api/entries/{eid}/withdraw", headers=reg.tokens["coord_a"], json={"reason": "调整"})
    assert r.status_code == 409 and r.json()["code"] == "not_now"
    assert (await Entry.select(Entry.status).where(Entry.id == eid).first())["status"] == "submitted"
    assert await EntryMember.exists().where((EntryMember.entry == eid) & (EntryMember.active == True))  # noqa: E712
    assert await audit_actions(client, reg, eid) == ["entry.created", "entry.submitted"]


async def test_withdrawing_an_advancement_entry_with_the_real_advancement_service(client, reg):
    """With the handlers the app registers (the results domain's replacement offer): nothing to offer
    here (no source entry), and the withdrawal still succeeds in one piece."""
    rows = await Entry.insert(Entry(event=reg.individual, school=reg.world.orgs["school_a"], status="submitted",
                                    source="advancement", created_at=now(), updated_at=now())).returning(Entry.id)
    eid = rows[0]["id"]
    await EntryMember.insert(EntryMember(entry=eid, event=reg.individual, person=reg.students["school_a"][0],
                                         role="competitor", active=True))
    r = await client.post(f"/api/entries/{eid}/withdraw", headers=reg.tokens["organizer"], json={"reason": "学校来函"})
    assert r.status_code == 200, r.text
    assert r.json()["entry"]["status"] == "withdrawn" and r.json()["replacement"] is None
