"""Entries as spreadsheets: the all-or-nothing import of a filled template (``templates``), and the exports
of entries and of review status (.xlsx or .csv).

Import: one row per entry (team name, competitors' and coaches' resident IDs and names). A template of
another event is refused before any row is read (``templates.check_template_event``). Every row is
checked against the event (team size, coaches), the school's roster (IDs known, names matching, coaches
are teachers), the rest of the file (nobody in two rows, team names unique) and the database (nobody
already in an open entry of the event). Only a file without a single problem is written: draft entries
(``source = "import"``), inserted with multi-row statements in one transaction, one audit entry for the
import. The school then submits the drafts, which runs the full eligibility check.

Exports show resident IDs masked (first 3 + last 4) unless the caller is staff authorized for the school.
"""

from __future__ import annotations

import hashlib
from typing import Any

from server.audit.services import record
from server.db import bulk_insert, write_transaction
from server.people import resident_id as rid
from server.people.services import school_row, sees_full_id
from server.people.tables import Person
from server.principal import Principal
from server.registration.eligibility import CHINA_TIME
from server.registration.entries import acting_school, check_event_takes_drafts
from server.registration.facts import chunks, event_row, now
from server.registration.lifecycle import FINAL
from server.registration.queries import entry_conditions, entry_select, members_of, remarks_of, review_conditions
from server.registration.schemas import EntryImportReport
from server.registration.tables import Entry, EntryMember
from server.registration.templates import check_template_event, entry_columns
from server.spreadsheets import (
    ErrorList,
    read_sheet_async,
    resident_id_cell,
    write_csv,
    write_xlsx,
)

EXPORT_LIMIT = 50_000
STATUS_LABELS = {"draft": "草稿", "submitted": "已提交", "returned": "已退回", "resubmitted": "已重新提交",
                 "approved": "已通过", "declined": "未通过", "withdrawn": "已撤回"}
ROLE_LABELS = {"competitor": "选手", "coach": "指导教师"}


