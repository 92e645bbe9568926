"""Judge analytics: how each judge marks relative to the rest of the panel, and a what-if recompute.

For every panel a judge sat on (two or more marks), the judge's *deviation* is their mark minus the mean
of the other judges' marks, divided by the width of the aspect's marking scale (3 for judgement, max −
min for a panel), so a 0–3 judgement and a 0–10 panel count alike.  Per judge: the number of panels,
the mean signed deviation (positive = lenient, negative = severe, beyond a declared threshold), the mean
absolute deviation, and the breach rate — the share of their panels whose tolerance outcome was not
plain ``ok`` *and* named this judge's mark.

``what_if`` replaces one judge's marks by the mean of the other judges on each of those panels (exactly:
the mean may be a fraction) and recomputes the whole event, listing every entry whose total, rank or
award changes.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Sequence

import msgspec

from .evaluate import evaluate_entry, finish_event
from .intake import paused_gc, prepare_marks
from .model import Entry, Judge, Mark, MeasurementAspect, Scheme, TieDecision
from .numbers import Exact, canonical, exact_context
from .panel import OK, PanelMarks
from .plan import SchemePlan, compile_scheme
from .results import EventResult


class JudgeStats(msgspec.Struct, frozen=True, kw_only=True):
    judge: str
    panels: int
    mean_deviation: Exact
    mean_abs_deviation: Exact
    breaches: int
    breach_rate: Exact
    tendency: str


class JudgeAnalytics(msgspec.Struct, frozen=True, kw_only=True):
    judges: list[JudgeStats]
    threshold: Decimal
    method: str


def judge_analytics(result: EventResult, *, tendency_threshold: Decimal = Decimal("0.05")) -> JudgeAnalytics:
    """Per-judge deviation, leniency/severity and breach rate over every panel of the event.

    ``tendency_threshold``: a mean deviation (as a share of the scale) beyond ± this is reported as
    ``lenient``/``severe``; within it, ``neutral``.
    """
    plan = SchemePlan(result.scheme)
    totals: dict[str, list] = {}
    for entry in result.entries:
        for criterion in entry.criteria:
            for a in criterion.aspects:
                panel = a.panel
                ap = plan.aspects[a.aspect]
                if panel is None or isinstance(ap.aspect, MeasurementAspect) or len(panel.by_judge) < 2:
                    continue
                width = Fraction(ap.hi - ap.lo)
                marks = {j: Fraction(v) for j, v in panel.by_judge.items()}
                total = sum(marks.values(), Fraction(0))
                k = len(marks) - 1
                named = {m.judge for m in a.involved} if a.status != OK else set()
                for j, v in marks.items():
                    dev = (v - (total - v) / k) / width
                    acc = totals.setdefault(j, [0, Fraction(0), Fraction(0), 0])
                    acc[0] += 1
                    acc[1] += dev
                    acc[2] += abs(dev)
                    acc[3] += j in named
    stats = []
    limit = Fraction(tendency_threshold)
    for judge in sorted(totals):
        count, dev, absdev, breaches = totals[judge]
        mean = dev / count
        tendency = "lenient" if mean > limit else "severe" if mean < -limit else "neutral"
        stats.append(JudgeStats(judge=judge, panels=count, mean_deviation=canonical(mean),
                                mean_abs_deviation=canonical(absdev / count), breaches=breaches,
                                breach_rate=canonical(Fraction(breaches, count)), tendency=tendency))
    return JudgeAnalytics(judges=stats, threshold=tendency_threshold,
                          method="deviation = (mark − mean of the other judges' marks) / scale width, "
                                 "averaged over the judge's panels")


class WhatIfChange(msgspec.Struct, frozen=True, kw_only=True):
    entry: str
    total_before: Exact | None
    total_after: Exact | None
    rank_before: int | None
    rank_after: int | None
    award_before: str | None
    award_after: str | None


class WhatIfResult(msgspec.Struct, kw_only=True):
    judge: str
    replaced_marks: int
    changes: list[WhatIfChange]
    before: EventResult
    after: EventResult


def what_if(
    scheme: Scheme,
    marks: Sequence[Mark],
    entries: Sequence[Entry] | None = None,
    *,
    judge: str,
    judges: Sequence[Judge] | None = None,
    decisions: Sequence[TieDecision] = (),
    event: str | None = None,
) -> WhatIfResult:
    """Recompute the event with ``judge``'s marks replaced by the mean of the rest of each panel."""
    with exact_context(), paused_gc():
        plan = compile_scheme(scheme)
        entry_list, prepared = prepare_marks(plan, marks, entries, judges)
        before = finish_event(plan, [evaluate_entry(plan, e, prepared.get(e.id, {})) for e in entry_list],
                              decisions, event)
        replaced = 0
        changed: dict[str, dict[str, PanelMarks]] = {}
        for entry_id, panels in prepared.items():
            out = {}
            for aspect_id, panel in panels.items():
                if judge in panel.by_judge and len(panel.by_judge) > 1 and not isinstance(
                        plan.aspects[aspect_id].aspect, MeasurementAspect):
                    others = [Fraction(v) for j, v in panel.by_judge.items() if j != judge]
                    by_judge = {j: Fraction(v) for j, v in panel.by_judge.items()}
                    by_judge[judge] = sum(others, Fraction(0)) / len(others)
                    out[aspect_id] = PanelMarks(by_judge, sorted(by_judge.values()), panel.round_of, panel.superseded)
                    replaced += 1
                else:
                    out[aspect_id] = panel
            changed[entry_id] = out
        after = finish_event(plan, [evaluate_entry(plan, e, changed.get(e.id, {})) for e in entry_list],
                             decisions, event)
    changes = []
    after_by_id = {e.entry.id: e for e in after.entries}
    for b in before.entries:
        a = after_by_id[b.entry.id]
        if (b.total, b.rank, b.award) != (a.total, a.rank, a.award):
            changes.append(WhatIfChange(entry=b.entry.id, total_before=b.total, total_after=a.total,
                                        rank_before=b.rank, rank_after=a.rank, award_before=b.award,
                                        award_after=a.award))
    return WhatIfResult(judge=judge, replaced_marks=replaced, changes=changes, before=before, after=after)

