"""State machines of the domain (competition, entry, certificate, panel, ticket, appeal): one helper.

A machine is a transition table — action → (the statuses it may leave, the status it enters) — plus the
one way to move a row: a conditional ``UPDATE … SET status = target WHERE id = … AND status = current``.
The service reads the row, asks :meth:`StateMachine.check` whether the action is allowed from what it
read (a clear 409 naming the allowed actions if not), then :meth:`StateMachine.apply` writes the step
only if the row still has the status it read. Two concurrent transitions of one row therefore never
both succeed, on either engine: under PostgreSQL's READ COMMITTED the second UPDATE re-reads the row
after the first commits and matches nothing; on SQLite writers are serialized anyway. The loser gets a
409 with the machine's ``stale_code``, and its transaction (audit entry included) rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from piccolo.table import Table

from server.errors import Conflict


@dataclass(frozen=True, slots=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str


class StateMachine:
    def __init__(
        self,
        name: str,
        table: type[Table],
        transitions: Iterable[Transition],
        *,
        refused_code: str = "invalid_transition",
        stale_code: str = "stale_version",
        status_column: str = "status",
    ) -> None:
        self.name = name
        self.table = table
        self.transitions = {t.action: t for t in transitions}
        self.refused_code = refused_code
        self.stale_code = stale_code
        self.column = table._meta.get_column_by_name(status_column)

    def actions_from(self, status: str) -> list[str]:
        """The actions allowed from ``status``, in table order."""
        return [t.action for t in self.transitions.values() if status in t.sources]

    def check(self, action: str, current: str) -> Transition:
        """The transition of ``action``, or a 409 saying why it cannot leave ``current``."""
        step = self.transitions[action]  # an unknown action is a programming error, not the client's
        if current not in step.sources:
            allowed = self.actions_from(current)
            raise Conflict(
                f"A {current} {self.name} cannot be {step.target}"
                + (f" (allowed now: {', '.join(allowed)})." if allowed else f" ({current} is final)."),
                code=self.refused_code,
                extra={"current_status": current, "action": action, "allowed": allowed},
            )
        return step

    async def apply(self, row_id: int, action: str, current: str, values: dict[Any, Any] | None = None,
                    where: Any = None) -> Transition:
        """Move row ``row_id`` from ``current`` (the status the caller read) by ``action``, setting
        ``values`` too; must run inside ``write_transaction()``. 409 if the row moved meanwhile."""
        step = self.check(action, current)
        pk = self.table._meta.primary_key
        condition = (pk == row_id) & (self.column == current)
        if where is not None:
            condition = condition & where
        changed = await self.table.update({self.column: step.target, **(values or {})}).where(
            condition).returning(pk)
        if not changed:
            raise Conflict(f"The {self.name} changed meanwhile; reload it and try again.", code=self.stale_code,
                           extra={"expected_status": current, "action": action})
        return step
