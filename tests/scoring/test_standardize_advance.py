"""Standardized scales, promotion to skill levels, and advancement to the next competition level."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from scoring import (
    AdvancementPolicy,
    Entry,
    InvalidPolicy,
    Member,
    PromotionRule,
    Standing,
    WorldSkillsScale,
    ZScore,
    advance,
    promote,
    standardize,
)

from .helpers import D


def test_z_scores_mean_100_sd_20():
    # raw 40, 50, 60: mean 50, population SD √(200/3); z = 100 ± 20 × 10/8.1649658… = 100 ± 24.49…
    result = standardize({"a": D(40), "b": D(50), "c": D(60)}, ZScore())
    assert result.scores == {"a": D("75.51"), "b": D("100.00"), "c": D("124.49")}
    assert result.formula == "100 + 20 × (raw − mean) / SD (population)"
    assert result.parameters["raw_mean"] == "50"


def test_z_scores_sample_sd():
    # sample SD of 40, 50, 60 is exactly 10 → 100 ± 20
    result = standardize({"a": D(40), "b": D(50), "c": D(60)}, ZScore(sd_of="sample"))
    assert result.scores == {"a": D("80.00"), "b": D("100.00"), "c": D("120.00")}


def test_worldskills_scale_with_mad_is_exact_where_it_can_be():
    # median 70; |x − 70| = 15, 8, 0, 1, 10 → MAD 8; × 1.5 = 12; 700 + 24 × (x − 70)/12
    result = standardize({"a": D(55), "b": D(62), "c": D(70), "d": D(71), "e": D(80)},
                         WorldSkillsScale(spread=D(24), dispersion="mad", mad_factor=D("1.5")))
    assert result.scores == {"a": D("670.00"), "b": D("684.00"), "c": D("700.00"), "d": D("702.00"),
                             "e": D("720.00")}


def test_standardization_of_equal_scores_gives_the_centre():
    result = standardize({"a": D(50), "b": D(50)}, WorldSkillsScale(spread=D(30)))
    assert result.scores == {"a": D("700.00"), "b": D("700.00")}
    assert any("no dispersion" in n for n in result.notes)


def test_standardization_accepts_fractions_and_is_deterministic():
    raw = {"a": Fraction(1, 3), "b": Fraction(2, 3), "c": D(1)}
    assert standardize(raw, ZScore()) == standardize(dict(reversed(list(raw.items()))), ZScore())


# ------------------------------------------------------------------------------------------ promotion


def test_team_members_are_promoted_one_by_one():
    rules = [PromotionRule(competition_level="province", awards=["gold"], target=2),
             PromotionRule(competition_level="province", awards=["gold"], current_levels=[2], target="one_up")]
    entries = [Entry(id="T", members=[Member(id="a", skill_level=3), Member(id="b", skill_level=2),
                                      Member(id="c", skill_level=1)])]
    out = promote(rules, competition_level="province", standings=[Standing(entry="T", rank=1, award="gold")],
                  entries=entries)
    assert [(p.person, p.target_level, p.status) for p in out] == [
        ("a", 2, "promoted"), ("b", 1, "promoted"), ("c", 2, "no_change")]
    assert out[0].target_name == "二级/技师" and "one level up" in out[1].reason


def test_rules_of_another_competition_level_do_not_apply():
    rules = [PromotionRule(competition_level="national", awards=["gold"], target=2)]
    out = promote(rules, competition_level="city", standings=[Standing(entry="E", rank=1, award="gold")],
                  entries=[Entry(id="E")])
    assert out[0].status == "not_covered"


def test_promotion_rules_are_validated():
    with pytest.raises(InvalidPolicy) as err:
        promote([PromotionRule(competition_level="city", target="one_up", awards=["g"])], competition_level="city",
                standings=[], entries=[])
    assert err.value.problems[0].path == "rules[0].current_levels"


# ---------------------------------------------------------------------------------------- advancement


def field(n=10, schools=None, ties=()):
    """n entries e1..en ranked 1..n (totals 100 − i), optional schools and tied pairs sharing a rank."""
    out = []
    for i in range(1, n + 1):
        r = i - 1 if i in ties else i
        out.append(Standing(entry=f"e{i}", rank=r, total=D(100 - r), school=(schools or {}).get(f"e{i}")))
    return out


def test_top_n():
    assert advance(AdvancementPolicy(top_n=3, ties="none"), field()).qualified == ["e1", "e2", "e3"]


def test_top_share_rounding():
    result = advance(AdvancementPolicy(top_share=D("0.25"), share_rounding="ceil", ties="none"), field())
    assert result.quota == 3 and result.qualified == ["e1", "e2", "e3"]  # 2.5 → ceil
    assert "0.25 × 10 = 2.5 → ceil → 3" in " ".join(result.basis)


def test_score_threshold():
    assert advance(AdvancementPolicy(min_total=D(96), ties="none"), field()).qualified == ["e1", "e2", "e3", "e4"]


def test_per_school_cap_skips_to_the_next_school():
    schools = {"e1": "A", "e2": "A", "e3": "A", "e4": "B"}
    result = advance(AdvancementPolicy(top_n=3, per_school_cap=2, ties="none"), field(schools=schools))
    assert result.qualified == ["e1", "e2", "e4"]
    assert any(s.entry == "e3" and "per-school cap" in s.reason for s in result.skipped)


@pytest.mark.parametrize("ties, expected", [("together", ["e1", "e2", "e3", "e4"]), ("none", ["e1", "e2"])])
def test_ties_at_the_cut_advance_together_or_not_at_all(ties, expected):
    result = advance(AdvancementPolicy(top_n=3, ties=ties), field(ties=(4,)))  # e3 and e4 share rank 3
    assert result.qualified == expected


def test_max_share_is_a_hard_ceiling_even_for_ties():
    result = advance(AdvancementPolicy(top_n=3, max_share=D("0.3"), ties="together"), field(ties=(4,)))
    assert result.qualified == ["e1", "e2"]
    assert any("hard ceiling" in n for n in result.notes)


def test_withdrawn_qualifier_is_replaced_by_the_next_eligible():
    standings = field()
    standings[4] = Standing(entry="e5", rank=5, total=D(95), eligible=False)
    result = advance(AdvancementPolicy(top_n=4, ties="none"), standings, withdrawn=["e2"])
    assert result.qualified == ["e1", "e3", "e4", "e6"]  # e5 is not eligible, so e6 is next
    assert result.withdrawn_qualifiers == ["e2"] and result.replacements == ["e6"]


def test_school_cap_inside_a_tie_needs_a_decision():
    schools = {"e1": "A", "e2": "A", "e3": "A"}
    result = advance(AdvancementPolicy(top_n=3, per_school_cap=2, ties="together"), field(schools=schools, ties=(3,)))
    assert result.status == "needs_decision"
    assert result.qualified == ["e1", "e4"]


def test_advancement_policy_is_validated():
    with pytest.raises(InvalidPolicy):
        advance(AdvancementPolicy(ties="none"), field())
    with pytest.raises(InvalidPolicy):
        advance(AdvancementPolicy(top_share=Decimal("1.5"), ties="none"), field())


def test_the_worldskills_scale_defaults_to_20_points_per_standard_deviation():
    # A scheme that just says "worldskills_scale" gets what a WorldSkills competition manager expects:
    # the median at 700 and 20 points per (population) standard deviation, said so in the notes.
    import msgspec

    method = msgspec.json.decode(b'{"method": "worldskills_scale"}', type=WorldSkillsScale)
    assert (method.center, method.spread, method.dispersion) == (D(700), D(20), "sd")
    raw = {"a": D(55), "b": D(62), "c": D(70), "d": D(71), "e": D(80)}
    result = standardize(raw, method)
    # population SD of 55, 62, 70, 71, 80 is √72.24 = 8.4994…; 80 → 700 + 20 × 10 / 8.4994… = 723.53
    assert result.scores["c"] == D("700.00") and result.scores["e"] == D("723.53")
    assert result.parameters["spread"] == "20"
    assert any("default" in note and "20 points per standard deviation" in note for note in result.notes)
