"""Accounts and scoped grants: who may create which accounts and grant which roles."""

from __future__ import annotations

import asyncio

from tests.server.factories import token_for


async def test_admin_creates_user_with_grant(client, world):
    headers = await token_for(client, "admin")
    r = await client.post("/api/users", headers=headers, json={
        "username": "coord-new", "display_name": "新联络员", "password": "long-enough-pass",
        "grants": [{"role": "school_coordinator", "organization_id": world.orgs["school_b"]}]})
    assert r.status_code == 201, r.text
    assert r.json()["grants"][0]["organization_name"] == "济宁技师学院"
    assert "password" not in r.text and "argon2" not in r.text


async def test_organizer_grants_inside_scope_only(client, world):
    headers = await token_for(client, "organizer")
    ok = await client.post("/api/users", headers=headers, json={
        "username": "judge-new", "display_name": "裁判", "password": "long-enough-pass",
        "grants": [{"role": "judge", "organization_id": world.orgs["city"]}]})
    assert ok.status_code == 201, ok.text
    outside = await client.post("/api/users", headers=headers, json={
        "username": "judge-far", "display_name": "裁判", "password": "long-enough-pass",
        "grants": [{"role": "school_coordinator", "organization_id": world.orgs["school_c"]}]})
    assert outside.status_code == 403
    admin = await client.post("/api/users", headers=headers, json={
        "username": "wannabe", "display_name": "x", "password": "long-enough-pass",
        "grants": [{"role": "admin", "organization_id": world.orgs["city"]}]})
    assert admin.status_code == 403 and admin.json()["code"] == "grant_not_allowed"


async def test_coordinator_grant_must_be_on_a_school(client, world):
    r = await client.post("/api/users", headers=await token_for(client, "admin"), json={
        "username": "bad-coord", "display_name": "x", "password": "long-enough-pass",
        "grants": [{"role": "school_coordinator", "organization_id": world.orgs["county"]}]})
    assert r.status_code == 422 and r.json()["field"] == "grants[0].organization_id"


async def test_same_username_twice_at_once_one_wins(client, world):
    headers = await token_for(client, "admin")
    body = {"username": "racer", "display_name": "x", "password": "long-enough-pass", "grants": []}
    results = await asyncio.gather(*[client.post("/api/users", headers=headers, json=body) for _ in range(8)])
    codes = sorted(r.status_code for r in results)
    assert codes.count(201) == 1 and codes.count(409) == 7


async def test_grant_and_revoke(client, world):
    headers = await token_for(client, "admin")
    uid = world.users["judge"]
    r = await client.post(f"/api/users/{uid}/grants", headers=headers,
                          json={"role": "chief_judge", "organization_id": world.orgs["city"]})
    assert r.status_code == 201
    grant = next(g for g in r.json()["grants"] if g["role"] == "chief_judge")
    me = await client.get("/api/auth/me", headers=await token_for(client, "judge"))
    assert {g["role"] for g in me.json()["grants"]} == {"judge", "chief_judge"}
    assert (await client.delete(f"/api/users/{uid}/grants/{grant['id']}", headers=headers)).status_code == 204


async def test_coordinator_cannot_manage_users(client, world):
    r = await client.get("/api/users", headers=await token_for(client, "coord_a"))
    assert r.status_code == 403
