"""Explanations (every number names its marks, rule, parameters, rounding) and judge analytics."""

from __future__ import annotations

from fractions import Fraction

import pytest

from scoring import (
    Criterion,
    JudgementAspect,
    Mark,
    MeasurementAspect,
    PanelAspect,
    RankingPolicy,
    ByTimeUsed,
    Entry,
    Rounding,
    RoundingPolicy,
    Scheme,
    TrimmedMeanRule,
    compute_event,
    explain,
    judge_analytics,
    what_if,
)
from scoring.numbers import EXACT, exact_context

from .helpers import D, marks_for


def scheme(**kw) -> Scheme:
    return Scheme(
        id="s",
        criteria=[
            Criterion(id="A", name="模块A", aspects=[
                PanelAspect(id="p", name="功能", max=D(10), judges=5, rule=TrimmedMeanRule(drop=1)),
                JudgementAspect(id="j", name="工艺", max=D(2)),
            ]),
            Criterion(id="B", weight=D("0.5"), aspects=[MeasurementAspect(id="m", max=D(20))]),
        ],
        rounding=RoundingPolicy(aspect=Rounding(places=2, mode="half_up"), total=Rounding(places=1, mode="half_even")),
        **kw,
    )


def marks(entry, p, j, m):
    return (marks_for(entry, "p", p, judges=["J1", "J2", "J3", "J4", "J5"])
            + marks_for(entry, "j", j, judges=["J1", "J2", "J3"]) + marks_for(entry, "m", [m]))


def test_explanation_names_used_and_dropped_marks_rule_and_rounding():
    result = compute_event(scheme(), marks("E1", [6, 9, 7, 7, 8], [2, 2, 3], 13))
    x = explain(result, "E1")
    p = x.criteria[0].aspects[0]
    assert (p.rule, p.parameters) == ("trimmed_mean", {"drop": "1"})
    used = {m.judge: (m.mark, m.used, m.note) for m in p.marks}
    assert used["J1"] == ("6", False, "dropped: among the lowest")
    assert used["J2"] == ("9", False, "dropped: among the highest")
    assert [j for j, (_, u, _) in used.items() if u] == ["J3", "J4", "J5"]
    assert p.steps[0] == "trimmed_mean: 22 / 3 = 7.333333 (exactly 22/3)"
    assert p.rounding == "half_up to 2 places: 7.333333 (exactly 22/3) → 7.33"
    assert p.mark == "7.33"
    j = x.criteria[0].aspects[1]
    assert "scaled to the aspect: × 2 / 3" in j.steps[1]
    assert j.rounding.endswith("→ 1.56")
    b = x.criteria[1]
    assert b.steps == ["sum of aspect marks: 13.00 = 13", "weighted: 13 × 0.5 = 6.5"]
    assert x.total_steps == ["sum of criterion scores (weighted): 8.89 + 6.5 = 15.39",
                             "half_even to 1 places: → 15.4"]
    assert x.total == "15.4"


def test_explanation_of_a_pending_aspect_shows_the_breach():
    result = compute_event(scheme(), marks("E1", [6, 9, 7, 7, 8], [1, 2, 3], 13))
    x = explain(result, "E1")
    j = x.criteria[0].aspects[1]
    assert j.status == "needs_remark" and j.mark is None
    assert all(not m.used and m.note == "no value computed (needs_remark)" for m in j.marks)
    assert any("2 apart" in s for s in j.steps)
    assert x.total is None and x.total_steps == ["no total: the entry is pending"]
    text = x.text()
    assert "needs_remark" in text and "no total" in text


def test_explanation_of_ranking_and_superseded_marks():
    s = scheme(ranking=RankingPolicy(mode="unshared", tie_break=[ByTimeUsed()]))
    rows = marks("E1", [7] * 5, [2, 2, 2], 10) + marks("E2", [7] * 5, [2, 2, 3], 10)
    rows += [Mark(entry="E2", judge="J3", aspect="j", mark=D(2), round=2)]  # re-mark: 2, 2, 2
    entries = [Entry(id="E1", time_used=D(100)), Entry(id="E2", time_used=D(90))]
    result = compute_event(s, rows, entries)
    x = explain(result, "E1")
    assert x.rank == 2
    assert "below E2 by time_used: time used 100 > 90" in x.rank_steps
    j = explain(result, "E2").criteria[0].aspects[1]
    assert [(m.judge, m.round, m.used) for m in j.marks][-1] == ("J3", 1, False)
    assert j.marks[-1].note == "superseded by the same judge's later round"


