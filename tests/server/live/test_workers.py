"""Across workers on PostgreSQL: a viewer connected to one server process sees a mark posted through
another, through LISTEN/NOTIFY and no other broker. Two real ``jineng serve`` processes on one database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from server.config import get_settings
from tests.server.judging.support import cells
from tests.server.live.support import prepare

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(port: int, tmp: Path) -> subprocess.Popen:
    env = {**os.environ, "JINENG_VAR_DIR": str(tmp), "JINENG_LIVE_HEARTBEAT": "30"}
    return subprocess.Popen([str(Path(sys.executable).with_name("jineng")), "serve", "--port", str(port),
                             "--log-level", "warning"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _wait(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode()[-2000:])
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not start")


@pytest.mark.skipif(get_settings().engine != "postgres",
                    reason="several workers need PostgreSQL (SQLite serves one process); runs in the PostgreSQL pass")
def test_a_mark_posted_on_one_worker_reaches_a_viewer_on_another(tmp_path):
    j = prepare()
    ports = [_free_port(), _free_port()]
    servers = [_serve(port, tmp_path) for port in ports]
    try:
        for port, process in zip(ports, servers):
            _wait(port, process)
        viewer_url = f"ws://127.0.0.1:{ports[0]}/live/events/{j.event}"
        writer = f"http://127.0.0.1:{ports[1]}"
        with connect(f"{viewer_url}/scoreboard") as board, \
                connect(f"{viewer_url}/console", additional_headers=j.tokens["chief"]) as console:
            first = json.loads(board.recv(timeout=10))
            assert first["criteria"]["A"]["marked"] == 0
            sheet = httpx.get(f"{writer}{j.base}/sheets", headers=j.tokens["j2"]).json()
            code, aspect, _, _ = cells(sheet)[0]
            r = httpx.post(f"{writer}{j.base}/marks", headers=j.tokens["j2"], json={"marks": [
                {"key": uuid.uuid4().hex, "code": code, "aspect": aspect, "value": "2", "device": "t"}]})
            assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
            for _ in range(20):
                moved = json.loads(board.recv(timeout=10))
                if moved.get("what") == "scoreboard" and moved["seq"] > first["seq"]:
                    break
            assert moved["criteria"]["A"]["marked"] == 1
            notice = json.loads(console.recv(timeout=10))
            assert notice["what"] == "marks" and notice["judge"] == j.users["j2"]
    finally:
        for process in servers:
            process.terminate()
        for process in servers:
            process.wait(timeout=20)
