"""Demo competitions: the 2026 济宁市职业院校技能大赛 (jointly organized by 济宁市教育局 and 济宁市人力资源和
社会保障局, registration open) feeding the 2027 山东省职业院校技能大赛, and a finished 2026 曲阜市 county
competition with published results whose qualifiers can be advanced to the city competition.

Everything goes through the competitions and results services (so the audit log records it) and the
county results are computed from marks by the scoring core. Deterministic (seeded). Adds to ``ids``:
``competition_province``, ``competition_city``, ``competition_county`` and ``event_<competition>_<code>``
(e.g. ``event_city_DG``) for the registration demo that follows.
"""

from __future__ import annotations

import copy
import random
from datetime import datetime, timedelta, timezone

import msgspec

from server.competitions import competitions, events
from server.competitions.schemas import CompetitionIn, EventIn, OrganizerIn
from server.db import write_transaction
from server.organizations.tables import Organization
from server.people.tables import Person
from server.registration.tables import Entry, EntryMember
from server.results import handlers as results_handlers  # noqa: F401  (the step to results_published publishes)
from server.results import importing

CST = timezone(timedelta(hours=8))

# 10% / 20% / 30% of eligible entrants, each rounded half up (stated in the rules of the competition)
AWARDS = {
    "tiers": [
        {"kind": "ratio", "code": "first_prize", "name": "一等奖", "ratio": "0.10", "rounding": "half_up"},
        {"kind": "ratio", "code": "second_prize", "name": "二等奖", "ratio": "0.20", "rounding": "half_up"},
        {"kind": "ratio", "code": "third_prize", "name": "三等奖", "ratio": "0.30", "rounding": "half_up"},
    ],
    "tie_policy": "higher",
}
# city level: top 6 reach 技师 (if otherwise eligible); a first or second prize lifts 五级..三级 one level
CITY_PROMOTION = [
    {"competition_level": "city", "rank_from": 1, "rank_to": 6, "target": 2,
     "condition": "符合条件的（职业院校学生须取得高级工证书）"},
    {"competition_level": "city", "awards": ["first_prize", "second_prize"], "current_levels": [5, 4, 3],
     "target": "one_up"},
]
COUNTY_PROMOTION = [
    {"competition_level": "county", "awards": ["first_prize"], "current_levels": [None, 5], "target": 4},
]
PROVINCE_PROMOTION = [
    {"competition_level": "province", "rank_from": 1, "rank_to": 3, "target": 2},
    {"competition_level": "province", "awards": ["first_prize", "second_prize"], "target": 3},
]
TRIMMED_5 = {"rule": "trimmed_mean", "drop": 1}  # 5 judges: drop the highest and the lowest


def scheme(code: str, name: str, measurement: list[tuple[str, str, str]], judgement: list[tuple[str, str, str]],
           panel: tuple[str, str, str]) -> dict:
    """A 100-mark scheme: module A measured (客观评分), module B judged 0–3 by 3 judges (主观评分),
    module C marked by a 5-judge panel, highest and lowest dropped."""
    return {
        "id": f"{code}-2026", "name": f"{name} 评分标准",
        "criteria": [
            {"id": "A", "name": "模块A 操作与测量", "aspects": [
                {"kind": "measurement", "id": aid, "name": aname, "max": amax} for aid, aname, amax in measurement]},
            {"id": "B", "name": "模块B 工艺与职业素养", "aspects": [
                {"kind": "judgement", "id": aid, "name": aname, "max": amax, "judges": 3}
                for aid, aname, amax in judgement]},
            {"id": "C", "name": "模块C 综合评价", "aspects": [
                {"kind": "panel", "id": panel[0], "name": panel[1], "max": panel[2], "judges": 5,
                 "mark_max": panel[2], "rule": TRIMMED_5}]},
        ],
        "rounding": {"aspect": {"places": 2, "mode": "half_up"}, "total": {"places": 2, "mode": "half_up"}},
        "ranking": {"mode": "unshared", "tie_break": [{"by": "criterion_order"}, {"by": "share"}]},
    }


