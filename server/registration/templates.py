"""The entry template of an event: its columns and the .xlsx a school downloads.

The template's columns follow the event (a team name for team events, as many competitors and coaches as
the event takes).
"""

from __future__ import annotations

from server.registration.facts import event_row
from server.spreadsheets import Column, build_template


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
        ],
    )
    return content, f"entries-template-{event['code']}.xlsx"
