"""A judged event end to end through the API: pool, assignment, check-in, draw, marking with a
tolerance ticket and its resolution, sign-off, lock, decryption by two people, re-check, appeal."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from server.judging.tables import JudgingEvent, Pairing
from tests.server.factories import token_for
from tests.server.judging.support import PASSPHRASE, cells, drawn, make_judged_event, mark, post_marks, sheet, staffed


async def test_a_judged_event_from_draw_to_publication_and_certificates(client, world, tmp_path):
    j = await staffed(client, await make_judged_event(client, world))
    await drawn(client, j)
    # j1 teaches at school_a: school_a's code has a substitute on A1 (j4 or j5), never j1
    j1 = await sheet(client, j, "j1")
    assert len({c for c, *_ in cells(j1)}) == 2
    codes = sorted({c for name in ("j2", "j3") for c, *_ in cells(await sheet(client, j, name))})
    assert len(codes) == 3
    # everyone marks; one A1 panel breaches tolerance (0 vs 2 vs 2 on the first code j1 marks)
    breach = sorted({c for c, *_ in cells(j1)})[0]
    values = {"j1": 0, "j2": 2, "j3": 2}
    for name in ("j1", "j2", "j3", "j4", "j5"):
        batch = [mark(code, aspect, values.get(name, 2) if (aspect == "A1" and code == breach) else
                      {"A1": 2, "A2": 3, "B1": 7}[aspect]) for code, aspect, _, _ in cells(await sheet(client, j, name))]
        out = await post_marks(client, j, name, *batch)
        assert out["refused"] == 0, out
    tickets = (await client.get(f"{j.base}/tickets?status=open", headers=j.tokens["chief"])).json()
    assert [(t["code"], t["aspect"], t["kind"], t["round"]) for t in tickets] == [(breach, "A1", "remark", 2)]
    # the judges involved see it on their sheet; a sign-off is refused while it is open
    assert (await sheet(client, j, "j2"))["sheets"][0]["open_tickets"][0]["kind"] == "remark"
    refused = await client.post(f"{j.base}/signoff/A", headers=j.tokens["j2"])
    assert refused.status_code == 409 and refused.json()["code"] == "open_tickets"
    # j1 re-marks in round 2 after the discussion: the panel is within tolerance, the ticket closes
    out = await post_marks(client, j, "j1", mark(breach, "A1", 1, round=2))
    assert out["accepted"] == 1 and out["tickets"][0]["status"] == "resolved", out
    for name in ("j1", "j2", "j3", "j4", "j5"):
        for criterion in {s["criterion"] for s in (await sheet(client, j, name))["sheets"]}:
            r = await client.post(f"{j.base}/signoff/{criterion}", headers=j.tokens[name])
            assert r.status_code == 204, r.text
    locked = await client.post(f"{j.base}/lock", headers=j.tokens["chief"], json={})
    assert locked.status_code == 200 and locked.json() == ["A", "B"], locked.text
    after = await post_marks(client, j, "j2", mark(codes[0], "A1", 3, corrects=1))
    assert after["results"][0]["code"] == "marking_closed"  # the whole event is locked: marking has ended
    # decryption: supervisor approves, the encryption officer opens; layer by layer
    standings = (await client.get(f"{j.base}/standings", headers=j.tokens["chief"])).json()
    assert {s["code"] for s in standings} == set(codes) and all("entry" not in s for s in standings)
    wrong = await client.post(f"{j.base}/decryption/open", headers=j.tokens["enc"], json={"passphrase": PASSPHRASE})
    assert wrong.status_code == 409 and wrong.json()["code"] == "supervisor_required"
    for _ in range(2):
        assert (await client.post(f"{j.base}/decryption/approve", headers=j.tokens["sup"])).status_code == 200
        bad = await client.post(f"{j.base}/decryption/open", headers=j.tokens["enc"],
                                json={"passphrase": "not the passphrase at all"})
        assert bad.status_code == 409 and bad.json()["code"] == "wrong_passphrase"
        r = await client.post(f"{j.base}/decryption/open", headers=j.tokens["enc"], json={"passphrase": PASSPHRASE})
        assert r.status_code == 200, r.text
    state = (await client.get(f"{j.base}/", headers=j.tokens["chief"])).json()
    assert state["status"] == "decrypted"
    export = (await client.get(f"{j.base}/marks/export", headers=j.tokens["chief"])).json()
    assert {e["id"] for e in export["entries"]} == {str(e) for e in j.entries.values()}
    # re-check: every top-N code (default 10 covers all three here)
    rc = (await client.post(f"{j.base}/recheck/draw", headers=j.tokens["chief"])).json()
    assert len(rc["lines"]) == 3 and rc["seed"]
    for line in rc["lines"]:
        r = await client.post(f"{j.base}/recheck/{line['code']}", headers=j.tokens["chief"],
                              json={"outcome": "confirmed"})
        assert r.status_code == 200, r.text
    blockers = (await client.get(f"{j.base}/publication", headers=j.tokens["chief"])).json()
    assert any(b["code"] == "appeal_window_open" for b in blockers)
    # an appeal by school_b, dismissed by the supervisor
    coord = await token_for(client, "coord_b")
    filed = await client.post(f"{j.base}/appeals", headers=coord,
                              json={"entry_id": j.entries["school_b"], "text": "我们认为安全规范一项扣分有误。"})
    assert filed.status_code == 201, filed.text
    again = await client.post(f"{j.base}/appeals", headers=coord,
                              json={"entry_id": j.entries["school_b"], "text": "第二次申诉，应当被拒绝。"})
    assert again.status_code == 409 and again.json()["code"] == "appeal_exists"
    ruled = await client.post(f"{j.base}/appeals/{filed.json()['id']}/ruling", headers=j.tokens["sup"],
                              json={"outcome": "dismissed", "reason": "复核评分记录，扣分依据充分。"})
    assert ruled.status_code == 200 and ruled.json()["status"] == "dismissed", ruled.text
    results_url = f"/api/competitions/{j.competition}/events/{j.event}/results"
    computed = await client.post(f"{results_url}/from-judging", headers=j.tokens["organizer"])
    assert computed.status_code == 201, computed.text
    early = await client.post(f"{results_url}/publish", headers=j.tokens["organizer"])
    assert early.status_code == 409 and early.json()["code"] == "judging_not_ready", early.text
    assert [b["code"] for b in early.json()["blockers"]] == [
        b["code"] for b in (await client.get(f"{j.base}/publication", headers=j.tokens["organizer"])).json()]
    assert early.json()["blockers"][0]["code"] == "appeal_window_open", early.text
    await JudgingEvent.update({JudgingEvent.locked_at: JudgingEvent.locked_at - timedelta(hours=3)}).where(
        JudgingEvent.event == j.event)
    assert (await client.get(f"{j.base}/publication", headers=j.tokens["chief"])).json() == []
    # an arbitration committee reproduces the digits from the exported files with the scoring CLI
    scheme = (await client.get(f"{j.base}/scheme", headers=j.tokens["chief"])).content
    marks = (await client.get(f"{j.base}/marks/export", headers=j.tokens["chief"])).content
    (tmp_path / "scheme.json").write_bytes(scheme)
    (tmp_path / "marks.json").write_bytes(marks)
    cli = subprocess.run([str(Path(sys.executable).with_name("jineng")), "score", "compute", "--scheme",
                          str(tmp_path / "scheme.json"), "--marks", str(tmp_path / "marks.json")],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    by_cli = {e["entry"]: (e["rank"], e["total"]) for e in json.loads(cli.stdout)["entries"]}
    by_server = {str(line["entry_id"]): (line["rank"], line["total"]) for line in computed.json()["lines"]}
    assert by_cli == by_server and len(by_server) == 3
    published = await client.post(f"{results_url}/publish", headers=j.tokens["organizer"])
    assert published.status_code == 200 and published.json()["status"] == "published", published.text
    issued = await client.post("/api/certificates/batches/results", headers=j.tokens["organizer"],
                               json={"event_id": j.event, "issuer_id": world.orgs["hrss"]})
    assert issued.status_code == 201, issued.text
    batch = issued.json()
    # 一等奖 (34% of 3 entries, rounded half up) for the top place, which two entries share
    awarded = {line["entry_id"] for line in computed.json()["lines"] if line["award"]}
    assert len(awarded) == 2 and {line["rank"] for line in computed.json()["lines"] if line["award"]} == {1}
    assert batch["certificate_count"] == 2 and {c["kind"] for c in batch["certificates"]} == {"award"}
    assert {c["entry_id"] for c in batch["certificates"]} == awarded


async def test_a_tablet_pairs_once_with_the_chief_judges_code(client, world):
    j = await staffed(client, await make_judged_event(client, world))
    made = await client.post(f"{j.base}/pairings", headers=j.tokens["chief"], json={"user_id": j.users["j2"]})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["url"].endswith("/P/" + body["code"].replace("-", "")) and body["url"] == body["url"].upper()
    assert body["qr_png"]
    judge = await client.post(f"{j.base}/pairings", headers=j.tokens["j2"], json={"user_id": j.users["j2"]})
    assert judge.status_code == 403
    link = await client.get("/P/" + body["code"].replace("-", ""))
    assert link.status_code == 302 and link.headers["location"].startswith("/judge/?pair=")
    paired = await client.post("/api/judging/pair", json={"code": body["code"].lower(), "mode": "token"})
    assert paired.status_code == 200 and paired.json()["user"]["username"] == "j2", paired.text
    assert paired.json()["event_id"] == j.event
    sheets = await client.get(f"{j.base}/sheets", headers={"Authorization": f"Bearer {paired.json()['token']}"})
    assert sheets.status_code == 200
    again = await client.post("/api/judging/pair", json={"code": body["code"], "mode": "token"})
    assert again.status_code == 401 and again.json()["code"] == "pairing_invalid"
    racing = (await client.post(f"{j.base}/pairings", headers=j.tokens["chief"], json={"user_id": j.users["j3"]})).json()
    results = await asyncio.gather(*(client.post("/api/judging/pair", json={"code": racing["code"], "mode": "token"})
                                     for _ in range(10)))
    assert sorted(r.status_code for r in results) == [200] + [401] * 9
    expired = (await client.post(f"{j.base}/pairings", headers=j.tokens["chief"], json={"user_id": j.users["j4"]})).json()
    await Pairing.update({Pairing.expires_at: Pairing.created_at}).where(Pairing.user == j.users["j4"])
    late = await client.post("/api/judging/pair", json={"code": expired["code"]})
    assert late.status_code == 401
