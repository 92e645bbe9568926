"""What the registration domain checks inside the competitions domain's writes (``server.events.on``;
docs/architecture.md): a competition or an event holding entries is not deleted (409), since its
entries would be lost. Registered when this module is imported (``server.routes``).
"""

from __future__ import annotations

from server.errors import Conflict
from server.events import on
from server.principal import Principal
from server.registration.tables import Entry


@on("competition.deleting")
async def keep_competition_with_entries(principal: Principal | None, *, competition_id: int, **_: object) -> None:
    if await Entry.exists().where(Entry.event.competition == competition_id):
        raise Conflict("Entries exist in this competition's events.", code="competition_has_entries")


@on("event.deleting")
async def keep_event_with_entries(principal: Principal | None, *, event_id: int, **_: object) -> None:
    if await Entry.exists().where(Entry.event == event_id):
        raise Conflict("The event holds entries; they would be lost.", code="event_has_entries")
