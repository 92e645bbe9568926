"""Student rosters as spreadsheets: the .xlsx template, the all-or-nothing import and the exports.

Import: every row is checked (name, resident ID per GB 11643, status, years, phone), duplicates within the
file and against the database are caught, and only a file without a single problem is written, in one
transaction with multi-row inserts (one statement per ~2,000 rows). One audit entry records
the whole import (school, row count, the file's SHA-256 and the new person ids).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import datetime, timezone
from typing import Any

from server.audit.services import record
from server.config import get_settings
from server.db import bulk_insert, write_transaction
from server.errors import Forbidden
from server.i18n import EN, ZH
from server.people import resident_id as rid
from server.people import services
from server.people.schemas import ImportReport
from server.people.tables import Person, SkillLevel
from server.principal import Principal
from server.skill_levels import level_name
from server.spreadsheets import (
    Column,
    ErrorList,
    build_template,
    read_sheet_async,
    resident_id_cell,
    write_csv,
    write_xlsx,
)

PERSON_COLUMNS = ("name", "gender", "resident_id", "resident_id_hmac", "birth_date", "status", "school", "major_code",
                  "major_name", "enrollment_year", "graduation_year", "phone", "created_at", "updated_at")
EXPORT_LIMIT = 100_000
PACE = 250  # rows validated between two turns of the event loop

ROSTER_COLUMNS = (
    Column("name", "姓名", required=True, width=12, note="as on the ID card"),
    Column("resident_id", "身份证号", required=True, width=22,
           note="18 characters (GB 11643); type it as text so Excel keeps every digit"),
    Column("status", "身份", width=10, note="在校生 student (default) | 毕业生 graduate | 教师 teacher"),
    Column("major_code", "专业代码", width=12, note="e.g. 660301"),
    Column("major_name", "专业名称", width=18),
    Column("enrollment_year", "入学年份", width=10, note="four digits, e.g. 2023"),
    Column("graduation_year", "毕业年份", width=10, note="four digits; for graduates the year they graduated"),
    Column("phone", "手机号", width=14),
)

STATUS_WORDS = {
    "student": "student", "在校生": "student", "学生": "student", "在读": "student",
    "graduate": "graduate", "毕业生": "graduate", "已毕业": "graduate",
    "teacher": "teacher", "教师": "teacher", "老师": "teacher", "指导教师": "teacher",
}
STATUS_LABELS = {"student": "在校生", "graduate": "毕业生", "teacher": "教师"}
_PHONE = re.compile(r"^[0-9+\- ]{5,20}$")


def _now() -> datetime:
    return datetime.now(timezone.utc)


ROSTER_NOTES_ZH = {
    "name": "与身份证一致", "resident_id": "18 位（GB 11643）；请以文本输入，Excel 才会保留每一位",
    "status": "在校生（默认）| 毕业生 | 教师", "major_code": "例如 660301", "enrollment_year": "四位数字，例如 2023",
    "graduation_year": "四位数字；毕业生填毕业年份",
}
ROSTER_TEXTS = {
    ZH: ("学生名册导入模板", [
        "在数据表 data 中每行填写一人，从第 2 行开始；请保留表头行。",
        "标为必填的列必须填写。身份证号须以文本输入（该列已设为文本格式）。",
        "导入要么全部成功，要么全部不写入：任何一行有问题，报告会指出它的行号和列，且不写入任何数据。",
        "同一身份证号在文件中只能出现一次，且不能已在系统中登记。",
    ]),
    EN: ("Student roster import template", [
        "Fill one person per row in the sheet 'data', starting at row 2; keep the header row.",
        "Columns marked required must be filled. Resident IDs must be typed as text (the column is preformatted).",
        "The import is all or nothing: if any row has a problem, the report names its row and column and "
        "nothing is written.",
        "A resident ID may appear once in the file and must not already be on record.",
    ]),
}


def template(lang: str = ZH) -> bytes:
    """The roster template with its instructions sheet in ``lang`` (``server.i18n``: zh-CN or en)."""
    title, instructions = ROSTER_TEXTS[EN if lang == EN else ZH]
    return build_template(
        title, ROSTER_COLUMNS, instructions=instructions, lang=lang,
        notes=None if lang == EN else ROSTER_NOTES_ZH,
        examples=[["张三", "370881200703010012", "在校生", "660301", "机电技术应用", 2022, 2025, "13800000000"]],
    )


def _year(value: str | None, row: int, key: str, errors: ErrorList) -> int | None:
    if value is None:
        return None
    if not re.fullmatch(r"\d{4}", value) or not 1950 <= int(value) <= 2100:
        errors.add(row, key, "invalid_year", f"“{value}” is not a four-digit year.")
        return None
    return int(value)


def _validate_row(row_number: int, values: dict[str, Any], cell_id: str | None, errors: ErrorList,
                  today) -> dict[str, Any] | None:
    before = len(errors.items)
    name = (values.get("name") or "").strip()
    if not name:
        errors.add(row_number, "name", "name_required", "The name is empty.")
    elif len(name) > 60:
        errors.add(row_number, "name", "name_too_long", "The name is longer than 60 characters.")
    elif services.name_problem(name):
        errors.add(row_number, "name", "invalid_name", services.name_problem(name))
    resident_id = None
    if cell_id is None:
        errors.add(row_number, "resident_id", "resident_id_required", "The resident ID is empty.")
    else:
        try:
            resident_id = rid.validate(cell_id, today=today)
        except rid.ResidentIdError as exc:
            errors.add(row_number, "resident_id", "invalid_resident_id", str(exc))
    status_text = (values.get("status") or "student").strip().lower()
    status = STATUS_WORDS.get(status_text)
    if status is None:
        errors.add(row_number, "status", "invalid_status",
                   f"“{values.get('status')}” is not a status: write 在校生, 毕业生 or 教师.")
    enrolled = _year(values.get("enrollment_year"), row_number, "enrollment_year", errors)
    graduates = _year(values.get("graduation_year"), row_number, "graduation_year", errors)
    if enrolled and graduates and graduates < enrolled:
        errors.add(row_number, "graduation_year", "invalid_years", "The graduation year is before the enrollment year.")
    major_code = values.get("major_code")
    if major_code and len(major_code) > 10:
        errors.add(row_number, "major_code", "major_code_too_long", "The major code is longer than 10 characters.")
    major_name = values.get("major_name")
    if major_name and len(major_name) > 80:
        errors.add(row_number, "major_name", "major_name_too_long", "The major name is longer than 80 characters.")
    phone = values.get("phone")
    if phone and not _PHONE.match(phone):
        errors.add(row_number, "phone", "invalid_phone", f"“{phone}” is not a phone number.")
    if len(errors.items) != before:
        return None
    return {"name": name, "resident_id": resident_id, "status": status, "major_code": major_code,
            "major_name": major_name, "enrollment_year": enrolled, "graduation_year": graduates, "phone": phone}


async def _existing(resident_ids: list[str]) -> dict[str, dict]:
    """Persons already on record among these IDs, in chunks (a few queries for thousands of rows)."""
    found: dict[str, dict] = {}
    for i in range(0, len(resident_ids), 900):
        chunk = resident_ids[i:i + 900]
        for r in await services.person_select().where(Person.resident_id.is_in(chunk)):
            found[r["resident_id"]] = r
    return found


async def import_roster(principal: Principal, school_id: int, content: bytes, *, dry_run: bool) -> ImportReport:
    """Validate every row; write all rows or none."""
    school = await services.school_row(school_id)
    if not services.may_write_school(principal, school):
        raise Forbidden("You can only import people of your own school.", code="other_school")
    sheet = await read_sheet_async(content, ROSTER_COLUMNS, what="roster")
    errors = ErrorList(sheet, ROSTER_COLUMNS)
    today = _now().date()
    valid: list[tuple[int, dict[str, Any]]] = []
    first_row: dict[str, int] = {}
    for number, row in enumerate(sheet.rows):
        if number % PACE == PACE - 1:
            await asyncio.sleep(0)  # thousands of rows: let the event loop serve others in between
        try:
            cell_id = resident_id_cell(row, "resident_id")
        except ValueError as exc:
            errors.add(row.row, "resident_id", "resident_id_rounded", str(exc))
            continue
        data = _validate_row(row.row, row.values, cell_id, errors, today)
        if data is None:
            continue
        seen = first_row.get(data["resident_id"])
        if seen is not None:
            errors.add(row.row, "resident_id", "duplicate_in_file",
                       f"The same resident ID is already on row {seen} of this file.")
            continue
        first_row[data["resident_id"]] = row.row
        valid.append((row.row, data))
    existing = await _existing(list(first_row))
    for row_number, data in valid:
        other = existing.get(data["resident_id"])
        if other is None:
            continue
        code, message = services.on_record(principal, other, school_id)  # nothing of a record one may not read
        errors.add(row_number, "resident_id", "already_on_roster" if code == "person_exists" else code, message)
    errors.raise_if_any(len(sheet.rows), "roster")
    if dry_run:
        return ImportReport(rows=len(sheet.rows), dry_run=True, committed=False, created=0)
    ids = await _insert(principal, school_id, [d for _, d in valid], hashlib.sha256(content).hexdigest())
    return ImportReport(rows=len(sheet.rows), dry_run=False, committed=True, created=len(ids), created_ids=ids)


async def _insert(principal: Principal, school_id: int, rows: list[dict[str, Any]], digest: str) -> list[int]:
    pepper = get_settings().secret
    now = _now()
    values = []
    for number, d in enumerate(rows):
        if number % PACE == PACE - 1:
            await asyncio.sleep(0)
        values.append(
            (d["name"], rid.gender_of(d["resident_id"]), d["resident_id"], rid.keyed_digest(d["resident_id"], pepper),
             rid.birth_date(d["resident_id"]), d["status"], school_id, d["major_code"], d["major_name"],
             d["enrollment_year"], d["graduation_year"], d["phone"], now, now))
    async with write_transaction():
        ids = sorted(r["id"] for r in await bulk_insert(Person, PERSON_COLUMNS, values, returning=("id",)))
        await record(principal, action="people.imported", object_type="school", object_id=school_id,
                     after={"rows": len(rows), "file_sha256": digest, "person_ids": ids})
    return ids


# --- exports --------------------------------------------------------------------------------------

ROSTER_EXPORT_HEADERS = ["编号 id", "姓名 name", "性别 gender", "身份证号 resident_id", "出生日期 birth_date",
                         "身份 status", "学校 school", "专业代码 major_code", "专业名称 major_name",
                         "入学年份 enrollment_year", "毕业年份 graduation_year", "技能等级 skill_levels"]


async def export_rows(principal: Principal, *, school_id: int | None, status: str | None) -> list[list[Any]]:
    """Rows of the roster export; resident IDs masked unless the caller is staff authorized for the school."""
    query = services.person_select().order_by(Person.school).order_by(Person.id).limit(EXPORT_LIMIT)
    for cond in await services.list_conditions(principal, school_id=school_id, q=None, status=status):
        query = query.where(cond)
    people = await query
    levels: dict[int, list[str]] = {}
    ids = [p["id"] for p in people]
    for i in range(0, len(ids), 900):
        for lv in await SkillLevel.select(SkillLevel.person, SkillLevel.occupation_name, SkillLevel.work_type,
                                          SkillLevel.level).where(SkillLevel.person.is_in(ids[i:i + 900])):
            label = lv["occupation_name"] + (f"（{lv['work_type']}）" if lv["work_type"] else "")
            levels.setdefault(lv["person"], []).append(f"{label} {level_name(lv['level'])}")
    out = []
    for p in people:
        shown = services.to_out(principal, p)
        out.append([p["id"], p["name"], "男" if p["gender"] == "male" else "女", shown.resident_id,
                    p["birth_date"], STATUS_LABELS.get(p["status"], p["status"]), p["school_name"],
                    p["major_code"], p["major_name"], p["enrollment_year"], p["graduation_year"],
                    "；".join(levels.get(p["id"], []))])
    return out


async def export(principal: Principal, *, school_id: int | None, status: str | None, fmt: str) -> bytes:
    rows = await export_rows(principal, school_id=school_id, status=status)
    if fmt == "csv":
        return write_csv(ROSTER_EXPORT_HEADERS, rows)
    return write_xlsx("roster", ROSTER_EXPORT_HEADERS, rows)
