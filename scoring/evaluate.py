"""Evaluation: panels → aspect results → criterion scores → entry totals → ranked, awarded event.

Computing an event follows a fixed order, part of the contract:

1. the scheme is validated and compiled (``InvalidScheme`` lists every problem);
2. every mark is validated (``InvalidMarks`` lists every bad row with its field) — nothing is returned
   when any row is bad (an entry whose own panels all pass is evaluated as soon as they do, while its
   marks are in cache, but only a clean file lets that result out; no rule ever runs on a panel that
   failed a check);
3. each panel is evaluated by its rule (a status per aspect, never a silent average over missing marks);
4. criterion scores and totals are summed exactly, rounded only where the scheme says;
5. entries with a final total are ranked; standardization and awards follow.
"""

from __future__ import annotations

from decimal import Decimal, Inexact
from typing import Mapping, Sequence

from .awards import assign_awards
from .intake import paused_gc, prepare_marks, refuse_too_precise
from .model import Criterion, Entry, Judge, Mark, Scheme, TieDecision
from .numbers import ZERO, exact_context, exact_mul, exact_sum, round_exact
from .panel import FINAL_STATUSES, INCOMPLETE, PanelMarks
from .plan import SchemePlan, compile_scheme
from .ranking import rank
from .results import (
    ENTRY_FINAL,
    ENTRY_INCOMPLETE,
    ENTRY_PENDING,
    ENTRY_WITHDRAWN,
    AspectResult,
    Contender,
    CriterionResult,
    EntryResult,
    EventResult,
    Standing,
)
from .standardize import standardize


def _sum(values: list) -> object:
    """Exact sum: plain Decimal addition, unless a non-terminating fraction is among the values."""
    try:
        return sum(values, ZERO)
    except TypeError:  # Decimal + Fraction is refused by design; add them as fractions
        return exact_sum(values)


def _criterion_result(criterion_id: str, aspects: list[AspectResult], weight, rounding) -> CriterionResult:
    marks = []
    status = ENTRY_FINAL
    for a in aspects:
        if a.status in FINAL_STATUSES:
            marks.append(a.mark)
        elif a.status == INCOMPLETE:
            status = ENTRY_INCOMPLETE
        elif status != ENTRY_INCOMPLETE:
            status = ENTRY_PENDING
    if status != ENTRY_FINAL:
        return CriterionResult(criterion_id, status, None, None, None, aspects)
    unrounded = _sum(marks)
    score = round_exact(unrounded, rounding.places, rounding.mode) if rounding is not None else unrounded
    weighted = score if weight is None else exact_mul(score, weight)
    return CriterionResult(criterion_id, status, score, unrounded, weighted, aspects)


def evaluate_entry(plan: SchemePlan, entry: Entry, panels: Mapping[str, PanelMarks]) -> EntryResult:
    criteria: list[CriterionResult] = []
    crounding = plan.criterion_rounding
    get = panels.get
    for criterion_id, weight, aspects in plan.steps:
        results = [evaluate(get(aspect_id)) for aspect_id, evaluate in aspects]
        criteria.append(_criterion_result(criterion_id, results, weight, crounding))
    status = ENTRY_FINAL
    for c in criteria:
        if c.status == ENTRY_INCOMPLETE:
            status = ENTRY_INCOMPLETE
            break
        if c.status == ENTRY_PENDING:
            status = ENTRY_PENDING
    if entry.withdrawn:
        status = ENTRY_WITHDRAWN
    if status != ENTRY_FINAL:
        return EntryResult(entry, status, None, None, criteria)
    unrounded = _sum([c.weighted for c in criteria])
    r = plan.total_rounding
    total = round_exact(unrounded, r.places, r.mode) if r is not None else unrounded
    return EntryResult(entry, ENTRY_FINAL, total, unrounded, criteria)


def compute_event(
    scheme: Scheme,
    marks: Sequence[Mark],
    entries: Sequence[Entry] | None = None,
    *,
    judges: Sequence[Judge] | None = None,
    decisions: Sequence[TieDecision] = (),
    event: str | None = None,
) -> EventResult:
    """Score a whole event: aspects with statuses, criteria, totals, ranks, standardization, awards.

    ``entries``/``judges``: the roster; when given, marks for anything not on it are refused, and
    judges with a school may not mark entries of that school.  Without ``entries`` the entries are the
    ones that have marks.  ``decisions``: recorded tie decisions for the ``decision`` tie-break step.

    Raises ``InvalidScheme`` or ``InvalidMarks`` (every problem listed) and returns nothing computed
    when any input is bad.
    """
    with exact_context(), paused_gc():
        plan = compile_scheme(scheme)
        # Each entry whose panels all pass the fast checks is evaluated the moment they do, while its
        # marks are still in the CPU cache (for marks that arrive scattered this saves about a tenth of
        # the run).  That is speculative: if any row of the file turns out bad, prepare_marks raises and
        # every such result is dropped unseen; a rule only ever sees a panel whose own rows all passed.
        entries = list(entries) if entries is not None else None
        roster = {e.id: e for e in reversed(entries)} if entries is not None else {}
        early: dict[str, EntryResult] = {}
        too_precise = False

        def on_entry(entry_id: str, panels: dict[str, PanelMarks]) -> None:
            nonlocal too_precise
            entry = roster.get(entry_id)
            try:
                early[entry_id] = evaluate_entry(plan, entry if entry is not None else Entry(id=entry_id), panels)
            except Inexact:
                too_precise = True

        entry_list, prepared = prepare_marks(plan, marks, entries, judges, on_entry=on_entry)
        empty: dict[str, PanelMarks] = {}
        try:
            if too_precise:
                raise Inexact
            results = []
            for e in entry_list:
                r = early.get(e.id)
                if r is None or r.entry != e:
                    r = evaluate_entry(plan, e, prepared.get(e.id, empty))
                results.append(r)
        except Inexact:
            refuse_too_precise(marks)
        return finish_event(plan, results, decisions, event)


