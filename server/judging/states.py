"""The state machines of judging (server/statemachine.py): an event's judging, tickets, appeals, unlocks.

    setup ──draw──▶ drawn ──open──▶ marking ──lock (every criterion)──▶ locked ──decrypt (last layer)──▶ decrypted
                                       ▲                                  │
                                       └───────unlock (chief + supervisor)┘
"""

from __future__ import annotations

from server.judging.tables import Appeal, JudgingEvent, Ticket, Unlock
from server.statemachine import StateMachine, Transition

JUDGING = StateMachine("event's judging", JudgingEvent, [
    Transition("draw", ("setup",), "drawn"),
    Transition("open_marking", ("drawn",), "marking"),
    Transition("lock", ("marking",), "locked"),
    Transition("unlock", ("locked",), "marking"),
    Transition("decrypt", ("locked",), "decrypted"),
], refused_code="judging_status", stale_code="judging_changed")

TICKET = StateMachine("ticket", Ticket, [
    Transition("resolve", ("open",), "resolved"),
], refused_code="ticket_status", stale_code="ticket_changed")

APPEAL = StateMachine("appeal", Appeal, [
    Transition("uphold", ("filed",), "upheld"),
    Transition("dismiss", ("filed",), "dismissed"),
], refused_code="appeal_status", stale_code="appeal_changed")

UNLOCK = StateMachine("unlock request", Unlock, [
    Transition("approve", ("pending",), "approved"),
    Transition("withdraw", ("pending",), "withdrawn"),
], refused_code="unlock_status", stale_code="unlock_changed")
