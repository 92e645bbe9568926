"""Domain events: handled inside the writing transaction, published only after the commit.

A service that changes something others may want to hear about (a mark accepted, a ticket opened, a
sheet signed off, results published) calls ``queue("judging.mark_accepted", event_id=…, …)`` inside its
``write_transaction()``. The events ride with the transaction: ``server.db.write_transaction`` hands
them to :func:`publish` once the outermost transaction has committed, and drops them when it rolls
back, so nothing is ever announced for a write that did not happen.

Subscribers (the live layer, ``server.live``) register with :func:`subscribe`; no domain imports them.
A subscriber's failure is logged and never reaches the request: the write has already committed.
Payloads are small facts ("what changed", ids, a sequence number), never whole documents.

**In-transaction handlers** let a downstream domain take part in an upstream domain's write without the
upstream domain importing it (domains depend in one direction, docs/architecture.md). The upstream
service calls :func:`emit` inside its transaction; every handler registered with :func:`on` for that
topic runs right there, in the same transaction, and may refuse by raising a ``DomainError`` (the whole
write rolls back). Example: entering ``results_published`` in the competitions domain lets the results
domain check and publish every event's results atomically with the status change. Handlers register when
their module is imported; ``server.routes`` imports every domain, and a test checks the registrations.
"""

from __future__ import annotations

import inspect
import logging
from contextvars import ContextVar
from typing import Any, Awaitable, Callable

import msgspec

log = logging.getLogger("jineng.events")


class DomainEvent(msgspec.Struct, frozen=True):
    topic: str  # "<domain>.<what happened>", e.g. "judging.marks_accepted"
    payload: dict[str, Any]


Subscriber = Callable[[DomainEvent], "Awaitable[None] | None"]
Handler = Callable[..., Awaitable[None]]

_subscribers: list[Subscriber] = []
_handlers: dict[str, list[Handler]] = {}
# the events of the transaction running in this task (None outside a write transaction)
_pending: ContextVar[list[DomainEvent] | None] = ContextVar("jineng_pending_events", default=None)


def queue(topic: str, **payload: Any) -> None:
    """Queue an event of the current write transaction; published after it commits."""
    pending = _pending.get()
    if pending is None:
        raise RuntimeError(f"event {topic!r} queued outside write_transaction(): it could never be published")
    pending.append(DomainEvent(topic, payload))


def on(topic: str) -> Callable[[Handler], Handler]:
    """Register an in-transaction handler of ``topic``: ``async def handler(principal, **facts)``."""

    def register(handler: Handler) -> Handler:
        if handler not in _handlers.setdefault(topic, []):
            _handlers[topic].append(handler)
        return handler

    return register


def handlers(topic: str) -> list[Handler]:
    return list(_handlers.get(topic, ()))


async def emit(topic: str, principal: Any = None, **facts: Any) -> list[Any]:
    """Inside a write transaction: run the handlers of ``topic`` now (in registration order; one may
    refuse by raising), then queue the event for publication after the commit. Returns what the
    handlers returned, in order (e.g. what they did, for the caller's response and audit entry)."""
    queue(topic, **facts)  # first: refuses outside a transaction before any handler writes
    return [await handler(principal, **facts) for handler in handlers(topic)]


def subscribe(subscriber: Subscriber) -> Callable[[], None]:
    """Hear every published event; returns a function that unsubscribes."""
    _subscribers.append(subscriber)

    def unsubscribe() -> None:
        if subscriber in _subscribers:
            _subscribers.remove(subscriber)

    return unsubscribe


def begin() -> object:
    """Start collecting events for a new outermost transaction (``server.db`` calls this)."""
    return _pending.set([])


def end(token: object) -> list[DomainEvent]:
    """Stop collecting; returns what the transaction queued (``server.db`` calls this)."""
    pending = _pending.get() or []
    _pending.reset(token)  # type: ignore[arg-type]
    return pending


async def publish(events: list[DomainEvent]) -> None:
    """Hand committed events to every subscriber, in order."""
    for event in events:
        for subscriber in list(_subscribers):
            try:
                result = subscriber(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:  # the write has committed: a listener's failure must not undo the response
                log.exception("event subscriber failed on %s", event.topic)
