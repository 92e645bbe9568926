"""The appeal window (GET …/appeal-window) for the school that may appeal: closed until the lock, open
from the lock for the event's minutes, then closed — as filing is judged. A coordinator of a school
with no entry in the event, and anyone else without a judging role, is told there is no such event
(404, as for the rest of judging); officials read it too."""

from __future__ import annotations

from datetime import datetime, timedelta

from server.judging.tables import JudgingEvent
from tests.server.factories import token_for
from tests.server.judging.support import cells, drawn, make_judged_event, mark, post_marks, sheet, staffed


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_the_appealing_school_reads_the_window_and_another_school_is_refused(client, world):
    j = await staffed(client, await make_judged_event(client, world, schools=("school_a", "school_c")))
    url = f"{j.base}/appeal-window"
    coord_a, coord_b = await token_for(client, "coord_a"), await token_for(client, "coord_b")
    await drawn(client, j)
    before = await client.get(url, headers=coord_a)
    assert before.status_code == 200, before.text
    body = before.json()
    assert (body["judging_status"], body["window_minutes"], body["opens_at"], body["closes_at"], body["open"]) == (
        "marking", 120, None, None, False)

    # school_b has no entry in the event: refused like any outsider, and so are a graduate and a stranger
    for headers in (coord_b, await token_for(client, "graduate")):
        refused = await client.get(url, headers=headers)
        assert refused.status_code == 404 and refused.json()["code"] == "event_not_found", refused.text
    assert (await client.get(url)).status_code == 401
    assert (await client.get(f"/api/judging/events/{j.event + 999}/appeal-window", headers=coord_a)).status_code == 404
    assert (await client.get(url, headers=j.tokens["sup"])).status_code == 200  # an official

    for name in ("j1", "j2", "j3", "j4", "j5"):
        mine = cells(await sheet(client, j, name))
        await post_marks(client, j, name, *[mark(code, aspect, {"A1": 2, "A2": 3, "B1": 7}[aspect])
                                            for code, aspect, _, _ in mine])
        for criterion in {s["criterion"] for s in (await sheet(client, j, name))["sheets"]}:
            assert (await client.post(f"{j.base}/signoff/{criterion}", headers=j.tokens[name])).status_code == 204
    assert (await client.post(f"{j.base}/lock", headers=j.tokens["chief"], json={})).status_code == 200
    body = (await client.get(url, headers=coord_a)).json()
    assert body["open"] and body["judging_status"] == "locked"
    assert _at(body["closes_at"]) - _at(body["opens_at"]) == timedelta(minutes=120)
    assert _at(body["opens_at"]) <= _at(body["checked_at"]) <= _at(body["closes_at"])
    assert (await client.get(url, headers=coord_b)).status_code == 404

    await JudgingEvent.update({JudgingEvent.locked_at: JudgingEvent.locked_at - timedelta(hours=3)}).where(
        JudgingEvent.event == j.event)
    body = (await client.get(url, headers=coord_a)).json()
    assert not body["open"] and _at(body["closes_at"]) < _at(body["checked_at"])
    late = await client.post(f"{j.base}/appeals", headers=coord_a,
                             json={"entry_id": j.entries["school_a"], "text": "窗口关闭后提交的申诉应被拒绝。"})
    assert late.status_code == 409 and late.json()["code"] == "appeal_window_closed"  # what the window said
