"""Regressions found by fuzzing the OpenAPI schema with schemathesis (SQLite and PostgreSQL, as an admin, a
school coordinator and anonymously): bad input is a 4xx problem, never a 500, and responses match the
schema the API publishes."""

from __future__ import annotations

import pytest

from tests.server.factories import token_for

BOUNDARY = "0e1caccfab6968142d56786ba2aed74d"
# a PNG header: bytes that are not UTF-8, as schemathesis sends for a "binary" form field
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"


def multipart(part_headers: str, payload: bytes) -> tuple[dict[str, str], bytes]:
    body = f"--{BOUNDARY}\r\n{part_headers}\r\n\r\n".encode() + payload + f"\r\n--{BOUNDARY}--\r\n".encode()
    return {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}, body


def assert_client_error(r, status: int, code: str | None = None) -> dict:
    """The exact refusal: ``status`` (and ``code`` when given) as a problem+json without a traceback."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    assert "Traceback" not in r.text
    body = r.json()
    if code is not None:
        assert body["code"] == code, body
    return body


UPLOADS = [
    ("organizer", "/api/certificates/batches/spreadsheet?issuer_id={hrss}"),
    ("coord_a", "/api/people/import?school_id={school_a}"),
    ("coord_a", "/api/entries/import?event_id=1"),
    ("admin", "/api/competitions/1/events/1/results"),
    ("admin", "/api/competitions/1/events/1/results/compute"),
]


@pytest.mark.parametrize("user,url", UPLOADS)
@pytest.mark.parametrize("part,payload", [
    ('Content-Disposition: form-data; name="file"', PNG),
    ('Content-Disposition: form-data; name="other"', PNG),
    ('Content-Disposition: form-data; name="file"\r\nContent-Type: text/plain; charset=bogus-xx', b"abc"),
])
async def test_multipart_field_that_is_not_utf8_is_a_400(client, world, user, url, part, payload):
    """A part without ``filename=`` is decoded as text by Litestar, in its declared charset: binary bytes
    (UnicodeDecodeError) or an unknown charset (LookupError from the codec registry) was a 500."""
    h = await token_for(client, user)
    headers, body = multipart(part, payload)
    r = await client.post(url.format(**world.orgs), headers={**h, **headers}, content=body)
    assert_client_error(r, 400, "malformed_multipart")


# A text part named "file" where a file is expected. Routes that declare a typed multipart body
# (SpreadsheetUpload) are refused by Litestar's validation of that body (400 invalid_body); the results routes
# read the form themselves (server.uploads.uploaded_file) and refuse it as 422 file_required. Both name the field.
TEXT_INSTEAD_OF_FILE = {
    "/api/certificates/batches/spreadsheet?issuer_id={hrss}": (400, "invalid_body"),
    "/api/people/import?school_id={school_a}": (400, "invalid_body"),
    "/api/entries/import?event_id=1": (400, "invalid_body"),
    "/api/competitions/1/events/1/results": (422, "file_required"),
    "/api/competitions/1/events/1/results/compute": (422, "file_required"),
}


@pytest.mark.parametrize("user,url", UPLOADS)
async def test_multipart_text_field_instead_of_a_file_is_refused(client, world, user, url):
    h = await token_for(client, user)
    headers, body = multipart('Content-Disposition: form-data; name="file"', b"hello")
    r = await client.post(url.format(**world.orgs), headers={**h, **headers}, content=body)
    status, code = TEXT_INSTEAD_OF_FILE[url]
    assert assert_client_error(r, status, code)["field"] == "file"


@pytest.mark.parametrize("user,url", [
    ("admin", "/api/people"),
    ("coord_a", "/api/people?school_id={school_a}"),
    ("admin", "/api/certificates"),
    ("admin", "/api/entries"),
    ("admin", "/api/review?competition_id=1"),
])
@pytest.mark.parametrize("offset", ["72712161399937800601600", str(2**63), "2147483648"])
async def test_an_offset_beyond_any_page_is_a_400(client, world, user, url, offset):
    """SQLite answered "datatype mismatch" (an IntegrityError, so a 500) for an offset beyond 64 bits."""
    h = await token_for(client, user)
    sep = "&" if "?" in url else "?"
    r = await client.get(f"{url.format(**world.orgs)}{sep}offset={offset}", headers=h)
    assert assert_client_error(r, 400, "invalid_body")["field"] == "offset"


async def test_a_large_but_valid_offset_is_an_empty_page(client, world):
    h = await token_for(client, "admin")
    r = await client.get("/api/people?offset=2147483647", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["items"] == [] and r.json()["total"] > 0


async def test_published_documents_are_described_as_the_objects_they_are(client, world):
    """OpenAPI said the key set and status list were JSON strings; they are signed objects."""
    doc = (await client.get("/schema/openapi.json")).json()
    for path, key in (("/.well-known/jineng-keys.json", "keyset"), ("/.well-known/jineng-status.json", "status_list")):
        media = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        ref = media["schema"]["$ref"].rsplit("/", 1)[1]
        schema = doc["components"]["schemas"][ref]
        assert schema["type"] == "object" and set(schema["required"]) == {key, "signature"}, schema
        served = (await client.get(path)).json()
        assert isinstance(served, dict) and set(served) == {key, "signature"}
        assert isinstance(served[key], dict) and isinstance(served["signature"], str)


# --- control characters in stored text -------------------------------------------------------------

async def test_exports_survive_control_characters_in_stored_text(client, world):
    """A major name (or any stored text) with a control character made openpyxl raise IllegalCharacterError:
    every .xlsx export that included the row answered 500, for the school and its organizers alike."""
    import io

    from openpyxl import load_workbook

    coord = await token_for(client, "coord_a")
    pid = world.people["school_a"][0]
    r = await client.patch(f"/api/people/{pid}", headers=coord, json={"major_name": "机\x01电\x1f技术"})
    assert r.status_code == 200, r.text
    for user in ("coord_a", "organizer", "admin"):
        h = await token_for(client, user)
        x = await client.get("/api/people/export", headers=h)
        assert x.status_code == 200, (user, x.text)
        values = [c for row in load_workbook(io.BytesIO(x.content)).active.iter_rows(values_only=True) for c in row]
        assert "机\ufffd电\ufffd技术" in values
        c = await client.get("/api/people/export?format=csv", headers=h)
        assert c.status_code == 200, (user, c.text)


@pytest.mark.parametrize("name", ["学生\x1f甲", "\x00", "张\u200b三", "   "])
async def test_a_person_name_with_control_characters_is_refused(client, world, name):
    """Such a name was stored (and later no certificate could ever be signed for it)."""
    import random
    from datetime import date

    from server.demo.people import make_resident_id

    h = await token_for(client, "coord_a")
    rid = make_resident_id(random.Random(5), "370881", date(2006, 1, 2), True)
    r = await client.post("/api/people", headers=h, json={"name": name, "resident_id": rid,
                                                         "school_id": world.orgs["school_a"]})
    code = "invalid_text" if "\x00" in name else "invalid_name"  # NUL: refused app-wide (issue 13, item 6)
    body = assert_client_error(r, 422, code)
    assert body["field"] == "name"
    r = await client.patch(f"/api/people/{world.people['school_a'][0]}", headers=h, json={"name": name})
    assert_client_error(r, 422, code)


# --- entry ids that str.isdigit() accepts but int() refuses ----------------------------------------

@pytest.mark.parametrize("entry", ["²", "1²", "⑦"])
async def test_results_file_with_a_superscript_entry_id_is_a_row_problem(client, world, entry):
    """``"²".isdigit()`` is True but ``int("²")`` raises ValueError: a results file naming entry "²" was a
    500 instead of the row problem ``entry_id_invalid``."""
    import json

    from tests.server.competitions.helpers import JSON, results_file, running_event, url

    admin, competition, event, ids = await running_event(client, world, entries_per_school=1)
    doc = json.loads(results_file(dict(zip(ids, ["95", "88"]))))
    doc["entries"][0]["entry"] = entry
    r = await client.post(url(competition, event), content=json.dumps(doc), headers={**admin, **JSON})
    body = assert_client_error(r, 422, "entry_id_invalid")
    assert any(e["code"] == "entry_id_invalid" and e["field"] == "entries[0].entry" for e in body["errors"]), body


@pytest.mark.parametrize("entry", ["²", "1²"])
async def test_certifying_results_with_a_superscript_entry_id_is_a_422(client, world, tmp_path, entry):
    """The same ``isdigit`` test in the issuing domain (``POST /api/certificates/batches/results``)."""
    from certificates import KeyStore
    from server.issuing.keyring import use_keystore
    from tests.server.issuing.helpers import make_entry, make_event, results_doc

    store = KeyStore(tmp_path / "keys")
    store.generate()
    use_keystore(store)
    try:
        h = await token_for(client, "organizer")
        ev = await make_event(world)
        good = await make_entry(world, ev["event"], "school_a", [world.people["school_a"][0]])
        doc = results_doc([(good, 1, "gold"), (entry, 2, "silver")])
        r = await client.post("/api/certificates/batches/results", headers=h,
                              json={"event_id": ev["event"], "results": doc})
        body = assert_client_error(r, 422, "results_invalid")
        assert any(e["code"] == "invalid_entry_id" for e in body["errors"]), body
    finally:
        use_keystore(None)


@pytest.mark.parametrize("level", ["²", "3²"])
async def test_passes_spreadsheet_with_a_superscript_level_is_a_row_problem(client, world, tmp_path, level):
    """``parse_level`` had the same ``isdigit``/``int`` mismatch: a level cell "²" was a 500."""
    from datetime import timedelta

    from certificates import KeyStore
    from server.issuing.clock import beijing_today
    from server.issuing.keyring import use_keystore
    from tests.server.issuing.helpers import xlsx

    store = KeyStore(tmp_path / "keys")
    store.generate()
    use_keystore(store)
    try:
        h = await token_for(client, "organizer")
        pid = world.people["school_a"][0]
        day = (beijing_today() - timedelta(days=1)).isoformat()
        content = xlsx([[world.resident_ids[pid], "学生a0", "6-31-01-03", "", level, day]])
        r = await client.post(f"/api/certificates/batches/spreadsheet?issuer_id={world.orgs['hrss']}", headers=h,
                              files={"file": ("passes.xlsx", content, "application/octet-stream")})
        body = assert_client_error(r, 422, "import_invalid")
        assert any(e["code"] == "invalid_level" for e in body["errors"]), body
    finally:
        use_keystore(None)


async def test_a_roster_row_whose_name_has_invisible_characters_is_refused(client, world):
    from tests.server.factories import upload
    from tests.server.people.support import roster_rows, roster_workbook

    rows = roster_rows(2, seed=41)
    rows[1][0] = "李\u200b四"  # a zero-width space: no certificate could be signed for it
    h = await token_for(client, "coord_a")
    r = await client.post(f"/api/people/import?school_id={world.orgs['school_a']}", headers=h,
                          files=upload(roster_workbook(rows)))
    body = assert_client_error(r, 422, "import_invalid")
    assert [(e["row"], e["code"]) for e in body["errors"]] == [(3, "invalid_name")], body
