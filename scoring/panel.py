"""Panel rules: how one panel's marks become one value, with an explicit tolerance outcome.

Each rule struct from :mod:`scoring.model` compiles once (per aspect) into a function
``fn(panel) -> Outcome``.  A rule never averages away a problem: a breach of tolerance yields a status
(``needs_remark``, ``needs_third_marker``, ``needs_arbiter``) and no value, or — where the rule itself
declares what happens on a breach — a value with ``fallback_applied``/``flagged`` and the reason.

An ``Outcome`` carries the value as an exact ratio ``num/den`` (no division yet, so nothing is rounded
here), the status, the marks it *used* (positions in the panel's sorted order, or judge ids for rules
that work by role), the marks *involved* in a breach, and a reason or note for people.  Positions refer
to :meth:`PanelMarks.ordered`, the panel's marks sorted by (value, judge id): equal values sort by
judge id, so "which of two equal marks was dropped" has one answer everywhere.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Callable, NamedTuple, Sequence

import msgspec

from .model import (
    BandToleranceRule,
    ClosestPairRule,
    DoubleMarkingArbiterRule,
    DoubleMarkingRule,
    MeanRule,
    MeasurementAspect,
    MedianRule,
    ReferenceBlendRule,
    ToleranceBand,
    TrimmedMeanRule,
    TrimmedSumRule,
    WorldSkillsJudgementRule,
)
from .numbers import EXACT, ZERO, exact_ratio, minimal

OK = "ok"
NEEDS_REMARK = "needs_remark"
NEEDS_THIRD_MARKER = "needs_third_marker"
NEEDS_ARBITER = "needs_arbiter"
FALLBACK_APPLIED = "fallback_applied"
FLAGGED = "flagged"
INCOMPLETE = "incomplete"

ASPECT_STATUSES = (OK, NEEDS_REMARK, NEEDS_THIRD_MARKER, NEEDS_ARBITER, FALLBACK_APPLIED, FLAGGED, INCOMPLETE)
FINAL_STATUSES = frozenset({OK, FALLBACK_APPLIED, FLAGGED})
"""Statuses whose mark counts towards totals; the others wait for people (or for marks)."""
ACTION_STATUSES = frozenset({NEEDS_REMARK, NEEDS_THIRD_MARKER, NEEDS_ARBITER})
"""Statuses that wait for people: a re-mark, a third marker, an arbiter."""

# Rounds under double marking: the roles are positional so a marks file needs no extra column.
FIRST_MARKING, THIRD_MARKER, ARBITER = 1, 2, 3


class PanelMarks(msgspec.Struct, gc=False):
    """The marks of one (entry, aspect) panel after validation.

    ``by_judge``: each judge's counted mark (their latest round); ``values``: those marks sorted
    ascending; ``round_of``: each judge's counted round when any mark is beyond round 1 (else None);
    ``superseded``: earlier-round rows replaced by a re-mark, kept for the explanation.  (Untracked by
    the cyclic GC: it only ever holds marks, which cannot form cycles.)
    """

    by_judge: dict
    values: list
    round_of: dict | None = None
    superseded: list | None = None

    def round(self, judge: str) -> int:
        return self.round_of.get(judge, 1) if self.round_of else 1

    def ordered(self) -> list[tuple[Decimal, str]]:
        """(value, judge) sorted by value then judge id: the order positions refer to."""
        return sorted((v, j) for j, v in self.by_judge.items())

    def in_round(self, rnd: int) -> list[tuple[Decimal, str]]:
        return sorted((v, j) for j, v in self.by_judge.items() if self.round(j) == rnd)


class Outcome(NamedTuple):
    """What a rule made of a panel.  ``num``/``den`` is None when no value may be computed.

    The hot paths return a plain 6-tuple in this same layout (a NamedTuple costs a Python-level call to
    build); callers unpack by position, and ``Outcome(*t)`` gives the named view.
    """

    num: Decimal | Fraction | None
    den: Decimal | int | None
    status: str
    used: Sequence = ()
    reason: str | None = None
    involved: Sequence = ()


RuleFn = Callable[["PanelMarks"], tuple]


def fmt(value) -> str:
    """A mark or gap for a message: exact digits, or a fraction."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        return f"{value.numerator}/{value.denominator}"
    return minimal(value)


