"""Builders shared by the server tests, in one place: the small realistic world (organizations, people,
role accounts) built through the services, its larger competitions variant, sign-in shortcuts, rows
written straight into other domains' tables (competitions, entries), and spreadsheets to upload.

A folder's own module (``competitions/helpers.py``, ``registration/support.py``, ``issuing/helpers.py``,
``people/support.py``) keeps only what that domain's tests need and builds on these, never a copy of them.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from server.accounts.schemas import GrantIn, UserIn
from server.accounts.services import create_user
from server.catalog.tables import Occupation
from server.competitions.tables import Competition, CompetitionOrganizer
from server.db import write_transaction
from server.demo.people import make_resident_id
from server.organizations import services as orgs
from server.organizations.schemas import OrganizationIn
from server.people.schemas import PersonIn
from server.people.services import insert_person, school_row
from server.registration.tables import Entry, EntryMember

PASSWORD = "correct-horse-battery"
# an 18-character resident ID standing alone (not part of a longer number, not a masked one)
FULL_ID = re.compile(r"(?<![\d*])\d{17}[\dX](?![\d*])")
JSON = {"content-type": "application/json"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class World:
    orgs: dict[str, int] = field(default_factory=dict)
    people: dict[str, list[int]] = field(default_factory=dict)
    resident_ids: dict[int, str] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)


async def build_world(students_per_school: int = 3) -> World:
    """济宁市 with its education and human-resources bureaus, 曲阜市, 泰安市 next door, three schools with
    students, and one account per role (admin, organizer, two coordinators, judge, graduate)."""
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

    await _user(w, "admin", GrantIn(role="admin", organization_id=w.orgs["national"]))
    await _user(w, "organizer", GrantIn(role="organizer", organization_id=w.orgs["edu"]))
    await _user(w, "coord_a", GrantIn(role="school_coordinator", organization_id=w.orgs["school_a"]))
    await _user(w, "coord_b", GrantIn(role="school_coordinator", organization_id=w.orgs["school_b"]))
    await _user(w, "judge", GrantIn(role="judge", organization_id=w.orgs["city"]))
    await _user(w, "graduate", GrantIn(role="graduate"), person_id=w.people["school_a"][0])
    return w


async def build_competition_world() -> World:
    """The world with six students per school, plus what competitions between levels need: 曲阜市教育局
    (a county authority), 泰安市教育局, the provincial 教育厅 and 人社厅, and organizers of the city's
    second bureau (``hrss_organizer``), of the other city and of the province."""
    w = await build_world(students_per_school=6)

    async def org(key, name, kind, level, parent, **extra):
        out = await orgs.create(None, OrganizationIn(name=name, kind=kind, level=level, parent_id=w.orgs[parent],
                                                     **extra))
        w.orgs[key] = out.id

    await org("county_edu", "曲阜市教育局", "authority", "county", "county", bureau="education")
    await org("other_edu", "泰安市教育局", "authority", "city", "other_city", bureau="education")
    await org("sd_edu", "山东省教育厅", "authority", "province", "province", bureau="education")
    await org("sd_hrss", "山东省人力资源和社会保障厅", "authority", "province", "province", bureau="human_resources")

    await _user(w, "hrss_organizer", GrantIn(role="organizer", organization_id=w.orgs["hrss"]))
    await _user(w, "other_organizer", GrantIn(role="organizer", organization_id=w.orgs["other_edu"]))
    await _user(w, "province_organizer", GrantIn(role="organizer", organization_id=w.orgs["sd_edu"]))
    return w


async def _user(w: World, name: str, *grants: GrantIn, person_id: int | None = None) -> None:
    out = await create_user(None, UserIn(username=name, display_name=name, password=PASSWORD,
                                         grants=list(grants), person_id=person_id))
    w.users[name] = out.id


async def token_for(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    r = await client.post("/api/auth/login", json={"username": username, "password": password, "mode": "token"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def now() -> datetime:
    return datetime.now(timezone.utc)


async def occupation_id(code: str = "6-31-01-03", work_type: str = "") -> int:
    """The bundled catalog's row (the migrations load it; the suite keeps it between tests)."""
    row = await Occupation.select(Occupation.id).where(
        (Occupation.code == code) & (Occupation.work_type == work_type)).first()
    return row["id"]


async def insert_competition(world: World, *, name: str = "2026年济宁市职业院校技能大赛", level: str = "city",
                             year: int = 2026, edition: int | None = None, status: str = "registration_open",
                             organizers: Sequence[tuple[str, str]] = (("edu", "host"),)) -> int:
    """A competition row straight into the competitions tables, for tests of the domains that only read
    it; ``organizers`` are (world organization key, role) pairs (the host's organizer manages it)."""
    stamp = now()
    async with write_transaction():
        comp = (await Competition.insert(Competition(name=name, level=level, year=year, edition=edition,
                                                     status=status, created_at=stamp, updated_at=stamp))
                .returning(Competition.id))[0]["id"]
        for key, role in organizers:
            await CompetitionOrganizer.insert(CompetitionOrganizer(competition=comp, organization=world.orgs[key],
                                                                   role=role))
    return comp


async def insert_entry(event_id: int, school_id: int, competitors: Sequence[int], coaches: Iterable[int] = (),
                       status: str = "approved") -> int:
    """An entry straight into the registration tables. Its members hold their places (``active``) unless the
    entry is a draft, withdrawn or declined, as the registration service leaves them."""
    stamp = now()
    active = status not in ("draft", "withdrawn", "declined")
    async with write_transaction():
        entry = (await Entry.insert(Entry(event=event_id, school=school_id, status=status, created_at=stamp,
                                          updated_at=stamp, submitted_at=None if status == "draft" else stamp))
                 .returning(Entry.id))[0]["id"]
        members = [EntryMember(entry=entry, event=event_id, person=p, role="competitor", position=i, active=active)
                   for i, p in enumerate(competitors)]
        members += [EntryMember(entry=entry, event=event_id, person=p, role="coach", position=len(competitors) + i,
                                active=active) for i, p in enumerate(coaches)]
        await EntryMember.insert(*members)
    return entry


def workbook(rows: Iterable[Sequence[Any]], *, text_columns: Iterable[int] = ()) -> bytes:
    """An .xlsx whose first sheet holds ``rows`` (a header row, if any, is the first); the cells of the
    ``text_columns`` (0-based) are stored as text, as a careful clerk types ID numbers."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")
    text = set(text_columns)
    for row in rows:
        ws.append([_text_cell(ws, v) if i in text else v for i, v in enumerate(row)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _text_cell(ws, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = "@"
    return cell


def read_workbook(content: bytes) -> list[list[Any]]:
    """The first sheet's rows of a downloaded .xlsx."""
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def upload(content: bytes, name: str = "file.xlsx") -> dict:
    """The multipart ``file`` field of an upload route."""
    return {"file": (name, content, XLSX)}
