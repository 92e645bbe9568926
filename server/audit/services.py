"""Appending to and verifying the hash-chained audit log.

Every state-changing service calls ``record()`` inside its ``write_transaction()``: the entry commits or
rolls back with the change. Appends are serialized (SQLite write lock; PostgreSQL advisory lock) so the
chain never forks under concurrent writers. Every ``checkpoints.every()``-th entry queues a signed
checkpoint of the head, written after the commit (``server.audit.checkpoints``); ``verify_chain`` checks
the chain against every checkpoint, which catches a rewrite that recomputed every hash.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import datetime, timezone
from typing import Any

import msgspec

from server import events, locks
from server.audit import checkpoints
from server.audit.schemas import AuditEntryOut
from server.audit.tables import AuditEntry, AuditHead
from server.db import lock_key
from server.principal import Principal

GENESIS = "0" * 64
CHECKPOINT_DUE = "audit.checkpoint_due"
_encoder = msgspec.json.Encoder(order="sorted")


def canonical_json(value: Any) -> str | None:
    if value is None:
        return None
    return _encoder.encode(value).decode()


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = _encoder.encode({"prev": prev_hash, **fields})
    return hashlib.sha256(payload).hexdigest()


def _hashed_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "seq": int(row["seq"]),
        "at": row["at"],
        "actor_id": row["actor_id"],
        "actor": row["actor"],
        "action": row["action"],
        "object_type": row["object_type"],
        "object_id": row["object_id"],
        "before": row["before"],
        "after": row["after"],
        "reason": row["reason"],
    }


async def record(
    principal: Principal | None,
    *,
    action: str,
    object_type: str,
    object_id: Any,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> int:
    """Append one entry for what ``principal`` did (None: the system itself, e.g. the demo loader or the
    CLI); must run inside ``write_transaction()``. Returns its sequence number."""
    await lock_key(locks.audit_chain())
    head = await AuditHead.select().where(AuditHead.name == "main").first()
    prev_seq, prev_hash = (int(head["seq"]), head["hash"]) if head else (0, GENESIS)
    row = {
        "seq": prev_seq + 1,
        "at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
        "actor_id": None if principal is None else principal.user_id,
        "actor": "system" if principal is None else principal.username,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "before": canonical_json(before),
        "after": canonical_json(after),
        "reason": reason or "",
    }
    digest = entry_hash(prev_hash, _hashed_fields(row))
    await AuditEntry.insert(AuditEntry(**row, prev_hash=prev_hash, hash=digest))
    if head:
        await AuditHead.update({AuditHead.seq: row["seq"], AuditHead.hash: digest}).where(
            AuditHead.name == "main"
        )
    else:
        await AuditHead.insert(AuditHead(name="main", seq=row["seq"], hash=digest))
    if row["seq"] % checkpoints.every() == 0:
        with contextlib.suppress(RuntimeError):  # outside write_transaction() (it must not be): no event
            events.queue(CHECKPOINT_DUE, seq=row["seq"])
    return row["seq"]


async def _on_committed(event: events.DomainEvent) -> None:
    if event.topic == CHECKPOINT_DUE:
        await checkpoints.checkpoint_after_commit(int(event.payload["seq"]))


events.subscribe(_on_committed)


class ChainProblem(msgspec.Struct):
    seq: int
    problem: str


class ChainReport(msgspec.Struct):
    entries: int
    ok: bool
    problems: list[ChainProblem]
    # signed checkpoints (``server.audit.checkpoints``) the chain was checked against, and the newest one
    checkpoints: int = 0
    anchored_seq: int | None = None
    audit_key: str | None = None  # hex of the audit key's public key, None when none was ever made


async def verify_chain(batch: int = 5000) -> ChainReport:
    """Recompute the chain: an edited, deleted, inserted or reordered entry breaks a link or a hash; then
    check it against every signed checkpoint, which a rewrite that recomputed every hash cannot match."""
    anchor = await checkpoints.load()
    wanted = {c.seq for c in anchor.valid}
    seen: dict[int, str] = {}
    problems: list[ChainProblem] = [ChainProblem(0, p) for p in anchor.problems]
    prev_hash, expected_seq, count, last_id = GENESIS, 1, 0, 0
    while True:
        rows = (
            await AuditEntry.select()
            .where(AuditEntry.id > last_id)
            .order_by(AuditEntry.id)
            .limit(batch)
        )
        if not rows:
            break
        for row in rows:
            count += 1
            last_id = row["id"]
            seq = int(row["seq"])
            if seq in wanted:
                seen.setdefault(seq, row["hash"])
            if seq != expected_seq:
                problems.append(ChainProblem(seq, f"expected entry {expected_seq} here, found {seq} (deleted or reordered)"))
            if row["prev_hash"] != prev_hash:
                problems.append(ChainProblem(seq, "link to the previous entry is broken"))
            if entry_hash(row["prev_hash"], _hashed_fields(row)) != row["hash"]:
                problems.append(ChainProblem(seq, "content does not match its hash (edited)"))
            prev_hash, expected_seq = row["hash"], seq + 1
    head = await AuditHead.select().where(AuditHead.name == "main").first()
    if head is None and count:
        problems.append(ChainProblem(0, "chain head is missing"))
    elif head is not None and (int(head["seq"]) != expected_seq - 1 or head["hash"] != prev_hash):
        problems.append(
            ChainProblem(int(head["seq"]), "chain head does not match the last entry (newest entries deleted?)")
        )
    for checkpoint in anchor.valid:
        found = seen.get(checkpoint.seq)
        if found is None:
            problems.append(ChainProblem(checkpoint.seq, (
                f"a signed checkpoint of {checkpoint.at} holds entry {checkpoint.seq}, which the chain no longer "
                "has (entries deleted, or the database restored from an older backup)")))
        elif found != checkpoint.hash:
            problems.append(ChainProblem(checkpoint.seq, (
                f"differs from the signed checkpoint of {checkpoint.at} (the chain was rewritten up to here and "
                "its hashes recomputed)")))
    return ChainReport(entries=count, ok=not problems, problems=problems, checkpoints=len(anchor.valid),
                       anchored_seq=max(wanted) if wanted else None, audit_key=anchor.public_key)


async def list_entries(*, object_type: str | None, object_id: str | None, limit: int):
    query = AuditEntry.select().order_by(AuditEntry.seq, ascending=False).limit(limit)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    return [
        AuditEntryOut(seq=int(r["seq"]), at=r["at"], actor=r["actor"], action=r["action"],
                      object_type=r["object_type"], object_id=r["object_id"], before=r["before"],
                      after=r["after"], reason=r["reason"], hash=r["hash"])
        for r in await query
    ]