def _ends(values: list[Decimal]) -> tuple[int, ...]:
    """Positions of every lowest and every highest mark (the marks a spread breach involves)."""
    lo, hi = values[0], values[-1]
    return tuple(i for i, v in enumerate(values) if v == lo or v == hi)


def _spread_outcome(values, max_spread, flag_spread, what: str) -> Outcome | tuple[str, str] | None:
    """A re-mark outcome when the spread is too wide; a (flagged, reason) pair when only worth a flag."""
    spread = values[-1] - values[0]
    if max_spread is not None and spread > max_spread:
        return Outcome(
            None, None, NEEDS_REMARK, (),
            f"marks range {fmt(values[0])}..{fmt(values[-1])}: {fmt(spread)} apart, more than the allowed "
            f"{fmt(max_spread)} ({what}); the judges discuss and re-mark",
            _ends(values),
        )
    if flag_spread is not None and spread >= flag_spread:
        return (FLAGGED, f"marks range {fmt(values[0])}..{fmt(values[-1])}: {fmt(spread)} apart, at or above the "
                         f"analysis threshold {fmt(flag_spread)}; the mark stands, flagged for review")
    return None


_NEVER = Decimal("Infinity")


def _thresholds(max_spread, flag_spread) -> tuple[Decimal, Decimal]:
    """The two spread limits with "none" as infinity, so a panel within both costs two comparisons and no
    call; only a panel at or beyond one goes through :func:`_spread_outcome` for its status and reason."""
    return (max_spread if max_spread is not None else _NEVER, flag_spread if flag_spread is not None else _NEVER)


def _band_for(bands_desc: list[ToleranceBand], num, den) -> ToleranceBand:
    """The band whose ``min`` is the largest not above num/den (compared without dividing)."""
    for band in bands_desc:
        if band.min * den <= num:
            return band
    return bands_desc[-1]


def compile_rule(rule, panel_size: int) -> RuleFn:
    """The evaluation function for ``rule`` on a complete panel of ``panel_size`` marks."""
    n = panel_size
    if isinstance(rule, MeanRule):
        return _mean(rule, n)
    if isinstance(rule, MedianRule):
        return _median(rule, n)
    if isinstance(rule, TrimmedMeanRule):
        return _trimmed(rule.drop, Decimal(1), False, rule.max_spread, rule.flag_spread, n, "trimmed mean")
    if isinstance(rule, TrimmedSumRule):
        return _trimmed(rule.drop, rule.factor, True, rule.max_spread, rule.flag_spread, n, "trimmed sum")
    if isinstance(rule, WorldSkillsJudgementRule):
        return _mean(MeanRule(max_spread=rule.max_spread), n, "WorldSkills judgement marking rule")
    if isinstance(rule, ClosestPairRule):
        return _closest_pair
    if isinstance(rule, BandToleranceRule):
        return _band_tolerance(rule, n)
    if isinstance(rule, DoubleMarkingRule):
        return _double_marking(rule.tolerance, with_third_marker=True)
    if isinstance(rule, DoubleMarkingArbiterRule):
        return _double_marking(rule.tolerance, with_third_marker=False)
    if isinstance(rule, ReferenceBlendRule):
        return _reference_blend(rule, n)
    raise TypeError(f"not a panel rule: {rule!r}")


def counts_own_panel(rule) -> bool:
    """Rules that decide completeness themselves (roles by round or by judge), not by mark count."""
    return isinstance(rule, (DoubleMarkingRule, DoubleMarkingArbiterRule, ReferenceBlendRule))


# ------------------------------------------------------------------------------------------ the rules


def compile_measurement(aspect: MeasurementAspect) -> RuleFn:
    """A measurement aspect as a rule: the one agreed value, or the deviation band it falls in."""
    bands = sorted(aspect.bands, key=lambda b: b.within) if aspect.bands else None

    def measurement(p: PanelMarks) -> Outcome:
        v = p.values
        if v[0] != v[-1]:
            return Outcome(None, None, NEEDS_REMARK, (),
                           f"recorded measurements disagree ({', '.join(fmt(x) for x in v)}); record one agreed value",
                           tuple(range(len(v))))
        used = range(len(v))
        if bands is None:
            return (v[0], 1, OK, used, None, ())
        deviation = abs(v[0])
        for band in bands:
            if deviation <= band.within:
                return Outcome(band.mark, 1, OK, used,
                               f"deviation {fmt(v[0])}: |{fmt(v[0])}| ≤ {fmt(band.within)} → {fmt(band.mark)}")
        return Outcome(ZERO, 1, OK, used,
                       f"deviation {fmt(v[0])} is outside every band (largest {fmt(bands[-1].within)}) → 0")

    return measurement


