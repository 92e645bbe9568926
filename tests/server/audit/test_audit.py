"""The audit log: one hash-chained entry per change, in the change's transaction; tampering is detected."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from server.audit.services import verify_chain
from server.audit.tables import AuditEntry
from tests.server.factories import token_for


async def _entries():
    return await AuditEntry.select().order_by(AuditEntry.seq)


async def test_changes_write_entries_and_the_chain_verifies(client, world):
    headers = await token_for(client, "organizer")
    before = len(await _entries())
    r = await client.post("/api/organizations", headers=headers,
                          json={"name": "邹城市", "kind": "region", "level": "county", "parent_id": world.orgs["city"],
                                "region_code": "370883"})
    assert r.status_code == 201
    entries = await _entries()
    assert len(entries) == before + 1
    last = entries[-1]
    assert last["action"] == "organization.created" and last["actor"] == "organizer"
    assert last["object_id"] == str(r.json()["id"]) and "邹城市" in last["after"]
    report = await verify_chain()
    assert report.ok and report.entries == len(entries)


async def test_refused_change_writes_no_entry(client, world):
    headers = await token_for(client, "coord_a")
    before = len(await _entries())
    existing = world.resident_ids[world.people["school_a"][0]]
    r = await client.post("/api/people", headers=headers,
                          json={"name": "重复", "resident_id": existing, "school_id": world.orgs["school_a"]})
    assert r.status_code == 409
    assert len(await _entries()) == before


async def test_edited_entry_is_detected(client, world):
    entries = await _entries()
    await AuditEntry.update({AuditEntry.actor: "someone-else"}).where(AuditEntry.seq == entries[3]["seq"])
    report = await verify_chain()
    assert not report.ok
    assert any(p.seq == entries[3]["seq"] and "edited" in p.problem for p in report.problems)


async def test_deleted_entry_is_detected(client, world):
    entries = await _entries()
    await AuditEntry.delete().where(AuditEntry.seq == entries[5]["seq"])
    report = await verify_chain()
    assert not report.ok and any("deleted" in p.problem or "broken" in p.problem for p in report.problems)


async def test_deleted_newest_entry_is_detected(client, world):
    entries = await _entries()
    await AuditEntry.delete().where(AuditEntry.seq == entries[-1]["seq"])
    report = await verify_chain()
    assert not report.ok and any("head" in p.problem for p in report.problems)


async def test_reordered_entries_are_detected(client, world):
    entries = await _entries()
    a, b = entries[2], entries[3]
    # swap the contents of two entries (keeping ids): the order of the chain changes
    fields = ["seq", "at", "actor_id", "actor", "action", "object_type", "object_id", "before", "after", "reason",
              "prev_hash", "hash"]
    await AuditEntry.update({getattr(AuditEntry, f): b[f] for f in fields if f != "seq"}).where(AuditEntry.id == a["id"])
    await AuditEntry.update({getattr(AuditEntry, f): a[f] for f in fields if f != "seq"}).where(AuditEntry.id == b["id"])
    report = await verify_chain()
    assert not report.ok


async def test_concurrent_writers_keep_one_unbroken_chain(client, world):
    headers = await token_for(client, "admin")
    responses = await asyncio.gather(*[
        client.post("/api/organizations", headers=headers,
                    json={"name": f"测试区{i:02d}", "kind": "region", "level": "county",
                          "parent_id": world.orgs["city"]})
        for i in range(30)
    ])
    assert [r.status_code for r in responses] == [201] * 30
    report = await verify_chain()
    assert report.ok, report.problems
    created = [e for e in await _entries() if e["action"] == "organization.created" and "测试区" in e["after"]]
    assert len(created) == 30


async def test_audit_api_is_admin_only(client, world):
    assert (await client.get("/api/audit", headers=await token_for(client, "organizer"))).status_code == 403
    r = await client.get("/api/audit/verify", headers=await token_for(client, "admin"))
    assert r.status_code == 200 and r.json()["ok"] is True


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], capture_output=True, text=True, timeout=120)


async def test_cli_audit_verify_exit_codes(client, world):
    ok = await asyncio.to_thread(_cli, "audit", "verify")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "intact" in ok.stdout
    entries = await _entries()
    await AuditEntry.update({AuditEntry.reason: "rewritten"}).where(AuditEntry.seq == entries[1]["seq"])
    broken = await asyncio.to_thread(_cli, "audit", "verify")
    assert broken.returncode == 1 and "BROKEN" in broken.stdout
