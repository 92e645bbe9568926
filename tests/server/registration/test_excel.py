"""Entry spreadsheets: template, all-or-nothing import with row/column errors, duplicates, upload guards,
and exports with masked IDs for coordinators."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from server.people.tables import Person
from server.registration.tables import Entry, EntryMember
from tests.server.factories import FULL_ID, read_workbook, upload, workbook
from tests.server.registration.support import DEFAULT_RULES, draft, make_event, submit

HEADER = ["队名 (team_name)", "选手1身份证号 (member_1_resident_id)", "选手1姓名 (member_1_name)",
          "选手2身份证号 (member_2_resident_id)", "选手2姓名 (member_2_name)",
          "选手3身份证号 (member_3_resident_id)", "选手3姓名 (member_3_name)",
          "指导教师1身份证号 (coach_1_resident_id)", "指导教师1姓名 (coach_1_name)"]


async def names(reg, ids):
    rows = await Person.select(Person.id, Person.name).where(Person.id.is_in(list(ids)))
    return {r["id"]: r["name"] for r in rows}


async def team_rows(reg, n: int) -> list[list]:
    a = reg.students["school_a"]
    coach = reg.teachers["school_a"][0]
    who = await names(reg, [*a, coach])
    rid = reg.resident_ids
    rows = []
    for i in range(n):
        p, q = a[2 * i], a[2 * i + 1]
        rows.append([f"曲阜{i + 1}队", rid[p], who[p], rid[q], who[q], None, None, rid[coach], who[coach]])
    return rows


async def test_template_has_the_events_columns(client, reg):
    r = await client.get(f"/api/entries/template?event_id={reg.team}", headers=reg.tokens["coord_a"])
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert [c.value for c in wb.worksheets[0][1]] == HEADER
    assert wb.worksheets[0]["B2"].number_format == "@"  # IDs typed as text
    r = await client.get(f"/api/entries/template?event_id={reg.individual}", headers=reg.tokens["coord_a"])
    assert [c.value for c in load_workbook(io.BytesIO(r.content)).worksheets[0][1]][:2] == [
        "选手1身份证号 (member_1_resident_id)", "选手1姓名 (member_1_name)"]


async def test_import_creates_drafts_all_at_once(client, reg):
    template = (await client.get(f"/api/entries/template?event_id={reg.team}", headers=reg.tokens["coord_a"])).content
    wb = load_workbook(io.BytesIO(template))
    for row in await team_rows(reg, 3):
        wb.worksheets[0].append(row)
    buf = io.BytesIO()
    wb.save(buf)
    url = f"/api/entries/import?event_id={reg.team}"
    dry = await client.post(url + "&dry_run=true", headers=reg.tokens["coord_a"], files=upload(buf.getvalue()))
    assert dry.status_code == 200, dry.text
    assert dry.json() == {"rows": 3, "dry_run": True, "committed": False, "created": 0, "entry_ids": []}
    assert await Entry.count() == 0
    r = await client.post(url, headers=reg.tokens["coord_a"], files=upload(buf.getvalue()))
    assert r.status_code == 201, r.text
    ids = r.json()["entry_ids"]
    assert r.json()["created"] == 3 and len(ids) == 3
    listed = (await client.get(f"/api/entries?event_id={reg.team}", headers=reg.tokens["coord_a"])).json()
    assert {e["team_name"] for e in listed["items"]} == {"曲阜1队", "曲阜2队", "曲阜3队"}
    assert all(e["status"] == "draft" and e["source"] == "import" and len(e["members"]) == 2 and len(e["coaches"]) == 1
               for e in listed["items"])
    assert not FULL_ID.search(r.text + str(listed))
    audit = (await client.get("/api/audit?object_type=event", headers=reg.tokens["admin"])).json()
    assert audit[0]["action"] == "entries.imported" and str(ids[0]) in audit[0]["after"]
    # imported drafts submit like any other
    assert (await submit(client, reg, "coord_a", ids[0]))["status"] == "submitted"


async def test_a_broken_row_in_the_middle_writes_nothing(client, reg):
    rows = await team_rows(reg, 4)
    rows[2][3] = rows[2][3][:-1] + ("0" if rows[2][3][-1] != "0" else "1")  # row 4, column D: wrong check char
    r = await client.post(f"/api/entries/import?event_id={reg.team}", headers=reg.tokens["coord_a"],
                          files=upload(workbook([HEADER, *rows])))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "import_invalid" and body["rows"] == 4
    assert [(e["row"], e["column"], e["field"], e["code"]) for e in body["errors"]] == [
        (4, "D", "member_2_resident_id", "invalid_resident_id")]
    assert "row 4, column D" in body["detail"]
    assert await Entry.count() == 0 and await EntryMember.count() == 0


async def test_duplicates_in_the_file_and_against_the_database(client, reg):
    rows = await team_rows(reg, 3)
    rows[2][1:3] = rows[0][1:3]  # row 4 repeats row 2's first competitor
    rows[1][0] = rows[0][0]  # row 3 repeats row 2's team name
    r = await client.post(f"/api/entries/import?event_id={reg.team}", headers=reg.tokens["coord_a"],
                          files=upload(workbook([HEADER, *rows])))
    assert r.status_code == 422
    found = [(e["row"], e["column"], e["code"]) for e in r.json()["errors"]]
    assert (3, "A", "duplicate_team_name") in found and (4, "B", "duplicate_in_file") in found
    assert "row 2" in next(e["message"] for e in r.json()["errors"] if e["code"] == "duplicate_in_file")
    # against the database: a student already in an open entry of the event
    a = reg.students["school_a"]
    await draft(client, reg, "coord_a", reg.team, [a[0], a[1]], team_name="已有")
    rows = await team_rows(reg, 2)
    r = await client.post(f"/api/entries/import?event_id={reg.team}", headers=reg.tokens["coord_a"],
                          files=upload(workbook([HEADER, *rows])))
    assert r.status_code == 422
    assert [(e["row"], e["column"], e["code"]) for e in r.json()["errors"]] == [
        (2, "B", "already_entered"), (2, "D", "already_entered")]
    assert await Entry.count() == 1


async def test_roster_names_roles_and_team_size_are_checked(client, reg):
    rows = await team_rows(reg, 3)
    rows[0][2] = "张冒名"  # name does not match the roster
    rows[1][7] = reg.resident_ids[reg.students["school_a"][7]]  # a student as coach
    rows[1][8] = None
    rows[2][3:5] = [None, None]  # one competitor only
    b_student = reg.students["school_b"][0]
    extra = ["他校队", reg.resident_ids[b_student], None, reg.resident_ids[reg.students["school_a"][6]], None,
             None, None, None, None]
    r = await client.post(f"/api/entries/import?event_id={reg.team}", headers=reg.tokens["coord_a"],
                          files=upload(workbook([HEADER, *rows, extra])))
    assert r.status_code == 422
    found = [(e["row"], e["column"], e["code"]) for e in r.json()["errors"]]
    assert found == [(2, "C", "name_mismatch"), (3, "H", "coach_not_teacher"), (4, "D", "too_few_members"),
                     (5, "B", "not_on_roster")]
    assert not FULL_ID.search(r.text)


async def test_uploads_that_are_not_xlsx(client, reg):
    url = f"/api/entries/import?event_id={reg.team}"
    h = reg.tokens["coord_a"]
    csv = await client.post(url, headers=h, files=upload("队名,选手1身份证号\n".encode(), "entries.csv"))
    assert csv.status_code == 415 and csv.json()["code"] == "not_xlsx" and csv.json()["field"] == "file"
    xls = await client.post(url, headers=h, files=upload(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "a.xls"))
    assert xls.status_code == 415 and ".xls" in xls.json()["detail"]
    zip_not_xlsx = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(zip_not_xlsx, "w") as zf:
        zf.writestr("hello.txt", "hi")
    r = await client.post(url, headers=h, files=upload(zip_not_xlsx.getvalue()))
    assert r.status_code == 415
    empty = await client.post(url, headers=h, files=upload(b""))
    assert empty.status_code == 422 and empty.json()["code"] == "empty_file"
    big = await client.post(url, headers=h, files=upload(b"PK\x03\x04" + b"\0" * (6 * 1024 * 1024)))
    assert big.status_code == 413
    no_file = await client.post(url, headers=h, data={"other": "x"})
    assert no_file.status_code == 400
    header_only = await client.post(url, headers=h, files=upload(workbook([HEADER])))
    assert header_only.status_code == 422 and header_only.json()["code"] == "no_rows"
    wrong_header = await client.post(url, headers=h, files=upload(workbook([["姓名", "电话"], ["张三", "1"]])))
    assert wrong_header.status_code == 422
    assert {e["code"] for e in wrong_header.json()["errors"]} == {"missing_column"}
    assert await Entry.count() == 0


async def test_import_into_another_school_is_refused(client, reg):
    r = await client.post(f"/api/entries/import?event_id={reg.team}&school_id={reg.world.orgs['school_b']}",
                          headers=reg.tokens["coord_a"], files=upload(workbook([HEADER, *await team_rows(reg, 1)])))
    assert r.status_code == 403 and r.json()["code"] == "other_school"


async def test_exports_mask_ids_for_coordinators_only(client, reg):
    a = reg.students["school_a"]
    coach = reg.teachers["school_a"][0]
    eid = (await draft(client, reg, "coord_a", reg.team, [a[0], a[1]], [coach], team_name="=HYPERLINK(\"x\")"))["id"]
    await submit(client, reg, "coord_a", eid)
    b = reg.students["school_b"]
    await submit(client, reg, "coord_b", (await draft(client, reg, "coord_b", reg.individual, [b[0]]))["id"])
    for fmt in ("xlsx", "csv"):
        r = await client.get(f"/api/entries/export?format={fmt}", headers=reg.tokens["coord_a"])
        assert r.status_code == 200, r.text
        text = r.content.decode("utf-8-sig") if fmt == "csv" else str(read_workbook(r.content))
        assert not FULL_ID.search(text), text
        assert reg.resident_ids[a[0]][:3] + "*" * 11 + reg.resident_ids[a[0]][-4:] in text
        assert "'=HYPERLINK" in text  # formula injection is defused
        assert reg.resident_ids[b[0]][-4:] + "," not in text  # another school's entries are absent
    rows = read_workbook((await client.get("/api/entries/export", headers=reg.tokens["coord_a"])).content)
    assert len(rows) == 1 + 3  # header, two competitors, one coach
    assert {row[4] for row in rows[1:]} == {"曲阜市职业中等专业学校"}
    # the organizer in scope gets full IDs
    r = await client.get(f"/api/entries/export?format=csv&competition_id={reg.competition_id}",
                         headers=reg.tokens["organizer"])
    assert reg.resident_ids[a[0]] in r.content.decode("utf-8-sig")
    assert reg.resident_ids[b[0]] in r.content.decode("utf-8-sig")


async def test_review_status_export(client, reg):
    a = reg.students["school_a"]
    eid = (await draft(client, reg, "coord_a", reg.individual, [a[0]]))["id"]
    await submit(client, reg, "coord_a", eid)
    await client.post(f"/api/review/{eid}/return", headers=reg.tokens["organizer"],
                      json={"remarks": [{"field": "members[0].person_id", "message": "请补充学籍证明"}]})
    r = await client.get(f"/api/review/export?competition_id={reg.competition_id}", headers=reg.tokens["organizer"])
    assert r.status_code == 200
    rows = read_workbook(r.content)
    assert rows[1][7] == "已退回" and "请补充学籍证明" in rows[1][11]
    r = await client.get(f"/api/review/export?competition_id={reg.competition_id}&format=csv",
                         headers=reg.tokens["organizer"])
    assert r.headers["content-type"].startswith("text/csv") and "已退回" in r.content.decode("utf-8-sig")
    assert not FULL_ID.search(r.content.decode("utf-8-sig"))
    denied = await client.get(f"/api/review/export?competition_id={reg.competition_id}", headers=reg.tokens["coord_a"])
    assert denied.status_code == 403


async def filled_template(client, reg, event: int, rows: list[list]) -> bytes:
    template = (await client.get(f"/api/entries/template?event_id={event}", headers=reg.tokens["coord_a"])).content
    wb = load_workbook(io.BytesIO(template))
    for row in rows:
        wb.worksheets[0].append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def test_a_template_imports_only_into_its_own_event(client, reg):
    """Issue 13, item 10: the template carries its event; another event's import refuses it by name."""
    twin = await make_event(reg.competition_id, "E09", eligibility=DEFAULT_RULES, name="电工 复赛")  # same columns
    a = reg.students["school_a"]
    who = await names(reg, [a[0]])
    content = await filled_template(client, reg, reg.individual, [[reg.resident_ids[a[0]], who[a[0]]]])
    h = reg.tokens["coord_a"]
    for target in (twin, reg.team):
        r = await client.post(f"/api/entries/import?event_id={target}", headers=h, files=upload(content))
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["code"] == "template_event_mismatch" and body["field"] == "file"
        assert body["template_event_id"] == reg.individual and body["event_id"] == target
        assert "电工 E01" in body["detail"] and ("电工 复赛" if target == twin else "电工 团体") in body["detail"]
    assert await Entry.count() == 0
    r = await client.post(f"/api/entries/import?event_id={reg.individual}&dry_run=true", headers=h,
                          files=upload(content))
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/entries/import?event_id={reg.individual}", headers=h, files=upload(content))
    assert r.status_code == 201 and r.json()["created"] == 1
    # a workbook that carries no template mark (made by hand) is read by its columns as before
    plain = await client.post(f"/api/entries/import?event_id={twin}&dry_run=true", headers=h,
                              files=upload(workbook([HEADER[1:3], [reg.resident_ids[a[1]], None]])))
    assert plain.status_code == 200, plain.text
