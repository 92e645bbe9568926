"""What the results domain does inside other domains' writes (``server.events.on``; docs/architecture.md).

- ``competition.entering`` (competitions): entering ``results_published`` is refused while an event with
  approved entries has no results, and publishes every event's imported results in the same transaction;
  returns what it published, which the competition's audit entry lists.
- ``registration.entry_withdrawn`` (registration): a withdrawn advancement entry's place is offered to
  the next eligible qualifier of the source event; returns the id of the entry created for the
  replacement, or None (the withdrawal's response reports it).

They register when this module is imported: ``server.routes`` (the app) and the demo import it.
"""

from __future__ import annotations

from server.events import on
from server.principal import Principal
from server.results.advancement import offer_replacement
from server.results.publication import publish_all_imported


@on("competition.entering")
async def publish_with_the_competition(principal: Principal | None, *, competition_id: int, to_status: str,
                                       **_: object) -> list[str] | None:
    if to_status != "results_published":
        return None
    return [f"results of event {e}" for e in await publish_all_imported(principal, competition_id)]


@on("registration.entry_withdrawn")
async def replace_withdrawn_qualifier(principal: Principal | None, *, entry_id: int, source: str,
                                      **_: object) -> int | None:
    if source != "advancement":
        return None
    return await offer_replacement(entry_id, principal)
