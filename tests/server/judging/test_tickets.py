"""Tolerance tickets for double marking (third marker, then arbiter), named markers with conflicts
refused, and the two-person rules of unlocking and decryption."""

from __future__ import annotations

from server.audit.tables import AuditEntry
from tests.server.judging.support import PASSPHRASE, cells, drawn, make_judged_event, mark, post_marks, sheet, staffed


async def _ready(client, world):
    j = await staffed(client, await make_judged_event(client, world))
    await drawn(client, j)
    return j


async def _tickets(client, j, **query):
    r = await client.get(f"{j.base}/tickets", headers=j.tokens["chief"], params=query)
    assert r.status_code == 200, r.text
    return r.json()


async def test_third_marker_then_arbiter(client, world):
    j = await _ready(client, world)
    b_codes = sorted({c for c, a, *_ in cells(await sheet(client, j, "j4")) if a == "B1"})
    near, far = b_codes[0], b_codes[1]
    await post_marks(client, j, "j4", mark(near, "B1", 2), mark(far, "B1", 1))
    await post_marks(client, j, "j5", mark(near, "B1", 8), mark(far, "B1", 9))
    opened = {t["code"]: t for t in await _tickets(client, j, status="open")}
    assert {c: (t["kind"], t["round"]) for c, t in opened.items()} == {near: ("third_marker", 2),
                                                                       far: ("third_marker", 2)}
    # nobody but the named third marker may mark round 2
    assert (await post_marks(client, j, "j3", mark(near, "B1", 7, round=2)))["results"][0]["code"] == "not_assigned"
    on_panel = await client.post(f"{j.base}/tickets/{opened[near]['id']}/marker", headers=j.tokens["chief"],
                                 json={"user_id": j.users["j4"]})
    assert on_panel.status_code == 409 and on_panel.json()["code"] == "already_on_panel"
    for code in (near, far):
        r = await client.post(f"{j.base}/tickets/{opened[code]['id']}/marker", headers=j.tokens["chief"],
                              json={"user_id": j.users["j3"], "reason": "第三评"})
        assert r.status_code == 200 and r.json()["assignee"] == j.users["j3"], r.text
    out = await post_marks(client, j, "j3", mark(near, "B1", 7, round=2), mark(far, "B1", 5, round=2))
    changed = {t["code"]: t for t in out["tickets"]}
    assert changed[near]["status"] == "resolved" and "ok" in changed[near]["resolution"]
    assert (changed[far]["kind"], changed[far]["round"], changed[far]["status"]) == ("arbiter", 3, "open")
    r = await client.post(f"{j.base}/tickets/{changed[far]['id']}/marker", headers=j.tokens["chief"],
                          json={"user_id": j.users["j2"], "reason": "仲裁"})
    assert r.status_code == 200, r.text
    final = await post_marks(client, j, "j2", mark(far, "B1", 6, round=3))
    assert final["tickets"][0]["status"] == "resolved"
    assert await _tickets(client, j, status="open") == []


async def test_a_conflicted_judge_cannot_be_named(client, world):
    j = await _ready(client, world)
    own = None
    for code in sorted({c for c, a, *_ in cells(await sheet(client, j, "j4")) if a == "B1"}):
        await post_marks(client, j, "j4", mark(code, "B1", 1))
        await post_marks(client, j, "j5", mark(code, "B1", 9))
    tickets = await _tickets(client, j, status="open")
    j1_codes = {c for c, *_ in cells(await sheet(client, j, "j1"))}
    own = next(t for t in tickets if t["code"] not in j1_codes)  # school_a's code: j1 is conflicted
    r = await client.post(f"{j.base}/tickets/{own['id']}/marker", headers=j.tokens["chief"],
                          json={"user_id": j.users["j1"]})
    assert r.status_code == 409 and r.json()["code"] == "conflict_of_interest"
    judge = await client.post(f"{j.base}/tickets/{own['id']}/marker", headers=j.tokens["j2"],
                              json={"user_id": j.users["j3"]})
    assert judge.status_code == 403 and judge.json()["code"] == "judging_role_required"


