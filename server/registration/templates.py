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
from server.registration.facts import event_row
from server.spreadsheets import MAX_UPLOAD_BYTES, Column, build_template

KIND, KIND_ENTRIES = "jineng.template", "entries"
EVENT_ID, EVENT_NAME = "jineng.event_id", "jineng.event"
PROPERTIES_PART = "docProps/custom.xml"
MAX_PROPERTIES_BYTES = 64 * 1024  # a template's own properties take a few hundred bytes


def entry_columns(event: dict) -> list[Column]:
    cols: list[Column] = []
    if event["team"]:
        cols.append(Column("team_name", "队名", required=True, width=16, note="the team's name, unique in the file"))
    for i in range(1, (event["max_members"] or 1) + 1):
        need = i <= (event["min_members"] or 1)
        cols.append(Column(f"member_{i}_resident_id", f"选手{i}身份证号", required=need, width=22,
                           note="a student on your school's roster (import the roster first)"))
        cols.append(Column(f"member_{i}_name", f"选手{i}姓名", width=10, note="checked against the roster"))
    for j in range(1, (event["max_coaches"] or 0) + 1):
        cols.append(Column(f"coach_{j}_resident_id", f"指导教师{j}身份证号", width=22,
                           note="a teacher of your school"))
        cols.append(Column(f"coach_{j}_name", f"指导教师{j}姓名", width=10))
    return cols


def describe(event: dict) -> str:
    """The event in words: ``电工 (E01), 2026年济宁市职业院校技能大赛``."""
    return f"{event['name']} ({event['code']}), {event['competition_name']}"


async def template(event_id: int) -> tuple[bytes, str]:
    event = await event_row(event_id)
    kind = "团体赛 team" if event["team"] else "个人赛 individual"
    content = build_template(
        f"{event['competition_name']} — {event['name']} ({event['code']}) 报名导入模板 entry import template",
        entry_columns(event),
        instructions=[
            f"Event: {event['name']} ({kind}); competitors per entry: {event['min_members']}–{event['max_members']}; "
            f"coaches: at most {event['max_coaches']}"
            + (f"; places per school: {event['quota_per_school']}" if event["quota_per_school"] else "") + ".",
            "One entry per row in the sheet 'data', from row 2; keep the header row. Resident IDs as text.",
            "Everyone must already be on your school's roster; coaches must be teachers.",
            "The import is all or nothing and creates draft entries; submit them afterwards (eligibility is "
            "checked at submission).",
            f"本模板仅用于该赛项 This template imports into this event only: {describe(event)}.",
        ],
    )
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
