"""Odd and hostile input to every competitions endpoint: the exact 4xx problem+json each answers, never a 500,
nothing half-written."""

from __future__ import annotations

from server.competitions.tables import Competition, Event
from server.results.tables import EntryResult, EventResults
from tests.server.competitions.helpers import create_competition, create_event, step
from tests.server.factories import token_for

ODD_BODIES = [
    None, [], "text", 12, {"to": None}, {"to": ["running"]}, {"name": "x" * 5000}, {"code": "", "name": ""},
    {"scheme": "not an object"}, {"scheme": {"criteria": "x"}}, {"scheme": {"id": "s", "criteria": [{"id": "A",
     "aspects": [{"kind": "panel", "id": "p", "max": "1e999999", "judges": 10 ** 9}]}]}},
    {"promotion_rules": {"not": "a list"}}, {"advancement_rules": {"top_share": "NaN", "ties": "together"}},
    {"eligibility": {"age_reference_date": "2026-02-30"}}, {"organizers": [{"organization_id": 10 ** 12}]},
    {"parent_id": -1}, {"occupation_id": 2 ** 40}, {"registration_opens": "yesterday"},
]


def _first_key(body) -> str | None:
    return next(iter(body)) if isinstance(body, dict) else None


# What each target answers to ODD_BODIES, by index, where that is not the default below. Default: a body that is
# not a JSON object is 400 invalid_body without a field (no body at all: 400 missing_body); an object is 400
# invalid_body naming its (only) key — a field the route does not take, or one of the wrong shape.
ODD_ANSWERS = {
    # a create names the first required field still missing when the given ones decode (scheme and
    # advancement_rules are free-form objects at decoding; their contents are checked after it)
    "create_event": {9: (400, "invalid_body", "code"),
                     10: (400, "invalid_body", "code"), 12: (400, "invalid_body", "code"),
                     13: (400, "invalid_body", "eligibility.age_reference_date")},
    # an update decodes them, then the scheme and advancement rules are checked field by field (422)
    "patch_event": {9: (422, "invalid_type", "scheme.criteria"),
                    10: (422, "too_large", "scheme.criteria[0].aspects[0].max"),
                    12: (422, "ratio_invalid", "advancement_rules.top_share"),
                    13: (400, "invalid_body", "eligibility.age_reference_date")},
    # a competition takes organizers: the id beyond the column range is the field at fault
    "create_competition": {14: (400, "invalid_body", "organizers[0].organization_id")},
    "patch_competition": {14: (400, "invalid_body", "organizers[0].organization_id")},
    "transition": {}, "create_occupation": {},
}
# the results and advancement routes check the event's state before they read a body: in a competition that is
# not running (results) or has no published results (advancement) every body meets that refusal first
STATE_REFUSALS = {"import_results": (409, "competition_not_running"),
                  "compute_results": (409, "competition_not_running"), "advance": (409, "results_not_published")}


def _odd_answer(target: str, index: int, body) -> tuple[int, str, str | None]:
    if target in STATE_REFUSALS:
        return (*STATE_REFUSALS[target], None)
    if index in ODD_ANSWERS[target]:
        return ODD_ANSWERS[target][index]
    if body is None:
        return 400, "missing_body", None
    return 400, "invalid_body", _first_key(body)


