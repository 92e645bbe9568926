"""Demo entries of the 2026 济宁市 city competition in every status, through the registration services.

The competitions demo runs just before and creates the city competition (registration open) and its
events; they are found by querying the tables (``ids["competition_city"]`` is used when present). Each of
the 14 demo schools enters two events with its own coordinator account (school-01 … school-14): teams for
team events, a teacher as coach, students picked by the eligibility engine. The 济宁市教育局 organizer
(jn-edu) reviews. Statuses cycle so that every one appears several times across schools and events:
draft, submitted, returned (with per-field remarks), resubmitted, approved, declined (with a reason) and
withdrawn. Submissions are judged at a moment inside the registration window, so the demo loads the same
on any date. Students who competed in the county competition are left for advancement.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from server.access import can_manage_competition
from server.accounts.services import load_grants
from server.accounts.tables import User
from server.competitions.tables import Competition, Event
from server.db import write_transaction
from server.errors import DomainError
from server.people.tables import Person
from server.principal import Principal
from server.registration import eligibility as elig
from server.registration import entries, review
from server.registration.facts import event_facts, event_row, now, people_facts
from server.registration.schemas import EntryIn, EntryPatch, PersonRef, RemarkIn
from server.registration.tables import Entry, EntryMember

log = logging.getLogger("jineng.demo")

# the status each successive entry ends in: all seven, approved and submitted most often
CYCLE = ["approved", "submitted", "returned", "resubmitted", "approved", "declined", "withdrawn", "draft",
         "submitted", "approved"]
RETURN_REMARKS = [
    RemarkIn(field="members[0].person_id", message="请补充该选手的学籍证明（学信网截图或学校盖章证明）。"),
    RemarkIn(field="coaches", message="指导教师需为本校在职教师，请核对。"),
]
DECLINE_REASONS = ["选手年龄证明材料与身份证信息不一致，经复核不予通过。", "报名材料逾期未补齐。"]
WITHDRAW_REASONS = ["选手因伤无法参赛，学校申请撤回。", "选手参加省级集训，时间冲突。"]


async def principal_of(username: str) -> Principal | None:
    """The demo account as a signed-in principal (the demo acts through the services as its people)."""
    user = await User.select(User.id, User.username, User.display_name, User.person_id).where(
        User.username == username).first()
    if user is None:
        return None
    return Principal(user_id=user["id"], username=user["username"], display_name=user["display_name"],
                     person_id=user["person_id"], session_id=0, via_cookie=False,
                     grants=await load_grants(user["id"]))


async def _city_competition(ids: dict[str, int]) -> dict | None:
    if "competition_city" in ids:
        row = await Competition.select().where(Competition.id == ids["competition_city"]).first()
        if row is not None:
            return row
    return await Competition.select().where(
        (Competition.level == "city") & (Competition.status == "registration_open")
    ).order_by(Competition.id).first()


async def _reviewer(competition_id: int) -> Principal | None:
    for username in ("jn-edu", "jn-hrss", "admin"):
        principal = await principal_of(username)
        if principal is not None and await can_manage_competition(principal, competition_id):
            return principal
    return None


async def _people(school_id: int, status: str) -> list[int]:
    rows = await Person.select(Person.id).where((Person.school == school_id) & (Person.status == status)).order_by(
        Person.id)
    return [r["id"] for r in rows]


async def load(ids: dict[str, int]) -> dict[str, int]:
    # one transaction around everything: the services' own transactions join it, and every read reuses its
    # connection (SQLite otherwise opens one per query), which keeps the load to about a second
    async with write_transaction():
        return await _load(ids)


async def _load(ids: dict[str, int]) -> dict[str, int]:
    competition = await _city_competition(ids)
    if competition is None:
        return {"entries": 0}
    events = await Event.select(Event.id).where(Event.competition == competition["id"]).order_by(Event.id)
    reviewer = await _reviewer(competition["id"])
    if not events or reviewer is None:
        return {"entries": 0}
    facts = [event_facts(await event_row(e["id"])) for e in events]
    # judge submissions at a moment inside the window, whatever today's date
    opens = facts[0].registration_opens
    at = opens + timedelta(days=1) if opens is not None else None
    context = elig.Context(now=at or now())

    # competitors of other competitions (the county one) stay free for advancement to the city events
    busy = {r["person"] for r in await EntryMember.select(EntryMember.person).where(EntryMember.role == "competitor")}
    schools = [ids[k] for k in sorted((k for k in ids if k.startswith("school_")), key=lambda k: int(k[7:]))]
    n = 0
    for number, school_id in enumerate(schools, start=1):
        coordinator = await principal_of(f"school-{number:02d}")
        if coordinator is None:
            continue
        students = [p for p in await _people(school_id, "student") if p not in busy]
        teachers = await _people(school_id, "teacher")
        people = await people_facts(students)
        picks = [facts[(number - 1) % len(facts)], facts[(number + 1) % len(facts)]]
        for event in dict((e.id, e) for e in picks).values():
            size = event.max_members if event.team and event.max_members <= 3 and number % 2 else event.min_members
            members = [p for p in students if p in people and not elig.competitor_problems(event, people[p], context)]
            members = members[:size]
            if len(members) < event.min_members:
                continue
            students = [p for p in students if p not in members]
            target = CYCLE[n % len(CYCLE)]
            n += 1
            try:
                await _entry(coordinator, reviewer, event, school_id, members, teachers, target, number, at)
            except DomainError as exc:  # a rule the demo did not foresee: the entry stays where it got to
                log.warning("demo entry of school %s in event %s stopped short of %s: %s", school_id, event.id,
                            target, exc.detail)
    rows = await Entry.select(Entry.status).where(Entry.event.is_in([e.id for e in facts]))
    made = {f"entries_{status}": 0 for status in set(CYCLE)}
    for r in rows:
        made[f"entries_{r['status']}"] = made.get(f"entries_{r['status']}", 0) + 1
    return {"entries": len(rows), **dict(sorted(made.items()))}


async def _entry(coordinator: Principal, reviewer: Principal, event: elig.EventFacts, school_id: int,
                 members: list[int], teachers: list[int], target: str, number: int, at) -> None:
    team_name = f"{number}号代表队" if event.team else None
    out = await entries.create_entry(coordinator, EntryIn(
        event_id=event.id, school_id=school_id, team_name=team_name,
        members=[PersonRef(person_id=p) for p in members], coaches=[PersonRef(person_id=c) for c in teachers[:1]]))
    if target == "draft":
        return
    await entries.submit(coordinator, out.id, at=at)
    if target in ("returned", "resubmitted"):
        await review.return_entry(reviewer, out.id, RETURN_REMARKS)
        if target == "resubmitted":
            # the school answers the remarks: another coach, and a corrected team name
            await entries.update_entry(coordinator, out.id, EntryPatch(
                coaches=[PersonRef(person_id=c) for c in teachers[1:2] or teachers[:1]],
                **({"team_name": f"{number}号代表队（补正）"} if event.team else {})))
            await entries.submit(coordinator, out.id, at=at)
    elif target == "approved":
        await review.approve(reviewer, out.id, "资格审核通过。")
    elif target == "declined":
        await review.decline(reviewer, out.id, DECLINE_REASONS[number % len(DECLINE_REASONS)])
    elif target == "withdrawn":
        await entries.withdraw(coordinator, out.id, WITHDRAW_REASONS[number % len(WITHDRAW_REASONS)])
