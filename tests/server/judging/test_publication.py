"""What stops publication (GET …/publication): each blocker has a stable code, the server's message and
what is at fault — the stage judging is at, the re-check codes still to check (the drawn ones, then the
full re-check an error rate above the threshold demands), when the appeal window closes, the appeals
and entries still waiting for a ruling — until nothing is left."""

from __future__ import annotations

from datetime import datetime, timedelta

from server.judging.tables import JudgingEvent
from tests.server.factories import token_for
from tests.server.judging.support import PASSPHRASE, cells, drawn, make_judged_event, mark, post_marks, sheet, staffed


async def _blockers(client, j) -> list[dict]:
    r = await client.get(f"{j.base}/publication", headers=j.tokens["chief"])
    assert r.status_code == 200, r.text
    for b in r.json():
        assert b["message"], b
    return r.json()


async def _locked_and_decrypted(client, j) -> list[str]:
    """Every cell marked so that the codes rank apart (A2: 3, 2, 1), signed off, locked, decrypted; the
    codes best first."""
    a2 = {c: 3 - i for i, c in enumerate(sorted({c for c, a, *_ in cells(await sheet(client, j, "j4")) if a == "A2"}))}
    for name in ("j1", "j2", "j3", "j4", "j5"):
        batch = [mark(code, aspect, a2[code] if aspect == "A2" else {"A1": 2, "B1": 7}[aspect])
                 for code, aspect, _, _ in cells(await sheet(client, j, name))]
        assert (await post_marks(client, j, name, *batch))["refused"] == 0
        for criterion in {s["criterion"] for s in (await sheet(client, j, name))["sheets"]}:
            assert (await client.post(f"{j.base}/signoff/{criterion}", headers=j.tokens[name])).status_code == 204
    assert (await client.post(f"{j.base}/lock", headers=j.tokens["chief"], json={})).status_code == 200
    for _ in range(2):
        assert (await client.post(f"{j.base}/decryption/approve", headers=j.tokens["sup"])).status_code == 200
        r = await client.post(f"{j.base}/decryption/open", headers=j.tokens["enc"], json={"passphrase": PASSPHRASE})
        assert r.status_code == 200, r.text
    return sorted(a2, key=lambda c: -a2[c])


async def test_publication_blockers_have_stable_codes_and_name_what_is_at_fault(client, world):
    j = await staffed(client, await make_judged_event(client, world))
    assert await _blockers(client, j) == []  # never judged here: nothing to wait for
    r = await client.patch(f"{j.base}/settings", headers=j.tokens["organizer"],
                           json={"recheck_top_n": 1, "recheck_rate": "0"})
    assert r.status_code in (200, 204), r.text
    await drawn(client, j)
    [blocker] = await _blockers(client, j)
    assert (blocker["code"], blocker["judging_status"]) == ("publication_needs_decryption", "marking")

    codes = await _locked_and_decrypted(client, j)
    found = await _blockers(client, j)
    assert [b["code"] for b in found] == ["recheck_not_drawn", "appeal_window_open"]
    locked_at = (await JudgingEvent.select(JudgingEvent.locked_at).where(JudgingEvent.event == j.event).first())[
        "locked_at"]
    closes_at = datetime.fromisoformat(found[1]["closes_at"].replace("Z", "+00:00"))
    assert abs(closes_at - (locked_at + timedelta(minutes=120))) < timedelta(seconds=1)

    # the drawn line (the top code only), then the full re-check its correction demands
    drawn_lines = (await client.post(f"{j.base}/recheck/draw", headers=j.tokens["chief"])).json()["lines"]
    assert [line["code"] for line in drawn_lines] == codes[:1]
    pending = (await _blockers(client, j))[0]
    assert (pending["code"], pending["pending"], pending["codes"]) == ("recheck_pending", 1, codes[:1])
    r = await client.post(f"{j.base}/recheck/{codes[0]}", headers=j.tokens["chief"], json={
        "outcome": "corrected", "note": "安全规范漏记一项",
        "corrections": [{"aspect": "A2", "user_id": j.users["j4"], "value": "3.5"}]})
    assert r.status_code == 200 and r.json()["full_required"], r.text
    full = (await _blockers(client, j))[0]
    assert (full["code"], full["pending"], sorted(full["codes"])) == ("recheck_full_pending", 2, sorted(codes[1:]))

    # an appeal waits for its ruling: the blocker names the appeal and the entry
    coord = await token_for(client, "coord_b")
    filed = await client.post(f"{j.base}/appeals", headers=coord,
                              json={"entry_id": j.entries["school_b"], "text": "我们认为安全规范一项扣分有误。"})
    assert filed.status_code == 201, filed.text
    unruled = [b for b in await _blockers(client, j) if b["code"] == "appeals_unruled"]
    assert [(b["pending"], b["appeal_ids"], b["entry_ids"]) for b in unruled] == [
        (1, [filed.json()["id"]], [j.entries["school_b"]])]

    for code in codes[1:]:
        r = await client.post(f"{j.base}/recheck/{code}", headers=j.tokens["chief"], json={"outcome": "confirmed"})
        assert r.status_code == 200, r.text
    r = await client.post(f"{j.base}/appeals/{filed.json()['id']}/ruling", headers=j.tokens["sup"],
                          json={"outcome": "dismissed", "reason": "复核评分记录，扣分依据充分。"})
    assert r.status_code == 200, r.text
    assert [b["code"] for b in await _blockers(client, j)] == ["appeal_window_open"]
    await JudgingEvent.update({JudgingEvent.locked_at: JudgingEvent.locked_at - timedelta(hours=3)}).where(
        JudgingEvent.event == j.event)
    assert await _blockers(client, j) == []
