"""Builders for judging tests: a running competition with one event under a small realistic scheme,
approved entries of three schools, and the judging officials as accounts (through the services)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from server.accounts.schemas import UserIn
from server.accounts.services import create_user
from server.competitions.tables import Event
from server.db import write_transaction
from tests.server.factories import PASSWORD, World, insert_competition, insert_entry, now, occupation_id, token_for

PASSPHRASE = "锁在信封里的口令 2026"
# A judgement aspect (3 judges, 0–3, re-mark when more than 1 apart), a measurement (1 judge) and a
# double-marked aspect (2 markers, tolerance 2, then a third marker, then an arbiter).
SCHEME = {
    "id": "dg-judged", "name": "电工 现场评分",
    "criteria": [
        {"id": "A", "name": "模块A 工艺", "aspects": [
            {"kind": "judgement", "id": "A1", "name": "布线工艺", "max": "6", "judges": 3},
            {"kind": "measurement", "id": "A2", "name": "安全规范", "max": "4"},
        ]},
        {"id": "B", "name": "模块B 报告", "aspects": [
            {"kind": "panel", "id": "B1", "name": "技术报告", "max": "10", "judges": 2,
             "rule": {"rule": "double_marking", "tolerance": "2"}},
        ]},
    ],
    "rounding": {"aspect": {"places": 2, "mode": "half_up"}, "total": {"places": 2, "mode": "half_up"}},
}
AWARDS = {"tiers": [{"kind": "ratio", "code": "first_prize", "name": "一等奖", "ratio": "0.34",
                     "rounding": "half_up"}], "tie_policy": "higher"}


@dataclass
class Judged:
    world: World
    competition: int
    event: int
    entries: dict[str, int]  # school key → entry id
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"/api/judging/events/{self.event}"


async def make_judged_event(client, world: World, *, schools=("school_a", "school_b", "school_c")) -> Judged:
    """A running city competition hosted by 济宁市教育局, one 电工 event under SCHEME, and one approved
    entry per school (its first student). The competition and entry rows come from tests.server.factories;
    the event row is written here, as judging needs its own scheme and awards on it."""
    comp = await insert_competition(world, name="2026年济宁市职业技能大赛", status="running")
    stamp = now()
    async with write_transaction():
        event = (await Event.insert(Event(competition=comp, code="DG", name="电工", occupation=await occupation_id(),
                                          scheme=json.dumps(SCHEME), award_rules=json.dumps(AWARDS),
                                          created_at=stamp, updated_at=stamp)).returning(Event.id))[0]["id"]
    entries = {school: await insert_entry(event, world.orgs[school], [world.people[school][0]])
               for school in schools}
    j = Judged(world, comp, event, entries)
    for name in ("j1", "j2", "j3", "j4", "j5", "chief", "enc", "sup"):
        out = await create_user(None, UserIn(username=name, display_name=f"裁判{name}", password=PASSWORD, grants=[]))
        j.users[name] = out.id
    j.tokens["organizer"] = await token_for(client, "organizer")
    return j


async def login(client, j: Judged, *names: str) -> None:
    for name in names:
        j.tokens[name] = await token_for(client, name)


async def staffed(client, j: Judged, *, j1_school: str | None = "school_a") -> Judged:
    """Pool (five judges, j1 a teacher of school_a), officials, assignments by the organizer."""
    org = j.tokens["organizer"]
    for name in ("j1", "j2", "j3", "j4", "j5"):
        body = {"user_id": j.users[name], "role": "judge"}
        if name == "j1" and j1_school:
            body["school_id"] = j.world.orgs[j1_school]
        r = await client.post(f"{j.base}/pool", headers=org, json=body)
        assert r.status_code == 201, r.text
    for name, role in (("chief", "chief_judge"), ("enc", "encryption_officer"), ("sup", "supervisor")):
        r = await client.post(f"{j.base}/pool", headers=org, json={"user_id": j.users[name], "role": role})
        assert r.status_code == 201, r.text
    for name, criterion, aspect in (("j1", "A", "A1"), ("j2", "A", "A1"), ("j3", "A", "A1"), ("j4", "A", "A2"),
                                    ("j4", "B", "B1"), ("j5", "B", "B1")):
        r = await client.post(f"{j.base}/assignments", headers=org,
                              json={"user_id": j.users[name], "criterion": criterion, "aspect": aspect})
        assert r.status_code == 201, r.text
    await login(client, j, "j1", "j2", "j3", "j4", "j5", "chief", "enc", "sup")
    return j


async def drawn(client, j: Judged) -> dict[str, str]:
    """Check everyone in, draw, open marking; returns {judge name: [codes on their A1 sheet]} helpers."""
    r = await client.post(f"{j.base}/checkin", headers=j.tokens["enc"],
                          json=[{"entry_id": e, "present": True} for e in j.entries.values()])
    assert r.status_code == 200, r.text
    r = await client.post(f"{j.base}/draw", headers=j.tokens["enc"], json={"passphrase": PASSPHRASE})
    assert r.status_code == 201, r.text
    r = await client.post(f"{j.base}/open", headers=j.tokens["chief"])
    assert r.status_code == 200, r.text
    return r.json()


async def sheet(client, j: Judged, name: str) -> dict:
    r = await client.get(f"{j.base}/sheets", headers=j.tokens[name])
    assert r.status_code == 200, r.text
    return r.json()


def cells(sheets: dict) -> list[tuple[str, str, int, int | None]]:
    """(code, aspect, round to mark, current version) of every cell of a judge's sheets."""
    return [(row["code"], c["aspect"], c["round"], c["version"]) for s in sheets["sheets"] for row in s["rows"]
            for c in row["cells"]]


def mark(code: str, aspect: str, value, *, round: int = 1, corrects: int | None = None, key: str | None = None) -> dict:
    body = {"key": key or uuid.uuid4().hex, "code": code, "aspect": aspect, "value": str(value), "round": round,
            "device": "tablet-test"}
    if corrects is not None:
        body["corrects"] = corrects
    return body


async def post_marks(client, j: Judged, name: str, *marks: dict) -> dict:
    r = await client.post(f"{j.base}/marks", headers=j.tokens[name], json={"marks": list(marks)})
    assert r.status_code == 200, r.text
    return r.json()
