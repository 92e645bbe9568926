"""Helpers of the competitions and results tests: realistic rule documents, competitions and events
through the API, entries straight into the registration tables, results files made by the scoring core
itself, a running event with entries, a finished county event feeding the city's, and marks for the
helpers' scheme. The world they take is ``competition_world`` (tests/server/factories.py)."""

from __future__ import annotations

import copy
import random
from decimal import Decimal

import msgspec

import scoring
from tests.server.factories import JSON, insert_entry, token_for

# A realistic marking scheme: a measurement module (exact marks, one with tolerance bands), a
# judgement module (3 judges, 0-3 scale) and a panel aspect marked by 5 judges, trimmed mean.
SCHEME = {
    "id": "dg-2026",
    "name": "电工 赛项评分标准",
    "criteria": [
        {"id": "A", "name": "模块A 电气线路安装", "aspects": [
            {"kind": "measurement", "id": "A1", "name": "接线正确", "max": "30"},
            {"kind": "measurement", "id": "A2", "name": "尺寸偏差", "max": "10",
             "bands": [{"within": "0.5", "mark": "10"}, {"within": "1.0", "mark": "6"}, {"within": "2.0", "mark": "3"}]},
        ]},
        {"id": "B", "name": "模块B 工艺与规范", "aspects": [
            {"kind": "judgement", "id": "B1", "name": "布线工艺", "max": "20", "judges": 3},
        ]},
        {"id": "C", "name": "模块C 故障排除", "aspects": [
            {"kind": "panel", "id": "C1", "name": "综合表现", "max": "40", "judges": 5,
             "rule": {"rule": "trimmed_mean", "drop": 1}},
        ]},
    ],
    "rounding": {"total": {"places": 2, "mode": "half_up"}},
}
AWARDS = {
    "tiers": [
        {"kind": "ratio", "code": "first_prize", "name": "一等奖", "ratio": "0.10", "rounding": "half_up"},
        {"kind": "ratio", "code": "second_prize", "name": "二等奖", "ratio": "0.20", "rounding": "half_up"},
        {"kind": "ratio", "code": "third_prize", "name": "三等奖", "ratio": "0.30", "rounding": "half_up"},
    ],
    "tie_policy": "higher",
}
PROMOTION = [{"competition_level": "city", "rank_from": 1, "rank_to": 6, "target": 2, "condition": "符合条件的"}]
ADVANCEMENT = {"top_n": 3, "ties": "together"}


def scheme(**changes) -> dict:
    out = copy.deepcopy(SCHEME)
    out.update(changes)
    return out


def event_body(code: str = "DG", **over) -> dict:
    body = {
        "code": code, "name": "电工", "occupation_code": "6-31-01-03", "group": "student", "track": "secondary",
        "registration_opens": "2026-03-01T00:00:00+08:00", "registration_closes": "2026-04-01T00:00:00+08:00",
        "scheme": scheme(), "award_rules": copy.deepcopy(AWARDS), "promotion_rules": copy.deepcopy(PROMOTION),
        "advancement_rules": dict(ADVANCEMENT),
        "eligibility": {"min_age": 16, "max_age": 22, "age_reference_date": "2026-06-30",
                        "person_statuses": ["student", "graduate"], "graduated_within_years": 1},
    }
    body.update(over)
    return body


async def create_competition(client, headers, world, *, level="city", organizers=("edu", "hrss"), parent_id=None,
                             name="2026年济宁市职业院校技能大赛", year=2026, expect=201) -> dict:
    body = {"name": name, "level": level, "year": year, "edition": 5,
            "organizers": [{"organization_id": world.orgs[o], "role": "host"} for o in organizers]}
    if parent_id is not None:
        body["parent_id"] = parent_id
    r = await client.post("/api/competitions", json=body, headers=headers)
    assert r.status_code == expect, r.text
    return r.json()


async def create_event(client, headers, competition_id: int, code: str = "DG", expect=201, **over) -> dict:
    r = await client.post(f"/api/competitions/{competition_id}/events", json=event_body(code, **over), headers=headers)
    assert r.status_code == expect, r.text
    return r.json()


