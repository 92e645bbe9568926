"""Roster import: template, all-or-nothing with row/column errors, duplicates in file and database,
rounded numeric IDs, upload guards, scope, and a 5,000-row file in seconds."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from server.config import get_settings
from server.people.tables import Person
from tests.server.factories import token_for, upload
from tests.server.people.support import ROSTER_HEADER, roster_rows, roster_workbook
from tests.server.query_count import count_queries


async def people_count() -> int:
    return await Person.count()


async def test_template_download(client, world):
    r = await client.get("/api/people/template", headers=await token_for(client, "coord_a"))
    assert r.status_code == 200 and "roster-template.xlsx" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert [c.value for c in wb.worksheets[0][1]] == ROSTER_HEADER
    assert wb.sheetnames[1].startswith("说明")


async def test_import_then_dry_run_then_commit(client, world):
    h = await token_for(client, "coord_a")
    school = world.orgs["school_a"]
    content = roster_workbook(roster_rows(40))
    before = await people_count()
    dry = await client.post(f"/api/people/import?school_id={school}&dry_run=true", headers=h, files=upload(content))
    assert dry.status_code == 200 and dry.json()["committed"] is False and dry.json()["rows"] == 40
    assert await people_count() == before
    r = await client.post(f"/api/people/import?school_id={school}", headers=h, files=upload(content))
    assert r.status_code == 201, r.text
    assert r.json()["created"] == 40 and len(r.json()["created_ids"]) == 40
    assert await people_count() == before + 40
    listed = (await client.get(f"/api/people?school_id={school}&limit=500", headers=h)).json()
    assert listed["total"] == before + 40 - 6  # the other two schools' people are not listed
    one = (await client.get(f"/api/people/{r.json()['created_ids'][0]}", headers=h)).json()
    assert one["major_name"] == "机电技术应用" and one["graduation_year"] == 2026 and one["resident_id_masked"]
    audit = (await client.get("/api/audit?object_type=school", headers=await token_for(client, "admin"))).json()
    assert audit[0]["action"] == "people.imported" and '"rows":40' in audit[0]["after"]


async def test_broken_row_in_the_middle_names_row_and_column_and_writes_nothing(client, world):
    h = await token_for(client, "coord_a")
    rows = roster_rows(9)
    rid = rows[4][1]
    rows[4][1] = rid[:-1] + ("1" if rid[-1] != "1" else "2")  # row 6: wrong check character
    rows[6][6] = 2019  # row 8: graduation before enrollment (column G)
    rows[7][2] = "退休"  # row 9: unknown status (column C)
    before = await people_count()
    r = await client.post(f"/api/people/import?school_id={world.orgs['school_a']}", headers=h,
                          files=upload(roster_workbook(rows)))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "import_invalid" and body["problem_count"] == 3
    assert [(e["row"], e["column"], e["field"], e["code"]) for e in body["errors"]] == [
        (6, "B", "resident_id", "invalid_resident_id"),
        (8, "G", "graduation_year", "invalid_years"),
        (9, "C", "status", "invalid_status"),
    ]
    assert "check character" in body["errors"][0]["message"]
    assert await people_count() == before


async def test_duplicates_in_file_and_against_the_database(client, world):
    h = await token_for(client, "coord_a")
    rows = roster_rows(5)
    rows[3][1] = rows[1][1]  # row 5 repeats row 3
    rows.append(["老生", world.resident_ids[world.people["school_a"][0]], "在校生", None, None, None, None, None])
    rows.append(["他校生", world.resident_ids[world.people["school_b"][0]], "在校生", None, None, None, None, None])
    before = await people_count()
    r = await client.post(f"/api/people/import?school_id={world.orgs['school_a']}", headers=h,
                          files=upload(roster_workbook(rows)))
    assert r.status_code == 422
    found = [(e["row"], e["column"], e["code"]) for e in r.json()["errors"]]
    assert found == [(5, "B", "duplicate_in_file"), (7, "B", "already_on_roster"), (8, "B", "resident_id_unavailable")]
    assert "row 3" in r.json()["errors"][0]["message"]
    assert await people_count() == before


async def test_ids_rounded_by_excel_are_caught(client, world):
    h = await token_for(client, "coord_a")
    rows = roster_rows(2)
    rows[1][1] = float(rows[1][1][:17] + "0")  # what Excel does to an 18-digit number
    r = await client.post(f"/api/people/import?school_id={world.orgs['school_a']}", headers=h,
                          files=upload(roster_workbook(rows)))
    assert r.status_code == 422
    assert [(e["row"], e["column"], e["code"]) for e in r.json()["errors"]] == [(3, "B", "resident_id_rounded")]


async def test_headers_by_key_extra_columns_and_blank_rows(client, world):
    h = await token_for(client, "coord_a")
    rows = [["序号", "name", "resident_id"]]
    for i, row in enumerate(roster_rows(3)):
        rows.append([i + 1, row[0], row[1]])
    rows.insert(2, [None, None, None])
    content = roster_workbook(rows[1:], header=rows[0])
    r = await client.post(f"/api/people/import?school_id={world.orgs['school_a']}", headers=h, files=upload(content))
    assert r.status_code == 201, r.text
    assert r.json()["created"] == 3


async def test_not_xlsx_and_scope(client, world):
    h = await token_for(client, "coord_a")
    school = world.orgs["school_a"]
    r = await client.post(f"/api/people/import?school_id={school}", headers=h,
                          files=upload("姓名,身份证号\n张三,1\n".encode("utf-8-sig"), "roster.csv"))
    assert r.status_code == 415 and r.json()["code"] == "not_xlsx"
    r = await client.post(f"/api/people/import?school_id={school}", headers=h, files=upload(b"%PDF-1.4 junk"))
    assert r.status_code == 415
    r = await client.post(f"/api/people/import?school_id={world.orgs['school_b']}", headers=h,
                          files=upload(roster_workbook(roster_rows(1))))
    assert r.status_code == 403 and r.json()["code"] == "other_school"
    r = await client.post(f"/api/people/import?school_id={world.orgs['school_b']}",
                          headers=await token_for(client, "organizer"), files=upload(roster_workbook(roster_rows(1))))
    assert r.status_code == 201  # organizers in scope may import for the school
    r = await client.post("/api/people/import", headers=h, files=upload(roster_workbook(roster_rows(1))))
    assert r.status_code == 400  # school_id is required


async def test_five_thousand_rows_import_in_a_few_statements(client, world):
    """A large roster costs statements per chunk, never per row: the IDs already on record are looked up 900
    at a time and the new people go in as multi-row INSERTs, all in one transaction with one audit entry."""
    h = await token_for(client, "coord_a")
    content = roster_workbook(roster_rows(5000, seed=5))
    async with count_queries() as log:
        r = await client.post(f"/api/people/import?school_id={world.orgs['school_a']}", headers=h,
                              files=upload(content))
    assert r.status_code == 201, r.text[:2000]
    assert r.json()["created"] == 5000
    assert await Person.count().where(Person.school == world.orgs["school_a"]) == 5003
    lookups = [q for q in log.queries if q.startswith('SELECT ALL "person"')]
    inserts = [q for q in log.queries if q.startswith('INSERT INTO "person"')]
    assert len(lookups) == 6, str(log)  # ⌈5000 / 900⌉
    assert len(inserts) == 12, str(log)  # ⌈5000 / 428⌉: 6,000 bound values per statement, 14 columns a row
    # besides them: the session, the school, and the audit entry (its head read, the entry, the head written;
    # on PostgreSQL after the advisory lock that orders audit writers)
    postgres = get_settings().engine != "sqlite"
    assert log.count == 6 + 12 + 2 + 3 + postgres, str(log)
    assert log.transactions == 1, str(log)