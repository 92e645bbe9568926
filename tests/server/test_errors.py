"""Bad input gets a clear RFC 9457 problem with a stable code and the field at fault; never a 500."""

from __future__ import annotations

from tests.server.factories import token_for


def assert_problem(r, status: int, code: str):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == code, body["detail"]
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in r.text, r.text
    return body


async def test_malformed_json(client, world):
    headers = await token_for(client, "admin")
    r = await client.post("/api/organizations", headers={**headers, "content-type": "application/json"},
                          content=b'{"name": "x",')
    assert_problem(r, 400, "malformed_json")


async def test_wrong_type_names_the_field(client, world):
    headers = await token_for(client, "admin")
    r = await client.post("/api/organizations", headers=headers,
                          json={"name": "新区", "kind": "region", "level": "county", "parent_id": "three"})
    body = assert_problem(r, 400, "invalid_body")
    assert body["field"] == "parent_id"


async def test_unknown_field_is_refused(client, world):
    headers = await token_for(client, "admin")
    r = await client.post("/api/organizations", headers=headers,
                          json={"name": "新区", "kind": "region", "level": "county",
                                "parent_id": world.orgs["city"], "colour": "red"})
    body = assert_problem(r, 400, "invalid_body")
    assert "colour" in body["detail"]


async def test_constraint_violation_names_the_field(client, world):
    headers = await token_for(client, "admin")
    r = await client.post("/api/organizations", headers=headers,
                          json={"name": "新区", "kind": "region", "level": "county", "parent_id": world.orgs["city"],
                                "region_code": "12"})
    body = assert_problem(r, 400, "invalid_body")
    assert body["field"] == "region_code"


async def test_domain_rule_names_the_field(client, world):
    headers = await token_for(client, "admin")
    r = await client.post("/api/organizations", headers=headers,
                          json={"name": "某学校", "kind": "school", "level": "school", "parent_id": world.orgs["county"]})
    body = assert_problem(r, 422, "school_type_required")
    assert body["field"] == "school_type"


async def test_invalid_resident_id_says_why(client, world):
    headers = await token_for(client, "coord_a")
    base = {"name": "张三", "school_id": world.orgs["school_a"]}
    cases = {
        "37088120070301999": "18 characters",  # too short
        "370881200713019994": "birth date",  # month 13
        "370881200703019995": "check character",  # wrong check digit
    }
    for rid, words in cases.items():
        r = await client.post("/api/people", headers=headers, json={**base, "resident_id": rid})
        body = assert_problem(r, 422, "invalid_resident_id")
        assert body["field"] == "resident_id" and words in body["detail"]


async def test_duplicate_is_a_conflict_not_a_500(client, world):
    headers = await token_for(client, "coord_a")
    existing = world.resident_ids[world.people["school_a"][0]]
    r = await client.post("/api/people", headers=headers,
                          json={"name": "重复", "resident_id": existing, "school_id": world.orgs["school_a"]})
    assert_problem(r, 409, "person_exists")


async def test_unknown_route_and_method(client, world):
    headers = await token_for(client, "admin")
    assert_problem(await client.get("/api/nothing-here", headers=headers), 404, "not_found")
    assert_problem(await client.delete("/api/auth/me", headers=headers), 405, "method_not_allowed")


async def test_bad_query_parameter(client, world):
    headers = await token_for(client, "admin")
    r = await client.get("/api/people?limit=100000", headers=headers)
    body = assert_problem(r, 400, "invalid_body")
    assert body["field"] == "limit"


async def test_missing_and_unknown_keys_are_named(client, world):
    r = await client.post("/api/auth/login", json={"username": "admin"})
    assert assert_problem(r, 400, "invalid_body")["field"] == "password"
    r = await client.post("/api/auth/login", json={"username": "admin", "password": "x", "remember": True})
    assert assert_problem(r, 400, "invalid_body")["field"] == "remember"


async def test_id_beyond_the_column_range_is_a_client_error(client, world):
    """Ids are 32-bit serials on PostgreSQL: every path id is bounded (server/params.py PathId), so a larger
    one is the same 400 naming the parameter on both engines, never looked up."""
    headers = await token_for(client, "admin")
    for path, field in (("/api/organizations/99999999999999", "org_id"),
                        ("/api/people/99999999999999", "person_id"),
                        ("/api/users/99999999999999", "user_id"),
                        ("/api/entries/2147483648", "entry_id")):
        r = await client.get(path, headers=headers)
        assert assert_problem(r, 400, "invalid_body")["field"] == field, r.text


