"""Each eligibility rule: the pure engine on plain data, then the same rules through submission (all problems
reported at once, each with its code and field) and the database's own guard against double entries."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from server.db import write_transaction
from server.errors import Conflict
from server.registration import eligibility as e
from server.registration.facts import now
from server.registration.tables import Entry, EntryMember
from tests.server.registration.support import DEFAULT_RULES, add_people, draft, make_event, submit

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
SCHOOL = e.SchoolFacts(id=1, name="曲阜市职业中等专业学校", school_type="vocational")


def event(**overrides) -> e.EventFacts:
    base = dict(id=10, name="电工", team=False, min_members=1, max_members=1, max_coaches=2, quota_per_school=None,
                registration_opens=NOW - timedelta(days=5), registration_closes=NOW + timedelta(days=5),
                competition_status="registration_open", competition_year=2026, occupation_code="6-31-01-03",
                occupation_name="电工", rules=e.Rules())
    base.update(overrides)
    return e.EventFacts(**base)


def person(pid: int, **overrides) -> e.PersonFacts:
    base = dict(id=pid, name=f"选手{pid}", school_id=1, status="student", birth_date=date(2007, 3, 1),
                graduation_year=None)
    base.update(overrides)
    return e.PersonFacts(**base)


def candidate(members=(1,), coaches=(), people=None, **overrides) -> e.Candidate:
    people = people if people is not None else {
        **{p: person(p) for p in members}, **{c: person(c, status="teacher") for c in coaches}}
    base = dict(school=SCHOOL, team_name=None, members=list(members), coaches=list(coaches), people=people)
    base.update(overrides)
    return e.Candidate(**base)


def codes(problems) -> list[tuple[str, str | None]]:
    return [(p.code, p.field) for p in problems]


def test_a_clean_entry_has_no_problems():
    assert e.evaluate(event(), candidate(), e.Context(now=NOW)) == []


@pytest.mark.parametrize("status", ["draft", "registration_closed", "running", "results_published"])
def test_competition_must_be_open_for_registration(status):
    problems = e.evaluate(event(competition_status=status), candidate(), e.Context(now=NOW))
    assert codes(problems) == [("registration_not_open", "event_id")]


def test_registration_window():
    early = event(registration_opens=NOW + timedelta(hours=1))
    assert codes(e.evaluate(early, candidate(), e.Context(now=NOW))) == [("registration_not_started", "event_id")]
    late = event(registration_closes=NOW - timedelta(minutes=1))
    problems = e.evaluate(late, candidate(), e.Context(now=NOW))
    assert codes(problems) == [("registration_closed", "event_id")]
    assert "Beijing time" in problems[0].message
    # a returned entry may be resubmitted after the window while the competition has not started
    assert e.evaluate(late, candidate(resubmission=True), e.Context(now=NOW)) == []
    closed = event(competition_status="registration_closed")
    assert e.evaluate(closed, candidate(resubmission=True), e.Context(now=NOW)) == []
    running = event(competition_status="running")
    assert codes(e.evaluate(running, candidate(resubmission=True), e.Context(now=NOW))) == [
        ("registration_not_open", "event_id")]


def test_school_types():
    only_technical = event(rules=e.Rules(school_types=("technical",)))
    problems = e.evaluate(only_technical, candidate(), e.Context(now=NOW))
    assert codes(problems) == [("school_type_not_allowed", "school_id")]
    assert "技工院校" in problems[0].message and "职业院校" in problems[0].message
    both = event(rules=e.Rules(school_types=("technical", "vocational")))
    assert e.evaluate(both, candidate(), e.Context(now=NOW)) == []


def test_team_size_name_and_coaches():
    team = event(team=True, min_members=2, max_members=3, max_coaches=1)
    problems = e.evaluate(team, candidate(members=(1,), coaches=(8, 9)), e.Context(now=NOW))
    assert codes(problems) == [("team_name_required", "team_name"), ("too_few_members", "members"),
                               ("too_many_coaches", "coaches")]
    problems = e.evaluate(team, candidate(members=(1, 2, 3, 4), team_name="一队"), e.Context(now=NOW))
    assert codes(problems) == [("too_many_members", "members")]
    assert "at most 3" in problems[0].message and "has 4" in problems[0].message


def test_roster_duplicates_and_coaches():
    people = {1: person(1), 2: person(2, school_id=99), 8: person(8, status="student"), 9: person(9, status="teacher")}
    problems = e.evaluate(event(max_members=3), candidate(members=(1, 1, 2), coaches=(8, 1, 9, 77), people=people),
                          e.Context(now=NOW))
    assert codes(problems) == [
        ("too_many_coaches", "coaches"),
        ("duplicate_member", "members[1].person_id"),
        ("not_on_roster", "members[2].person_id"),
        ("coach_not_teacher", "coaches[0].person_id"),
        ("coach_is_competitor", "coaches[1].person_id"),
        ("not_on_roster", "coaches[3].person_id"),
    ]
    text = {p.field: p.message for p in problems}
    assert "only teachers" in text["coaches[0].person_id"]


def test_status_rules():
    rules = e.Rules(person_statuses=("student", "graduate"), graduated_within_years=2)
    ev = event(rules=rules)
    people = {1: person(1, status="graduate", graduation_year=2023), 2: person(2, status="graduate", graduation_year=2024),
              3: person(3, status="graduate"), 4: person(4, status="teacher")}
    found = {pid: codes(e.evaluate(ev, candidate(members=(pid,), people=people), e.Context(now=NOW)))
             for pid in people}
    assert found[1] == [("graduated_too_long_ago", "members[0].person_id")]
    assert found[2] == []  # 2026 - 2 = 2024: still recent
    assert found[3] == [("graduation_year_missing", "members[0].person_id")]
    assert found[4] == [("status_not_allowed", "members[0].person_id")]
    students_only = event(rules=e.Rules())
    problems = e.evaluate(students_only, candidate(members=(2,), people=people), e.Context(now=NOW))
    assert codes(problems) == [("status_not_allowed", "members[0].person_id")]
    assert "current student" in problems[0].message


def test_age_window_on_the_reference_date():
    rules = e.Rules(min_age=16, max_age=22, age_reference_date=date(2026, 6, 30))
    ev = event(rules=rules)
    people = {
        1: person(1, birth_date=date(2010, 6, 30)),  # 16 on the day: in
        2: person(2, birth_date=date(2010, 7, 1)),  # 15 on the day: too young
        3: person(3, birth_date=date(2003, 7, 1)),  # 22 on the day: in
        4: person(4, birth_date=date(2003, 6, 30)),  # 23 on the day: too old
    }
    found = {pid: [c for c, _ in codes(e.evaluate(ev, candidate(members=(pid,), people=people), e.Context(now=NOW)))]
             for pid in people}
    assert found == {1: [], 2: ["too_young"], 3: [], 4: ["too_old"]}
    problems = e.evaluate(ev, candidate(members=(2,), people=people), e.Context(now=NOW))
    assert problems[0].message == "选手2 is 15 on 2026-06-30; 电工 takes competitors aged 16 to 22."
    assert e.age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17


def test_one_entry_per_person_per_event_and_prior_winners():
    ev = event(rules=e.Rules(exclude_prior_national_winners=True))
    ctx = e.Context(now=NOW, entered_elsewhere={1: 55}, prior_national_wins={1: "2025 全国职业院校技能大赛, first_prize"})
    problems = e.evaluate(ev, candidate(), ctx)
    assert codes(problems) == [("already_entered", "members[0].person_id"),
                               ("prior_national_winner", "members[0].person_id")]
    assert "entry 55" in problems[0].message and "全国职业院校技能大赛" in problems[1].message
    # winners count only when the event excludes them
    assert codes(e.evaluate(event(), candidate(), e.Context(now=NOW, prior_national_wins={1: "x"}))) == []


def test_school_quota():
    ev = event(quota_per_school=2)
    assert e.evaluate(ev, candidate(), e.Context(now=NOW, school_places_taken=1)) == []
    problems = e.evaluate(ev, candidate(), e.Context(now=NOW, school_places_taken=2))
    assert codes(problems) == [("school_quota_full", "event_id")]
    assert "all 2" in problems[0].message
    # a returned entry kept its place: resubmitting it is not limited by the quota again
    assert e.evaluate(ev, candidate(resubmission=True), e.Context(now=NOW, school_places_taken=2)) == []


def test_rules_read_leniently():
    assert e.rules_from(None) == e.Rules()
    r = e.rules_from({"min_age": 16, "person_statuses": ["graduate"], "something_new": 1})
    assert r.min_age == 16 and r.person_statuses == ("graduate",) and r.max_age is None


# --- through the API ------------------------------------------------------------------------------------------

async def test_submission_reports_every_problem_at_once(client, reg):
    a = reg.students["school_a"]
    old = await add_people(reg.world, reg, "school_a", 1, born=date(2001, 1, 1))
    teacher = reg.teachers["school_a"][0]
    # a team of an over-age student and a teacher, coached by a student, no team name
    entry = await draft(client, reg, "coord_a", reg.team, [old[0], teacher], [a[0]])
    r = await client.post(f"/api/entries/{entry['id']}/submit", headers=reg.tokens["coord_a"])
    assert r.status_code == 422, r.text
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert body["code"] == "not_eligible"
    assert [(x["code"], x["field"]) for x in body["errors"]] == [
        ("team_name_required", "team_name"),
        ("too_old", "members[0].person_id"),
        ("status_not_allowed", "members[1].person_id"),
        ("too_old", "members[1].person_id"),
        ("coach_not_teacher", "coaches[0].person_id"),
    ]
    assert body["field"] == "team_name"
    assert all(x["message"] for x in body["errors"])
    # nothing changed
    again = (await client.get(f"/api/entries/{entry['id']}", headers=reg.tokens["coord_a"])).json()
    assert again["status"] == "draft" and again["version"] == entry["version"]
    # the preview says the same without submitting
    preview = (await client.get(f"/api/entries/{entry['id']}/eligibility", headers=reg.tokens["coord_a"])).json()
    assert preview["eligible"] is False and len(preview["problems"]) == 5


async def test_one_entry_per_person_per_event_through_the_api(client, reg):
    a = reg.students["school_a"]
    first = await draft(client, reg, "coord_a", reg.individual, [a[0]])
    second = await draft(client, reg, "coord_a", reg.individual, [a[0]])  # drafts may overlap
    await submit(client, reg, "coord_a", first["id"])
    r = await client.post(f"/api/entries/{second['id']}/submit", headers=reg.tokens["coord_a"])
    assert r.status_code == 422
    assert [(x["code"], x["field"]) for x in r.json()["errors"]] == [("already_entered", "members[0].person_id")]
    # the same person in another event is fine
    other = await make_event(reg.competition_id, "E02", eligibility=DEFAULT_RULES)
    third = await draft(client, reg, "coord_a", other, [a[0]])
    assert (await submit(client, reg, "coord_a", third["id"]))["status"] == "submitted"


async def test_the_database_refuses_a_second_active_entry(client, reg):
    """The partial unique index holds even if a service forgot the rule (both engines)."""
    a = reg.students["school_a"]
    school = reg.world.orgs["school_a"]

    async def entry_with(person: int, active: bool, role: str = "competitor") -> None:
        async with write_transaction():
            rows = await Entry.insert(Entry(event=reg.individual, school=school, status="submitted",
                                            created_at=now(), updated_at=now())).returning(Entry.id)
            await EntryMember.insert(EntryMember(entry=rows[0]["id"], event=reg.individual, person=person,
                                                 role=role, active=active))

    await entry_with(a[0], True)
    with pytest.raises(Conflict):
        await entry_with(a[0], True)
    await entry_with(a[0], False)  # inactive (declined/withdrawn/draft) rows do not count
    await entry_with(reg.teachers["school_a"][0], True, "coach")
    await entry_with(reg.teachers["school_a"][0], True, "coach")  # coaches may coach several entries
    assert await Entry.count().where(Entry.event == reg.individual) == 4


async def test_school_type_rule_through_the_api(client, reg):
    technical_only = await make_event(reg.competition_id, "E03",
                                      eligibility={**DEFAULT_RULES, "school_types": ["technical"]})
    a, b = reg.students["school_a"], reg.students["school_b"]
    ea = await draft(client, reg, "coord_a", technical_only, [a[0]])  # school_a is vocational
    r = await client.post(f"/api/entries/{ea['id']}/submit", headers=reg.tokens["coord_a"])
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "school_type_not_allowed"
    eb = await draft(client, reg, "coord_b", technical_only, [b[0]])  # school_b is technical
    assert (await submit(client, reg, "coord_b", eb["id"]))["status"] == "submitted"


async def test_recent_graduates_and_window_through_the_api(client, reg):
    recent = await add_people(reg.world, reg, "school_a", 1, status="graduate", born=date(2006, 1, 1),
                              graduation_year=2025)
    long_ago = await add_people(reg.world, reg, "school_a", 1, status="graduate", born=date(2005, 1, 1),
                                graduation_year=2022)
    ok = await draft(client, reg, "coord_a", reg.individual, recent)
    assert (await submit(client, reg, "coord_a", ok["id"]))["status"] == "submitted"
    old = await draft(client, reg, "coord_a", reg.individual, long_ago)
    r = await client.post(f"/api/entries/{old['id']}/submit", headers=reg.tokens["coord_a"])
    assert r.json()["errors"][0]["code"] == "graduated_too_long_ago"
    closed = await make_event(reg.competition_id, "E04", eligibility=DEFAULT_RULES,
                              closes=datetime.now(timezone.utc) - timedelta(hours=1),
                              opens=datetime.now(timezone.utc) - timedelta(days=3))
    late = await draft(client, reg, "coord_a", closed, [reg.students["school_a"][0]])
    r = await client.post(f"/api/entries/{late['id']}/submit", headers=reg.tokens["coord_a"])
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "registration_closed"


async def test_prior_national_winners_are_excluded(client, reg):
    excluding = await make_event(reg.competition_id, "E05",
                                 eligibility={**DEFAULT_RULES, "exclude_prior_national_winners": True})
    a = reg.students["school_a"]
    winner = a[0]
    r = await client.post(f"/api/people/{winner}/awards", headers=reg.tokens["organizer"], json={
        "competition_level": "national", "competition_name": "2025年全国职业院校技能大赛", "year": 2025,
        "occupation_code": "6-31-01-03", "award": "first_prize", "event_name": "电气安装与维修"})
    assert r.status_code == 201, r.text
    # a provincial award in the same occupation does not exclude
    r = await client.post(f"/api/people/{a[1]}/awards", headers=reg.tokens["organizer"], json={
        "competition_level": "province", "competition_name": "2025年山东省职业院校技能大赛", "year": 2025,
        "occupation_code": "6-31-01-03", "award": "gold"})
    assert r.status_code == 201
    e1 = await draft(client, reg, "coord_a", excluding, [winner])
    r = await client.post(f"/api/entries/{e1['id']}/submit", headers=reg.tokens["coord_a"])
    assert r.status_code == 422
    assert [(x["code"], x["field"]) for x in r.json()["errors"]] == [("prior_national_winner", "members[0].person_id")]
    assert "全国职业院校技能大赛" in r.json()["errors"][0]["message"]
    e2 = await draft(client, reg, "coord_a", excluding, [a[1]])
    assert (await submit(client, reg, "coord_a", e2["id"]))["status"] == "submitted"
    # an event that does not exclude winners takes the national winner
    e3 = await draft(client, reg, "coord_a", reg.individual, [winner])
    assert (await submit(client, reg, "coord_a", e3["id"]))["status"] == "submitted"


async def test_draft_refuses_people_off_the_roster_and_duplicates(client, reg):
    a = reg.students["school_a"]
    r = await client.post("/api/entries", headers=reg.tokens["coord_a"], json={
        "event_id": reg.team, "team_name": "队", "members": [{"person_id": a[0]}, {"person_id": a[0]},
                                                            {"person_id": 987654}]})
    assert r.status_code == 422 and r.json()["code"] == "invalid_members"
    assert [(x["code"], x["field"]) for x in r.json()["errors"]] == [
        ("duplicate_member", "members[1].person_id"), ("not_on_roster", "members[2].person_id")]
    r = await client.post("/api/entries", headers=reg.tokens["coord_a"], json={"event_id": 987654, "members": []})
    assert r.status_code == 422 and r.json()["field"] == "event_id"
    r = await client.post("/api/entries", headers=reg.tokens["coord_a"], json={"event_id": "x"})
    assert r.status_code == 400 and r.json()["field"] == "event_id"
