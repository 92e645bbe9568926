"""Failed sign-ins: a burst is counted before any password is checked (issue 13, item 1), and the limit
is per account *and address* with a per-account brake that delays instead of locking (item 2)."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import httpx
import pytest

from server.accounts import signin
from server.accounts.tables import LoginAttempt
from server.config import get_settings
from tests.server.factories import PASSWORD


@asynccontextmanager
async def client_at(client: httpx.AsyncClient, address: str):
    """Another client on the same app, connecting from ``address``."""
    transport = httpx.ASGITransport(app=client._transport.app, client=(address, 40000))  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        yield other


@pytest.fixture
def checks(monkeypatch):
    """Counts password checks and records the brake's waits instead of sleeping them."""
    seen = {"checks": 0, "waits": []}
    real = signin.verify_password

    def counting(stored, password):
        seen["checks"] += 1
        return real(stored, password)

    async def no_sleep(seconds):
        seen["waits"].append(seconds)

    monkeypatch.setattr(signin, "verify_password", counting)
    monkeypatch.setattr(signin, "_sleep", no_sleep)
    return seen


def login(c, username="judge", password="wrong-password", mode="token"):
    return c.post("/api/auth/login", json={"username": username, "password": password, "mode": mode})


async def test_a_burst_of_wrong_passwords_checks_at_most_the_limit(client, world, checks):
    limit = get_settings().login_attempts_per_window
    responses = await asyncio.gather(*[login(client) for _ in range(200)])
    codes = [r.status_code for r in responses]
    assert codes.count(401) == limit and codes.count(429) == 200 - limit, sorted(set(codes))
    assert checks["checks"] == limit  # the other 190 were refused before their password was looked at
    assert {r.json()["code"] for r in responses if r.status_code == 429} == {"login_rate_limited"}
    assert await LoginAttempt.count().where(LoginAttempt.username == "judge") == limit


async def test_the_attacker_address_is_limited_not_the_account(client, world, checks):
    limit = get_settings().login_attempts_per_window
    async with client_at(client, "203.0.113.66") as attacker:
        for _ in range(limit):
            assert (await login(attacker)).status_code == 401
        assert (await login(attacker)).status_code == 429
        # the right password from the attacker's address is refused too (the pair is limited) ...
        assert (await login(attacker, password=PASSWORD)).status_code == 429
    # ... while the real user, at their own address, signs in
    r = await login(client, password=PASSWORD)
    assert r.status_code == 200, r.text
    # and every address but the attacker's still gets its password checked
    async with client_at(client, "198.51.100.7") as elsewhere:
        assert (await login(elsewhere)).status_code == 401


async def test_failures_from_many_addresses_brake_the_account_without_locking_it(client, world, checks):
    limit = get_settings().login_attempts_per_window
    for i in range(limit):  # below the limit: no wait at all
        async with client_at(client, f"203.0.113.{i + 1}") as bot:
            assert (await login(bot)).status_code == 401
    assert checks["waits"] == []
    for i in range(4):  # the account is over the limit: each further guess waits longer
        async with client_at(client, f"198.51.100.{i + 1}") as bot:
            assert (await login(bot)).status_code == 401
    waits = list(checks["waits"])
    assert len(waits) == 4 and all(w > 0 for w in waits) and waits == sorted(waits) and waits[0] < waits[-1]
    # the owner signs in (after the brake's wait, not refused)
    r = await login(client, password=PASSWORD)
    assert r.status_code == 200, r.text
    assert len(checks["waits"]) == 5 and checks["waits"][-1] >= waits[-1]


async def test_one_address_over_many_accounts_is_limited(client, world, checks):
    limit = get_settings().login_attempts_per_window
    codes = [(await login(client, username=f"nobody-{i}")).status_code for i in range(limit * signin.ADDRESS_FACTOR)]
    assert codes == [401] * (limit * signin.ADDRESS_FACTOR)
    r = await login(client, username="organizer", password=PASSWORD)
    assert r.status_code == 429 and r.json()["code"] == "login_rate_limited"


def test_the_brake_grows_and_is_capped(monkeypatch):
    monkeypatch.setenv("JINENG_LOGIN_BRAKE_BASE", "0.5")
    monkeypatch.setenv("JINENG_LOGIN_BRAKE_MAX", "8")
    assert [signin.brake_seconds(n, 10) for n in (0, 9, 10, 11, 12, 13, 14, 15, 1000)] == \
        [0, 0, 0.5, 1, 2, 4, 8, 8, 8]
