"""Appending to and verifying the hash-chained audit log.

Every state-changing service calls ``record()`` inside its ``write_transaction()``: the entry commits or
rolls back with the change. Appends are serialized (SQLite write lock; PostgreSQL advisory lock) so the
chain never forks under concurrent writers.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

import msgspec

from server import locks
from server.audit.schemas import AuditEntryOut
from server.audit.tables import AuditEntry, AuditHead
from server.db import lock_key
from server.principal import Principal

GENESIS = "0" * 64
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
    return row["seq"]


class ChainProblem(msgspec.Struct):
    seq: int
    problem: str


class ChainReport(msgspec.Struct):
    entries: int
    ok: bool
    problems: list[ChainProblem]


async def verify_chain(batch: int = 5000) -> ChainReport:
    """Recompute the chain: an edited, deleted, inserted or reordered entry breaks a link or a hash."""
    problems: list[ChainProblem] = []
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
    return ChainReport(entries=count, ok=not problems, problems=problems)


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
