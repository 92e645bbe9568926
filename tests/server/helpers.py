"""Test helpers: a small but realistic world built through the services, and login shortcuts."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from server.accounts.schemas import GrantIn, UserIn
from server.accounts.services import create_user
from server.db import write_transaction
from server.demo.people import make_resident_id
from server.organizations import services as orgs
from server.organizations.schemas import OrganizationIn
from server.people.schemas import PersonIn
from server.people.services import insert_person, school_row

PASSWORD = "correct-horse-battery"


@dataclass
class World:
    orgs: dict[str, int] = field(default_factory=dict)
    people: dict[str, list[int]] = field(default_factory=dict)
    resident_ids: dict[int, str] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)


async def build_world(students_per_school: int = 3) -> World:
    w = World()

    async def org(key, name, kind, level, parent=None, **extra):
        out = await orgs.create(None, OrganizationIn(name=name, kind=kind, level=level,
                                                     parent_id=w.orgs.get(parent), **extra))
        w.orgs[key] = out.id

    await org("national", "中华人民共和国", "region", "national")
    await org("province", "山东省", "region", "province", "national", region_code="370000")
    await org("city", "济宁市", "region", "city", "province", region_code="370800")
    await org("edu", "济宁市教育局", "authority", "city", "city", bureau="education")
    await org("hrss", "济宁市人力资源和社会保障局", "authority", "city", "city", bureau="human_resources")
    await org("county", "曲阜市", "region", "county", "city", region_code="370881")
    await org("other_city", "泰安市", "region", "city", "province", region_code="370900")
    await org("school_a", "曲阜市职业中等专业学校", "school", "school", "county", school_type="vocational")
    await org("school_b", "济宁技师学院", "school", "school", "city", school_type="technical")
    await org("school_c", "泰安技师学院", "school", "school", "other_city", school_type="technical")

    rng = random.Random(7)
    async with write_transaction():
        for key in ("school_a", "school_b", "school_c"):
            school = await school_row(w.orgs[key])
            w.people[key] = []
            for i in range(students_per_school):
                rid = make_resident_id(rng, "370881", date(2007, 3, 1 + i), i % 2 == 0)
                pid = await insert_person(None, PersonIn(name=f"学生{key[-1]}{i}", resident_id=rid,
                                                         school_id=school["id"]), school)
                w.people[key].append(pid)
                w.resident_ids[pid] = rid

    async def user(name, *grants, person_id=None):
        out = await create_user(None, UserIn(username=name, display_name=name, password=PASSWORD,
                                             grants=list(grants), person_id=person_id))
        w.users[name] = out.id

    await user("admin", GrantIn(role="admin", organization_id=w.orgs["national"]))
    await user("organizer", GrantIn(role="organizer", organization_id=w.orgs["edu"]))
    await user("coord_a", GrantIn(role="school_coordinator", organization_id=w.orgs["school_a"]))
    await user("coord_b", GrantIn(role="school_coordinator", organization_id=w.orgs["school_b"]))
    await user("judge", GrantIn(role="judge", organization_id=w.orgs["city"]))
    await user("graduate", GrantIn(role="graduate"), person_id=w.people["school_a"][0])
    return w


async def token_for(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    r = await client.post("/api/auth/login", json={"username": username, "password": password, "mode": "token"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}