def test_extension_members_never_replace_the_problem_members():
    """A domain error whose extra names a reserved member (status, code…) still answers its own status."""
    from server.errors import EXCEPTION_HANDLERS, Conflict, DomainError

    exc = Conflict("refused", code="judging_status", extra={"status": "locked", "code": "x", "allowed": ["a"]})
    response = EXCEPTION_HANDLERS[DomainError](None, exc)
    assert response.status_code == 409
    assert response.content["status"] == 409 and response.content["code"] == "judging_status"
    assert response.content["allowed"] == ["a"]


# --- issue 13, items 5 and 6 -----------------------------------------------------------------------

async def test_deeply_nested_json_is_a_400_not_a_500(client, world):
    headers = await token_for(client, "admin")
    for depth in (5_000, 200_000):
        deep = b"[" * depth + b"]" * depth
        for path, h in (("/api/auth/login", {}), ("/api/organizations", headers)):
            r = await client.post(path, headers={**h, "content-type": "application/json"}, content=deep)
            body = assert_problem(r, 400, "json_too_deep")
            assert "nest" in body["detail"]
        obj = b'{"a":' * depth + b"1" + b"}" * depth
        r = await client.post("/api/auth/login", headers={"content-type": "application/json"}, content=obj)
        assert_problem(r, 400, "json_too_deep")


async def test_nul_characters_are_refused_naming_the_field(client, world):
    headers = await token_for(client, "admin")
    base = {"name": "新区", "kind": "region", "level": "county", "parent_id": world.orgs["city"]}
    r = await client.post("/api/organizations", headers=headers, json={**base, "name": "新\x00区"})
    body = assert_problem(r, 422, "invalid_text")
    assert body["field"] == "name" and "NUL" in body["detail"]
    r = await client.post("/api/users", headers=headers, json={
        "username": "someone", "display_name": "x", "password": "long-enough-pass",
        "grants": [{"role": "judge\x00", "organization_id": world.orgs["city"]}]})
    assert assert_problem(r, 422, "invalid_text")["field"] == "grants[0].role"
    # anonymous routes too, and query parameters
    r = await client.post("/api/auth/login", json={"username": "admin\x00", "password": "x"})
    assert assert_problem(r, 422, "invalid_text")["field"] == "username"
    r = await client.get("/api/people", headers=headers, params={"q": "张\x00"})
    assert assert_problem(r, 422, "invalid_text")["field"] == "q"
    # nothing was stored, and an escaped backslash before u0000 is ordinary text
    assert all("\x00" not in o["name"] for o in (await client.get("/api/organizations", headers=headers)).json())
    r = await client.post("/api/organizations", headers=headers, json={**base, "name": "新\\u0000区"})
    assert r.status_code == 201 and r.json()["name"] == "新\\u0000区"


async def test_an_empty_body_says_what_is_missing(client, world):
    headers = await token_for(client, "admin")
    for path, h in (("/api/organizations", headers), ("/api/auth/login", {})):
        r = await client.post(path, headers={**h, "content-type": "application/json"}, content=b"")
        body = assert_problem(r, 400, "missing_body")
        assert "'data'" not in r.text and "JSON" in body["detail"]


async def test_too_large_says_the_limit(client, world):
    headers = await token_for(client, "admin")
    r = await client.post("/api/people/import?school_id=1", headers=headers,
                          files={"file": ("big.xlsx", b"x" * (6 * 1024 * 1024))})
    body = assert_problem(r, 413, "payload_too_large")
    assert body["limit_bytes"] > 5 * 1024 * 1024 and "MB" in body["detail"]
    r = await client.post("/api/auth/login", headers={"content-type": "application/json"},
                          content=b'{"username": "' + b"x" * 11_000_000 + b'"}')
    body = assert_problem(r, 413, "payload_too_large")
    assert body["limit_bytes"] == 10_000_000 and "10 MB" in body["detail"]
