"""Authorization review: holes found by reading every route and its service, each with the request that
reached data or changed state outside the caller's scope before the fix."""

from __future__ import annotations

from datetime import datetime, timezone

from server.competitions.tables import Competition, CompetitionOrganizer
from server.db import write_transaction
from tests.server.factories import PASSWORD, token_for


async def _far_coordinator(client, world) -> int:
    """An account of another city (泰安): a coordinator of school_c, created by the administrator."""
    r = await client.post("/api/users", headers=await token_for(client, "admin"), json={
        "username": "coord_c", "display_name": "泰安联络员", "password": PASSWORD,
        "grants": [{"role": "school_coordinator", "organization_id": world.orgs["school_c"]}]})
    assert r.status_code == 201, r.text
    return r.json()["id"]


# --- accounts linked to a person record ------------------------------------------------------------

async def test_organizer_cannot_link_an_account_to_a_person_outside_their_region(client, world):
    """An account's ``person_id`` lets it read that person's record, certificates and PDFs. An organizer of
    济宁 created an account (a judge in their own city) linked to a student of 泰安 and read the record."""
    h = await token_for(client, "organizer")
    far = world.people["school_c"][0]
    r = await client.post("/api/users", headers=h, json={
        "username": "spy", "display_name": "spy", "password": PASSWORD, "person_id": far,
        "grants": [{"role": "judge", "organization_id": world.orgs["city"]}]})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "person_not_found" and r.json()["field"] == "person_id"
    # nothing was created: the account cannot sign in
    login = await client.post("/api/auth/login", json={"username": "spy", "password": PASSWORD, "mode": "token"})
    assert login.status_code == 401
    # an absent person gets the same answer (no existence oracle)
    r = await client.post("/api/users", headers=h, json={
        "username": "spy2", "display_name": "spy", "password": PASSWORD, "person_id": 999_999,
        "grants": [{"role": "judge", "organization_id": world.orgs["city"]}]})
    assert r.status_code == 422 and r.json()["code"] == "person_not_found"


async def test_organizer_links_a_graduate_account_in_their_region(client, world):
    h = await token_for(client, "organizer")
    own = world.people["school_b"][1]
    r = await client.post("/api/users", headers=h, json={
        "username": "grad-b", "display_name": "毕业生", "password": PASSWORD, "person_id": own,
        "grants": [{"role": "graduate"}]})
    assert r.status_code == 201, r.text
    g = await token_for(client, "grad-b")
    assert (await client.get(f"/api/people/{own}", headers=g)).status_code == 200
    assert (await client.get(f"/api/people/{world.people['school_b'][0]}", headers=g)).status_code == 404


async def test_even_an_administrator_cannot_link_an_absent_person(client, world):
    r = await client.post("/api/users", headers=await token_for(client, "admin"), json={
        "username": "ghost", "display_name": "x", "password": PASSWORD, "person_id": 424_242,
        "grants": [{"role": "graduate"}]})
    assert r.status_code == 422 and r.json()["code"] == "person_not_found"


# --- grants on accounts the organizer does not manage ----------------------------------------------

async def test_organizer_cannot_grant_roles_to_accounts_outside_their_region(client, world):
    """POST /api/users/{id}/grants took any user id: an organizer changed another city's account (and the
    administrator's) and read it whole — username, person link, every grant — in the answer."""
    far = await _far_coordinator(client, world)
    h = await token_for(client, "organizer")
    for user_id in (far, world.users["admin"]):
        r = await client.post(f"/api/users/{user_id}/grants", headers=h,
                              json={"role": "judge", "organization_id": world.orgs["city"]})
        assert r.status_code == 404, r.text
        assert r.json()["code"] == "user_not_found"
        assert "coord_c" not in r.text and "中华人民共和国" not in r.text
    # the far account is unchanged
    me = await client.get("/api/auth/me", headers=await token_for(client, "coord_c"))
    assert [g["role"] for g in me.json()["grants"]] == ["school_coordinator"]
    # the unscoped graduate role was let through by can_manage_competition(principal, None)
    r = await client.post(f"/api/users/{far}/grants", headers=h, json={"role": "graduate"})
    assert r.status_code == 404, r.text


