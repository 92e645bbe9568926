"""The status lifecycle of an entry: its state machine, the groups of statuses the rules speak of, and
what a caller may do next.

::

    draft ──submit──▶ submitted ──┬─return──▶ returned ──resubmit──▶ resubmitted ──┐
                                  ├─approve─▶ approved                          (review again:
                                  └─decline─▶ declined                    return, approve, decline)
    withdraw: from draft, submitted, returned, resubmitted (by the school or an organizer of the
    competition), and from approved until the competition runs.

Every status change goes through :data:`ENTRY` (``server.statemachine``): the service reads the entry,
the machine refuses an action the status read does not allow (409 ``invalid_transition``), and the
update matches ``id = … AND status = <read>`` (plus ``version = <read>`` where the decision depends on
the entry's contents, as submission does), so of two concurrent changes of one entry exactly one
succeeds; the other gets 409 ``stale_version`` and its transaction rolls back.

Editing (team name, members) is not a status change: it is a conditional update on the version and
status read (``server.registration.entries.update_entry``) that bumps the version.
"""

from __future__ import annotations

from server.registration import eligibility as elig
from server.registration.tables import Entry
from server.statemachine import StateMachine, Transition

EDITABLE = ("draft", "returned")
REVIEWABLE = ("submitted", "resubmitted")
# statuses in which an entry holds a place in its event (quota, one entry per person)
PLACE_HOLDING = ("submitted", "returned", "resubmitted", "approved")
WITHDRAWABLE = ("draft", "submitted", "returned", "resubmitted", "approved")
FINAL = ("declined", "withdrawn")
# competition statuses after which entries no longer change (review, approved withdrawals)
STARTED = elig.STARTED

ENTRY = StateMachine("entry", Entry, [
    Transition("submit", ("draft",), "submitted"),
    Transition("resubmit", ("returned",), "resubmitted"),
    Transition("return", REVIEWABLE, "returned"),
    Transition("approve", REVIEWABLE, "approved"),
    Transition("decline", REVIEWABLE, "declined"),
    Transition("withdraw", WITHDRAWABLE, "withdrawn"),
])


def submit_action(status: str) -> str:
    """A returned entry is resubmitted; anything else is submitted (the machine refuses what cannot be)."""
    return "resubmit" if status == "returned" else "submit"


def actions_for(row: dict, school_side: bool, reviewer: bool) -> list[str]:
    """What the caller may do next with the entry: edit, submit, withdraw, return, approve, decline."""
    status, started = row["status"], row["competition_status"] in STARTED
    acts = []
    if school_side and status in EDITABLE:
        acts += ["edit", "submit"]
    if (school_side or reviewer) and status in WITHDRAWABLE and not (status == "approved" and started):
        acts.append("withdraw")
    if reviewer and status in REVIEWABLE and not started:
        acts += ["return", "approve", "decline"]
    return acts
