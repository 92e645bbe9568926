"""The demo data set: 济宁市, real schools of both types, ~300 students with valid IDs, role accounts."""

from __future__ import annotations

from server.demo.loader import DEMO_PASSWORD, STUDENTS_PER_SCHOOL, load_demo, read_csv
from server.organizations.tables import Organization
from server.people import resident_id as rid
from server.people.tables import Person


async def test_demo_loads_a_realistic_city(client):
    made = await load_demo()
    # every school of server/demo/data/jining-schools.csv, its students and two teachers (server/demo/loader.py)
    school_rows = read_csv("jining-schools.csv")
    assert made["people"] == len(school_rows) * (STUDENTS_PER_SCHOOL + 2) == await Person.count()
    names = {r["name"] for r in await Organization.select(Organization.name)}
    for expected in ("济宁市", "济宁市教育局", "济宁市人力资源和社会保障局", "任城区", "曲阜市", "济宁技师学院",
                     "济宁职业技术学院"):
        assert expected in names
    schools = await Organization.select().where(Organization.kind == "school")
    assert len(schools) == len(school_rows)
    technical = sum(r["school_type"] == "技工院校" for r in school_rows)  # the rest are 职业院校
    assert sorted(s["school_type"] for s in schools) == ["technical"] * technical + [
        "vocational"] * (len(school_rows) - technical)
    people = await Person.select(Person.resident_id, Person.birth_date, Person.gender)
    assert len({p["resident_id"] for p in people}) == len(people)
    for p in people:
        assert rid.validate(p["resident_id"]) == p["resident_id"]
        assert rid.birth_date(p["resident_id"]) == p["birth_date"]
        assert rid.gender_of(p["resident_id"]) == p["gender"]


async def test_every_demo_account_signs_in(client):
    await load_demo()
    for username, role in [("admin", "admin"), ("jn-edu", "organizer"), ("jn-hrss", "organizer"),
                           ("school-01", "school_coordinator"), ("judge-1", "judge"), ("chief-judge", "chief_judge"),
                           ("encryption", "encryption_officer"), ("supervisor", "supervisor"),
                           ("graduate", "graduate")]:
        r = await client.post("/api/auth/login", json={"username": username, "password": DEMO_PASSWORD,
                                                       "mode": "token"})
        assert r.status_code == 200, (username, r.text)
        assert role in {g["role"] for g in r.json()["user"]["grants"]}