def _mean(rule: MeanRule, n: int, what: str = "mean rule") -> RuleFn:
    max_spread, flag_spread = rule.max_spread, rule.flag_spread
    used = range(n)
    checks = max_spread is not None or flag_spread is not None
    above, at_least = _thresholds(max_spread, flag_spread)

    def mean(p: PanelMarks) -> Outcome:
        v = p.values
        if checks and ((spread := v[-1] - v[0]) > above or spread >= at_least):
            breach = _spread_outcome(v, max_spread, flag_spread, what)
            if isinstance(breach, Outcome):
                return breach
            if breach is not None:
                return Outcome(sum(v), n, breach[0], used, breach[1], _ends(v))
        return (sum(v), n, OK, used, None, ())

    return mean


def _median(rule: MedianRule, n: int) -> RuleFn:
    max_spread, flag_spread = rule.max_spread, rule.flag_spread
    checks = max_spread is not None or flag_spread is not None
    mid = n // 2
    odd = n % 2 == 1
    used = (mid,) if odd else (mid - 1, mid)
    above, at_least = _thresholds(max_spread, flag_spread)

    def median(p: PanelMarks) -> Outcome:
        v = p.values
        status, reason, involved = OK, None, ()
        if checks and ((spread := v[-1] - v[0]) > above or spread >= at_least):
            breach = _spread_outcome(v, max_spread, flag_spread, "median rule")
            if isinstance(breach, Outcome):
                return breach
            if breach is not None:
                status, reason, involved = breach[0], breach[1], _ends(v)
        if odd:
            return (v[mid], 1, status, used, reason, involved)
        return (v[mid - 1] + v[mid], 2, status, used, reason, involved)

    return median


def _trimmed(k: int, factor: Decimal, as_sum: bool, max_spread, flag_spread, n: int, what: str) -> RuleFn:
    kept = n - 2 * k
    used = range(k, n - k)
    den = 1 if as_sum else kept
    scale = factor != 1
    factor_exact = Fraction(factor)  # for what-if panels, whose marks may be fractions
    checks = max_spread is not None or flag_spread is not None
    above, at_least = _thresholds(max_spread, flag_spread)

    def trimmed(p: PanelMarks) -> Outcome:
        v = p.values
        s = sum(v[k:n - k])
        if scale:
            s = s * factor if type(s) is not Fraction else s * factor_exact
        if checks and ((spread := v[-1] - v[0]) > above or spread >= at_least):
            breach = _spread_outcome(v, max_spread, flag_spread, what)
            if isinstance(breach, Outcome):
                return breach
            if breach is not None:
                return Outcome(s, den, breach[0], used, breach[1], _ends(v))
        return (s, den, OK, used, None, ())

    return trimmed


def _closest_pair(p: PanelMarks) -> Outcome:
    a, b, c = p.values
    low_gap, high_gap = b - a, c - b
    if low_gap < high_gap:
        return Outcome(a + b, 2, OK, (0, 1), f"closest pair {fmt(a)}, {fmt(b)} (gap {fmt(low_gap)})")
    if high_gap < low_gap:
        return Outcome(b + c, 2, OK, (1, 2), f"closest pair {fmt(b)}, {fmt(c)} (gap {fmt(high_gap)})")
    return Outcome(b + c, 2, OK, (1, 2), f"equal gaps ({fmt(low_gap)}): the higher pair {fmt(b)}, {fmt(c)}")


