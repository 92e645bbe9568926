"""Load the demo data set through the same services the API uses (so the audit log records it too).

Accounts all share the documented demo password ``DEMO_PASSWORD``; see README for the list.
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

from server.accounts.schemas import GrantIn, UserIn
from server.accounts.services import create_user
from server.db import write_transaction
from server.demo import competitions as demo_competitions
from server.demo import issuing as demo_issuing
from server.demo import judging as demo_judging
from server.demo import registration as demo_registration
from server.demo.people import birth_between, make_name, make_resident_id
from server.organizations import services as orgs
from server.organizations.schemas import OrganizationIn
from server.organizations.tables import Organization
from server.people.schemas import PersonIn
from server.people.services import insert_person, school_row
from server.people.tables import Person

DATA = Path(__file__).parent / "data"
DEMO_PASSWORD = "jineng-demo-2026"
STUDENTS_PER_SCHOOL = 22


def read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


async def is_empty() -> bool:
    return not await Organization.exists()


async def _org(name: str, kind: str, level: str, parent: int | None, **extra) -> int:
    out = await orgs.create(None, OrganizationIn(name=name, kind=kind, level=level, parent_id=parent, **extra))
    return out.id


async def load_demo(*, students_per_school: int = STUDENTS_PER_SCHOOL, seed: int = 2026) -> dict[str, int]:
    """Create the demo organizations, people and accounts. Returns counts of what was made."""
    rng = random.Random(seed)
    ids: dict[str, int] = {}
    ids["national"] = await _org("中华人民共和国", "region", "national", None, region_code="100000")
    ids["moe"] = await _org("教育部", "authority", "national", ids["national"], bureau="education")
    ids["mohrss"] = await _org("人力资源和社会保障部", "authority", "national", ids["national"], bureau="human_resources")
    regions = read_csv("jining-regions.csv")
    by_code: dict[str, int] = {}
    for r in regions:
        parent = by_code.get(r["parent_code"], ids["national"])
        by_code[r["code"]] = await _org(r["name"], "region", r["level"], parent, region_code=r["code"])
    ids["province"], ids["city"] = by_code["370000"], by_code["370800"]
    ids["sd_edu"] = await _org("山东省教育厅", "authority", "province", ids["province"], bureau="education")
    ids["sd_hrss"] = await _org("山东省人力资源和社会保障厅", "authority", "province", ids["province"],
                                bureau="human_resources")
    ids["jn_edu"] = await _org("济宁市教育局", "authority", "city", ids["city"], bureau="education",
                               region_code="370800")
    ids["jn_hrss"] = await _org("济宁市人力资源和社会保障局", "authority", "city", ids["city"],
                                bureau="human_resources", region_code="370800")
    for code, name in (("370811", "任城区教育局"), ("370881", "曲阜市教育局"), ("370829", "嘉祥县教育局")):
        ids[f"edu_{code}"] = await _org(name, "authority", "county", by_code[code], bureau="education",
                                        region_code=code)

    majors = read_csv("majors-sample.csv")
    secondary = [m for m in majors if m["catalog"] == "中职2021"]
    higher = [m for m in majors if m["catalog"] == "高职2021"]
    schools: list[tuple[int, dict[str, str]]] = []
    for s in read_csv("jining-schools.csv"):
        parent = by_code.get(s["county_code"]) or ids["city"]
        school_id = await _org(
            s["name"], "school", "school", parent,
            school_type="technical" if s["school_type"] == "技工院校" else "vocational",
            region_code=s["county_code"] or "370800",
        )
        schools.append((school_id, s))

    people = 0
    async with write_transaction():
        for school_id, s in schools:
            school = await school_row(school_id)
            region = s["county_code"] or "370811"
            pool = higher if s["level"] == "高职" and higher else secondary
            for i in range(students_per_school):
                male = rng.random() < 0.6
                graduate = i >= students_per_school - 3  # a few recent graduates per school
                born = birth_between(rng, date(2004, 9, 1) if graduate else date(2006, 9, 1),
                                     date(2006, 8, 31) if graduate else date(2010, 8, 31))
                major = rng.choice(pool)
                enrolled = born.year + 15 + (1 if s["level"] == "高职" else 0)
                await insert_person(None, PersonIn(
                    name=make_name(rng), resident_id=make_resident_id(rng, region, born, male),
                    school_id=school_id, status="graduate" if graduate else "student",
                    major_code=major["code"], major_name=major["name"], enrollment_year=enrolled,
                    graduation_year=enrolled + 3,
                ), school)
                people += 1
            for _ in range(2):  # teachers, who coach entries
                born = birth_between(rng, date(1970, 1, 1), date(1992, 12, 31))
                await insert_person(None, PersonIn(
                    name=make_name(rng), resident_id=make_resident_id(rng, region, born, rng.random() < 0.5),
                    school_id=school_id, status="teacher",
                ), school)
                people += 1

    ids.update({f"school_{n}": school_id for n, (school_id, _) in enumerate(schools, start=1)})
    accounts = await _accounts(ids, schools)
    made = {"organizations": len(by_code) + len(schools) + 11, "people": people, "accounts": accounts}
    # later domains build on the same ids: competitions → entries → judging → certificates
    for part in (demo_competitions, demo_registration, demo_judging, demo_issuing):
        made.update(await part.load(ids))
    return made


async def _accounts(ids: dict[str, int], schools: list[tuple[int, dict[str, str]]]) -> int:
    def user(username: str, display: str, *grants: GrantIn, person_id: int | None = None) -> UserIn:
        return UserIn(username=username, display_name=display, password=DEMO_PASSWORD, grants=list(grants),
                      person_id=person_id)

    specs = [
        user("admin", "系统管理员", GrantIn(role="admin", organization_id=ids["national"])),
        user("jn-edu", "济宁市教育局 赛事组织", GrantIn(role="organizer", organization_id=ids["jn_edu"])),
        user("jn-hrss", "济宁市人社局 赛事组织", GrantIn(role="organizer", organization_id=ids["jn_hrss"])),
        user("chief-judge", "裁判长 孔德明", GrantIn(role="chief_judge", organization_id=ids["city"])),
        user("encryption", "加密裁判 颜丽华", GrantIn(role="encryption_officer", organization_id=ids["city"])),
        user("supervisor", "监督 孟庆国", GrantIn(role="supervisor", organization_id=ids["city"])),
    ]
    for n in range(1, 7):
        specs.append(user(f"judge-{n}", f"裁判 {n} 号", GrantIn(role="judge", organization_id=ids["city"])))
    for n, (school_id, s) in enumerate(schools, start=1):
        specs.append(user(f"school-{n:02d}", f"{s['name']} 联络员",
                          GrantIn(role="school_coordinator", organization_id=school_id)))
    graduate = await Person.select(Person.id, Person.name).where(Person.status == "graduate").order_by(Person.id).first()
    specs.append(user("graduate", f"毕业生 {graduate['name']}", GrantIn(role="graduate"), person_id=graduate["id"]))
    for spec in specs:
        await create_user(None, spec)
    return len(specs)
