"""Skill-level certificates from a spreadsheet of assessment passes: validated row by row, issued all or
nothing, persons found by resident ID with the name checked against the record."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

from server.issuing.clock import beijing_today
from server.issuing.tables import Certificate, CertificateCounter
from server.people.tables import SkillLevel
from tests.server.factories import token_for
from tests.server.issuing.helpers import xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rows(world, n=3):
    day = (beijing_today() - timedelta(days=7)).isoformat()
    people = world.people["school_a"] + world.people["school_b"]
    names = [f"学生a{i}" for i in range(3)] + [f"学生b{i}" for i in range(3)]
    levels = ["四级/中级工", 3, "五级"]
    return [[world.resident_ids[people[i]], names[i], "6-31-01-03", "", levels[i % 3], day] for i in range(n)]


async def _upload(client, h, world, content, **params):
    query = {"issuer_id": world.orgs["hrss"], **params}
    return await client.post("/api/certificates/batches/spreadsheet", params=query, headers=h,
                             files={"file": ("passes.xlsx", content, XLSX)})


async def test_a_good_spreadsheet_issues_every_row(client, world):
    h = await token_for(client, "organizer")
    r = await _upload(client, h, world, xlsx(_rows(world, 3)))
    assert r.status_code == 201, r.text
    batch = r.json()
    assert batch["certificate_count"] == 3 and batch["rows"] == 3 and batch["kind"] == "spreadsheet"
    levels = sorted(c["level"] for c in batch["certificates"])
    assert levels == [3, 4, 5]
    assert all(c["assessed_on"] == (beijing_today() - timedelta(days=7)).isoformat() for c in batch["certificates"])
    assert await SkillLevel.count() == 3
    for c in batch["certificates"]:
        v = (await client.post("/api/verify", json={"qr": c["qr_text"]})).json()
        assert v["state"] == "valid", v

    # the batch as a ZIP of PDFs, one per certificate, named by number
    z = await client.get(f"/api/certificates/batches/{batch['id']}/zip", headers=h)
    assert z.status_code == 200 and z.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
        names = sorted(zf.namelist())
        assert names == sorted(f"{c['number']}.pdf" for c in batch["certificates"])
        assert all(zf.read(n).startswith(b"%PDF") for n in names)


async def test_a_broken_middle_row_issues_nothing_and_names_row_and_column(client, world):
    h = await token_for(client, "organizer")
    rows = _rows(world, 3)
    rows[1][1] = "王小二"  # row 3 in Excel (row 1 is the header): the name is not the record's
    r = await _upload(client, h, world, xlsx(rows))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "import_invalid"
    assert problem["errors"] == [{"row": 3, "column": "B", "field": "name", "code": "name_mismatch",
                                  "message": problem["errors"][0]["message"]}]
    assert "row 3" in problem["detail"] and "column B" in problem["detail"]
    assert await Certificate.count() == 0 and await SkillLevel.count() == 0
    assert await CertificateCounter.count().where(CertificateCounter.scope.like("num:%")) == 0


async def test_every_problem_is_reported_at_once(client, world):
    h = await token_for(client, "organizer")
    rows = _rows(world, 4)
    rows[0][0] = "370881200703010012"  # wrong check character
    rows[1][2] = "6-99-99-99"
    rows[2][4] = "七级"
    rows[3][5] = "昨天"
    good = _rows(world, 5)[4]
    rows += [good, list(good)]  # the same pass twice: rows 6 and 7
    r = await _upload(client, h, world, xlsx(rows))
    assert r.status_code == 422
    found = {(e["row"], e["column"], e["code"]) for e in r.json()["errors"]}
    assert (2, "A", "invalid_resident_id") in found
    assert (3, "C", "unknown_occupation") in found
    assert (4, "E", "invalid_level") in found
    assert (5, "F", "invalid_date") in found
    assert (7, "A", "duplicate_row") in found
    assert len(found) == 5
    assert await Certificate.count() == 0


async def test_dry_run_validates_without_issuing(client, world):
    h = await token_for(client, "organizer")
    r = await _upload(client, h, world, xlsx(_rows(world, 2)), dry_run="true")
    assert r.status_code == 201 and r.json()["dry_run"] is True and r.json()["certificate_count"] == 2
    assert await Certificate.count() == 0


async def test_existing_certificate_and_bad_files_are_refused(client, world):
    h = await token_for(client, "organizer")
    assert (await _upload(client, h, world, xlsx(_rows(world, 1)))).status_code == 201
    r = await _upload(client, h, world, xlsx(_rows(world, 2)))
    assert r.status_code == 422
    assert [(e["row"], e["code"]) for e in r.json()["errors"]] == [(2, "certificate_exists")]

    r = await _upload(client, h, world, b"resident_id,name\n1,2\n")
    assert r.status_code == 415 and r.json()["code"] == "not_xlsx"
    r = await client.post("/api/certificates/batches/spreadsheet", params={"issuer_id": world.orgs["hrss"]},
                          headers=h, data={"note": "no file"})
    assert (r.status_code, r.json()["code"]) == (400, "bad_request"), r.text  # a form without a file part is not multipart
    r = await _upload(client, h, world, xlsx([], headers=("姓名",)))
    assert r.status_code == 422
    r = await _upload(client, await token_for(client, "coord_a"), world, xlsx(_rows(world, 1)))
    assert r.status_code == 403


async def test_the_template_round_trips(client, world):
    h = await token_for(client, "organizer")
    t = await client.get("/api/certificates/batches/passes-template", headers=h)
    assert t.status_code == 200 and t.content[:2] == b"PK"
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(t.content))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    for row in _rows(world, 1):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    r = await _upload(client, h, world, buf.getvalue())
    assert r.status_code == 201, (headers, r.text)


async def test_a_large_batch_renders_to_zip_through_the_process_pool(client, world):
    """60 certificates: more chunks than the in-process path takes, so the process pool renders them."""
    h = await token_for(client, "organizer")
    day = (beijing_today() - timedelta(days=2)).isoformat()
    rows = []
    for school in ("school_a", "school_b", "school_c"):
        for i, pid in enumerate(world.people[school]):
            for code in ("6-31-01-03", "4-12-01-01", "6-18-01-01", "4-02-04-06"):
                for level in (5, 4, 3, 2, 1):
                    rows.append([world.resident_ids[pid], f"学生{school[-1]}{i}", code, "", level, day])
    rows = rows[:60]
    r = await _upload(client, h, world, xlsx(rows))
    assert r.status_code == 201, r.text
    batch = r.json()
    assert batch["certificate_count"] == 60
    assert len({c["number"] for c in batch["certificates"]}) == 60
    z = await client.get(f"/api/certificates/batches/{batch['id']}/zip", headers=h)
    assert z.status_code == 200
    with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
        assert len(zf.namelist()) == 60
        assert all(zf.read(n)[:5] == b"%PDF-" for n in zf.namelist())
