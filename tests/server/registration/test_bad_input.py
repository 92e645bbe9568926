"""Bad input to the registration and people endpoints: always a 4xx problem+json that names the field, never
a 500, and nothing half-written."""

from __future__ import annotations

import pytest

from server.registration.tables import Entry
from tests.server.factories import upload
from tests.server.registration.support import draft, submit


def problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    body = r.json()
    assert body["code"] and body["detail"] and "Traceback" not in r.text
    return body


@pytest.mark.parametrize("body, field", [
    ({"event_id": "one"}, "event_id"),
    ({"event_id": 1, "members": [{"person_id": "x"}]}, "members[0].person_id"),
    ({"event_id": 1, "members": [{"id": 3}]}, "members[0]"),
    ({"event_id": 1, "team_name": ""}, "team_name"),
    ({"event_id": 1, "members": [{"person_id": n} for n in range(11)]}, "members"),
    ({"event_id": 1, "colour": "red"}, None),
])
async def test_entry_body_errors_name_the_field(client, reg, body, field):
    r = await client.post("/api/entries", headers=reg.tokens["coord_a"], json=body)
    got = problem(r, 400)
    if field:
        assert got["field"] == field or (got["field"] or "").startswith(field), got
    assert await Entry.count() == 0


async def test_query_and_path_errors(client, reg):
    h = reg.tokens["coord_a"]
    problem(await client.get("/api/entries?status=bogus", headers=h), 400)
    problem(await client.get("/api/entries?limit=0", headers=h), 400)
    problem(await client.get("/api/entries?event_id=abc", headers=h), 400)
    problem(await client.get("/api/entries/999999", headers=h), 404)
    problem(await client.get("/api/entries/template", headers=h), 400)  # event_id missing
    problem(await client.get("/api/entries/template?event_id=999999", headers=h), 422)
    problem(await client.get("/api/entries/export?format=pdf", headers=h), 400)
    problem(await client.post("/api/entries/999999/submit", headers=h), 404)
    problem(await client.post("/api/entries/1/withdraw", headers=h, json={"reason": ""}), 400)
    r = await client.post("/api/entries", headers={**h, "content-type": "application/json"}, content=b"{oops")
    problem(r, 400)


async def test_withdraw_and_review_bodies(client, reg):
    a = reg.students["school_a"]
    eid = (await draft(client, reg, "coord_a", reg.individual, [a[0]]))["id"]
    await submit(client, reg, "coord_a", eid)
    org = reg.tokens["organizer"]
    body = problem(await client.post(f"/api/review/{eid}/return", headers=org,
                                     json={"remarks": [{"field": "", "message": "x"}]}), 400)
    assert body["field"].startswith("remarks[0]")
    problem(await client.post("/api/review/approve", headers=org, json={"entry_ids": []}), 400)
    problem(await client.post("/api/review/approve", headers=org, json={"entry_ids": ["a"]}), 400)
    problem(await client.post(f"/api/entries/{eid}/submit", headers=reg.tokens["coord_a"], json={"version": 0}), 400)
    r = await client.post(f"/api/entries/{eid}/withdraw", headers=reg.tokens["coord_a"], json={"reason": "x" * 3000})
    assert problem(r, 400)["field"] == "reason"
    entry = (await client.get(f"/api/entries/{eid}", headers=reg.tokens["coord_a"])).json()
    assert entry["status"] == "submitted"


async def test_import_query_errors(client, reg):
    h = reg.tokens["coord_a"]
    problem(await client.post("/api/entries/import", headers=h, files=upload(b"PK")), 400)  # event_id missing
    problem(await client.post("/api/entries/import?event_id=999999", headers=h, files=upload(b"PK\x03\x04x")), 422)
    # a body that is not multipart at all (no content type, no boundary): Litestar refuses to parse the form.
    # Its code is today the generic "bad_request", not the "malformed_multipart" of an undecodable part: reported
    # as a gap, so only the exact status is pinned here.
    r = await client.post(f"/api/entries/import?event_id={reg.team}", headers=h, content=b"not multipart")
    problem(r, 400)
    r = await client.post(f"/api/entries/import?event_id={reg.team}", headers=h,
                          files=upload(b"PK\x03\x04" + b"garbage" * 100))
    assert problem(r, 415)["code"] == "not_xlsx"
