"""The compiled plan: a scheme turned, once, into per-aspect plans with every rule resolved.

A national event has ~10^5 panels, so nothing that depends only on the scheme is looked up per panel:
each ``AspectPlan`` holds the aspect's effective rule compiled to a function (:mod:`scoring.panel`), its
mark range, its panel size, the proportional scaling from the rule's scale to the aspect's max, the
declared rounding, and — bound into one closure — the whole evaluation of a panel into an
``AspectResult``.  ``SchemePlan`` holds the aspect plans in scheme order with the criterion weights and
the criterion and total rounding.

Compile a scheme once with :func:`compile_scheme` (it validates first); intake
(:mod:`scoring.intake`) and evaluation (:mod:`scoring.evaluate`) only read the plan.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Sequence

from .model import (
    DoubleMarkingArbiterRule,
    DoubleMarkingRule,
    JudgementAspect,
    MeasurementAspect,
    ReferenceBlendRule,
    Scheme,
)
from .numbers import (
    ROUNDERS,
    STICKY,
    ZERO,
    canonical,
    exact_ratio,
    quantum,
    round_exact,
)
from .panel import (
    ARBITER,
    FIRST_MARKING,
    INCOMPLETE,
    NEEDS_ARBITER,
    NEEDS_REMARK,
    NEEDS_THIRD_MARKER,
    OK,
    THIRD_MARKER,
    PanelMarks,
    compile_measurement,
    compile_rule,
    counts_own_panel,
)
from .results import (
    NEXT_ARBITER,
    NEXT_MARKS,
    NEXT_REMARK,
    NEXT_THIRD_MARKER,
    NO_MARKS,
    AspectResult,
    MarkRef,
    NextStep,
)
from .validate import check_scheme, effective_rule, mark_scale, rule_output_range


class AspectPlan:
    """An aspect with everything resolved that does not depend on marks."""

    __slots__ = ("aspect", "criterion", "n", "lo", "hi", "judgement", "fn", "own_count", "smul", "sdiv",
                 "places", "mode", "quantum", "rule", "max_rounds", "references", "n_max", "evaluate")

    def __init__(self, scheme: Scheme, aspect, criterion_id: str):
        self.aspect = aspect
        self.criterion = criterion_id
        self.judgement = isinstance(aspect, JudgementAspect)
        rule = effective_rule(scheme, aspect)
        self.rule = rule
        self.smul = self.sdiv = None
        self.max_rounds = None
        self.references = frozenset()
        if isinstance(aspect, MeasurementAspect):
            self.n = 1
            self.lo, self.hi = (None, None) if aspect.bands else (ZERO, aspect.max)
            self.fn = compile_measurement(aspect)
            self.own_count = False
        else:
            self.n = aspect.judges
            self.lo, self.hi = mark_scale(aspect)
            self.fn = compile_rule(rule, aspect.judges)
            self.own_count = counts_own_panel(rule)
            if isinstance(rule, (DoubleMarkingRule, DoubleMarkingArbiterRule)):
                self.max_rounds = 3
            if isinstance(rule, ReferenceBlendRule):
                self.references = frozenset(rule.reference_judges)
            _, out_max = rule_output_range(rule, aspect.judges, (self.lo, self.hi))
            if out_max != aspect.max:
                # The rule's scale differs from the aspect's marks (0–3 judgement, 0–10 panel on a
                # 20-mark aspect, a trimmed sum): map it proportionally, mark = result × max / out_max.
                self.smul, self.sdiv = aspect.max, out_max
        r = scheme.rounding.aspect
        self.places, self.mode = (r.places, r.mode) if r is not None else (None, None)
        self.quantum = quantum(r.places) if r is not None else None
        # The fast pass-2 check: more marks than this, or a rule that sorts out roles by round or judge,
        # sends the panel to the row-by-row path.
        measurement = isinstance(aspect, MeasurementAspect)
        self.n_max = 0 if self.own_count else (1 << 30 if measurement else self.n)
        self.evaluate = _make_evaluator(self)


class SchemePlan:
    """A validated scheme's aspect plans in scheme order (``criteria``) and by id (``aspects``)."""

    __slots__ = ("scheme", "criteria", "aspects", "weights", "criterion_rounding", "total_rounding", "steps",
                 "checks", "marks_per_entry")

    def __init__(self, scheme: Scheme):
        self.scheme = scheme
        self.criteria: list[tuple[str, list[AspectPlan]]] = []
        self.aspects: dict[str, AspectPlan] = {}
        self.weights: list[Decimal | None] = []
        for criterion in scheme.criteria:
            plans = [AspectPlan(scheme, a, criterion.id) for a in criterion.aspects]
            self.criteria.append((criterion.id, plans))
            self.weights.append(criterion.weight)
            for p in plans:
                self.aspects[p.aspect.id] = p
        self.criterion_rounding = scheme.rounding.criterion
        self.total_rounding = scheme.rounding.total
        # What evaluating an entry walks, flattened: (criterion id, weight, [(aspect id, evaluator)]).
        self.steps = [(cid, weight, [(p.aspect.id, p.evaluate) for p in plans])
                      for (cid, plans), weight in zip(self.criteria, self.weights)]
        # What intake's fast check of a panel needs, in scheme order: (aspect id, most marks, lo, hi,
        # judgement), and the marks a complete entry has (it tells runs of one entry from scattered marks).
        self.checks = [(aid, p.n_max, p.lo, p.hi, p.judgement) for aid, p in self.aspects.items()]
        self.marks_per_entry = sum(p.n for p in self.aspects.values())