def _band_tolerance(rule: BandToleranceRule, n: int) -> RuleFn:
    k = rule.drop
    kept = n - 2 * k
    used_kept = range(k, n - k)
    used_all = range(n)
    bands_desc = sorted(rule.bands, key=lambda b: b.min, reverse=True)
    on_kept = rule.band_on == "kept_mean"
    fallback = rule.fallback
    flag_spread = rule.flag_spread
    # The band whose min is the largest not above sum/count, compared as min × count ≤ sum: the count is
    # fixed per rule, so each band's min × count is worked out once here, not per panel.
    count = kept if on_kept else n
    scaled = [(EXACT.multiply(band.min, count), band) for band in bands_desc]
    lowest = bands_desc[-1]

    def band_for(total) -> ToleranceBand:
        for threshold, band in scaled:
            if threshold <= total:
                return band
        return lowest

    def band_tolerance(p: PanelMarks) -> Outcome:
        v = p.values
        middle = v[k:n - k]
        s_kept = sum(middle)
        band = band_for(s_kept if on_kept else sum(v))
        gap = middle[-1] - middle[0]
        flag = _spread_outcome(v, None, flag_spread, "") if flag_spread is not None else None
        if gap <= band.tolerance:
            if flag is not None:
                return Outcome(s_kept, kept, FLAGGED, used_kept, flag[1], _ends(v))
            return (s_kept, kept, OK, used_kept, None, ())
        involved = tuple(range(k, n - k))
        why = (f"middle marks {fmt(middle[0])}..{fmt(middle[-1])} differ by {fmt(gap)}, more than the tolerance "
               f"{fmt(band.tolerance)} of the band from {fmt(band.min)}")
        if fallback == "needs_remark":
            return Outcome(None, None, NEEDS_REMARK, (), why + "; re-mark", involved)
        if fallback == "median_all":
            mid = n // 2
            if n % 2:
                return Outcome(v[mid], 1, FALLBACK_APPLIED, (mid,), why + "; fallback: median of all marks", involved)
            return Outcome(v[mid - 1] + v[mid], 2, FALLBACK_APPLIED, (mid - 1, mid),
                           why + "; fallback: median of all marks", involved)
        return Outcome(sum(v), n, FALLBACK_APPLIED, used_all, why + "; fallback: mean of all marks", involved)

    return band_tolerance


def _pair_mean(x: tuple[Decimal, str], y: tuple[Decimal, str]) -> tuple[Decimal, int, tuple[str, str]]:
    return x[0] + y[0], 2, (x[1], y[1])


def _double_marking(tolerance: Decimal, with_third_marker: bool) -> RuleFn:
    name = "double marking" if with_third_marker else "double marking + arbiter"

    def double_marking(p: PanelMarks) -> Outcome:
        first = p.in_round(FIRST_MARKING)
        third = p.in_round(THIRD_MARKER)
        arbiter = p.in_round(ARBITER)
        if len(first) < 2:
            return Outcome(None, None, INCOMPLETE, (),
                           f"{name} needs two first marks, {len(first)} recorded", tuple(j for _, j in first))
        a, b = first
        gap = abs(a[0] - b[0])
        if gap <= tolerance:
            num, den, used = _pair_mean(a, b)
            later = third + arbiter
            if later:
                return Outcome(num, den, FLAGGED, used,
                               f"first marks {fmt(a[0])} and {fmt(b[0])} are within tolerance {fmt(tolerance)}, "
                               f"yet later-round marks were recorded ({', '.join(j for _, j in later)}); "
                               "they were not used", tuple(j for _, j in later))
            return Outcome(num, den, OK, used,
                           f"first marks {fmt(a[0])} and {fmt(b[0])} differ by {fmt(gap)} ≤ tolerance {fmt(tolerance)}")
        breach = f"first marks {fmt(a[0])} and {fmt(b[0])} differ by {fmt(gap)} > tolerance {fmt(tolerance)}"
        if not with_third_marker:
            if arbiter:
                return Outcome(arbiter[0][0], 1, OK, (arbiter[0][1],), breach + "; the arbiter's mark is final")
            return Outcome(None, None, NEEDS_ARBITER, (), breach + "; the arbiter marks", (a[1], b[1]))
        if not third:
            return Outcome(None, None, NEEDS_THIRD_MARKER, (), breach + "; a third marker marks", (a[1], b[1]))
        c = third[0]
        candidates = []
        for first_mark in (a, b):
            d = abs(c[0] - first_mark[0])
            if d <= tolerance:
                candidates.append((d, first_mark))
        if not candidates:
            why = (f"{breach}; third mark {fmt(c[0])} is outside tolerance of both "
                   f"({fmt(abs(c[0] - a[0]))} and {fmt(abs(c[0] - b[0]))})")
            if arbiter:
                return Outcome(arbiter[0][0], 1, OK, (arbiter[0][1],), why + "; the arbiter's mark is final")
            return Outcome(None, None, NEEDS_ARBITER, (), why + "; the arbiter marks", (a[1], b[1], c[1]))
        candidates.sort(key=lambda dm: dm[0])
        if len(candidates) == 2 and candidates[0][0] == candidates[1][0]:
            # 若差值相等则取三个分数中较高的两个分数的平均分: equal gaps → the two highest of the three.
            top_two = sorted((a, b, c), key=lambda vj: vj[0])[1:]
            num, den, used = _pair_mean(top_two[0], top_two[1])
            note = (f"{breach}; third mark {fmt(c[0])} is within tolerance of both with equal gaps "
                    f"({fmt(candidates[0][0])}): mean of the two highest marks")
        else:
            d, partner = candidates[0]
            num, den, used = _pair_mean(c, partner)
            both = len(candidates) == 2
            note = (f"{breach}; third mark {fmt(c[0])} is within tolerance of "
                    + ("both; the closer is " if both else "only ") + f"{fmt(partner[0])} (gap {fmt(d)})")
        if arbiter:
            note += "; the recorded arbiter mark was not needed and is not used"
            return Outcome(num, den, FLAGGED, used, note, (arbiter[0][1],))
        return Outcome(num, den, OK, used, note)

    return double_marking


