"""The second way in: skill-level certificates from a spreadsheet of assessment passes (等级认定结果).

Each row names a person on record (resident ID, name as on the record), an occupation and work type of
the catalog, a level and the date of the pass. Every row is checked first and every problem is reported
with its row and column (:class:`server.spreadsheets.ErrorList`); only a file without problems is issued,
all in one transaction and one batch. ``dry_run`` checks without issuing.
"""

from __future__ import annotations

import asyncio
import datetime as _dt

from certificates import names_equal
from server import locks
from server.catalog import services as catalog
from server.db import lock_key, write_transaction
from server.errors import InvalidInput, refusal
from server.i18n import EN, ZH
from server.issuing.clock import issue_date
from server.issuing.holders import holds_certificate, person_by_resident_id
from server.issuing.issuance import Draft, close_batch, issue, new_batch, record_skill_level
from server.issuing.reads import batch_out
from server.issuing.schemas import BatchOut
from server.issuing.scope import issuer_for
from server.principal import Principal
from server.skill_levels import parse_level
from server.spreadsheets import Column, ErrorList, build_template, read_sheet, resident_id_cell

PASS_COLUMNS = (
    Column("resident_id", "身份证号", required=True, width=22, note="18-character resident ID (text, not a number)"),
    Column("name", "姓名", required=True, note="as on the person's record"),
    Column("occupation_code", "职业编码", required=True, width=14, note="国家职业分类大典 code, e.g. 6-31-01-03"),
    Column("work_type", "工种/职业方向", width=16, note="empty when the occupation has none"),
    Column("level", "等级", required=True, width=14, note="1-5, 三级 or 三级/高级工"),
    Column("assessed_on", "认定日期", required=True, width=14, note="date of the pass, e.g. 2026-11-20"),
)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
_NO_WORK_TYPE = ("--", "—", "-")


PASS_NOTES_ZH = {
    "resident_id": "18 位身份证号（文本，不是数字）", "name": "与人员记录一致",
    "occupation_code": "《国家职业分类大典》编码，例如 6-31-01-03", "work_type": "该职业没有工种时留空",
    "level": "1-5、三级 或 三级/高级工", "assessed_on": "认定日期，例如 2026-11-20",
}
PASS_TEXTS = {
    ZH: ("职业技能等级认定结果（用于签发职业技能等级证书）", [
        "每位通过认定的人员填写一行。人员须已在系统中登记，姓名须与记录一致。",
        "整个文件要么全部签发，要么全部不签发：请修改报告中的每一行后重新上传。",
    ]),
    EN: ("Assessment passes for skill-level certificates", [
        "One row per person who passed. The person must be on record; the name must match the record.",
        "The whole file is issued or nothing is: fix every reported row and upload again.",
    ]),
}


def passes_template(lang: str = ZH) -> bytes:
    """The .xlsx template of the passes spreadsheet, with instructions (in ``lang``) and an example row."""
    title, instructions = PASS_TEXTS[EN if lang == EN else ZH]
    return build_template(
        title, PASS_COLUMNS, instructions=instructions, lang=lang, notes=None if lang == EN else PASS_NOTES_ZH,
        examples=[["370881200703010011", "张三", "6-31-01-03", "", "三级/高级工", "2026-11-20"]],
    )


def _parse_date(text: str | None) -> _dt.date | None:
    if not text:
        return None
    value = text.strip()
    if "T" in value:
        value = value.split("T", 1)[0]
    for fmt in _DATE_FORMATS:
        try:
            return _dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


