"""Audit API: administrators read the log and check the chain."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromQuery

from server.audit.schemas import AuditEntryOut
from server.audit.services import ChainReport, list_entries, verify_chain
from server.guards import requires_role
from server.params import Limit


class AuditController(Controller):
    path = "/api/audit"
    tags = ["audit"]
    guards = [requires_role("admin")]

    @get("/")
    async def list_audit(
        self,
        object_type: FromQuery[str | None] = None,
        object_id: FromQuery[str | None] = None,
        limit: Limit = 100,
    ) -> list[AuditEntryOut]:
        """Newest entries first, optionally for one object."""
        return await list_entries(object_type=object_type, object_id=object_id, limit=limit)

    @get("/verify")
    async def verify(self) -> ChainReport:
        """Recompute the hash chain and report any edited, deleted or reordered entry."""
        return await verify_chain()
