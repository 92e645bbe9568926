"""The entry template of an event: its columns, the .xlsx a school downloads, and the event it carries.

The template's columns follow the event (a team name for team events, as many competitors and coaches as
the event takes). The file names its event in custom document properties (``jineng.template``,
``jineng.event_id``, ``jineng.event``): invisible in the sheets, kept by Excel, WPS and LibreOffice when the
school saves the file, and read back on import. A template of one event uploaded into another is refused
(422 ``template_event_mismatch`` naming both events), even when the two events have the same columns. A
workbook without the mark (made by hand, or the rows pasted into a new file) is read by its columns alone.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.custom import StringProperty

from server.errors import InvalidInput
from server.i18n import EN, ZH
from server.registration.facts import event_row
from server.spreadsheets import MAX_UPLOAD_BYTES, Column, build_template

KIND, KIND_ENTRIES = "jineng.template", "entries"
EVENT_ID, EVENT_NAME = "jineng.event_id", "jineng.event"
PROPERTIES_PART = "docProps/custom.xml"
MAX_PROPERTIES_BYTES = 64 * 1024  # a template's own properties take a few hundred bytes


_NOTES = {
    ZH: {"team_name": "队名，在文件中不能重复", "member": "本校名册中的学生（请先导入名册）", "member_name": "与名册核对",
         "coach": "本校教师"},
    EN: {"team_name": "the team's name, unique in the file", "member": "a student on your school's roster (import the "
         "roster first)", "member_name": "checked against the roster", "coach": "a teacher of your school"},
}


def entry_columns(event: dict, lang: str = ZH) -> list[Column]:
    notes = _NOTES[ZH if lang == ZH else EN]
    cols: list[Column] = []
    if event["team"]:
        cols.append(Column("team_name", "队名", required=True, width=16, note=notes["team_name"]))
    for i in range(1, (event["max_members"] or 1) + 1):
        need = i <= (event["min_members"] or 1)
        cols.append(Column(f"member_{i}_resident_id", f"选手{i}身份证号", required=need, width=22,
                           note=notes["member"]))
        cols.append(Column(f"member_{i}_name", f"选手{i}姓名", width=10, note=notes["member_name"]))
    for j in range(1, (event["max_coaches"] or 0) + 1):
        cols.append(Column(f"coach_{j}_resident_id", f"指导教师{j}身份证号", width=22, note=notes["coach"]))
        cols.append(Column(f"coach_{j}_name", f"指导教师{j}姓名", width=10))
    return cols


def describe(event: dict) -> str:
    """The event in words: ``电工 (E01), 2026年济宁市职业院校技能大赛``."""
    return f"{event['name']} ({event['code']}), {event['competition_name']}"


def _instructions(event: dict, lang: str) -> tuple[str, list[str]]:
    """The title and instructions of an event's template in ``lang``."""
    where = f"{event['competition_name']} — {event['name']} ({event['code']})"
    quota = event["quota_per_school"]
    if lang == EN:
        kind = "team" if event["team"] else "individual"
        return f"{where} entry import template", [
            f"Event: {event['name']} ({kind}); competitors per entry: {event['min_members']}–{event['max_members']}; "
            f"coaches: at most {event['max_coaches']}" + (f"; places per school: {quota}" if quota else "") + ".",
            "One entry per row in the sheet 'data', from row 2; keep the header row. Resident IDs as text.",
            "Everyone must already be on your school's roster; coaches must be teachers.",
            "The import is all or nothing and creates draft entries; submit them afterwards (eligibility is "
            "checked at submission).",
            f"This template imports into this event only: {describe(event)}.",
        ]
    kind = "团体赛" if event["team"] else "个人赛"
    return f"{where} 报名导入模板", [
        f"赛项：{event['name']}（{kind}）；每个报名的选手人数：{event['min_members']}–{event['max_members']}；"
        f"指导教师最多 {event['max_coaches']} 人" + (f"；每校名额：{quota}" if quota else "") + "。",
        "在数据表 data 中每行填写一个报名，从第 2 行开始；请保留表头行。身份证号请以文本输入。",
        "所有人员须已在本校名册中；指导教师须为教师。",
        "导入要么全部成功，要么全部不写入，成功后生成报名草稿；之后请提交报名（提交时核对报名条件）。",
        f"本模板仅用于该赛项：{describe(event)}。",
    ]


async def template(event_id: int, lang: str = ZH) -> tuple[bytes, str]:
    """The entry template of an event, its instructions sheet in ``lang`` (``server.i18n``: zh-CN or en)."""
    event = await event_row(event_id)
    title, instructions = _instructions(event, lang)
    content = build_template(title, entry_columns(event, lang), instructions=instructions, lang=lang)
    return _marked(content, event), f"entries-template-{event['code']}.xlsx"


def _marked(content: bytes, event: dict) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    for name, value in ((KIND, KIND_ENTRIES), (EVENT_ID, str(event["id"])), (EVENT_NAME, describe(event))):
        wb.custom_doc_props.append(StringProperty(name=name, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def marked_event(content: bytes) -> tuple[int, str] | None:
    """(event id, event in words) of the template the upload was made from, or None when it carries no
    mark. Reads only the small properties part; a damaged file is left to the sheet reader to refuse."""
    if len(content) > MAX_UPLOAD_BYTES:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            info = zf.getinfo(PROPERTIES_PART)
            if info.file_size > MAX_PROPERTIES_BYTES:
                return None
            with zf.open(info) as part:
                root = ElementTree.fromstring(part.read(MAX_PROPERTIES_BYTES + 1))
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
            ElementTree.ParseError):
        return None
    props = {prop.get("name"): "".join(prop.itertext()).strip() for prop in root}
    if props.get(KIND) != KIND_ENTRIES or not props.get(EVENT_ID, "").isdigit():
        return None
    event_id = int(props[EVENT_ID])
    return event_id, props.get(EVENT_NAME) or f"event {event_id}"


def check_template_event(content: bytes, event: dict) -> None:
    """Refuse a template downloaded for another event (422 ``template_event_mismatch``)."""
    mark = marked_event(content)
    if mark is None or mark[0] == event["id"]:
        return
    template_id, template_event = mark
    target = describe(event)
    raise InvalidInput(
        f"This file is the entry template of {template_event} (event {template_id}), not of {target} "
        f"(event {event['id']}): download the template of {event['name']} and copy your rows into it.",
        code="template_event_mismatch", field="file",
        extra={"template_event_id": template_id, "template_event": template_event, "event_id": event["id"],
               "event": target},
    )