EVENTS = [
    # code, name, occupation code, work type, team, members, scheme
    ("DG", "电工", "6-31-01-03", "", False, (1, 1), scheme(
        "DG", "电工",
        [("A1", "电气控制线路安装接线正确", "25"), ("A2", "PLC程序调试功能实现", "20"), ("A3", "电工仪表测量", "10")],
        [("B1", "布线工艺", "10"), ("B2", "安全文明生产", "5")],
        ("C1", "故障排除与答辩", "30"))),
    ("HG", "焊工（电焊工）", "6-18-02-04", "电焊工", False, (1, 1), scheme(
        "HG", "焊工",
        [("A1", "焊缝尺寸", "25"), ("A2", "射线探伤评级", "25")],
        [("B1", "焊缝外观成形", "15"), ("B2", "安全文明生产", "5")],
        ("C1", "试件综合评定", "30"))),
    ("SKCG", "数控车工", "6-18-01-01", "数控车工", False, (1, 1), scheme(
        "SKCG", "数控车工",
        [("A1", "尺寸精度", "35"), ("A2", "形位公差与表面粗糙度", "15")],
        [("B1", "加工工艺与程序编制", "15"), ("B2", "职业素养", "5")],
        ("C1", "零件综合评价", "30"))),
    ("QCWX", "汽车维修", "4-12-01-01", "", True, (2, 2), scheme(
        "QCWX", "汽车维修工",
        [("A1", "发动机故障诊断与排除", "25"), ("A2", "底盘检测数据", "15")],
        [("B1", "维修作业规范", "15"), ("B2", "团队协作与7S管理", "10")],
        ("C1", "整车综合检修", "35"))),
    ("WLAQ", "网络与信息安全管理", "4-04-04-02", "", True, (2, 3), scheme(
        "WLAQ", "网络与信息安全管理员",
        [("A1", "网络设备配置正确", "30"), ("A2", "渗透测试得分（CTF）", "25")],
        [("B1", "安全加固方案", "10"), ("B2", "文档与汇报", "5")],
        ("C1", "应急响应综合演练", "30"))),
]


def _event(code, name, occupation, work_type, team, size, rules, *, promotion, advancement, opens, closes,
           quota=2) -> EventIn:
    return msgspec.convert({
        "code": code, "name": name, "occupation_code": occupation, "work_type": work_type or None,
        "group": "student", "track": "open", "team": team, "min_members": size[0], "max_members": size[1],
        "max_coaches": 2, "quota_per_school": quota, "registration_opens": opens, "registration_closes": closes,
        "scheme": copy.deepcopy(rules), "award_rules": copy.deepcopy(AWARDS), "promotion_rules": promotion,
        "advancement_rules": advancement,
        "eligibility": {"min_age": 15, "max_age": 22, "age_reference_date": "2026-12-31",
                        "person_statuses": ["student", "graduate"], "graduated_within_years": 1,
                        "notes": "全日制在籍学生或当年毕业生；中职、高职、技工院校均可报名"},
    }, EventIn)


async def _competition(name, level, year, edition, organizers, parent_id=None, description="") -> int:
    out = await competitions.create_competition(None, CompetitionIn(
        name=name, level=level, year=year, edition=edition, parent_id=parent_id, description=description,
        organizers=[OrganizerIn(organization_id=o, role=r) for o, r in organizers]))
    return out.id


def _marks(rng: random.Random, rules: dict, entry_ids: list[int], skill: dict[int, float]) -> bytes:
    """Plausible marks: each entry has a skill in 0..1; measurement marks, 0–3 judgements within one point,
    a 5-judge panel with one generous and one strict judge."""
    marks = []
    for e in entry_ids:
        s = skill[e]
        for c in rules["criteria"]:
            for a in c["aspects"]:
                top = float(a["max"])
                if a["kind"] == "measurement":
                    value = max(0.0, min(top, round(top * (0.45 + 0.5 * s + rng.uniform(-0.08, 0.08)))))
                    marks.append({"entry": str(e), "judge": "J1", "aspect": a["id"], "mark": f"{value:.0f}"})
                elif a["kind"] == "judgement":
                    base = max(0, min(2, round(1 + 1.6 * s - 0.3 + rng.uniform(-0.4, 0.4))))
                    for j in ("J1", "J2", "J3"):
                        marks.append({"entry": str(e), "judge": j, "aspect": a["id"],
                                      "mark": str(base + rng.choice((0, 0, 1)))})
                else:
                    centre = top * (0.5 + 0.45 * s)
                    for j, bias in zip(("J1", "J2", "J3", "J4", "J5"), (0, 1.5, -1.5, 0.5, -0.5)):
                        value = max(0.0, min(top, centre + bias + rng.uniform(-1.5, 1.5)))
                        marks.append({"entry": str(e), "judge": j, "aspect": a["id"], "mark": f"{value:.1f}"})
    judges = [{"id": f"J{n}", "name": f"裁判{n}号"} for n in range(1, 6)]
    return msgspec.json.encode({"format": "jineng.marks/1", "judges": judges, "marks": marks})