async def _row_draft(row, errors: ErrorList, issuer: dict, day: _dt.date,
                     seen: dict[tuple, int]) -> Draft | None:
    """The draft of one row, or None after adding the row's problems to ``errors``."""
    values = row.values
    try:
        number = resident_id_cell(row, "resident_id")
    except ValueError as exc:
        errors.add(row.row, "resident_id", "resident_id_rounded", str(exc))
        return None
    if not number:
        errors.add(row.row, "resident_id", "required", "The resident ID is missing.")
        return None
    try:
        person = await person_by_resident_id(number)
    except InvalidInput as exc:
        errors.add(row.row, "resident_id", exc.code, exc.detail)
        return None
    if person is None:
        errors.add(row.row, "resident_id", "person_not_found", "Nobody with this resident ID is on record.")
        return None
    name = values.get("name") or ""
    if not name:
        errors.add(row.row, "name", "required", "The name is missing.")
    elif not names_equal(name, person["name"]):
        errors.add(row.row, "name", "name_mismatch",
                   f"The name “{name}” does not match the record of this resident ID.")
    level = parse_level(values.get("level"))
    if level is None:
        errors.add(row.row, "level", "invalid_level",
                   f"“{values.get('level') or ''}” is not a skill level (1-5, 三级, 三级/高级工).")
    work_type = (values.get("work_type") or "").strip()
    if work_type in _NO_WORK_TYPE:
        work_type = ""
    code = (values.get("occupation_code") or "").strip()
    occ = None
    if not code:
        errors.add(row.row, "occupation_code", "required", "The occupation code is missing.")
    else:
        try:
            occ = await catalog.find(code, work_type, level=level)
        except InvalidInput as exc:
            key = {"work_type": "work_type", "level": "level"}.get(exc.field or "", "occupation_code")
            errors.add(row.row, key, exc.code, exc.detail)
    assessed = _parse_date(values.get("assessed_on"))
    if assessed is None:
        errors.add(row.row, "assessed_on", "invalid_date",
                   f"“{values.get('assessed_on') or ''}” is not a date (e.g. 2026-11-20).")
    elif assessed > day:
        errors.add(row.row, "assessed_on", "assessed_after_issue",
                   f"The assessment date {assessed} is after the issue date {day}.")
    if occ is None or level is None or assessed is None or not names_equal(name or "", person["name"]):
        return None
    key = (person["id"], occ["code"], work_type, level)
    if key in seen:
        errors.add(row.row, "resident_id", "duplicate_row", f"Row {seen[key]} already has this pass.")
        return None
    seen[key] = row.row
    held = await holds_certificate(person["id"], occ["code"], work_type, level)
    if held is not None:
        errors.add(row.row, "level", "certificate_exists",
                   f"This person already holds this level: certificate {held['number']}.")
        return None
    return Draft(kind="skill_level", person=person, issuer=issuer, issued_on=day, level=level,
                 occupation_code=occ["code"], occupation_name=occ["name"], work_type=work_type,
                 assessed_on=assessed, source="spreadsheet")


async def issue_from_spreadsheet(principal: Principal | None, content: bytes, *, issuer_id: int,
                                 issued_on: _dt.date | None = None, filename: str = "",
                                 dry_run: bool = False) -> BatchOut:
    """Skill-level certificates for every row of a passes spreadsheet: all rows valid, or nothing."""
    issuer = await issuer_for(principal, issuer_id)
    day = issue_date(issued_on)
    sheet = await asyncio.to_thread(read_sheet, content, PASS_COLUMNS, what="passes spreadsheet")
    errors = ErrorList(sheet, PASS_COLUMNS)
    drafts: list[tuple[int, Draft]] = []
    seen: dict[tuple, int] = {}
    for row in sheet.rows:
        draft = await _row_draft(row, errors, issuer, day, seen)
        if draft is not None:
            drafts.append((row.row, draft))
    errors.raise_if_any(len(sheet.rows), "passes spreadsheet")
    if dry_run:
        return BatchOut(id=None, kind="spreadsheet", issuer_id=issuer["id"], event_id=None,
                        certificate_count=len(drafts), dry_run=True, created_at=None, rows=len(sheet.rows))
    async with write_transaction():
        await lock_key(locks.certificate_numbers())
        batch_id = await new_batch(principal, "spreadsheet", issuer, filename=filename)
        for row_number, draft in drafts:
            try:
                made = await issue(principal, draft, batch_id)
            except InvalidInput as exc:  # a signing problem of one row still names the row
                raise refusal([{"row": row_number, "column": sheet.letters.get(exc.field or "name"),
                                "field": exc.field, "code": exc.code, "message": exc.detail}],
                              f"Row {row_number}", code="import_invalid", after="Nothing was issued.") from None
            await record_skill_level(draft, made["number"], "certificate")
        await close_batch(principal, batch_id, len(drafts), "spreadsheet", issuer)
    return await batch_out(batch_id, rows=len(sheet.rows))
