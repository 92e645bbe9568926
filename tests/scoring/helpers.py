"""Small builders shared by the scoring tests: one-aspect schemes, marks from plain lists."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable, Sequence

from scoring import (
    Criterion,
    Entry,
    Mark,
    PanelAspect,
    Rounding,
    RoundingPolicy,
    Scheme,
    compute_event,
    evaluate_panel,
)

D = Decimal


def marks_for(entry: str, aspect: str, values: Sequence, *, judges: Sequence[str] | None = None,
              rnd: int = 1) -> list[Mark]:
    judges = judges or [f"J{i + 1}" for i in range(len(values))]
    return [Mark(entry=entry, judge=j, aspect=aspect, mark=D(str(v)), round=rnd) for j, v in zip(judges, values)]


def panel(rule, values: Sequence, *, mark_max="10", max=None, judges=None, mark_min="0", places=None, mode="half_up"):
    """Evaluate one panel aspect with ``rule`` over ``values`` (judges J1, J2, …)."""
    aspect = PanelAspect(id="a", max=D(str(max or mark_max)), judges=judges or len(values), rule=rule,
                         mark_min=D(str(mark_min)), mark_max=D(str(mark_max)))
    scheme = one_aspect_scheme(aspect, places=places, mode=mode)
    return evaluate_panel(aspect, marks_for("entry", "a", values), scheme=scheme)


def one_aspect_scheme(aspect, *, places=None, mode="half_up", **kw) -> Scheme:
    rounding = RoundingPolicy(aspect=Rounding(places=places, mode=mode)) if places is not None else RoundingPolicy()
    return Scheme(id="s", criteria=[Criterion(id="c", aspects=[aspect])], rounding=rounding, **kw)


def simple_event(totals: dict[str, str | int], *, scheme_kw=None, entries: Iterable[Entry] | None = None):
    """An event whose entries' totals are exactly ``totals`` (one measurement aspect per entry)."""
    from scoring import MeasurementAspect

    scheme = Scheme(id="s", criteria=[Criterion(id="c", aspects=[MeasurementAspect(id="m", max=D(1000))])],
                    **(scheme_kw or {}))
    marks = [Mark(entry=e, judge="J1", aspect="m", mark=D(str(t))) for e, t in totals.items()]
    return compute_event(scheme, marks, list(entries) if entries is not None else None)
