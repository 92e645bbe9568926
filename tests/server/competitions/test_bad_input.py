"""Odd and hostile input to every competitions endpoint: always a 4xx problem+json, never a 500, and
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


async def test_no_odd_body_makes_a_500(client, competition_world):
    admin = await token_for(client, "admin")
    competition = await create_competition(client, admin, competition_world)
    event = await create_event(client, admin, competition["id"])
    base = f"/api/competitions/{competition['id']}"
    targets = [
        ("POST", "/api/competitions"), ("PATCH", base), ("POST", f"{base}/transitions"), ("POST", f"{base}/events"),
        ("PATCH", f"{base}/events/{event['id']}"), ("POST", "/api/occupations"),
        ("POST", f"{base}/events/{event['id']}/results"), ("POST", f"{base}/events/{event['id']}/results/compute"),
        ("POST", f"{base}/events/{event['id']}/advancement"),
    ]
    for method, url in targets:
        for body in ODD_BODIES:
            r = await client.request(method, url, json=body, headers=admin)
            assert 400 <= r.status_code < 500, (method, url, body, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json"), (method, url, body)
    for url in ("/api/occupations?q=" + "%25" * 10, "/api/occupations?limit=0", "/api/occupations?limit=x",
                "/api/competitions?year=abc", "/api/competitions?level=galaxy", "/api/competitions/0",
                f"{base}/events/0", f"{base}/events/{event['id']}/results", f"{base}/events/{event['id']}/advancement",
                "/api/public/competitions/0/results", f"/api/public/competitions/{competition['id']}/results"):
        r = await client.get(url, headers=admin)
        assert r.status_code < 500, (url, r.text)
    assert await Competition.count() == 1 and await Event.count() == 1
    shown = (await client.get(f"{base}/events/{event['id']}", headers=admin)).json()
    assert shown == event


async def test_results_endpoints_take_odd_files_without_writing(client, competition_world):
    admin = await token_for(client, "admin")
    competition = await create_competition(client, admin, competition_world)
    event = await create_event(client, admin, competition["id"])
    await step(client, admin, competition["id"], "registration_open", "registration_closed", "running")
    url = f"/api/competitions/{competition['id']}/events/{event['id']}/results"
    for content, ctype in [(b"\xff\xfe\x00", "application/json"), (b"a,b\n1,2", "text/csv"),
                           (b'{"format": "jineng.results/1"}', "application/json"), (b"[]", "application/json")]:
        for tail in ("", "/compute"):
            r = await client.post(url + tail, content=content, headers={**admin, "content-type": ctype})
            assert 400 <= r.status_code < 500, (tail, content, r.text)
    r = await client.post(url, files={"other": ("x.json", b"{}", "application/json")}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "file"
    r = await client.post(url + "/compute", files={"file": ("m.csv", b"\xff\xfe", "text/csv")}, headers=admin)
    assert r.status_code == 422, r.text
    assert await EventResults.count() == 0 and await EntryResult.count() == 0
