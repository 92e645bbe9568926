"""Hostile workbooks (issue 13, item 3): each is refused with a 413 naming the limit before the work it
would cause, the parse runs in a worker process with a memory and a time limit, and the event loop keeps
serving other requests meanwhile. (No timings here: bench/bench_uploads.py prints them.)"""

from __future__ import annotations

import asyncio

import pytest

from server.people import roster
from server.people.tables import Person
from tests.server.factories import token_for, upload
from tests.server.people import hostile
from tests.server.people.support import roster_rows, roster_workbook


def roster_import(client, world, headers, content):
    return client.post(f"/api/people/import?school_id={world.orgs['school_a']}&dry_run=true", headers=headers,
                       files=upload(content))


@pytest.mark.parametrize(("make", "code", "limit_name"), [
    (hostile.million_cells, "sheet_too_many_cells", "cells"),
    (hostile.declared_rows, "sheet_too_many_rows", "rows"),
    (hostile.wide_row, "sheet_row_too_wide", "cells_per_row"),
    (hostile.shared_strings, "too_many_shared_strings", "shared_strings"),
    (lambda: hostile.shared_strings(declared=False), "too_many_shared_strings", "shared_strings"),
    (hostile.many_parts, "workbook_too_many_parts", "zip_parts"),
    (hostile.big_part, "workbook_part_too_large", "part_bytes"),
])
async def test_a_hostile_workbook_is_refused_naming_the_limit(client, world, make, code, limit_name):
    r = await roster_import(client, world, await token_for(client, "coord_a"), make())
    assert r.status_code == 413, r.text
    body = r.json()
    assert body["code"] == code and body["limit_name"] == limit_name and body["field"] == "file"
    assert f"{body['limit']:,}" in body["detail"] or "MB" in body["detail"]


async def test_cells_far_apart_are_read_as_the_two_cells_they_are(client, world):
    """Row 1,048,576 column XFD: iter_rows made a million padded rows of it; now it is one more row."""
    r = await roster_import(client, world, await token_for(client, "coord_a"), hostile.far_apart())
    assert r.status_code == 422, r.text
    assert {(e["row"], e["code"]) for e in r.json()["errors"]} == {(1048576, "name_required"), (1048576, "resident_id_required")}


async def test_the_memory_and_time_limits_of_the_worker(client, world, monkeypatch):
    headers = await token_for(client, "coord_a")
    ordinary = roster_workbook(roster_rows(3000))
    monkeypatch.setenv("JINENG_SHEET_MEMORY_MB", "1")
    r = await roster_import(client, world, headers, ordinary)
    assert r.status_code == 413 and r.json()["code"] == "workbook_memory_limit", r.text
    assert r.json()["limit"] == 1024 * 1024 and "1 MB" in r.json()["detail"]
    monkeypatch.setenv("JINENG_SHEET_MEMORY_MB", "384")
    # a tenth of the time this workbook takes anywhere (9,000 rows: about 2 s on the CI machine), so the
    # refusal does not depend on how fast the machine is
    monkeypatch.setenv("JINENG_SHEET_SECONDS", "0.2")
    slow = roster_workbook(roster_rows(9000))
    r = await roster_import(client, world, headers, slow)
    assert r.status_code == 413 and r.json()["code"] == "workbook_time_limit", r.text
    assert r.json()["limit"] == 0.2 and "0.2 s" in r.json()["detail"]
    monkeypatch.delenv("JINENG_SHEET_SECONDS")
    assert (await roster_import(client, world, headers, ordinary)).status_code == 200


async def test_the_event_loop_serves_others_while_a_workbook_is_read(client, world, monkeypatch):
    """Requests sent once a large workbook's parse has begun are answered before the parse ends."""
    headers = await token_for(client, "coord_a")
    content = roster_workbook(roster_rows(6000))
    parsing = asyncio.Event()
    finished: list[str] = []
    real = roster.read_sheet_async

    async def read(*args, **kwargs):
        parsing.set()
        try:
            return await real(*args, **kwargs)
        finally:
            finished.append("parsed")

    monkeypatch.setattr(roster, "read_sheet_async", read)

    async def upload_it():
        r = await roster_import(client, world, headers, content)
        finished.append(f"upload {r.status_code}")

    async def meanwhile():
        await parsing.wait()
        for _ in range(3):
            r = await client.get("/healthz")
            finished.append(f"health {r.status_code}")

    await asyncio.gather(upload_it(), meanwhile())
    assert finished == ["health 200"] * 3 + ["parsed", "upload 200"], finished
    assert await Person.count().where(Person.name.like("学生%")) == 9  # dry run: the world's people only


async def test_a_certificate_batch_spreadsheet_is_read_by_the_worker_too(client, world, tmp_path):
    """Passes spreadsheets (issuing, read from a thread) go through the same bounded worker: the
    2,000,000-cell file is refused before openpyxl sees it, instead of growing a thread by hundreds of MB."""
    from certificates import KeyStore
    from server.issuing.keyring import use_keystore

    store = KeyStore(tmp_path / "keys")
    store.generate()
    use_keystore(store)
    try:
        r = await client.post(f"/api/certificates/batches/spreadsheet?issuer_id={world.orgs['hrss']}&dry_run=true",
                              headers=await token_for(client, "organizer"), files=upload(hostile.million_cells()))
    finally:
        use_keystore(None)
    assert r.status_code == 413 and r.json()["code"] == "sheet_too_many_cells", r.text