async def _county_entries(event_id: int, schools: list[int], team: int, per_school: int, used: set[int],
                          rng: random.Random) -> list[int]:
    """Approved entries of the county competition straight into the registration tables (the registration
    domain's services need a coordinator; this is history the demo starts from)."""
    made = []
    at = datetime(2026, 9, 20, 9, 0, tzinfo=CST)
    async with write_transaction():
        for school in schools:
            students = [p["id"] for p in await Person.select(Person.id).where(
                (Person.school == school) & (Person.status == "student")).order_by(Person.id) if p["id"] not in used]
            teachers = [p["id"] for p in await Person.select(Person.id).where(
                (Person.school == school) & (Person.status == "teacher")).order_by(Person.id)]
            for n in range(per_school):
                members = students[n * team:(n + 1) * team]
                if len(members) < team:
                    break
                used.update(members)
                rows = await Entry.insert(Entry(
                    event=event_id, school=school, team_name=f"代表队{n + 1}" if team > 1 else None, status="approved",
                    source="registration", submitted_at=at, reviewed_at=at, created_at=at, updated_at=at,
                )).returning(Entry.id)
                entry_id = rows[0]["id"]
                for position, person in enumerate(members):
                    await EntryMember.insert(EntryMember(entry=entry_id, event=event_id, person=person,
                                                         role="competitor", position=position, active=True))
                if teachers:
                    await EntryMember.insert(EntryMember(entry=entry_id, event=event_id,
                                                         person=teachers[n % len(teachers)], role="coach",
                                                         position=len(members), active=True))
                made.append(entry_id)
    rng.shuffle(made)
    return made


async def load(ids: dict[str, int]) -> dict[str, int]:
    rng = random.Random(2026)
    counts = {"competitions": 0, "events": 0, "results": 0}

    # 2027 山东省 (provincial): draft, the same five events; its city selections feed it
    province = await _competition(
        "2027年山东省职业院校技能大赛", "province", 2027, None,
        [(ids["sd_edu"], "host"), (ids["sd_hrss"], "host")],
        description="省教育厅、省人力资源社会保障厅联合主办；各市选拔赛前三名（每校不超过2个）晋级。")
    for code, name, occupation, work_type, team, size, rules in EVENTS:
        await events.create_event(None, province, _event(
            code, name, occupation, work_type, team, size, rules, promotion=PROVINCE_PROMOTION,
            advancement=None, opens="2027-01-04T09:00:00+08:00", closes="2027-02-28T17:00:00+08:00", quota=None))
    ids["competition_province"] = province

    # 2026 济宁市 (city): jointly organized, registration open now, five events
    city = await _competition(
        "2026年济宁市职业院校技能大赛", "city", 2026, 5, [(ids["jn_edu"], "host"), (ids["jn_hrss"], "host")],
        parent_id=province,
        description="市教育局、市人力资源社会保障局联合主办（职业教育与技工教育融合发展）；职业院校与技工院校学生同台竞技。"
                    "各赛项前三名晋级2027年山东省职业院校技能大赛。")
    city_advancement = {"top_n": 3, "per_school_cap": 2, "ties": "together"}
    for code, name, occupation, work_type, team, size, rules in EVENTS:
        made = await events.create_event(None, city, _event(
            code, name, occupation, work_type, team, size, rules, promotion=CITY_PROMOTION,
            advancement=city_advancement, opens="2026-11-01T09:00:00+08:00", closes="2026-12-20T17:00:00+08:00"))
        ids[f"event_city_{code}"] = made.id
    await competitions.transition(None, city, "registration_open", reason="报名通知已发布")
    ids["competition_city"] = city

    # 2026 曲阜市 (county): finished, results published; its top three per event may advance to the city
    county = await _competition(
        "2026年曲阜市职业院校技能大赛", "county", 2026, 3, [(ids["edu_370881"], "host")], parent_id=city,
        description="曲阜市教育局主办；电工、汽车维修赛项前三名推荐参加市赛。")
    authority = await Organization.select(Organization.parent).where(Organization.id == ids["edu_370881"]).first()
    schools = [o["id"] for o in await Organization.select(Organization.id).where(
        (Organization.parent == authority["parent"]) & (Organization.kind == "school")).order_by(Organization.id)]
    county_events = []
    for code, name, occupation, work_type, team, size, rules in EVENTS:
        if code not in ("DG", "QCWX"):
            continue
        made = await events.create_event(None, county, _event(
            code, name, occupation, work_type, team, size, rules, promotion=COUNTY_PROMOTION,
            advancement={"top_n": 3, "ties": "together"}, opens="2026-09-01T09:00:00+08:00",
            closes="2026-09-20T17:00:00+08:00", quota=None))
        ids[f"event_county_{code}"] = made.id
        county_events.append((made.id, size[0], rules))
    await competitions.transition(None, county, "registration_open")
    used: set[int] = set()
    entries = {}
    for event_id, team, rules in county_events:
        entries[event_id] = await _county_entries(event_id, schools, team, 5 if team == 1 else 3, used, rng)
    await competitions.transition(None, county, "registration_closed")
    await competitions.transition(None, county, "running", reason="2026年10月17日 比赛开赛")
    for event_id, _, rules in county_events:
        skill = {e: rng.random() for e in entries[event_id]}
        await importing.compute_results(None, county, event_id, _marks(rng, rules, entries[event_id], skill))
        counts["results"] += len(entries[event_id])
    await competitions.transition(None, county, "results_published", reason="成绩经复核后公示")
    ids["competition_county"] = county

    counts["competitions"] = 3
    counts["events"] = len(EVENTS) * 2 + len(county_events)
    return counts