async def step(client, headers, competition_id: int, *statuses: str) -> dict:
    body = None
    for to in statuses:
        r = await client.post(f"/api/competitions/{competition_id}/transitions", json={"to": to}, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
    return body


async def add_entries(event_id: int, members: list[tuple[int, list[int]]], status: str = "approved",
                      coach: int | None = None) -> list[int]:
    """Entries straight into the registration tables: (school id, [person ids]) each, all with ``coach``."""
    coaches = [coach] if coach is not None else []
    return [await insert_entry(event_id, school_id, people, coaches, status=status) for school_id, people in members]


SIMPLE_SCHEME = scoring.Scheme(
    id="simple", criteria=[scoring.Criterion(id="A", aspects=[scoring.MeasurementAspect(id="A1", max=Decimal(100))])],
    awards=msgspec.convert(AWARDS, scoring.AwardPolicy),
)


def results_file(totals: dict[int, str], *, schools: dict[int, int] | None = None, withdrawn=()) -> bytes:
    """A ``jineng.results/1`` file as the scoring CLI writes it: one exact mark per entry."""
    entries = [scoring.Entry(id=str(e), school=str((schools or {}).get(e, "")) or None, withdrawn=e in withdrawn)
               for e in totals]
    marks = [scoring.Mark(entry=str(e), judge="J1", aspect="A1", mark=Decimal(t)) for e, t in totals.items()
             if e not in withdrawn]
    result = scoring.compute_event(SIMPLE_SCHEME, marks, entries, event="DG")
    return scoring.encode_results(result)


async def running_event(client, world, *, entries_per_school=3, admin=None, **event):
    """A running city competition with one event (the helpers' DG, changed by ``event``) and approved
    entries of schools a and b; the last student of school b coaches every entry."""
    admin = admin or await token_for(client, "admin")
    competition = await create_competition(client, admin, world)
    event = await create_event(client, admin, competition["id"], **event)
    await step(client, admin, competition["id"], "registration_open")
    coach = world.people["school_b"][-1]
    ids = await add_entries(event["id"], [(world.orgs["school_a"], [p]) for p in world.people["school_a"][:entries_per_school]]
                            + [(world.orgs["school_b"], [p]) for p in world.people["school_b"][:entries_per_school]],
                            coach=coach)
    await step(client, admin, competition["id"], "registration_closed", "running")
    return admin, competition, event, ids


async def finished_county(client, world, totals=("95", "90", "88", "80", "72", "60"), advancement=None,
                          city_events=("DG",), publish=True):
    """A county competition with published DG results feeding the city competition (registration open)."""
    admin = await token_for(client, "admin")
    city = await create_competition(client, admin, world)
    city_event_ids = {}
    for code in city_events:
        if code == "DG":
            city_event_ids[code] = (await create_event(client, admin, city["id"]))["id"]
        else:
            city_event_ids[code] = (await create_event(client, admin, city["id"], code=code, name="焊工",
                                                       occupation_code="6-18-02-04", work_type="电焊工"))["id"]
    await step(client, admin, city["id"], "registration_open")
    county = await create_competition(client, admin, world, level="county", organizers=("county_edu",),
                                      parent_id=city["id"], name="2026年曲阜市职业院校技能大赛")
    extra = {"advancement_rules": advancement} if advancement else {}
    event = await create_event(client, admin, county["id"], **extra)
    await step(client, admin, county["id"], "registration_open")
    people = [(world.orgs["school_a"], [p]) for p in world.people["school_a"][:3]] + \
             [(world.orgs["school_b"], [p]) for p in world.people["school_b"][:3]]
    coach = world.people["school_a"][5]
    ids = await add_entries(event["id"], people[:len(totals)], coach=coach)
    await step(client, admin, county["id"], "registration_closed", "running")
    r = await client.post(f"/api/competitions/{county['id']}/events/{event['id']}/results",
                          content=results_file(dict(zip(ids, totals))), headers={**admin, **JSON})
    assert r.status_code == 201, r.text
    if publish:
        await step(client, admin, county["id"], "results_published")
    return admin, county, event, city, city_event_ids, ids


def advancement_url(county, event):
    return f"/api/competitions/{county['id']}/events/{event['id']}/advancement"


def url(competition, event, tail="results"):
    return f"/api/competitions/{competition['id']}/events/{event['id']}/{tail}"


def marks_for(entry_ids, rng: random.Random, skip: int | None = None) -> dict:
    """Marks for the helpers' scheme: measurement A1/A2 (one agreed mark, A2 a measured deviation),
    judgement B1 (3 judges, 0-3 within 1 of each other), panel C1 (5 judges, 0-40)."""
    marks = []
    for n, e in enumerate(entry_ids):
        entry = str(e)
        marks.append({"entry": entry, "judge": "J1", "aspect": "A1", "mark": str(rng.randint(15, 30))})
        marks.append({"entry": entry, "judge": "J1", "aspect": "A2", "mark": str(rng.choice(["0.3", "0.8", "1.5"]))})
        base = rng.randint(1, 2)
        for j in ("J1", "J2", "J3"):
            marks.append({"entry": entry, "judge": j, "aspect": "B1", "mark": str(base + rng.choice([0, 1]))})
        for j in ("J1", "J2", "J3", "J4", "J5"):
            if skip == n and j == "J5":
                continue
            marks.append({"entry": entry, "judge": j, "aspect": "C1", "mark": str(rng.randint(20, 40))})
    return {"format": "jineng.marks/1", "marks": marks}
