"""Panel rules beyond the worked examples: every status each rule can give, and its reason."""

from __future__ import annotations

from fractions import Fraction

from scoring import (
    BandToleranceRule,
    Criterion,
    DeviationBand,
    DoubleMarkingRule,
    Mark,
    MeanRule,
    MeasurementAspect,
    MedianRule,
    PanelAspect,
    ReferenceBlendRule,
    Scheme,
    ToleranceBand,
    TrimmedMeanRule,
    compute_event,
    evaluate_panel,
)

from .helpers import D, marks_for, one_aspect_scheme, panel

BANDS = [ToleranceBand(min=D(8), tolerance=D("0.3")), ToleranceBand(min=D(0), tolerance=D("0.6"))]


def test_median_of_an_even_panel_is_the_mean_of_the_middle_two():
    assert panel(MedianRule(), [1, 9, 4, 6]).mark == D(5)
    assert panel(MedianRule(), [1, 9, 4]).mark == D(4)


def test_max_spread_asks_for_a_remark_and_names_the_extremes():
    result = panel(TrimmedMeanRule(drop=1, max_spread=D(2)), [5, 6, 6, 7, 8])
    assert result.status == "needs_remark" and result.mark is None
    assert {(m.judge, m.mark) for m in result.involved} == {("J1", D(5)), ("J5", D(8))}
    assert panel(TrimmedMeanRule(drop=1, max_spread=D(3)), [5, 6, 6, 7, 8]).status == "ok"


def test_flag_spread_keeps_the_mark_and_flags_it():
    result = panel(MeanRule(flag_spread=D(1)), [7, 8, 8])
    assert (result.status, result.mark) == ("flagged", Fraction(23, 3))
    assert "flagged for review" in result.reason


def test_band_tolerance_fallbacks():
    values = ["9.2", "8.5", "8.0", "7.6"]
    median = panel(BandToleranceRule(drop=1, bands=BANDS, fallback="median_all"), values)
    assert (median.status, median.mark) == ("fallback_applied", D("8.25"))
    remark = panel(BandToleranceRule(drop=1, bands=BANDS, fallback="needs_remark"), values)
    assert (remark.status, remark.mark) == ("needs_remark", None)
    # The band is chosen by the kept mean (8.25 → from 8: 0.3) unless band_on says otherwise.
    on_all = panel(BandToleranceRule(drop=1, bands=[ToleranceBand(min=D("8.4"), tolerance=D("0.3")),
                                                    ToleranceBand(min=D(0), tolerance=D("0.6"))],
                                     band_on="mean_all"), values)
    assert (on_all.status, on_all.mark) == ("ok", D("8.25"))  # mean of all 8.325 < 8.4 → tolerance 0.6


def test_band_tolerance_at_the_exact_tolerance_is_within():
    assert panel(BandToleranceRule(drop=1, bands=BANDS), ["9", "8.6", "8.3", "7"]).status == "ok"


def test_reference_blend_invalid_reference_is_flagged_and_panel_stands():
    rule = ReferenceBlendRule(drop=1, reference_judges=["R1", "R2"], bands=BANDS,
                              reference_bands=[ToleranceBand(min=D(0), tolerance=D("0.1"))])
    aspect = PanelAspect(id="E", max=D(10), judges=3, rule=rule)
    rows = marks_for("g", "E", ["8.3", "8.4", "8.5"]) + marks_for("g", "E", ["7.0", "8.0"], judges=["R1", "R2"])
    result = evaluate_panel(aspect, rows, scheme=one_aspect_scheme(aspect))
    assert (result.status, result.mark) == ("flagged", D("8.4"))
    assert {m.judge for m in result.involved} == {"R1", "R2"}
    missing_reference = evaluate_panel(aspect, rows[:4], scheme=one_aspect_scheme(aspect))
    assert missing_reference.status == "incomplete"