def finish_event(plan: SchemePlan, results: list[EntryResult], decisions: Sequence[TieDecision],
                 event: str | None) -> EventResult:
    """Rank, standardize and award entry results (shared by compute_event and what-if recomputes)."""
    scheme = plan.scheme
    contenders: list[Contender] = []
    unranked: list[str] = []
    for r in results:
        if r.status == ENTRY_FINAL:
            contenders.append(Contender(r.entry.id, r.total,
                                        {c.criterion: c.score for c in r.criteria}, r.entry.time_used))
        elif r.status != ENTRY_WITHDRAWN:
            unranked.append(r.entry.id)
    ranking = rank(contenders, scheme.ranking, criterion_order=[cid for cid, _ in plan.criteria],
                   decisions=decisions, unranked=unranked)
    by_id = {r.entry.id: r for r in results}
    for placed in ranking.order:
        by_id[placed.entry].rank = placed.rank

    standardization = None
    if scheme.standardization is not None and not unranked and contenders:
        standardization = standardize({c.entry: c.total for c in contenders}, scheme.standardization)
        for entry_id, value in standardization.scores.items():
            by_id[entry_id].standardized = value

    awards = None
    if scheme.awards is not None:
        standings = [Standing(entry=r.entry.id, rank=r.rank, total=r.total, eligible=r.entry.eligible,
                              school=r.entry.school, standardized=r.standardized, withdrawn=r.entry.withdrawn)
                     for r in results]
        awards = assign_awards(scheme.awards, standings, ranking_status=ranking.status)
        for entry_id, code in awards.awards.items():
            by_id[entry_id].award = code

    # Results read in rank order; unranked entries follow by id.  Input order never shows through.
    ordered = sorted(results, key=lambda r: (r.rank is None, r.rank or 0, r.entry.id))
    if unranked:
        status = "pending"
    elif ranking.status == "unresolved_tie":
        status = "unresolved_tie"
    else:
        status = "final"
    return EventResult(event or scheme.event or scheme.id, scheme, status, ordered, ranking, awards,
                       standardization, list(decisions))


def evaluate_panels(
    plan: SchemePlan,
    marks: Sequence[Mark],
    *,
    entries: Sequence[Entry] | None = None,
    judges: Sequence[Judge] | None = None,
) -> dict[str, dict[str, AspectResult]]:
    """Evaluate the panels that ``marks`` make up against a compiled plan: entry id → aspect id → result.

    For judging, after each batch of marks: compile the scheme once (:func:`scoring.plan.compile_scheme`)
    and pass the marks of the panels the batch touched — every round of each, as stored — so nothing
    is recompiled and nothing else is read.  The marks are validated exactly as in :func:`compute_event`
    (``InvalidMarks`` lists every bad row: duplicates, rounds, range, precision; unknown entries and
    judges and recusal when ``entries``/``judges`` are given — pass the entries the marks belong to,
    with their schools, and the event's judges).  Every result has its ``status``, ``involved`` marks
    and, unless its mark counts, a ``next_step`` (re-mark by whom, third marker or arbiter in which
    round, how many marks are missing).  Only panels with at least one mark appear.
    """
    with exact_context():
        _, prepared = prepare_marks(plan, marks, entries, judges)
        aspects = plan.aspects
        try:
            return {entry_id: {aspect_id: aspects[aspect_id].evaluate(panel) for aspect_id, panel in panels.items()}
                    for entry_id, panels in prepared.items()}
        except Inexact:
            refuse_too_precise(marks)


def evaluate_panel(
    aspect,
    marks: Mapping[str, Decimal] | Sequence[Mark] | Sequence[Decimal],
    *,
    scheme: Scheme | None = None,
) -> AspectResult:
    """Evaluate one panel on its own (a worked example, a what-if on a tablet).

    ``marks``: judge → mark, a list of marks (judges J1, J2, …), or ``Mark`` rows (with rounds; the
    first entry's panel is evaluated).  The aspect is validated inside ``scheme`` (default: a one-aspect
    scheme with no rounding) — which is compiled on every call: to evaluate many panels of one scheme,
    compile it once and use :func:`evaluate_panels`.
    """
    if scheme is None:
        scheme = Scheme(id="panel", criteria=[Criterion(id="c", aspects=[aspect])])
    plan = compile_scheme(scheme)
    if isinstance(marks, Mapping):
        rows = [Mark(entry="entry", judge=j, aspect=aspect.id, mark=_decimal(v)) for j, v in marks.items()]
    else:
        rows = [m if isinstance(m, Mark) else Mark(entry="entry", judge=f"J{i + 1}", aspect=aspect.id,
                                                   mark=_decimal(m))
                for i, m in enumerate(marks)]
    results = evaluate_panels(plan, rows)
    first = next(iter(results.values()), {})
    found = first.get(aspect.id)
    if found is not None:
        return found
    with exact_context():
        return plan.aspects[aspect.id].evaluate(None)


def _decimal(value) -> Decimal:
    # A float has already lost the digits the judge entered (0.1 is 0.1000000000000000055…): refuse it.
    if isinstance(value, float):
        raise TypeError(f"mark {value!r} is a float; pass a string, an int or a Decimal")
    return value if isinstance(value, Decimal) else Decimal(value)
