"""Review of submitted entries by the competition's organizers: return (with per-field remarks), approve,
decline (with a reason the school sees), and approve many at once (all or nothing).

Only the competition's organizers (``server.access.can_manage_competition``) review, only submitted or
resubmitted entries, and only until the competition runs. The school's coordinator gets 403 on its own
entry; anyone else, and every draft, is 404. Each decision is one transition of the entry's state
machine (``server.registration.lifecycle.ENTRY``) on the status read, with its remarks and audit entry in
the same transaction: of two reviewers acting at once, exactly one moves the entry.
"""

from __future__ import annotations

from typing import Sequence

from server.access import can_manage_competition
from server.audit.services import record
from server.db import write_transaction
from server.errors import Conflict, Forbidden, NotFound, refusal
from server.principal import Principal
from server.registration.facts import now
from server.registration.lifecycle import ENTRY, REVIEWABLE, STARTED
from server.registration.queries import entries_by_id, entry_out, fetch_entry
from server.registration.schemas import BulkApproveOut, EntryOut, RemarkIn
from server.registration.tables import Entry, EntryMember, EntryRemark


async def _review_row(principal: Principal, entry_id: int) -> dict:
    row = await fetch_entry(entry_id)
    if row is None:
        raise NotFound("No such entry.", code="entry_not_found")
    if await can_manage_competition(principal, row["competition_id"]) and row["status"] != "draft":
        return row
    if row["school"] in principal.school_ids():
        raise Forbidden("Only the competition's organizers review entries.", code="reviewer_only")
    raise NotFound("No such entry.", code="entry_not_found")


def _reviewable(row: dict, action: str) -> None:
    ENTRY.check(action, row["status"])
    if row["competition_status"] in STARTED:
        raise Conflict("The competition has started; entries can no longer be reviewed.", code="competition_started")


async def _decide(principal: Principal, row: dict, action: str, *, remarks: Sequence[RemarkIn] = (),
                  reason: str = "") -> None:
    """One review transition inside the caller's transaction: the conditional update, remarks, audit."""
    stamp = now()
    changes: dict = {Entry.reviewed_at: stamp, Entry.reviewed_by: principal.user_id, Entry.updated_at: stamp,
                     Entry.version: Entry.version + 1}
    if action == "decline":
        changes[Entry.decline_reason] = reason
    step = await ENTRY.apply(row["id"], action, row["status"], changes)
    if step.target == "declined":
        await EntryMember.update({EntryMember.active: False}).where(EntryMember.entry == row["id"])
    notes = [(r.field.strip(), r.message.strip()) for r in remarks]
    if reason:
        notes.append(("", reason))
    if notes:
        await EntryRemark.insert(*[
            EntryRemark(entry=row["id"], field=f, message=m, kind=action, author=principal.user_id, created_at=stamp)
            for f, m in notes
        ])
    await record(principal, action=f"entry.{step.target}", object_type="entry", object_id=row["id"],
                 before={"status": row["status"]},
                 after={"status": step.target, **({"remarks": [{"field": f, "message": m} for f, m in notes]}
                                                  if notes else {})},
                 reason=reason)


async def _review(principal: Principal, entry_id: int, action: str, **decision) -> EntryOut:
    row = await _review_row(principal, entry_id)
    _reviewable(row, action)
    async with write_transaction():
        await _decide(principal, row, action, **decision)
    return await entry_out(principal, entry_id)


async def return_entry(principal: Principal, entry_id: int, remarks: Sequence[RemarkIn]) -> EntryOut:
    return await _review(principal, entry_id, "return", remarks=remarks)


async def approve(principal: Principal, entry_id: int, note: str = "") -> EntryOut:
    return await _review(principal, entry_id, "approve", reason=note.strip())


async def decline(principal: Principal, entry_id: int, reason: str) -> EntryOut:
    return await _review(principal, entry_id, "decline", reason=reason.strip())


async def bulk_approve(principal: Principal, entry_ids: Sequence[int], note: str = "") -> BulkApproveOut:
    """All or nothing: if any entry cannot be approved, none is, and ``errors`` says why per entry."""
    ids = list(dict.fromkeys(entry_ids))
    rows = await entries_by_id(ids)
    managed: dict[int, bool] = {}
    errors = []
    for entry_id in ids:
        row = rows.get(entry_id)
        if row is not None and row["competition_id"] not in managed:
            managed[row["competition_id"]] = await can_manage_competition(principal, row["competition_id"])
        if row is None or row["status"] == "draft" or not managed[row["competition_id"]]:
            errors.append({"entry_id": entry_id, "code": "entry_not_found",
                           "message": f"Entry {entry_id} does not exist or is not in a competition you organize."})
        elif row["status"] not in REVIEWABLE:
            errors.append({"entry_id": entry_id, "code": ENTRY.refused_code,
                           "message": f"Entry {entry_id} is {row['status']}; only submitted or resubmitted entries "
                                      "can be approved."})
        elif row["competition_status"] in STARTED:
            errors.append({"entry_id": entry_id, "code": "competition_started",
                           "message": f"Entry {entry_id}: the competition has started."})
    if errors:
        raise refusal(errors, f"{len(errors)} of {len(ids)} entries cannot be approved, so none was approved",
                      code="bulk_approve_refused", error=Conflict)
    async with write_transaction():
        for entry_id in ids:
            await _decide(principal, rows[entry_id], "approve", reason=note.strip())
    return BulkApproveOut(approved=ids)
