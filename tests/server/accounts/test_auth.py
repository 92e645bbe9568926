"""Sign-in, sessions, tokens, CSRF, rate limiting, logout and password change, through the real app."""

from __future__ import annotations

import asyncio

from tests.server.factories import PASSWORD, token_for


async def test_token_login_and_me(client, world):
    headers = await token_for(client, "organizer")
    r = await client.get("/api/auth/me", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["username"] == "organizer"
    assert [g["role"] for g in body["grants"]] == ["organizer"]
    assert body["grants"][0]["organization_name"] == "济宁市教育局"


async def test_wrong_user_and_wrong_password_get_the_same_answer(client, world):
    a = await client.post("/api/auth/login", json={"username": "organizer", "password": "nope-nope-nope"})
    b = await client.post("/api/auth/login", json={"username": "nobody-here", "password": "nope-nope-nope"})
    assert a.status_code == b.status_code == 401
    assert a.headers["content-type"].startswith("application/problem+json")
    strip = lambda body: {k: v for k, v in body.items() if k != "instance"}  # noqa: E731
    assert strip(a.json()) == strip(b.json())
    assert a.json()["code"] == "invalid_credentials"


async def test_login_attempts_are_rate_limited(client, world):
    for _ in range(10):
        r = await client.post("/api/auth/login", json={"username": "judge", "password": "wrong-password"})
        assert r.status_code == 401
    r = await client.post("/api/auth/login", json={"username": "judge", "password": PASSWORD})
    assert r.status_code == 429
    assert r.json()["code"] == "login_rate_limited"
    # another user from the same address is not locked out by judge's failures
    ok = await client.post("/api/auth/login", json={"username": "organizer", "password": PASSWORD, "mode": "token"})
    assert ok.status_code == 200


async def test_cookie_session_needs_csrf_for_writes(client, world):
    r = await client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD, "mode": "cookie"})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("samesite", "SameSite")
    csrf = r.json()["csrf_token"]
    assert r.json()["token"] is None  # the session token never appears in the body
    assert (await client.get("/api/auth/me")).status_code == 200  # reads need no CSRF header
    body = {"name": "新区", "kind": "region", "level": "county", "parent_id": world.orgs["city"]}
    refused = await client.post("/api/organizations", json=body)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    wrong = await client.post("/api/organizations", json=body, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    ok = await client.post("/api/organizations", json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201, ok.text


async def test_logout_revokes_the_token(client, world):
    headers = await token_for(client, "judge")
    out = await client.post("/api/auth/logout", headers=headers)
    assert out.status_code == 200 and out.json() == {"signed_out": True}
    r = await client.get("/api/auth/me", headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


async def test_logout_ends_the_cookie_session_and_clears_the_cookie(client, world):
    r = await client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD, "mode": "cookie"})
    session = client.cookies["jineng_session"]
    out = await client.post("/api/auth/logout", headers={"X-CSRF-Token": r.json()["csrf_token"]})
    assert out.status_code == 200 and out.json() == {"signed_out": True}
    cleared = out.headers["set-cookie"]
    assert cleared.startswith("jineng_session=") and "Max-Age=0" in cleared.replace("max-age", "Max-Age")
    # the old cookie, sent again by a client that ignored the clearing, is refused too
    client.cookies.set("jineng_session", session)
    again = await client.get("/api/auth/me")
    assert again.status_code == 401


async def test_password_change_revokes_every_session(client, world):
    first = await token_for(client, "coord_a")
    second = await token_for(client, "coord_a")
    r = await client.post("/api/auth/password", headers=first,
                          json={"current_password": PASSWORD, "new_password": "a-brand-new-secret"})
    assert r.status_code == 200, r.text
    assert r.json() == {"password_changed": True, "signed_out_everywhere": True}
    assert "Max-Age=0" in r.headers["set-cookie"].replace("max-age", "Max-Age")
    for headers in (first, second):
        assert (await client.get("/api/auth/me", headers=headers)).status_code == 401
    old = await client.post("/api/auth/login", json={"username": "coord_a", "password": PASSWORD})
    assert old.status_code == 401
    assert (await token_for(client, "coord_a", "a-brand-new-secret"))


async def test_wrong_current_password_is_refused(client, world):
    headers = await token_for(client, "coord_a")
    r = await client.post("/api/auth/password", headers=headers,
                          json={"current_password": "not-it-at-all", "new_password": "a-brand-new-secret"})
    assert r.status_code == 422 and r.json()["field"] == "current_password"


async def test_api_tokens_can_be_created_and_revoked(client, world):
    headers = await token_for(client, "organizer")
    r = await client.post("/api/auth/tokens", headers=headers, json={"label": "score import", "days": 7})
    assert r.status_code == 201
    token = r.json()
    api = {"Authorization": f"Bearer {token['token']}"}
    assert (await client.get("/api/auth/me", headers=api)).status_code == 200
    assert (await client.delete(f"/api/auth/tokens/{token['id']}", headers=headers)).status_code == 204
    assert (await client.get("/api/auth/me", headers=api)).status_code == 401


async def test_expired_session_is_refused(client, world):
    from datetime import datetime, timedelta, timezone

    from server.accounts.tables import AuthSession

    headers = await token_for(client, "judge")
    await AuthSession.update({AuthSession.expires_at: datetime.now(timezone.utc) - timedelta(seconds=1)}).where(
        AuthSession.id > 0
    )
    assert (await client.get("/api/auth/me", headers=headers)).status_code == 401


async def test_concurrent_logins_all_succeed(client, world):
    results = await asyncio.gather(*[
        client.post("/api/auth/login", json={"username": "organizer", "password": PASSWORD, "mode": "token"})
        for _ in range(20)
    ])
    assert [r.status_code for r in results] == [200] * 20
    assert len({r.json()["token"] for r in results}) == 20


async def test_me_gives_a_reloaded_page_its_csrf_token(client, world):
    """A page keeps the CSRF token in memory or sessionStorage; after a reload (or in a new tab) it asks
    GET /api/auth/me for it again (issue 13, item 8)."""
    r = await client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD, "mode": "cookie"})
    csrf = r.json()["csrf_token"]
    me = await client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["csrf_token"] == csrf
    body = {"name": "新区", "kind": "region", "level": "county", "parent_id": world.orgs["city"]}
    ok = await client.post("/api/organizations", json=body, headers={"X-CSRF-Token": me.json()["csrf_token"]})
    assert ok.status_code == 201, ok.text
    # a bearer token has no CSRF token (and the cookie of another client is not this one's)
    client.cookies.clear()
    bearer = await client.get("/api/auth/me", headers=await token_for(client, "admin"))
    assert bearer.status_code == 200 and bearer.json()["csrf_token"] is None