def _reference_blend(rule: ReferenceBlendRule, n: int) -> RuleFn:
    k = rule.drop
    references = set(rule.reference_judges)
    bands_desc = sorted(rule.bands, key=lambda b: b.min, reverse=True)
    ref_bands_desc = sorted(rule.reference_bands, key=lambda b: b.min, reverse=True) if rule.reference_bands else None

    def reference_blend(p: PanelMarks) -> Outcome:
        panel = sorted((v, j) for j, v in p.by_judge.items() if j not in references)
        refs = sorted((v, j) for j, v in p.by_judge.items() if j in references)
        if len(panel) < n or len(refs) < len(references):
            return Outcome(None, None, INCOMPLETE, (),
                           f"{len(panel)} of {n} panel marks and {len(refs)} of {len(references)} reference marks",
                           ())
        kept = panel[k:n - k]
        s_e, c_e = sum(v for v, _ in kept), len(kept)
        s_r, c_r = sum(v for v, _ in refs), len(refs)
        e_text = fmt(exact_ratio(s_e, c_e))
        r_text = fmt(exact_ratio(s_r, c_r))
        used_panel = tuple(j for _, j in kept)
        if ref_bands_desc is not None:
            ref_gap = refs[-1][0] - refs[0][0]
            ref_band = _band_for(ref_bands_desc, s_e, c_e)
            if ref_gap > ref_band.tolerance:
                return Outcome(s_e, c_e, FLAGGED, used_panel,
                               f"reference marks differ by {fmt(ref_gap)}, more than {fmt(ref_band.tolerance)} "
                               f"allowed at panel score {e_text}: the reference score is not valid, the panel "
                               "score stands", tuple(j for _, j in refs))
        band = _band_for(bands_desc, s_r, c_r)
        # |E − R| > tolerance, compared without division: |s_e·c_r − s_r·c_e| > tol·c_e·c_r
        diff = abs(s_e * c_r - s_r * c_e)
        if diff > band.tolerance * c_e * c_r:
            return Outcome(s_e * c_r + s_r * c_e, 2 * c_e * c_r, FALLBACK_APPLIED,
                           used_panel + tuple(j for _, j in refs),
                           f"panel score {e_text} and reference score {r_text} differ by more than the tolerance "
                           f"{fmt(band.tolerance)} of the reference band from {fmt(band.min)}: "
                           "final = mean of panel and reference scores",
                           tuple(j for _, j in refs))
        return Outcome(s_e, c_e, OK, used_panel,
                       f"panel score {e_text} is within {fmt(band.tolerance)} of reference score {r_text}")

    return reference_blend