def test_unknown_entry_raises_key_error():
    result = compute_event(scheme(), marks("E1", [7] * 5, [2, 2, 2], 10))
    with pytest.raises(KeyError):
        explain(result, "nobody")


def test_exact_context_refuses_silent_rounding():
    with exact_context():
        with pytest.raises(Exception):
            D(1) / D(3)  # noqa: B018 - the division itself must raise
    assert EXACT.add(D("0.1"), D("0.2")) == D("0.3")


# -------------------------------------------------------------------------------------- analytics


def analytics_event():
    # J5 is lenient on every panel (marks 2 above the others); J1 sits exactly at the panel's mean.
    rows = []
    for e in ("E1", "E2", "E3"):
        rows += marks_for(e, "p", [6, 6, 6, 6, 8], judges=["J1", "J2", "J3", "J4", "J5"])
        rows += marks_for(e, "j", [2, 2, 2], judges=["J1", "J2", "J3"])
        rows += marks_for(e, "m", [10])
    return rows


def test_judge_analytics_finds_the_lenient_judge():
    result = compute_event(scheme(), analytics_event())
    stats = {s.judge: s for s in judge_analytics(result).judges}
    j5 = stats["J5"]
    assert j5.panels == 3
    assert j5.mean_deviation == Fraction(2, 10)  # 8 − mean(6, 6, 6, 6) = 2, over a 0..10 scale
    assert j5.tendency == "lenient"
    # J2 sits on two panels per entry: p (−0.5/10) and j (0) → mean (−0.05 + 0) / 2
    assert stats["J2"].panels == 6
    assert stats["J2"].mean_deviation == Fraction(-1, 40) and stats["J2"].tendency == "neutral"
    assert all(s.breaches == 0 for s in stats.values())


def test_breach_rate_counts_breaches_naming_the_judge():
    rows = analytics_event()
    rows = [m for m in rows if not (m.entry == "E1" and m.aspect == "j" and m.judge == "J3")]
    rows.append(Mark(entry="E1", judge="J3", aspect="j", mark=D(0)))  # 2, 2, 0: 2 apart → needs_remark
    result = compute_event(scheme(), rows)
    stats = {s.judge: s for s in judge_analytics(result).judges}
    assert stats["J3"].breaches == 1 and stats["J3"].breach_rate == Fraction(1, 6)
    assert stats["J1"].breaches == 1  # J1 holds one of the highest marks of that panel
    assert stats["J5"].breaches == 0


def test_what_if_replaces_a_judge_with_the_panel_average():
    rows = analytics_event()
    rows += marks_for("E4", "p", [7, 7, 7, 7, 5], judges=["J1", "J2", "J3", "J4", "J5"])
    rows += marks_for("E4", "j", [2, 2, 2], judges=["J1", "J2", "J3"]) + marks_for("E4", "m", [10])
    out = what_if(scheme(), rows, judge="J5")
    assert out.replaced_marks == 4
    # E1..E3: J5's 8 → 6 (the others' mean): trimmed mean unchanged at 6; E4: J5's 5 → 7: still 7.
    assert out.changes == []
    lenient = analytics_event()
    lenient = [m if not (m.judge == "J5" and m.entry == "E1") else
               Mark(entry=m.entry, judge=m.judge, aspect=m.aspect, mark=D(10)) for m in lenient]
    lenient = [m if not (m.judge == "J4" and m.entry == "E1" and m.aspect == "p") else
               Mark(entry="E1", judge="J4", aspect="p", mark=D(9)) for m in lenient]
    # E1 panel p: 6, 6, 6, 9, 10 → trimmed mean 7; with J5 → mean of the others (6, 6, 6, 9) = 6.75:
    # 6, 6, 6, 6.75, 9 → trimmed mean (6 + 6 + 6.75)/3 = 6.25
    out = what_if(scheme(), lenient, judge="J5")
    change = {c.entry: c for c in out.changes}["E1"]
    assert out.before.entry("E1").aspect("p").mark == D("7.00")
    assert out.after.entry("E1").aspect("p").mark == D("6.25")
    assert change.total_after < change.total_before