async def test_organizer_still_grants_roles_to_accounts_they_manage(client, world):
    h = await token_for(client, "organizer")
    r = await client.post(f"/api/users/{world.users['judge']}/grants", headers=h,
                          json={"role": "chief_judge", "organization_id": world.orgs["city"]})
    assert r.status_code == 201, r.text
    assert {g["role"] for g in r.json()["grants"]} == {"judge", "chief_judge"}
    r = await client.post(f"/api/users/{world.users['coord_b']}/grants", headers=h, json={"role": "graduate"})
    assert r.status_code == 201, r.text


async def test_organizer_manages_accounts_scoped_to_their_competitions(client, world):
    """A judge granted on one competition only is managed by that competition's organizers."""
    stamp = datetime.now(timezone.utc)
    async with write_transaction():
        comp = (await Competition.insert(Competition(name="2026年济宁市技能大赛", level="city", year=2026,
                                                     status="draft", created_at=stamp, updated_at=stamp)
                                         ).returning(Competition.id))[0]["id"]
        await CompetitionOrganizer.insert(CompetitionOrganizer(competition=comp, organization=world.orgs["edu"],
                                                               role="host"))
    h = await token_for(client, "organizer")
    r = await client.post("/api/users", headers=h, json={
        "username": "judge-comp", "display_name": "赛项裁判", "password": PASSWORD,
        "grants": [{"role": "judge", "competition_id": comp}]})
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    assert (await client.get(f"/api/users/{uid}", headers=h)).status_code == 200
    r = await client.post(f"/api/users/{uid}/grants", headers=h, json={"role": "chief_judge", "competition_id": comp})
    assert r.status_code == 201, r.text
    # a county organizer does not organize the city competition: the account stays invisible to them
    await client.post("/api/users", headers=await token_for(client, "admin"), json={
        "username": "county-org", "display_name": "x", "password": PASSWORD,
        "grants": [{"role": "organizer", "organization_id": world.orgs["county"]}]})
    c = await token_for(client, "county-org")
    assert (await client.get(f"/api/users/{uid}", headers=c)).status_code == 404


# --- the last administrator ------------------------------------------------------------------------

async def test_the_last_admin_grant_cannot_be_removed(client, world):
    """Fuzzing as the administrator removed its own (the only) admin grant: every admin route then answered
    403 and only the CLI could create an administrator again."""
    h = await token_for(client, "admin")
    me = (await client.get("/api/auth/me", headers=h)).json()
    grant = next(g for g in me["grants"] if g["role"] == "admin")
    r = await client.delete(f"/api/users/{me['id']}/grants/{grant['id']}", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "last_admin_grant", r.text
    assert (await client.get("/api/audit", headers=h)).status_code == 200
    # with a second administrator the grant can go
    r = await client.post(f"/api/users/{world.users['judge']}/grants", headers=h,
                          json={"role": "admin", "organization_id": world.orgs["national"]})
    assert r.status_code == 201
    r = await client.delete(f"/api/users/{me['id']}/grants/{grant['id']}", headers=h)
    assert r.status_code == 204, r.text


async def test_organizer_cannot_remove_the_graduate_role_of_an_account_elsewhere(client, world):
    """Removing a grant checked only the grant's scope; the unscoped graduate role passed for any organizer."""
    r = await client.post("/api/users", headers=await token_for(client, "admin"), json={
        "username": "grad-c", "display_name": "泰安毕业生", "password": PASSWORD,
        "person_id": world.people["school_c"][1], "grants": [{"role": "graduate"}]})
    assert r.status_code == 201, r.text
    uid, grant = r.json()["id"], r.json()["grants"][0]["id"]
    r = await client.delete(f"/api/users/{uid}/grants/{grant}", headers=await token_for(client, "organizer"))
    assert r.status_code == 404, r.text
    me = await client.get("/api/auth/me", headers=await token_for(client, "grad-c"))
    assert [g["role"] for g in me.json()["grants"]] == ["graduate"]


async def test_no_competition_means_no_competition_roles(client):
    """``competition_roles(None)`` matched every organization-scoped grant (whose competition_id is None), so
    ``can_manage_competition(principal, None)`` was true for any organizer."""
    from server.access import can_manage_competition
    from server.principal import Grant, Principal

    organizer = Principal(user_id=1, username="o", display_name="o", person_id=None, session_id=1, via_cookie=False,
                          grants=(Grant(1, "organizer", 5, "济宁市教育局", "/1/2/3/", None),))
    assert organizer.competition_roles(None) == set()
    assert await can_manage_competition(organizer, None) is False  # type: ignore[arg-type]