def test_double_marking_extra_rounds_are_flagged_not_used():
    aspect = PanelAspect(id="q", max=D(10), judges=2, rule=DoubleMarkingRule(tolerance=D(2)))
    rows = [Mark(entry="s", judge="A", aspect="q", mark=D(7)), Mark(entry="s", judge="B", aspect="q", mark=D(8)),
            Mark(entry="s", judge="C", aspect="q", mark=D(3), round=2)]
    result = evaluate_panel(aspect, rows)
    assert (result.status, result.mark) == ("flagged", D("7.5"))
    assert [m.judge for m in result.involved] == ["C"]
    needed_no_arbiter = rows[:2] + [Mark(entry="s", judge="C", aspect="q", mark=D(8), round=2),
                                    Mark(entry="s", judge="Z", aspect="q", mark=D(1), round=3)]
    needed_no_arbiter[0] = Mark(entry="s", judge="A", aspect="q", mark=D(4))
    result = evaluate_panel(aspect, needed_no_arbiter)
    assert (result.status, result.mark) == ("flagged", D(8))  # third 8 pairs with 8; arbiter not used


def test_double_marking_with_one_first_mark_is_incomplete():
    aspect = PanelAspect(id="q", max=D(10), judges=2, rule=DoubleMarkingRule(tolerance=D(2)))
    assert evaluate_panel(aspect, [Mark(entry="s", judge="A", aspect="q", mark=D(7))]).status == "incomplete"


def test_measurement_agreed_mark_and_bands():
    plain = MeasurementAspect(id="m", max=D(5))
    assert evaluate_panel(plain, {"J1": 4, "J2": 4}).mark == D(4)
    disagree = evaluate_panel(plain, {"J1": 4, "J2": 3})
    assert disagree.status == "needs_remark" and "disagree" in disagree.reason
    banded = MeasurementAspect(id="m", max=D(5), bands=[DeviationBand(within=D("0.1"), mark=D(5)),
                                                        DeviationBand(within=D("0.5"), mark=D(2))])
    assert [evaluate_panel(banded, {"J": d}).mark for d in ("0", "-0.1", "0.3", "-0.6")] == [D(5), D(5), D(2), D(0)]


def test_panel_on_its_own_scale_is_mapped_to_the_aspect_max():
    # judges mark 0..10 on a 20-mark aspect: mean 7.5 → 15
    assert panel(MeanRule(), [7, 8], mark_max=10, max=20).mark == D(15)


def test_incomplete_panel_lists_the_marks_it_has():
    result = panel(TrimmedMeanRule(drop=1), [5, 6, 7], judges=5)
    assert result.status == "incomplete" and [m.judge for m in result.involved] == ["J1", "J2", "J3"]


def test_team_entry_is_scored_as_one_unit():
    scheme = Scheme(id="s", criteria=[Criterion(id="c", aspects=[MeasurementAspect(id="m", max=D(100))])])
    from scoring import Entry, Member

    team = Entry(id="T1", school="S", members=[Member(id="a"), Member(id="b"), Member(id="c")])
    result = compute_event(scheme, [Mark(entry="T1", judge="J", aspect="m", mark=D(88))], [team])
    assert result.entry("T1").total == D(88) and len(result.entry("T1").entry.members) == 3


def test_unrounded_fractions_and_decimals_add_up_exactly():
    from scoring import JudgementAspect

    scheme = Scheme(id="s", criteria=[
        Criterion(id="a", aspects=[JudgementAspect(id="j", max=D(1)), MeasurementAspect(id="m", max=D(1))]),
        Criterion(id="b", weight=D("0.5"), aspects=[JudgementAspect(id="k", max=D(2))])])
    marks = (marks_for("E", "j", [0, 0, 1]) + marks_for("E", "m", ["0.25"]) + marks_for("E", "k", [1, 1, 2]))
    entry = compute_event(scheme, marks).entry("E")
    assert entry.criterion("a").score == Fraction(1, 9) + Fraction(1, 4)
    assert entry.criterion("b").weighted == Fraction(1, 2) * 2 * Fraction(4, 3) / 3
    assert entry.total == Fraction(1, 9) + Fraction(1, 4) + Fraction(4, 9)
    assert entry.total == Fraction(29, 36)
