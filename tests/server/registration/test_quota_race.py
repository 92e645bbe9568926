"""The quota race: many coordinators submit for a school's last places at once; exactly the quota wins.

Real concurrent HTTP requests through the app on this pass's engine: on PostgreSQL the submission takes an
advisory lock keyed on (event, school) inside its transaction; on SQLite the write lock serializes writers.
"""

from __future__ import annotations

import asyncio

from server.accounts.schemas import GrantIn, UserIn
from server.accounts.services import create_user
from server.registration.tables import Entry, EntryMember
from tests.server.factories import PASSWORD, token_for
from tests.server.registration.support import DEFAULT_RULES, add_people, draft, make_event


async def second_coordinator(client, reg) -> dict[str, str]:
    await create_user(None, UserIn(username="coord_a2", display_name="曲阜职专 第二联络员", password=PASSWORD,
                                   grants=[GrantIn(role="school_coordinator", organization_id=reg.world.orgs["school_a"])]))
    return await token_for(client, "coord_a2")


async def test_exactly_one_wins_the_last_place(client, reg):
    event = await make_event(reg.competition_id, "Q01", quota=1, eligibility=DEFAULT_RULES)
    students = reg.students["school_a"] + await add_people(reg.world, reg, "school_a", 8)
    other = await second_coordinator(client, reg)
    drafts = [(await draft(client, reg, "coord_a", event, [p]))["id"] for p in students[:16]]
    tokens = [reg.tokens["coord_a"], other]
    results = await asyncio.gather(*[
        client.post(f"/api/entries/{eid}/submit", headers=tokens[i % 2]) for i, eid in enumerate(drafts)
    ])
    statuses = [r.status_code for r in results]
    assert statuses.count(200) == 1, statuses
    assert statuses.count(422) == len(drafts) - 1, [r.text for r in results if r.status_code not in (200, 422)]
    for r in results:
        if r.status_code == 422:
            assert [x["code"] for x in r.json()["errors"]] == ["school_quota_full"]
    held = await Entry.count().where((Entry.event == event) & (Entry.status == "submitted"))
    assert held == 1


async def test_quota_of_three_under_load(client, reg):
    event = await make_event(reg.competition_id, "Q02", quota=3, eligibility=DEFAULT_RULES)
    students = reg.students["school_a"] + await add_people(reg.world, reg, "school_a", 12)
    drafts = [(await draft(client, reg, "coord_a", event, [p]))["id"] for p in students[:20]]
    # and another school submitting at the same time is not slowed into failure
    b_drafts = [(await draft(client, reg, "coord_b", event, [p]))["id"] for p in reg.students["school_b"][:3]]
    results = await asyncio.gather(
        *[client.post(f"/api/entries/{eid}/submit", headers=reg.tokens["coord_a"]) for eid in drafts],
        *[client.post(f"/api/entries/{eid}/submit", headers=reg.tokens["coord_b"]) for eid in b_drafts],
    )
    a_results, b_results = results[:len(drafts)], results[len(drafts):]
    assert [r.status_code for r in a_results].count(200) == 3
    assert [r.status_code for r in b_results] == [200, 200, 200]
    assert await Entry.count().where((Entry.event == event) & (Entry.school == reg.world.orgs["school_a"])
                                     & (Entry.status == "submitted")) == 3


async def test_the_same_person_submitted_twice_at_once(client, reg):
    event = await make_event(reg.competition_id, "Q03", eligibility=DEFAULT_RULES)
    person = reg.students["school_a"][0]
    drafts = [(await draft(client, reg, "coord_a", event, [person]))["id"] for _ in range(8)]
    results = await asyncio.gather(*[
        client.post(f"/api/entries/{eid}/submit", headers=reg.tokens["coord_a"]) for eid in drafts])
    statuses = [r.status_code for r in results]
    assert statuses.count(200) == 1, [r.text for r in results]
    assert all(r.json()["errors"][0]["code"] == "already_entered" for r in results if r.status_code == 422)
    active = await EntryMember.count().where((EntryMember.event == event) & (EntryMember.person == person)
                                             & (EntryMember.active == True))  # noqa: E712
    assert active == 1


async def test_concurrent_reviewers_move_an_entry_once(client, reg):
    a = reg.students["school_a"]
    eid = (await draft(client, reg, "coord_a", reg.individual, [a[0]]))["id"]
    await client.post(f"/api/entries/{eid}/submit", headers=reg.tokens["coord_a"])
    org, admin = reg.tokens["organizer"], reg.tokens["admin"]
    results = await asyncio.gather(
        client.post(f"/api/review/{eid}/approve", headers=org),
        client.post(f"/api/review/{eid}/decline", headers=admin, json={"reason": "材料不全"}),
        client.post(f"/api/review/{eid}/approve", headers=admin),
        client.post(f"/api/review/{eid}/return", headers=org, json={"remarks": [{"field": "x", "message": "请核对"}]}),
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 409, 409, 409], [r.text for r in results]
