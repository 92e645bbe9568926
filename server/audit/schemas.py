"""Response shapes of the audit API."""

from __future__ import annotations

import msgspec


class AuditEntryOut(msgspec.Struct):
    seq: int
    at: str
    actor: str
    action: str
    object_type: str
    object_id: str
    before: str | None
    after: str | None
    reason: str
    hash: str