async def test_no_odd_body_makes_a_500(client, competition_world):
    admin = await token_for(client, "admin")
    competition = await create_competition(client, admin, competition_world)
    event = await create_event(client, admin, competition["id"])
    base = f"/api/competitions/{competition['id']}"
    targets = [
        ("create_competition", "POST", "/api/competitions"), ("patch_competition", "PATCH", base),
        ("transition", "POST", f"{base}/transitions"), ("create_event", "POST", f"{base}/events"),
        ("patch_event", "PATCH", f"{base}/events/{event['id']}"), ("create_occupation", "POST", "/api/occupations"),
        ("import_results", "POST", f"{base}/events/{event['id']}/results"),
        ("compute_results", "POST", f"{base}/events/{event['id']}/results/compute"),
        ("advance", "POST", f"{base}/events/{event['id']}/advancement"),
    ]
    for target, method, url in targets:
        for index, body in enumerate(ODD_BODIES):
            r = await client.request(method, url, json=body, headers=admin)
            status, code, field = _odd_answer(target, index, body)
            assert r.status_code == status, (target, body, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json"), (method, url, body)
            got = r.json()
            assert (got["code"], got.get("field")) == (code, field), (target, body, got)
    for url, status, code in [
        ("/api/occupations?limit=0", 400, "invalid_body"), ("/api/occupations?limit=x", 400, "invalid_body"),
        ("/api/competitions?year=abc", 400, "invalid_body"), ("/api/competitions?level=galaxy", 400, "invalid_body"),
        ("/api/competitions/0", 400, "invalid_body"), (f"{base}/events/0", 400, "invalid_body"),
        (f"{base}/events/{event['id']}/results", 404, "results_not_found"),
        (f"{base}/events/{event['id']}/advancement", 409, "results_not_published"),
        ("/api/public/competitions/0/results", 400, "invalid_body"),
        (f"/api/public/competitions/{competition['id']}/results", 404, "results_not_found"),
    ]:
        r = await client.get(url, headers=admin)
        assert r.status_code == status and r.json()["code"] == code, (url, r.text)
    # a search text of ten "%" is an ordinary (if odd) search, not bad input
    r = await client.get("/api/occupations?q=" + "%25" * 10, headers=admin)
    assert r.status_code == 200, r.text
    assert await Competition.count() == 1 and await Event.count() == 1
    shown = (await client.get(f"{base}/events/{event['id']}", headers=admin)).json()
    assert shown == event


async def test_results_endpoints_take_odd_files_without_writing(client, competition_world):
    admin = await token_for(client, "admin")
    competition = await create_competition(client, admin, competition_world)
    event = await create_event(client, admin, competition["id"])
    await step(client, admin, competition["id"], "registration_open", "registration_closed", "running")
    url = f"/api/competitions/{competition['id']}/events/{event['id']}/results"
    # (body, content type, tail): the exact refusal. The results import reads a jineng.results/1 JSON document
    # whatever the declared type; /compute reads marks as JSON or, declared text/csv, as a CSV sheet.
    odd_files = [
        (b"\xff\xfe\x00", "application/json", "", "malformed_json", "file"),
        (b"\xff\xfe\x00", "application/json", "/compute", "malformed_json", "file"),
        (b"a,b\n1,2", "text/csv", "", "malformed_json", "file"),
        (b"a,b\n1,2", "text/csv", "/compute", "missing_column", "entry"),
        (b'{"format": "jineng.results/1"}', "application/json", "", "missing_field", "event"),
        (b'{"format": "jineng.results/1"}', "application/json", "/compute", "invalid_type", "format"),
        (b"[]", "application/json", "", "invalid_type", "file"),
        (b"[]", "application/json", "/compute", "invalid_type", "file"),
    ]
    for content, ctype, tail, code, field in odd_files:
        r = await client.post(url + tail, content=content, headers={**admin, "content-type": ctype})
        assert r.status_code == 422 and r.json()["code"] == code, (tail, content, r.text)
        assert r.json()["field"] == field, (tail, content, r.text)
        assert ": :" not in r.json()["detail"] and f"{field}: {field}:" not in r.json()["detail"], r.text
    r = await client.post(url, files={"other": ("x.json", b"{}", "application/json")}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "file"
    r = await client.post(url + "/compute", files={"file": ("m.csv", b"\xff\xfe", "text/csv")}, headers=admin)
    assert r.status_code == 422, r.text
    assert await EventResults.count() == 0 and await EntryResult.count() == 0
