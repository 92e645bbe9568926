"""Demo judging: the 2026 济宁市技工院校职业技能大赛 is running, and its 电工 event is being marked.

Everything goes through the judging services as the demo's own people (judge-1 … judge-6, chief-judge,
encryption, supervisor; see README): the pool and the suggested assignment, check-in (one entry
absent), the draw (sealed with the demo passphrase in README), marking opened; module A fully marked
and signed off by its judges except one judgement panel whose marks are two apart — an open re-mark
ticket —, module B marked for half the codes. A newcomer signing in as chief-judge sees judging at once.
Deterministic (seeded).
"""

from __future__ import annotations

import copy
import random
import uuid
from datetime import datetime, timedelta, timezone

from server.competitions import competitions, events
from server.competitions.schemas import CompetitionIn, EventIn, OrganizerIn
from server.db import write_transaction
from server.demo.registration import principal_of
from server.judging import closing, draw, marks, setup
from server.judging.context import context
from server.judging.schemas import AssignmentIn, CheckInIn, MarkBatchIn, MarkIn, PanelJudgeIn
from server.judging.tables import Ticket
from server.people.tables import Person
from server.registration.tables import Entry, EntryMember

CST = timezone(timedelta(hours=8))
DEMO_PASSPHRASE = "jineng-demo-passphrase"
SCHEME = {
    "id": "dg-jg-2026", "name": "电工 现场评分（技工院校组）",
    "criteria": [
        {"id": "A", "name": "模块A 电气安装与工艺", "aspects": [
            {"kind": "judgement", "id": "A1", "name": "布线工艺", "max": "12", "judges": 3},
            {"kind": "judgement", "id": "A2", "name": "安全文明生产", "max": "6", "judges": 3},
            {"kind": "measurement", "id": "A3", "name": "绝缘电阻测量", "max": "12"},
        ]},
        {"id": "B", "name": "模块B 故障排除报告", "aspects": [
            {"kind": "panel", "id": "B1", "name": "故障分析报告", "max": "30", "judges": 2,
             "rule": {"rule": "double_marking", "tolerance": "3"}},
        ]},
    ],
    "rounding": {"aspect": {"places": 2, "mode": "half_up"}, "total": {"places": 2, "mode": "half_up"}},
}
AWARDS = {"tiers": [
    {"kind": "ratio", "code": "first_prize", "name": "一等奖", "ratio": "0.10", "rounding": "half_up"},
    {"kind": "ratio", "code": "second_prize", "name": "二等奖", "ratio": "0.20", "rounding": "half_up"},
    {"kind": "ratio", "code": "third_prize", "name": "三等奖", "ratio": "0.30", "rounding": "half_up"},
], "tie_policy": "higher"}


async def _entries(event_id: int, schools: list[int]) -> list[int]:
    """One approved individual entry per school, straight into the registration tables (history)."""
    at = datetime(2026, 11, 20, 9, 0, tzinfo=CST)
    made = []
    async with write_transaction():
        for school in schools:
            student = await Person.select(Person.id).where(
                (Person.school == school) & (Person.status == "student")).order_by(Person.id, ascending=False).first()
            if student is None:
                continue
            rows = await Entry.insert(Entry(event=event_id, school=school, status="approved", source="registration",
                                            submitted_at=at, reviewed_at=at, created_at=at, updated_at=at)
                                      ).returning(Entry.id)
            await EntryMember.insert(EntryMember(entry=rows[0]["id"], event=event_id, person=student["id"],
                                                 role="competitor", position=0, active=True))
            made.append(rows[0]["id"])
    return made


def _value(rng: random.Random, aspect: dict, base: float) -> str:
    """A plausible mark around the code's level ``base`` (0..1): judges within tolerance of each other."""
    if aspect["kind"] == "judgement":
        return str(1 + round(base) + rng.choice((0, 0, 1)) - (1 if base > 0.9 else 0))
    if aspect["kind"] == "measurement":
        return str(round(7 + 5 * base))
    return str(round(18 + 9 * base) + rng.choice((-1, 0, 1)))