async def _mark_everything(client, j):
    for name in ("j1", "j2", "j3", "j4", "j5"):
        batch = [mark(code, aspect, {"A1": 2, "A2": 3, "B1": 7}[aspect])
                 for code, aspect, _, _ in cells(await sheet(client, j, name))]
        assert (await post_marks(client, j, name, *batch))["refused"] == 0
        for criterion in {s["criterion"] for s in (await sheet(client, j, name))["sheets"]}:
            r = await client.post(f"{j.base}/signoff/{criterion}", headers=j.tokens[name])
            assert r.status_code == 204, r.text


async def test_unlock_needs_the_chief_judge_and_the_supervisor(client, world):
    j = await _ready(client, world)
    early = await client.post(f"{j.base}/lock", headers=j.tokens["chief"], json={"criterion": "A"})
    assert early.status_code == 409 and early.json()["code"] == "not_signed_off"
    await _mark_everything(client, j)
    assert (await client.post(f"{j.base}/lock", headers=j.tokens["chief"], json={"criterion": "A"})).json() == ["A"]
    code = cells(await sheet(client, j, "j2"))[0][0]
    assert (await post_marks(client, j, "j2", mark(code, "A1", 3, corrects=1)))["results"][0]["code"] == \
        "criterion_locked"
    asked = await client.post(f"{j.base}/unlocks", headers=j.tokens["chief"],
                              json={"criterion": "A", "reason": "A1 评分表录入错误，需要更正"})
    assert asked.status_code == 201, asked.text
    by_judge = await client.post(f"{j.base}/unlocks/{asked.json()['id']}/approve", headers=j.tokens["j2"],
                                 params={"reason": "同意"})
    assert by_judge.status_code == 403
    ok = await client.post(f"{j.base}/unlocks/{asked.json()['id']}/approve", headers=j.tokens["sup"],
                           params={"reason": "监督同意解锁"})
    assert ok.status_code == 200 and ok.json()["status"] == "approved", ok.text
    assert (await post_marks(client, j, "j2", mark(code, "A1", 3, corrects=1)))["accepted"] == 1
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.seq)]
    assert actions.index("judging.unlock_requested") < actions.index("judging.unlocked")


async def test_decryption_needs_two_people(client, world):
    j = await _ready(client, world)
    # one person holding both roles cannot approve and open a layer alone
    both = await client.post(f"{j.base}/pool", headers=j.tokens["organizer"],
                             json={"user_id": j.users["sup"], "role": "encryption_officer"})
    assert both.status_code == 409  # the pool is frozen after the draw
    await _mark_everything(client, j)
    assert (await client.post(f"{j.base}/lock", headers=j.tokens["chief"], json={})).status_code == 200
    refused = await client.post(f"{j.base}/decryption/approve", headers=j.tokens["enc"])
    assert refused.status_code == 403
    assert (await client.post(f"{j.base}/decryption/approve", headers=j.tokens["sup"])).status_code == 200
    twice = await client.post(f"{j.base}/decryption/approve", headers=j.tokens["sup"])
    assert twice.status_code == 409 and twice.json()["code"] == "layer_approved"
    by_sup = await client.post(f"{j.base}/decryption/open", headers=j.tokens["sup"], json={"passphrase": PASSPHRASE})
    assert by_sup.status_code == 403
    opened = await client.post(f"{j.base}/decryption/open", headers=j.tokens["enc"], json={"passphrase": PASSPHRASE})
    assert opened.status_code == 200 and opened.json()["remaining"] == ["draw_number"], opened.text


async def test_judge_analytics_for_the_chief_judge(client, world):
    j = await _ready(client, world)
    await _mark_everything(client, j)
    r = await client.get(f"{j.base}/analytics", headers=j.tokens["chief"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert {s["judge"] for s in body["judges"]} == {str(j.users[n]) for n in ("j1", "j2", "j3", "j4", "j5")}
    assert all(s["tendency"] in ("lenient", "severe", "neutral") for s in body["judges"])
    assert len(body["what_if"]) == 5 and all("code" in c for w in body["what_if"] for c in w["changes"])
    assert (await client.get(f"{j.base}/analytics", headers=j.tokens["j2"])).status_code == 403
