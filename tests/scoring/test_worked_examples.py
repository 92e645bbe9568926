"""Every worked example of docs/scoring-rules.md, as a test through the public API.

Section numbers refer to that file.  Expected values are the ones printed there; where the file gives a
result at some precision, the test checks the exact value *and* the rounded one.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from scoring import (
    AwardPolicy,
    BandToleranceRule,
    ByCriteria,
    ByCriterionOrder,
    ByTimeUsed,
    ClosestPairRule,
    Criterion,
    DoubleMarkingArbiterRule,
    DoubleMarkingRule,
    Entry,
    JudgementAspect,
    Mark,
    MeasurementAspect,
    Member,
    PanelAspect,
    PromotionRule,
    RankingPolicy,
    RatioTier,
    ReferenceBlendRule,
    Scheme,
    ShareRemaining,
    Standing,
    ThresholdTier,
    ToleranceBand,
    TopHalfTier,
    TopKTier,
    TrimmedMeanRule,
    TrimmedSumRule,
    WorldSkillsScale,
    assign_awards,
    compute_event,
    evaluate_panel,
    promote,
    standardize,
)

from .helpers import D, marks_for, one_aspect_scheme, panel


# --------------------------------------------------------------------- 1.2 WorldSkills judgement table


@pytest.mark.parametrize(
    "max_mark, scores, exact, two_places, three_places",
    [
        ("2.00", [2, 2, 3], Fraction(14, 9), "1.56", "1.556"),
        ("1.50", [1, 2, 2], Fraction(5, 6), "0.83", "0.833"),
        ("1.00", [0, 0, 1], Fraction(1, 9), "0.11", "0.111"),
    ],
)
def test_worldskills_judgement_table(max_mark, scores, exact, two_places, three_places):
    aspect = JudgementAspect(id="j", max=D(max_mark))
    unrounded = evaluate_panel(aspect, scores)
    assert unrounded.status == "ok"
    assert unrounded.mark == exact  # max × mean/3, kept exact when no rounding is declared
    for places, expected in ((2, two_places), (3, three_places)):
        rounded = evaluate_panel(aspect, scores, scheme=one_aspect_scheme(aspect, places=places))
        assert str(rounded.mark) == expected


def test_worldskills_judgement_breach_then_remark():
    aspect = JudgementAspect(id="j", max=D("3.00"))
    first = [Mark(entry="e", judge=j, aspect="j", mark=D(v)) for j, v in (("A", 1), ("B", 2), ("C", 3))]
    breach = evaluate_panel(aspect, first)
    # Scores 1 and 3 are 2 apart (> 1): no mark is computed, the judges re-mark after discussion.
    assert breach.status == "needs_remark"
    assert breach.mark is None
    assert {m.judge for m in breach.involved} == {"A", "C"}
    assert "re-mark" in breach.reason
    # The re-score 2, 2, 3 (judge A changes 1 → 2 in round 2) → 2.333.
    remarked = evaluate_panel(aspect, first + [Mark(entry="e", judge="A", aspect="j", mark=D(2), round=2)],
                              scheme=one_aspect_scheme(aspect, places=3))
    assert remarked.status == "ok"
    assert remarked.mark == D("2.333")
    assert remarked.unrounded == Fraction(7, 3)


# --------------------------------------------------------------------------- 2 WorldSkills 700 scale


@pytest.mark.parametrize("spread", ["20", "30", "100"])
@pytest.mark.parametrize("dispersion", ["sd", "mad"])
def test_700_scale_puts_the_median_at_700(spread, dispersion):
    raw = {"a": D(55), "b": D(62), "c": D(70), "d": D(71), "e": D(80)}
    result = standardize(raw, WorldSkillsScale(spread=D(spread), dispersion=dispersion))
    s = result.scores
    assert s["c"] == D("700.00")  # the median competitor scores exactly 700
    assert s["d"] > 700 and s["e"] > 700
    assert s["a"] < 700 and s["b"] < 700
    assert s["a"] < s["b"] < s["c"] < s["d"] < s["e"]
    # Every result states its formula and the declared (not official) spread.
    assert result.parameters["spread"] == spread and result.parameters["median"] == "70"
    assert "not an official WorldSkills constant" in result.notes[0]


def test_700_scale_medallion_threshold_goes_to_those_at_or_above_the_median():
    scheme = Scheme(
        id="ws", criteria=[Criterion(id="c", aspects=[MeasurementAspect(id="m", max=D(100))])],
        standardization=WorldSkillsScale(spread=D(30)),
        awards=AwardPolicy(tie_policy="higher", tiers=[
            TopKTier(code="gold", count=1),
            ThresholdTier(code="medallion", min_score=D(700), on="standardized")]),
    )
    marks = [Mark(entry=e, judge="J", aspect="m", mark=D(v)) for e, v in zip("abcde", (55, 62, 70, 71, 80))]
    result = compute_event(scheme, marks)
    awards = {e.entry.id: e.award for e in result.entries}
    assert awards == {"e": "gold", "d": "medallion", "c": "medallion", "b": None, "a": None}


# -------------------------------------------------------------------------------- 3.2 T2 tie example


def _t2_event(time_a, time_b, practical_a="60", practical_b="60"):
    theory_a = str(D("92.5") - D(practical_a))
    theory_b = str(D("92.5") - D(practical_b))
    scheme = Scheme(
        id="t2",
        criteria=[Criterion(id="theory", aspects=[MeasurementAspect(id="th", max=D(100))]),
                  Criterion(id="practical", aspects=[MeasurementAspect(id="pr", max=D(100))])],
        ranking=RankingPolicy(mode="unshared", tie_break=[
            ByTimeUsed(), ByCriteria(criteria=["practical"]), ByCriteria(criteria=["theory"]), ShareRemaining()]),
    )
    entries = [Entry(id="A", time_used=D(time_a)), Entry(id="B", time_used=D(time_b))]
    marks = [Mark(entry="A", judge="J", aspect="th", mark=D(theory_a)),
             Mark(entry="A", judge="J", aspect="pr", mark=D(practical_a)),
             Mark(entry="B", judge="J", aspect="th", mark=D(theory_b)),
             Mark(entry="B", judge="J", aspect="pr", mark=D(practical_b))]
    return compute_event(scheme, marks, entries)


def test_t2_shorter_time_ranks_first():
    result = _t2_event("150", "142")
    assert result.entry("A").total == result.entry("B").total == D("92.5")
    assert (result.entry("B").rank, result.entry("A").rank) == (1, 2)
    second = result.ranking.order[1]
    assert (second.entry, second.separated_by) == ("A", "time_used")


def test_t2_same_time_higher_practical_wins():
    result = _t2_event("150", "150", practical_a="61", practical_b="62")
    assert (result.entry("B").rank, result.entry("A").rank) == (1, 2)
    assert result.ranking.order[1].separated_by == "criteria"


def test_t2_still_tied_shares_the_place():
    result = _t2_event("150", "150")
    assert result.entry("A").rank == result.entry("B").rank == 1
    assert result.ranking.status == "final"  # the chain's last step declares sharing


def test_t1_module_order_breaks_ties():
    scheme = Scheme(
        id="t1",
        criteria=[Criterion(id="M1", aspects=[MeasurementAspect(id="a", max=D(50))]),
                  Criterion(id="M2", aspects=[MeasurementAspect(id="b", max=D(50))])],
        ranking=RankingPolicy(mode="unshared", tie_break=[ByCriterionOrder()]),
    )
    marks = [Mark(entry="X", judge="J", aspect="a", mark=D(40)), Mark(entry="X", judge="J", aspect="b", mark=D(40)),
             Mark(entry="Y", judge="J", aspect="a", mark=D(41)), Mark(entry="Y", judge="J", aspect="b", mark=D(39))]
    result = compute_event(scheme, marks)
    assert (result.entry("Y").rank, result.entry("X").rank) == (1, 2)


# ----------------------------------------------------------------------------- 3.3 award examples


def _standings(n: int) -> list[Standing]:
    return [Standing(entry=f"E{i:02d}", rank=i, total=D(1000 - i)) for i in range(1, n + 1)]


@pytest.mark.parametrize("rounding, counts", [("half_up", [5, 9, 14]), ("floor", [4, 9, 14]), ("ceil", [5, 10, 15])])
def test_a1_47_competitors_10_20_30_percent(rounding, counts):
    policy = AwardPolicy(tie_policy="higher", tiers=[
        RatioTier(code="一等奖", ratio=D("0.1"), rounding=rounding),
        RatioTier(code="二等奖", ratio=D("0.2"), rounding=rounding),
        RatioTier(code="三等奖", ratio=D("0.3"), rounding=rounding)])
    result = assign_awards(policy, _standings(47))
    assert [t.slots for t in result.tiers] == counts
    assert [len(t.awarded) for t in result.tiers] == counts
    assert result.tiers[0].basis == f"10% of 47 eligible = 4.7 → {rounding} → {counts[0]}"
    # Places follow rank order: first tier = ranks 1..c1, and so on.
    assert result.tiers[1].awarded[0] == f"E{counts[0] + 1:02d}"


def _a3_policy(odd):
    return AwardPolicy(tie_policy="higher", tiers=[
        TopKTier(code="gold", count=1), TopKTier(code="silver", count=1), TopKTier(code="bronze", count=1),
        TopHalfTier(code="优胜奖", odd=odd)])


def test_a3_30_competitors_ranks_4_to_15_get_the_merit_award():
    result = assign_awards(_a3_policy("ceil"), _standings(30))
    assert result.awards["E01"] == "gold" and result.awards["E02"] == "silver" and result.awards["E03"] == "bronze"
    merit = result.tiers[3].awarded
    assert merit == [f"E{i:02d}" for i in range(4, 16)]
    assert "E16" not in result.awards
    assert not any("odd" in n for n in result.notes)


@pytest.mark.parametrize("odd, last", [("ceil", 16), ("floor", 15)])
def test_a3_odd_count_is_flagged_with_the_declared_policy(odd, last):
    result = assign_awards(_a3_policy(odd), _standings(31))
    assert result.tiers[3].awarded[-1] == f"E{last:02d}"
    assert any("31 eligible entrants is odd" in n and odd in n for n in result.notes)


def test_taiwan_17_competitors_at_most_4_merit_places():
    # 佳作 "以參賽人數二分之一【無條件進位】扣除第1至5名後之名額為限": ⌈17/2⌉ = 9 → 4 places after the top 5.
    policy = AwardPolicy(tie_policy="higher", tiers=[TopKTier(code="top5", count=5), TopHalfTier(code="佳作", odd="ceil")])
    result = assign_awards(policy, _standings(17))
    assert len(result.tiers[1].awarded) == 4


def test_a4_guizhou_fixed_counts():
    policy = AwardPolicy(tie_policy="higher", tiers=[
        TopKTier(code="一等奖", count=1), TopKTier(code="二等奖", count=2), TopKTier(code="三等奖", count=5)])
    result = assign_awards(policy, _standings(20))
    assert [len(t.awarded) for t in result.tiers] == [1, 2, 5]


def test_s4_two_golds_mean_no_silver():
    standings = [Standing(entry="A", rank=1, total=D(90)), Standing(entry="B", rank=1, total=D(90)),
                 Standing(entry="C", rank=3, total=D(80)), Standing(entry="D", rank=4, total=D(70))]
    policy = AwardPolicy(tie_policy="higher", tiers=[
        TopKTier(code="gold", count=1), TopKTier(code="silver", count=1), TopKTier(code="bronze", count=1)])
    result = assign_awards(policy, standings)
    assert result.awards == {"A": "gold", "B": "gold", "C": "bronze"}


# ------------------------------------------------------------------ 3.4 promotion examples


def _promotion_case(rules, level, award=None, rank=1, current=None):
    entries = [Entry(id="E", members=[Member(id="P", skill_level=current)])]
    standings = [Standing(entry="E", rank=rank, award=award)]
    return promote(rules, competition_level=level, standings=standings, entries=entries)[0]


NATIONAL = [
    PromotionRule(competition_level="national", awards=["gold", "silver", "bronze", "优胜奖"], target=2),
    PromotionRule(competition_level="national", awards=["gold", "silver", "bronze", "优胜奖"], current_levels=[2],
                  target="one_up"),
]
HAINAN = [
    PromotionRule(competition_level="province", awards=["gold", "silver", "bronze"], target=2),
    PromotionRule(competition_level="province", awards=["gold", "silver", "bronze"], current_levels=[2], target=1),
    PromotionRule(competition_level="province", awards=["优胜奖"], target=3),
    PromotionRule(competition_level="province", awards=["优胜奖"], current_levels=[3], target=2),
]


@pytest.mark.parametrize("rules, level, award, current, target, status", [
    (NATIONAL, "national", "优胜奖", 3, 2, "promoted"),       # 优胜奖 or better → 技师
    (NATIONAL, "national", "gold", None, 2, "promoted"),
    (NATIONAL, "national", "silver", 2, 1, "promoted"),      # already 技师 → 高级技师
    (HAINAN, "province", "bronze", 4, 2, "promoted"),
    (HAINAN, "province", "gold", 2, 1, "promoted"),
    (HAINAN, "province", "优胜奖", 4, 3, "promoted"),
    (HAINAN, "province", "优胜奖", 3, 2, "promoted"),         # already 高级工 → 二级
    (HAINAN, "province", "优胜奖", 1, 3, "no_change"),        # never a demotion
])
def test_promotion_by_award(rules, level, award, current, target, status):
    p = _promotion_case(rules, level, award=award, current=current)
    assert (p.target_level, p.status) == (target, status)


def test_zhoushan_city_top_6_is_conditional():
    rules = [PromotionRule(competition_level="city", rank_from=1, rank_to=6, target=2, condition="符合条件的晋升技师")]
    assert _promotion_case(rules, "city", rank=6, current=3).condition == "符合条件的晋升技师"
    assert _promotion_case(rules, "city", rank=7, current=3).status == "not_covered"


def test_2012_national_rank_bands_and_shijiazhuang_already_at_level():
    bands = [PromotionRule(competition_level="national", rank_from=1, rank_to=5, target=2),
             PromotionRule(competition_level="national", rank_from=6, rank_to=15, target=3)]
    assert _promotion_case(bands, "national", rank=5, current=4).target_level == 2
    assert _promotion_case(bands, "national", rank=15, current=4).target_level == 3
    # Shijiazhuang: ranks 2–10 → 技师 if already 高级工, otherwise 高级工.
    city = [PromotionRule(competition_level="city", rank_from=2, rank_to=10, target=3),
            PromotionRule(competition_level="city", rank_from=2, rank_to=10, current_levels=[3], target=2)]
    assert _promotion_case(city, "city", rank=4, current=3).target_level == 2
    assert _promotion_case(city, "city", rank=4, current=5).target_level == 3


# ---------------------------------------------------------------------- 4 gaokao double marking


def _double(first, third=None, arbiter=None, rule=None):
    rule = rule or DoubleMarkingRule(tolerance=D(2))
    aspect = PanelAspect(id="q", max=D(10), judges=2, rule=rule)
    rows = [Mark(entry="s", judge="A", aspect="q", mark=D(str(first[0]))),
            Mark(entry="s", judge="B", aspect="q", mark=D(str(first[1])))]
    if third is not None:
        rows.append(Mark(entry="s", judge="C", aspect="q", mark=D(str(third)), round=2))
    if arbiter is not None:
        rows.append(Mark(entry="s", judge="Z", aspect="q", mark=D(str(arbiter)), round=3))
    return evaluate_panel(aspect, rows, scheme=one_aspect_scheme(aspect))


@pytest.mark.parametrize("first, third, final", [
    ((7, 8), None, "7.5"),
    ((4, 8), 7, "7.5"),
    ((4, 8), 6, "7"),       # third within both, equal gaps → higher pair (6, 8) → 7.0
    ((4, 9), 7, "8"),
    ((5, 9), "7.5", "8.25"),
])
def test_gaokao_double_marking_table(first, third, final):
    result = _double(first, third)
    assert result.status == "ok"
    assert result.mark == D(final)


def test_gaokao_out_of_tolerance_waits_for_a_third_marker():
    result = _double((4, 8))
    assert result.status == "needs_third_marker" and result.mark is None
    assert {m.judge for m in result.involved} == {"A", "B"}


def test_gaokao_third_outside_both_goes_to_the_arbiter():
    waiting = _double((2, 9), "5.5")
    assert waiting.status == "needs_arbiter" and waiting.mark is None
    assert {m.judge for m in waiting.involved} == {"A", "B", "C"}
    final = _double((2, 9), "5.5", arbiter=6)
    assert final.status == "ok" and final.mark == D(6)
    assert "arbiter's mark is final" in final.reason


def test_double_marking_plus_arbiter_variant():
    rule = DoubleMarkingArbiterRule(tolerance=D(2))
    assert _double((7, 8), rule=rule).mark == D("7.5")
    assert _double((4, 8), rule=rule).status == "needs_arbiter"
    assert _double((4, 8), arbiter=5, rule=rule).mark == D(5)


# ------------------------------------------------------------------------------- 5.1 FIG aerobic


FIG_AEROBIC = BandToleranceRule(drop=1, bands=[
    ToleranceBand(min=D("8.00"), tolerance=D("0.3")), ToleranceBand(min=D("7.00"), tolerance=D("0.4")),
    ToleranceBand(min=D("6.00"), tolerance=D("0.5")), ToleranceBand(min=D("0"), tolerance=D("0.6"))])


def test_fig_aerobic_middle_pair_within_tolerance():
    result = panel(FIG_AEROBIC, ["8.6", "8.4", "8.2", "7.9"])
    assert result.status == "ok" and result.mark == D("8.3")


def test_fig_aerobic_outside_tolerance_falls_back_to_mean_of_all():
    result = panel(FIG_AEROBIC, ["9.2", "8.5", "8.0", "7.6"])
    assert result.status == "fallback_applied"
    assert result.mark == D("8.325")
    assert "0.5" in result.reason and "0.3" in result.reason and "mean of all" in result.reason


# ------------------------------------------------------------------------------ 5.2 FIG artistic


def test_fig_artistic_blends_e_jury_with_reference_score():
    rule = ReferenceBlendRule(drop=1, reference_judges=["R1", "R2"], bands=[
        ToleranceBand(min=D("9.600"), tolerance=D("0.050")), ToleranceBand(min=D("9.400"), tolerance=D("0.100")),
        ToleranceBand(min=D("9.000"), tolerance=D("0.150")), ToleranceBand(min=D("8.500"), tolerance=D("0.200")),
        ToleranceBand(min=D("8.000"), tolerance=D("0.300")), ToleranceBand(min=D("7.500"), tolerance=D("0.400")),
        ToleranceBand(min=D("0"), tolerance=D("0.500"))])
    aspect = PanelAspect(id="E", max=D(10), judges=5, rule=rule)
    rows = marks_for("g", "E", ["8.3", "8.5", "8.4", "8.1", "8.9"]) + marks_for("g", "E", ["7.9", "8.1"],
                                                                                   judges=["R1", "R2"])
    result = evaluate_panel(aspect, rows, scheme=one_aspect_scheme(aspect, places=3, mode="truncate"))
    # E-jury 8.400, RE 8.000 (band from 8.000: tolerance 0.300), gap 0.400 > 0.300 → (8.400 + 8.000)/2
    assert result.status == "fallback_applied"
    assert str(result.mark) == "8.200"


# ---------------------------------------------------------------------------------------- 5.3 IJRU


@pytest.mark.parametrize("scores, expected", [([112, 114, 118], "113"), ([112, 115, 118], "116.5")])
def test_ijru_closest_two_of_three(scores, expected):
    result = panel(ClosestPairRule(), scores, mark_max=200)
    assert result.mark == D(expected)


def test_ijru_five_judges_drop_high_and_low():
    result = panel(TrimmedMeanRule(drop=1), [112, 115, 118, 119, 121], mark_max=200, places=2)
    assert str(result.mark) == "117.33"
    assert result.unrounded == Fraction(352, 3)


# ---------------------------------------------------------------------------------------- 5.4 diving


@pytest.mark.parametrize("scores, dd, expected", [
    (["7.5", "7.0", "7.5", "7.0", "7.5", "8.0", "6.5"], "3.0", "66.0"),
    (["8", "7", "7", "7", "7", "7", "6.5"], "2.0", "42.0"),
])
def test_diving_drop_two_and_two_sum_times_difficulty(scores, dd, expected):
    rule = TrimmedSumRule(drop=2, factor=D(dd))
    # The dive's maximum is 3 kept scores × 10 × DD, so the sum is the aspect mark as it stands.
    result = panel(rule, scores, mark_max=10, max=str(D(30) * D(dd)))
    assert result.status == "ok"
    assert result.mark == D(expected)


# --------------------------------------------------------------------------------- 5.5 figure skating


def test_figure_skating_goe_trimmed_mean():
    # GOEs −5..+5; drop one highest and one lowest, mean of the rest = 2.2 → +22% of a 4.00 base value.
    goe = panel(TrimmedMeanRule(drop=1), [3, 3, 2, 2, 1, 2, 2], mark_min=-5, mark_max=5)
    assert goe.mark == D("2.2")
    base = D("4.00")
    assert base + base * goe.mark / 10 == D("4.88")
