"""Builders for registration tests: a competition with events, extra students and teachers, entries.

Competitions and events are written straight into the competitions tables (the registration domain only
reads them), with the 济宁市教育局 as host so the world's ``organizer`` manages the competition. Shared
builders (the world, competition rows, workbooks, uploads) are in tests/server/factories.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from server.competitions.tables import Event
from server.db import write_transaction
from server.demo.people import make_resident_id
from server.people.schemas import PersonIn
from server.people.services import insert_person, school_row
from tests.server.factories import World, insert_competition, now, occupation_id, token_for


@dataclass
class Reg:
    world: World
    competition_id: int
    individual: int  # 电工 individual, quota 2, students aged 16-22
    team: int  # team event, 2-3 members, at most 1 coach
    students: dict[str, list[int]] = field(default_factory=dict)
    teachers: dict[str, list[int]] = field(default_factory=dict)
    resident_ids: dict[int, str] = field(default_factory=dict)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)


_rng = random.Random(11)


async def add_people(w: World, reg: Reg | None, school_key: str, n: int, *, status: str = "student",
                     born: date = date(2007, 5, 1), graduation_year: int | None = None) -> list[int]:
    ids = []
    async with write_transaction():
        school = await school_row(w.orgs[school_key])
        for i in range(n):
            rid = make_resident_id(_rng, "370881", born + timedelta(days=i % 300), i % 2 == 0)
            while rid in w.resident_ids.values():
                rid = make_resident_id(_rng, "370881", born + timedelta(days=i % 300), i % 2 == 0)
            label = {"student": "学生", "graduate": "毕业生", "teacher": "教师"}[status]
            pid = await insert_person(None, PersonIn(name=f"{label}{school_key[-1]}{i + 10}", resident_id=rid,
                                                     school_id=school["id"], status=status,
                                                     graduation_year=graduation_year), school)
            w.resident_ids[pid] = rid
            if reg is not None:
                reg.resident_ids[pid] = rid
            ids.append(pid)
    return ids


async def make_competition(w: World, *, status: str = "registration_open", level: str = "city",
                           host: str = "edu") -> int:
    return await insert_competition(w, status=status, level=level, organizers=((host, "host"),))


async def make_event(comp: int, code: str, *, team: bool = False, min_members: int = 1, max_members: int = 1,
                     max_coaches: int = 2, quota: int | None = None, opens: datetime | None = None,
                     closes: datetime | None = None, eligibility: dict[str, Any] | None = None,
                     occupation: str = "6-31-01-03", name: str | None = None) -> int:
    stamp = now()
    rows = await Event.insert(Event(
        competition=comp, code=code, name=name or f"电工 {code}", occupation=await occupation_id(occupation),
        team=team, min_members=min_members, max_members=max_members, max_coaches=max_coaches,
        quota_per_school=quota, registration_opens=opens if opens is not None else stamp - timedelta(days=1),
        registration_closes=closes if closes is not None else stamp + timedelta(days=10),
        eligibility=msgspec.json.encode(eligibility).decode() if eligibility is not None else None,
        created_at=stamp, updated_at=stamp,
    )).returning(Event.id)
    return rows[0]["id"]


DEFAULT_RULES = {"min_age": 16, "max_age": 22, "age_reference_date": "2026-06-30",
                 "person_statuses": ["student", "graduate"], "graduated_within_years": 2}


async def build(client, w: World) -> Reg:
    comp = await make_competition(w)
    individual = await make_event(comp, "E01", quota=2, eligibility=DEFAULT_RULES)
    team = await make_event(comp, "T01", team=True, min_members=2, max_members=3, max_coaches=1,
                            eligibility=DEFAULT_RULES, name="电工 团体")
    reg = Reg(world=w, competition_id=comp, individual=individual, team=team)
    for key in ("school_a", "school_b", "school_c"):
        reg.students[key] = list(w.people[key])
        for pid in w.people[key]:
            reg.resident_ids[pid] = w.resident_ids[pid]
        reg.students[key] += await add_people(w, reg, key, 5)
        reg.teachers[key] = await add_people(w, reg, key, 2, status="teacher", born=date(1985, 1, 1))
    for user in ("admin", "organizer", "coord_a", "coord_b", "judge", "graduate"):
        reg.tokens[user] = await token_for(client, user)
    return reg


async def draft(client, reg: Reg, user: str, event: int, members: list[int], coaches: list[int] = (),
                team_name: str | None = None, expect: int = 201) -> dict:
    body: dict[str, Any] = {"event_id": event, "members": [{"person_id": p} for p in members],
                            "coaches": [{"person_id": p} for p in coaches]}
    if team_name:
        body["team_name"] = team_name
    r = await client.post("/api/entries", json=body, headers=reg.tokens[user])
    assert r.status_code == expect, r.text
    return r.json()


async def submit(client, reg: Reg, user: str, entry_id: int, expect: int = 200) -> dict:
    r = await client.post(f"/api/entries/{entry_id}/submit", headers=reg.tokens[user])
    assert r.status_code == expect, r.text
    return r.json()
