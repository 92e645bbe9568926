"""Live updates in one process (the embedded default): the public board moves with a mark, is titled with
the event's code and name and the competition's name, and shows codes only; the console shows every
change to judging officials only and resumes after a reconnect; a slow viewer is told to refetch; a
silent socket is closed by the heartbeat."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient

from server.app import create_app
from server.live.hub import QUEUE, REFETCH_ALL, Listener
from tests.server.judging.support import cells
from tests.server.live.support import prepare, receive_until


def _mark(code, aspect, value):
    return {"key": uuid.uuid4().hex, "code": code, "aspect": aspect, "value": str(value), "device": "t"}


def _sheet(tc, j, name):
    r = tc.get(f"{j.base}/sheets", headers=j.tokens[name])
    assert r.status_code == 200, r.text
    return cells(r.json())


def test_a_mark_moves_the_public_board_and_the_board_shows_codes_only():
    j = prepare()
    with TestClient(app=create_app()) as tc:
        with tc.websocket_connect(f"/live/events/{j.event}/scoreboard") as ws:
            first = ws.receive_json()
            assert first["what"] == "scoreboard" and first["criteria"]["A"]["marked"] == 0
            code, aspect, _, _ = _sheet(tc, j, "j2")[0]
            r = tc.post(f"{j.base}/marks", headers=j.tokens["j2"], json={"marks": [_mark(code, aspect, 2)]})
            assert r.status_code == 200 and r.json()["accepted"] == 1
            moved = receive_until(ws, lambda m: m.get("what") == "scoreboard" and m["seq"] > first["seq"])
            assert moved["criteria"]["A"]["marked"] == 1
            text = json.dumps([first, moved], ensure_ascii=False)
        board = tc.get(f"/api/live/events/{j.event}/scoreboard").json()  # the refetch endpoint, anonymous
        text += json.dumps(board, ensure_ascii=False)
    assert len(board["lines"]) == 3 and all(set(line) <= {"rank", "total", "code"} for line in board["lines"])
    for said in (first, moved, board):  # the board's title: public facts of the event, on the socket and the GET
        title = (said["event_code"], said["event_name"], said["competition_name"])
        assert title == ("DG", "电工", "2026年济宁市职业技能大赛")
    for forbidden in ("entry", "school", "members", "曲阜市职业中等专业学校", "济宁技师学院", "泰安技师学院"):
        assert forbidden not in text, forbidden
    for entry_id in j.entries.values():
        assert f'"entry_id": {entry_id}' not in text


def test_the_console_is_for_officials_and_resumes_after_a_reconnect():
    j = prepare()
    with TestClient(app=create_app()) as tc:
        with pytest.raises(WebSocketDisconnect):
            with tc.websocket_connect(f"/live/events/{j.event}/console") as ws:  # anonymous
                ws.receive_json()
        with pytest.raises(WebSocketDisconnect):
            with tc.websocket_connect(f"/live/events/{j.event}/console", headers=j.tokens["j2"]) as ws:
                ws.receive_json()
        rows = _sheet(tc, j, "j2")
        with tc.websocket_connect(f"/live/events/{j.event}/console", headers=j.tokens["chief"]) as ws:
            tc.post(f"{j.base}/marks", headers=j.tokens["j2"], json={"marks": [_mark(*rows[0][:2], 2)]})
            seen = receive_until(ws, lambda m: m.get("what") == "marks")
            assert seen["judge"] == j.users["j2"] and seen["accepted"] == 1
        # while nobody watches, two more batches; a reconnect with the last sequence gets exactly those
        for row in rows[1:3]:
            tc.post(f"{j.base}/marks", headers=j.tokens["j2"], json={"marks": [_mark(*row[:2], 2)]})
        with tc.websocket_connect(f"/live/events/{j.event}/console?since={seen['seq']}",
                                  headers=j.tokens["chief"]) as ws:
            missed = [ws.receive_json(), ws.receive_json()]
            assert [m["what"] for m in missed] == ["marks", "marks"]
            assert [m["seq"] for m in missed] == sorted(m["seq"] for m in missed) and missed[0]["seq"] > seen["seq"]
        with tc.websocket_connect(f"/live/events/{j.event}/console?since=0", headers=j.tokens["chief"]) as ws:
            assert ws.receive_json() == json.loads(REFETCH_ALL)  # older than this worker remembers


def test_a_silent_socket_is_closed_by_the_heartbeat(monkeypatch):
    monkeypatch.setenv("JINENG_LIVE_HEARTBEAT", "0.2")
    j = prepare()
    with TestClient(app=create_app()) as tc:
        with tc.websocket_connect(f"/live/events/{j.event}/scoreboard") as ws:
            ws.receive_json()
            assert ws.receive_json()["what"] == "ping"
            with pytest.raises(WebSocketDisconnect):
                for _ in range(20):
                    ws.receive_json()


def test_a_slow_viewer_is_told_to_refetch_and_never_blocks():
    async def run():
        listener = Listener()
        for i in range(QUEUE + 5):
            listener.offer(json.dumps({"seq": i}).encode())  # never waits, whatever the viewer does
        assert listener.overflowed
        return [listener.queue.get_nowait() for _ in range(listener.queue.qsize())]

    drained = asyncio.run(run())
    assert drained[0] == REFETCH_ALL and len(drained) < QUEUE