def compile_scheme(scheme: Scheme) -> SchemePlan:
    """Validate (raising ``InvalidScheme``) and compile a scheme."""
    check_scheme(scheme)
    return SchemePlan(scheme)


# ------------------------------------------------------------------------------- the aspect evaluator


def _involved(panel: PanelMarks, refs: Sequence) -> tuple[MarkRef, ...]:
    """Positions or judge ids → the marks themselves, for a status that names them."""
    if not refs:
        return NO_MARKS
    if isinstance(refs[0], str):
        return tuple(MarkRef(j, panel.by_judge[j], panel.round(j)) for j in refs)
    ordered = panel.ordered()
    return tuple(MarkRef(ordered[i][1], ordered[i][0], panel.round(ordered[i][1])) for i in refs)


def _next_step(ap: AspectPlan, panel: PanelMarks | None, status: str, involved: tuple[MarkRef, ...]) -> NextStep:
    """What a panel without a final mark waits for (only ever built for those: never on the hot path)."""
    if status == INCOMPLETE:
        present = tuple(sorted(panel.by_judge)) if panel is not None else ()
        if ap.max_rounds is not None:  # double marking: two first markers before anything else
            first = tuple(j for j in present if panel.round(j) == FIRST_MARKING)
            return NextStep(action=NEXT_MARKS, round=FIRST_MARKING, judges=first, missing=2 - len(first))
        expected = ap.n + len(ap.references)
        return NextStep(action=NEXT_MARKS, round=FIRST_MARKING, judges=present,
                        missing=max(expected - len(present), 1))
    judges = tuple(dict.fromkeys(m.judge for m in involved))
    if status == NEEDS_REMARK:
        latest = max(panel.round(j) for j in panel.by_judge)
        return NextStep(action=NEXT_REMARK, round=latest + 1, judges=judges, missing=len(judges))
    if status == NEEDS_THIRD_MARKER:
        return NextStep(action=NEXT_THIRD_MARKER, round=THIRD_MARKER, judges=judges)
    if status == NEEDS_ARBITER:
        return NextStep(action=NEXT_ARBITER, round=ARBITER, judges=judges)
    raise AssertionError(f"no next step for status {status!r}")  # pragma: no cover - a status with a mark


def _make_evaluator(ap: AspectPlan):
    """The aspect's evaluation as one closure with every constant bound: the hot path of the core.

    (Closure variables are read faster than attributes, and there are 10^5 panels per event.)
    """
    aspect_id, criterion_id, fn, n, own_count = ap.aspect.id, ap.criterion, ap.fn, ap.n, ap.own_count
    smul, sdiv, places, mode, q = ap.smul, ap.sdiv, ap.places, ap.mode, ap.quantum
    divide = STICKY.divide
    quantize = ROUNDERS[mode].quantize if mode is not None else None

    def waiting(panel: PanelMarks | None, status: str, reason: str, involved: tuple[MarkRef, ...]) -> AspectResult:
        return AspectResult(aspect_id, criterion_id, status, None, reason, involved, panel=panel,
                            next_step=_next_step(ap, panel, status, involved))

    def evaluate(panel: PanelMarks | None) -> AspectResult:
        if panel is None:
            return waiting(None, INCOMPLETE, "no marks recorded", NO_MARKS)
        if not own_count and len(panel.values) < n:
            return waiting(panel, INCOMPLETE,
                           f"{len(panel.values)} of {n} marks recorded; the score waits for the missing marks",
                           _involved(panel, sorted(panel.by_judge)))
        num, den, status, _, reason, involved = fn(panel)
        if num is None:
            return waiting(panel, status, reason, _involved(panel, involved))
        if type(num) is Fraction:
            # Only a what-if recompute (a judge replaced by the panel average) feeds fractions in; a rule
            # makes a fractional denominator only from fractional marks, so num tells.
            value = Fraction(num) / Fraction(den)
            if smul is not None:
                value = value * Fraction(smul) / Fraction(sdiv)
            mark = round_exact(value, places, mode) if places is not None else canonical(value)
            num, den = Decimal(value.numerator), Decimal(value.denominator)
        else:
            if smul is not None:
                num = num * smul
                den = den * sdiv
            if places is None:
                mark = exact_ratio(num, den)
            elif den == 1:
                mark = quantize(num, q)
            else:
                # round-to-odd at 60 digits, then the declared rounding: equals rounding num/den once
                mark = quantize(divide(num, den), q)
        if status == OK:
            return AspectResult(aspect_id, criterion_id, OK, mark, reason, NO_MARKS, num, den, panel)
        return AspectResult(aspect_id, criterion_id, status, mark, reason, _involved(panel, involved),
                            num, den, panel)

    return evaluate
