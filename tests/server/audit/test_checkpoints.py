"""Signed checkpoints anchor the audit chain outside the database (issue 13, item 7): a database writer
who rewrites an entry and recomputes every later hash and the head passes the chain check, but not the
checkpoints; deleting the database's copies, forging one or cutting the chain short does not help."""

from __future__ import annotations

import asyncio
import stat
import subprocess
import sys

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server.audit import checkpoints
from server.audit.services import _hashed_fields, entry_hash, verify_chain
from server.audit.tables import AuditCheckpoint, AuditEntry, AuditHead
from tests.server.factories import token_for

CHAIN_WORDS = ("edited", "broken", "deleted or reordered", "head")


async def rewrite(seq: int, **changes) -> None:
    """What a database writer can do: change entry ``seq`` and recompute every later hash and the head."""
    await AuditEntry.update({getattr(AuditEntry, k): v for k, v in changes.items()}).where(AuditEntry.seq == seq)
    prev = None
    for row in await AuditEntry.select().order_by(AuditEntry.seq):
        if prev is not None:
            row["prev_hash"] = prev
        digest = entry_hash(row["prev_hash"], _hashed_fields(row))
        await AuditEntry.update({AuditEntry.prev_hash: row["prev_hash"], AuditEntry.hash: digest}).where(
            AuditEntry.id == row["id"])
        prev = digest
        last = row["seq"]
    await AuditHead.update({AuditHead.seq: last, AuditHead.hash: prev}).where(AuditHead.name == "main")


def chain_problems(report) -> list[str]:
    return [p.problem for p in report.problems if any(w in p.problem for w in CHAIN_WORDS)]


async def test_a_full_rewrite_is_caught_by_the_checkpoint(client, world):
    made = await checkpoints.write_checkpoint()
    assert made is not None and made.seq == await AuditEntry.count()
    assert (await verify_chain()).ok
    await rewrite(3, actor="someone-else")
    report = await verify_chain()
    assert chain_problems(report) == []  # the chain itself is consistent again: only the anchor sees it
    assert not report.ok and report.checkpoints == 1 and report.anchored_seq == made.seq
    assert [p.seq for p in report.problems] == [made.seq] and "rewritten" in report.problems[0].problem
    # deleting the database's copies does not help: the file outside the database still holds it
    await AuditCheckpoint.delete().where(AuditCheckpoint.id > 0)
    again = await verify_chain()
    assert not again.ok and any("rewritten" in p.problem for p in again.problems)


async def test_a_forged_checkpoint_in_the_database_is_a_finding(client, world):
    await checkpoints.write_checkpoint()
    await rewrite(2, reason="cover-up")
    head = await AuditHead.select().where(AuditHead.name == "main").first()
    forger = Ed25519PrivateKey.generate()  # the forger's own key: the audit key never was in the database
    real = (await AuditCheckpoint.select().first())
    at = "2026-12-03T00:00:00.000000+00:00"
    await AuditCheckpoint.insert(AuditCheckpoint(
        seq=head["seq"], hash=head["hash"], at=at, public_key=real["public_key"],
        signature=forger.sign(checkpoints.signed_bytes(head["seq"], head["hash"], at, real["public_key"])).hex()))
    report = await verify_chain()
    assert not report.ok
    assert any("forged" in p.problem for p in report.problems)
    assert any("rewritten" in p.problem for p in report.problems)


async def test_a_chain_cut_short_after_a_checkpoint_is_caught(client, world):
    made = await checkpoints.write_checkpoint()
    newest = await AuditEntry.select().order_by(AuditEntry.seq, ascending=False).limit(3)
    await AuditEntry.delete().where(AuditEntry.seq > newest[-1]["seq"] - 1)
    keep = newest[-1]["seq"] - 1
    row = await AuditEntry.select().where(AuditEntry.seq == keep).first()
    await AuditHead.update({AuditHead.seq: keep, AuditHead.hash: row["hash"]}).where(AuditHead.name == "main")
    report = await verify_chain()
    assert chain_problems(report) == [] and not report.ok
    assert [p.seq for p in report.problems] == [made.seq] and "no longer has" in report.problems[0].problem


async def test_checkpoints_are_written_every_n_entries_after_the_commit(client, world, monkeypatch, audit_dir):
    monkeypatch.setenv("JINENG_AUDIT_CHECKPOINT_EVERY", "5")
    headers = await token_for(client, "admin")
    for i in range(12):
        r = await client.post("/api/organizations", headers=headers, json={
            "name": f"新区{i}", "kind": "region", "level": "county", "parent_id": world.orgs["city"]})
        assert r.status_code == 201
    total = await AuditEntry.count()
    lines = (audit_dir / "checkpoints.jsonl").read_bytes().splitlines()
    seqs = [msgspec.json.decode(line)["seq"] for line in lines]
    assert seqs and all(s % 5 == 0 for s in seqs) and max(seqs) == total - total % 5
    assert sorted(r["seq"] for r in await AuditCheckpoint.select(AuditCheckpoint.seq)) == seqs
    report = await verify_chain()
    assert report.ok and report.checkpoints == len(seqs)
    # the key is outside the database, readable by its owner only
    key = audit_dir / "audit-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(audit_dir.stat().st_mode) == 0o700
    assert b"PRIVATE KEY" in key.read_bytes()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], capture_output=True, text=True, timeout=120)


async def test_cli_checkpoint_then_verify_catches_the_rewrite(client, world):
    made = await asyncio.to_thread(_cli, "audit", "checkpoint")
    assert made.returncode == 0 and "signed checkpoint of entry" in made.stdout, made.stdout + made.stderr
    ok = await asyncio.to_thread(_cli, "audit", "verify")
    assert ok.returncode == 0 and "intact" in ok.stdout and "1 signed checkpoint" in ok.stdout, ok.stdout
    await rewrite(4, action="nothing.happened")
    broken = await asyncio.to_thread(_cli, "audit", "verify")
    assert broken.returncode == 1 and "BROKEN" in broken.stdout and "rewritten" in broken.stdout, broken.stdout
