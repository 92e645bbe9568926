"""Whether a judged event's results may be published, as the results domain asks before publishing:
decrypted, re-checked (fully, when the error rate demanded it), appeal window closed, every appeal ruled.
An event that was never judged here (results imported from a file) has nothing to wait for.

Each blocker has a stable code (docs/judging.md lists them) and names what is at fault, so the console
reads it in the user's language; the results domain refuses publication with their messages."""

from __future__ import annotations

from server.judging import appeals, recheck
from server.judging.context import Context, event_row, judging_row
from server.judging.schemas import BlockerOut


async def blockers(event_id: int) -> list[BlockerOut]:
    """What still stops publishing (``GET …/publication``); empty: nothing."""
    judging = await judging_row(event_id)
    if judging["status"] == "setup":
        return []
    if judging["status"] != "decrypted":
        return [BlockerOut(code="publication_needs_decryption", judging_status=judging["status"],
                           message=f"judging is {judging['status']}: the codes must be decrypted first")]
    ctx = Context(await event_row(event_id), judging, frozenset({"organizer"}), None)
    return [*await recheck.blockers(ctx), *await appeals.blockers(event_id)]