async def load(ids: dict[str, int]) -> dict[str, int]:
    rng = random.Random(2027)
    made = await competitions.create_competition(None, CompetitionIn(
        name="2026年济宁市技工院校职业技能大赛", level="city", year=2026, edition=1,
        organizers=[OrganizerIn(organization_id=ids["jn_hrss"], role="host")],
        description="市人力资源社会保障局主办；现场评分、二次加密与复核演示。"))
    event = await events.create_event(None, made.id, EventIn(
        code="DG-JG", name="电工（技工院校组）", occupation_code="6-31-01-03", group="student", track="technical",
        scheme=copy.deepcopy(SCHEME), award_rules=copy.deepcopy(AWARDS)))
    for step in ("registration_open", "registration_closed", "running"):
        await competitions.transition(None, made.id, step, reason="2026年12月3日 现场比赛")
    entries = await _entries(event.id, [ids[f"school_{n}"] for n in range(1, 9)])

    officials = {name: await principal_of(name) for name in ("chief-judge", "encryption", "supervisor",
                                                              *(f"judge-{n}" for n in range(1, 7)))}
    ctx = await context(None, event.id)
    for n in range(1, 7):  # judge-1 teaches at school 1: the draw seats a substitute on its code
        school = ids["school_1"] if n == 1 else None
        await setup.add_to_pool(ctx, PanelJudgeIn(user_id=officials[f"judge-{n}"].user_id, school_id=school))
    for name, role in (("chief-judge", "chief_judge"), ("encryption", "encryption_officer"),
                       ("supervisor", "supervisor")):
        await setup.add_to_pool(ctx, PanelJudgeIn(user_id=officials[name].user_id, role=role))
    for a in (await setup.suggest(ctx)).assignments:
        await setup.assign(ctx, AssignmentIn(user_id=a.user_id, criterion=a.criterion, aspect=a.aspect,
                                             reason="按建议分配"))
    await setup.check_in(ctx, [CheckInIn(entry_id=e, present=i != len(entries) - 1) for i, e in enumerate(entries)])
    officials = {name: await principal_of(name) for name in officials}  # now with their competition grants
    await draw.draw(await context(officials["encryption"], event.id), DEMO_PASSPHRASE)
    await draw.open_marking(await context(officials["chief-judge"], event.id))

    sheets = {n: (await marks.sheets(await context(officials[f"judge-{n}"], event.id))).sheets for n in range(1, 7)}
    breaker, breach = next((n, row.code) for n in sheets for sheet in sheets[n] if sheet.criterion == "A"
                           for row in sheet.rows if any(c.aspect == "A1" for c in row.cells))
    aspects = {a["id"]: a for c in SCHEME["criteria"] for a in c["aspects"]}
    counts = {"judged_events": 1, "marks": 0}
    level: dict[str, float] = {}
    for n in range(1, 7):
        judge = await context(officials[f"judge-{n}"], event.id)
        batch = []
        for sheet in sheets[n]:
            rows = sheet.rows if sheet.criterion == "A" else sheet.rows[: len(sheet.rows) // 2]
            for row in rows:
                for cell in row.cells:
                    value = _value(rng, aspects[cell.aspect], level.setdefault(row.code, rng.random()))
                    if cell.aspect == "A1" and row.code == breach:  # one judge is two apart from the others
                        value = "0" if n == breaker else str(rng.choice((2, 3)))
                    batch.append(MarkIn(key=f"demo-{uuid.UUID(int=rng.getrandbits(128))}", code=row.code,
                                        aspect=cell.aspect, value=value, device=f"平板{n:02d}"))
        if batch:
            counts["marks"] += (await marks.submit(judge, MarkBatchIn(marks=batch))).accepted
    # judges whose module A sheet is complete and free of tickets sign it
    for n in range(1, 7):
        judge = await context(officials[f"judge-{n}"], event.id)
        for sheet in (await marks.sheets(judge)).sheets:
            if sheet.criterion == "A" and sheet.marked == sheet.cells and not sheet.open_tickets:
                await closing.sign_off(judge, "A")
    ids["competition_judged"] = made.id
    ids["event_judged"] = event.id
    counts["open_tickets"] = await Ticket.count().where((Ticket.event == event.id) & (Ticket.status == "open"))
    return counts
