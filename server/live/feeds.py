"""What the live channels say, and the one place that decides what a public viewer may learn.

- ``scoreboard.<event>`` (public): a snapshot — the event's code and name and the competition's name (the
  board's title), marking progress per criterion, and standings: by code
  only until the results are published, then names, schools and awards from the published results (never
  a code next to a name). Built once per worker per burst of changes (``server.live.hub``).
- ``console.<event>`` (judging officials of the competition): each change as a small notice with its
  sequence number — marks (which judge, which criteria), tickets, sign-offs, locks, decryption steps,
  re-check lines, appeals — for the console to refetch what it shows.

The bridge turns committed domain events (``server.events``) into notices; nothing is published for a
write that rolled back, because domain events are published only after the commit.
"""

from __future__ import annotations

import msgspec

from server.events import DomainEvent
from server.judging.context import context
from server.judging.marks import progress
from server.judging.outcome import standings
from server.judging.tables import JudgingEvent
from server.results.tables import EventResults
from server.results.views import public_event_results

# what changes the public board: everything that moves progress, standings or the ceremony's stage
PUBLIC = {"marks", "signoff", "lock", "unlock", "decryption", "drawn", "opened", "ticket", "recheck", "published"}


class BoardLine(msgspec.Struct, omit_defaults=True):
    rank: int | None
    total: str | None
    code: str | None = None  # before publication
    school: str | None = None  # after publication
    members: list[str] = []
    award_name: str | None = None


class Scoreboard(msgspec.Struct):
    what: str
    event_id: int
    event_code: str  # public facts of the event (the board's title), never anything of an entry
    event_name: str
    competition_name: str
    seq: int
    status: str
    published: bool
    criteria: dict[str, dict[str, int]]
    lines: list[BoardLine]


def console_channel(event_id: int) -> str:
    return f"console.{event_id}"


def scoreboard_channel(event_id: int) -> str:
    return f"scoreboard.{event_id}"


def notices(event: DomainEvent) -> list[tuple[str, bytes]]:
    """(channel, notice) for a committed domain event; empty for events no live view shows."""
    domain, _, what = event.topic.partition(".")
    payload = event.payload
    if domain not in ("judging", "results") or "event_id" not in payload:
        return []
    event_id = payload["event_id"]
    out = [(console_channel(event_id), msgspec.json.encode({"what": what, **payload}))]
    if what in PUBLIC:
        out.append((scoreboard_channel(event_id),
                    msgspec.json.encode({"what": "changed", "event_id": event_id, "seq": payload.get("seq", 0)})))
    return out


async def scoreboard(event_id: int) -> Scoreboard:
    """The public board of an event (also ``GET /api/live/events/{id}/scoreboard``)."""
    ctx = await context(None, event_id)  # the system reads; what leaves is decided below
    judging = await JudgingEvent.select(JudgingEvent.status, JudgingEvent.version).where(
        JudgingEvent.event == event_id).first()
    head = await EventResults.select(EventResults.status).where(EventResults.event == event_id).first()
    published = head is not None and head["status"] == "published"
    status = judging["status"]
    criteria = {} if status == "setup" else (await progress(ctx)).criteria
    lines: list[BoardLine] = []
    if published:
        public = await public_event_results(ctx.competition_id, event_id)
        lines = [BoardLine(rank=r.rank, total=r.total, school=r.school, members=r.members, award_name=r.award_name)
                 for r in public.lines]
    elif status != "setup":
        lines = [BoardLine(rank=s.rank, total=s.total, code=s.code) for s in await standings(ctx)]
    event = ctx.event
    return Scoreboard("scoreboard", event_id, event["code"], event["name"], event["competition_name"],
                      judging["version"], status, published, criteria, lines)


async def scoreboard_message(event_id: int) -> bytes:
    return msgspec.json.encode(await scoreboard(event_id))