async def _people_by_resident_id(ids: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for part in chunks(ids):
        for r in await Person.select(Person.id, Person.name, Person.school, Person.status, Person.resident_id).where(
            Person.resident_id.is_in(list(part))
        ):
            found[r["resident_id"]] = r
    return found


async def _open_entries_of(event_id: int, person_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Competitors already in a draft or place-holding entry of the event: person -> (entry, status)."""
    found: dict[int, tuple[int, str]] = {}
    for part in chunks(person_ids):
        for r in await EntryMember.select(
            EntryMember.person, EntryMember.entry, EntryMember.entry.status.as_alias("status")
        ).where(
            (EntryMember.event == event_id) & (EntryMember.role == "competitor")
            & EntryMember.person.is_in(list(part)) & EntryMember.entry.status.not_in(list(FINAL))
        ):
            found[r["person"]] = (r["entry"], r["status"])
    return found


async def import_entries(principal: Principal, event_id: int, school_id: int | None, content: bytes, *,
                         dry_run: bool) -> EntryImportReport:
    school = acting_school(principal, school_id)
    await school_row(school)
    event = await event_row(event_id)
    check_event_takes_drafts(event)
    check_template_event(content, event)
    columns = entry_columns(event)
    sheet = await read_sheet_async(content, columns, what="entry file")
    errors = ErrorList(sheet, columns)
    max_members, max_coaches = event["max_members"] or 1, event["max_coaches"] or 0
    min_members = event["min_members"] or 1

    # pass 1: shape of each row, resident IDs valid
    parsed: list[dict[str, Any]] = []
    wanted: set[str] = set()
    for row in sheet.rows:
        entry: dict[str, Any] = {"row": row.row, "team_name": (row.values.get("team_name") or "").strip() or None,
                                 "members": [], "coaches": [], "given": 0}
        for role, count in (("member", max_members), ("coach", max_coaches)):
            for i in range(1, count + 1):
                id_key, name_key = f"{role}_{i}_resident_id", f"{role}_{i}_name"
                name = (row.values.get(name_key) or "").strip()
                if role == "member" and row.values.get(id_key) is not None:
                    entry["given"] += 1  # counted even when invalid: team size is judged on what was filled in
                try:
                    raw = resident_id_cell(row, id_key)
                except ValueError as exc:
                    errors.add(row.row, id_key, "resident_id_rounded", str(exc))
                    continue
                if raw is None:
                    if name:
                        errors.add(row.row, id_key, "resident_id_required", f"{name} has no resident ID in this row.")
                    continue
                try:
                    value = rid.validate(raw)
                except rid.ResidentIdError as exc:
                    errors.add(row.row, id_key, "invalid_resident_id", str(exc))
                    continue
                entry["members" if role == "member" else "coaches"].append((id_key, name_key, value, name))
                wanted.add(value)
        if event["team"] and not entry["team_name"]:
            errors.add(row.row, "team_name", "team_name_required", "A team event needs a team name.")
        if entry["team_name"] and len(entry["team_name"]) > 100:
            errors.add(row.row, "team_name", "team_name_too_long", "The team name is longer than 100 characters.")
        parsed.append(entry)

    people = await _people_by_resident_id(sorted(wanted))
    member_person_ids = [people[v]["id"] for e in parsed for (_, _, v, _) in e["members"] if v in people]
    open_entries = await _open_entries_of(event_id, sorted(set(member_person_ids)))
    existing_teams: set[str] = set()
    if event["team"]:
        existing_teams = {
            r["team_name"] for r in await Entry.select(Entry.team_name).where(
                (Entry.event == event_id) & (Entry.school == school) & Entry.status.not_in(list(FINAL))
            ) if r["team_name"]
        }

    # pass 2: roster, names, roles, duplicates in the row, the file and the database
    first_row_of_person: dict[int, int] = {}
    first_row_of_team: dict[str, int] = {}
    for entry in parsed:
        row_no = entry["row"]
        resolved: dict[str, list[int]] = {"members": [], "coaches": []}
        in_row: set[int] = set()
        for role in ("members", "coaches"):
            for id_key, name_key, value, name in entry[role]:
                person = people.get(value)
                if person is None or person["school"] != school:
                    errors.add(row_no, id_key, "not_on_roster",
                               "Nobody with this resident ID is on your school's roster; import the roster first.")
                    continue
                if name and name != person["name"]:
                    errors.add(row_no, name_key, "name_mismatch",
                               f"The roster has {person['name']} for this resident ID, not {name}.")
                if person["id"] in in_row:
                    errors.add(row_no, id_key, "duplicate_in_row",
                               f"{person['name']} appears twice in this row (a person is a competitor or a coach, once).")
                    continue
                in_row.add(person["id"])
                if role == "coaches":
                    if person["status"] != "teacher":
                        errors.add(row_no, id_key, "coach_not_teacher",
                                   f"{person['name']} is not recorded as a teacher; only teachers can coach.")
                else:
                    seen = first_row_of_person.get(person["id"])
                    if seen is not None:
                        errors.add(row_no, id_key, "duplicate_in_file",
                                   f"{person['name']} is already entered on row {seen} of this file.")
                    else:
                        first_row_of_person[person["id"]] = row_no
                    taken = open_entries.get(person["id"])
                    if taken is not None:
                        errors.add(row_no, id_key, "already_entered",
                                   f"{person['name']} is already in entry {taken[0]} ({taken[1]}) of this event.")
                resolved[role].append(person["id"])
        count = entry["given"]
        if count < min_members:
            key = f"member_{count + 1}_resident_id"
            errors.add(row_no, key, "too_few_members",
                       f"{event['name']} needs at least {min_members} competitor(s); this row has {count}.")
        team = entry["team_name"]
        if team:
            if team in first_row_of_team:
                errors.add(row_no, "team_name", "duplicate_team_name",
                           f"The team name {team} is already used on row {first_row_of_team[team]}.")
            elif team in existing_teams:
                errors.add(row_no, "team_name", "duplicate_team_name",
                           f"Your school already has an entry named {team} in this event.")
            first_row_of_team.setdefault(team, row_no)
        entry["resolved"] = resolved
    errors.raise_if_any(len(sheet.rows), "entry file")
    if dry_run:
        return EntryImportReport(rows=len(sheet.rows), dry_run=True, committed=False, created=0)
    ids = await _insert(principal, event_id, school, parsed, hashlib.sha256(content).hexdigest())
    return EntryImportReport(rows=len(sheet.rows), dry_run=False, committed=True, created=len(ids), entry_ids=ids)


async def _insert(principal: Principal, event_id: int, school_id: int, parsed: list[dict], digest: str) -> list[int]:
    stamp = now()
    async with write_transaction():
        inserted = await bulk_insert(
            Entry, ("event", "school", "team_name", "status", "source", "source_detail", "created_by", "created_at",
                    "updated_at"),
            [(event_id, school_id, e["team_name"], "draft", "import", f"import {digest[:12]} row {e['row']}",
              principal.user_id, stamp, stamp) for e in parsed],
            returning=("id", "source_detail"),
        )
        by_row = {int(r["source_detail"].rsplit(" ", 1)[1]): r["id"] for r in inserted}
        ids = [by_row[e["row"]] for e in parsed]
        members = []
        for entry_id, e in zip(ids, parsed):
            members += [(entry_id, event_id, p, "competitor", i, False) for i, p in enumerate(e["resolved"]["members"])]
            members += [(entry_id, event_id, p, "coach", i, False) for i, p in enumerate(e["resolved"]["coaches"])]
        await bulk_insert(EntryMember, ("entry", "event", "person", "role", "position", "active"), members)
        await record(principal, action="entries.imported", object_type="event", object_id=event_id,
                     after={"school_id": school_id, "entries": len(ids), "entry_ids": ids, "file_sha256": digest})
    return ids


# --- exports --------------------------------------------------------------------------------------

ENTRY_HEADERS = ["报名编号 entry_id", "赛事 competition", "赛项代码 event_code", "赛项 event", "学校 school",
                 "队名 team_name", "状态 status", "角色 role", "序号 position", "姓名 name", "性别 gender",
                 "身份证号 resident_id", "身份 person_status", "提交时间 submitted_at", "审核时间 reviewed_at"]
REVIEW_HEADERS = ["报名编号 entry_id", "赛项代码 event_code", "赛项 event", "学校 school", "队名 team_name",
                  "选手 competitors", "指导教师 coaches", "状态 status", "来源 source", "提交时间 submitted_at",
                  "审核时间 reviewed_at", "待改意见 open_remarks", "未通过原因 decline_reason",
                  "撤回原因 withdraw_reason"]


async def _rows(conditions: list) -> list[dict]:
    query = entry_select().order_by(Entry.event).order_by(Entry.school).order_by(Entry.id)
    for cond in conditions:
        query = query.where(cond)
    return await query.limit(EXPORT_LIMIT)


def _when(value) -> str:
    return value.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") if value else ""


async def entry_rows(principal: Principal, conditions: list) -> list[list[Any]]:
    entries = await _rows(conditions)
    members = await members_of([e["id"] for e in entries])
    out = []
    for e in entries:
        full = sees_full_id(principal, e["school_path"])
        for m in members.get(e["id"], []):
            out.append([e["id"], e["competition_name"], e["event_code"], e["event_name"], e["school_name"],
                        e["team_name"] or "", STATUS_LABELS.get(e["status"], e["status"]),
                        ROLE_LABELS.get(m["role"], m["role"]), m["position"] + 1, m["name"],
                        "男" if m["gender"] == "male" else "女",
                        m["resident_id"] if full else rid.mask(m["resident_id"]), m["status"],
                        _when(e["submitted_at"]), _when(e["reviewed_at"])])
    return out


async def review_rows(principal: Principal, conditions: list) -> list[list[Any]]:
    entries = await _rows(conditions)
    ids = [e["id"] for e in entries]
    members = await members_of(ids)
    remarks = await remarks_of(ids)
    out = []
    for e in entries:
        ms = members.get(e["id"], [])
        open_remarks = "；".join(
            (f"{r['field']}: " if r["field"] else "") + r["message"]
            for r in remarks.get(e["id"], []) if r["kind"] == "return" and not r["resolved"]
        )
        out.append([e["id"], e["event_code"], e["event_name"], e["school_name"], e["team_name"] or "",
                    "、".join(m["name"] for m in ms if m["role"] == "competitor"),
                    "、".join(m["name"] for m in ms if m["role"] == "coach"),
                    STATUS_LABELS.get(e["status"], e["status"]), e["source"], _when(e["submitted_at"]),
                    _when(e["reviewed_at"]), open_remarks, e["decline_reason"], e["withdraw_reason"]])
    return out


def encode(headers: list[str], rows: list[list[Any]], fmt: str, sheet: str) -> bytes:
    return write_csv(headers, rows) if fmt == "csv" else write_xlsx(sheet, headers, rows)


async def export_entries(principal: Principal, *, fmt: str, **filters) -> bytes:
    conditions = await entry_conditions(principal, **filters)
    return encode(ENTRY_HEADERS, await entry_rows(principal, conditions), fmt, "entries")


async def export_review(principal: Principal, *, fmt: str, competition_id: int | None, event_id: int | None,
                        school_id: int | None, status: str | None) -> bytes:
    conditions = await review_conditions(principal, competition_id=competition_id, event_id=event_id,
                                                  school_id=school_id)
    if status:
        conditions.append(Entry.status == status)
    return encode(REVIEW_HEADERS, await review_rows(principal, conditions), fmt, "review")

