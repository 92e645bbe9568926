"""The competition lifecycle: every step forwards, refused skips and backward steps with a stable code,
guards, who may move it (joint organizers yes, another city no), audit, and concurrent requests."""

from __future__ import annotations

import asyncio

from server.audit.services import verify_chain
from server.audit.tables import AuditEntry
from server.competitions.competitions import LIFECYCLE
from tests.server.competitions.helpers import add_entries, create_competition, create_event, results_file, step
from tests.server.factories import token_for


async def transition(client, headers, competition_id, to):
    return await client.post(f"/api/competitions/{competition_id}/transitions", json={"to": to}, headers=headers)


async def test_every_step_forwards_in_order(client, competition_world):
    admin = await token_for(client, "admin")
    made = await create_competition(client, admin, competition_world)
    await create_event(client, admin, made["id"])
    for current, to in zip(LIFECYCLE, LIFECYCLE[1:]):
        r = await transition(client, admin, made["id"], to)
        assert r.status_code == 200, (current, to, r.text)
        assert r.json()["status"] == to
    assert r.json()["next_status"] is None
    audit = await AuditEntry.select().where(AuditEntry.action == "competition.transitioned").order_by(AuditEntry.seq)
    assert [a["after"] for a in audit][0] == '{"status":"registration_open"}'
    assert len(audit) == len(LIFECYCLE) - 1
    assert (await verify_chain()).ok


async def test_skips_backward_and_repeated_steps_are_refused(client, competition_world):
    admin = await token_for(client, "admin")
    made = await create_competition(client, admin, competition_world)
    await create_event(client, admin, made["id"])
    await step(client, admin, made["id"], "registration_open", "registration_closed")
    for to in ("running_late", ):
        r = await transition(client, admin, made["id"], to)
        assert r.status_code == 400 and r.json()["field"] == "to"
    for to in ("draft", "registration_open", "registration_closed", "results_published", "archived"):
        r = await transition(client, admin, made["id"], to)
        assert r.status_code == 409, (to, r.text)
        body = r.json()
        assert body["code"] == "invalid_transition" and body["field"] == "to"
        assert body["from"] == "registration_closed" and body["allowed"] == "running" and body["to"] == to
    assert (await client.get(f"/api/competitions/{made['id']}", headers=admin)).json()["status"] == "registration_closed"
    await step(client, admin, made["id"], "running", "results_published", "archived")
    r = await transition(client, admin, made["id"], "archived")
    assert r.status_code == 409 and r.json().get("allowed") is None


async def test_registration_opens_only_with_events(client, competition_world):
    admin = await token_for(client, "admin")
    made = await create_competition(client, admin, competition_world)
    r = await transition(client, admin, made["id"], "registration_open")
    assert r.status_code == 409 and r.json()["code"] == "no_events"


async def test_results_are_published_only_when_every_event_with_entries_has_them(client, competition_world):
    admin = await token_for(client, "admin")
    made = await create_competition(client, admin, competition_world)
    event = await create_event(client, admin, made["id"])
    await create_event(client, admin, made["id"], code="HG", name="焊工", occupation_code="6-18-02-04",
                       work_type="电焊工")  # no entries: needs no results
    await step(client, admin, made["id"], "registration_open", "registration_closed", "running")
    entries = await add_entries(event["id"], [(competition_world.orgs["school_a"], [p])
                                              for p in competition_world.people["school_a"][:3]])
    r = await transition(client, admin, made["id"], "results_published")
    assert r.status_code == 409 and r.json()["code"] == "results_missing" and r.json()["events"] == [event["id"]]
    file = results_file({entries[0]: "90", entries[1]: "80", entries[2]: "70"})
    assert (await client.post(f"/api/competitions/{made['id']}/events/{event['id']}/results", content=file,
                              headers={**admin, "content-type": "application/json"})).status_code == 201
    r = await transition(client, admin, made["id"], "results_published")
    assert r.status_code == 200
    got = await client.get(f"/api/competitions/{made['id']}/events/{event['id']}/results", headers=admin)
    assert got.json()["status"] == "published"  # the step published the imported results


async def test_joint_organizers_both_manage_and_another_city_cannot(client, competition_world):
    admin = await token_for(client, "admin")
    made = await create_competition(client, admin, competition_world)
    await create_event(client, admin, made["id"])
    edu, hrss = await token_for(client, "organizer"), await token_for(client, "hrss_organizer")
    assert (await transition(client, edu, made["id"], "registration_open")).status_code == 200
    assert (await transition(client, hrss, made["id"], "registration_closed")).status_code == 200
    for name in ("other_organizer", "coord_a", "judge"):
        headers = await token_for(client, name)
        r = await transition(client, headers, made["id"], "running")
        assert r.status_code == 403, (name, r.text)
        assert r.json()["code"] == "not_competition_organizer"
    province = await token_for(client, "province_organizer")  # the authority above covers the city
    assert (await transition(client, province, made["id"], "running")).status_code == 200
    assert (await transition(client, admin, 999999, "running")).status_code == 404


async def test_a_competition_grant_manages_that_competition_only(client, competition_world):
    from server.accounts.schemas import GrantIn, UserIn
    from server.accounts.services import create_user

    admin = await token_for(client, "admin")
    made = await create_competition(client, admin, competition_world)
    other = await create_competition(client, admin, competition_world, name="另一项大赛")
    for c in (made, other):
        await create_event(client, admin, c["id"])
    from tests.server.factories import PASSWORD
    await create_user(None, UserIn(username="delegate", display_name="delegate", password=PASSWORD,
                                   grants=[GrantIn(role="organizer", competition_id=made["id"])]))
    delegate = await token_for(client, "delegate")
    assert (await transition(client, delegate, made["id"], "registration_open")).status_code == 200
    assert (await transition(client, delegate, other["id"], "registration_open")).status_code == 403


async def test_concurrent_transitions_exactly_one_wins(client, competition_world):
    admin = await token_for(client, "admin")
    made = await create_competition(client, admin, competition_world)
    await create_event(client, admin, made["id"])
    edu, hrss = await token_for(client, "organizer"), await token_for(client, "hrss_organizer")
    results = await asyncio.gather(*[
        transition(client, (edu, hrss, admin)[i % 3], made["id"], "registration_open") for i in range(24)
    ])
    codes = sorted(r.status_code for r in results)
    assert codes.count(200) == 1 and codes.count(409) == 23, codes
    assert all(r.json()["code"] == "invalid_transition" for r in results if r.status_code == 409)
    audit = await AuditEntry.select().where(AuditEntry.action == "competition.transitioned")
    assert len(audit) == 1
    # a race of different steps: still one step at a time, never two
    racing = await asyncio.gather(*[
        transition(client, admin, made["id"], to) for to in ["registration_closed", "running"] * 8
    ])
    assert [r.status_code for r in racing].count(200) in (1, 2)
    final = (await client.get(f"/api/competitions/{made['id']}", headers=admin)).json()["status"]
    wins = sorted(r.json()["status"] for r in racing if r.status_code == 200)
    assert wins in (["registration_closed"], ["registration_closed", "running"])
    assert final == ("running" if len(wins) == 2 else "registration_closed")
    assert (await verify_chain()).ok
