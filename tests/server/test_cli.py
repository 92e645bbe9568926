"""The ``jineng`` command: help texts, user creation, and refusing several workers on SQLite."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from server.accounts.tables import User


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_help_lists_every_command():
    out = _cli("--help")
    assert out.returncode == 0
    for command in ("serve", "db", "demo", "users", "audit"):
        assert command in out.stdout
    serve = _cli("serve", "--help")
    assert "--workers" in serve.stdout and "PostgreSQL" in serve.stdout


async def test_users_create(client, world):
    out = await asyncio.to_thread(_cli, "users", "create", "cli-judge", "--display-name", "命令行裁判",
                                  "--role", "judge", "--organization", str(world.orgs["city"]),
                                  env={"JINENG_NEW_PASSWORD": "cli-password-123"})
    assert out.returncode == 0, out.stderr
    assert await User.exists().where(User.username == "cli-judge")
    r = await client.post("/api/auth/login", json={"username": "cli-judge", "password": "cli-password-123"})
    assert r.status_code == 200


async def test_users_create_refuses_bad_input(client, world):
    out = await asyncio.to_thread(_cli, "users", "create", "x", env={"JINENG_NEW_PASSWORD": "short"})
    assert out.returncode == 1 and "error" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.skipif(not os.environ["JINENG_DATABASE_URL"].startswith("sqlite"),
                    reason="on PostgreSQL several workers are allowed (tests/server/live/test_workers.py runs two servers)")
def test_serve_refuses_workers_on_sqlite():
    out = _cli("serve", "--workers", "2")
    assert out.returncode == 2 and "PostgreSQL" in out.stderr
