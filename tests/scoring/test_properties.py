"""Properties that must hold for any marks (hypothesis).

Judge order never matters; raising one mark never lowers a mean, trimmed or median result; results stay
within 0..max; a constant panel gives that constant; ranks agree with totals; award counts match the
declared ratios and rounding; rounding equals a plain-integer reference for every mode.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import (
    AwardPolicy,
    BandToleranceRule,
    ClosestPairRule,
    Contender,
    JudgementAspect,
    MeanRule,
    MedianRule,
    RankingPolicy,
    RatioTier,
    Standing,
    ToleranceBand,
    TrimmedMeanRule,
    TrimmedSumRule,
    WorldSkillsJudgementRule,
    assign_awards,
    evaluate_panel,
    rank,
)
from scoring.numbers import round_count, round_exact

from .helpers import D, panel

settings.register_profile("scoring", max_examples=150, deadline=None)
settings.load_profile("scoring")

# Marks 0..10 with up to two decimals, as tablets record them.
marks = st.integers(min_value=0, max_value=1000).map(lambda i: Decimal(i).scaleb(-2))


def panels(min_size=3, max_size=9):
    return st.lists(marks, min_size=min_size, max_size=max_size)


BANDS = BandToleranceRule(drop=1, bands=[ToleranceBand(min=D(8), tolerance=D("0.3")),
                                         ToleranceBand(min=D(0), tolerance=D("0.6"))])
MONOTONE_RULES = [MeanRule(), MedianRule(), TrimmedMeanRule(drop=1)]


def rules_for(n: int):
    out = [MeanRule(), MedianRule(), TrimmedMeanRule(drop=1), TrimmedSumRule(drop=1, factor=D("1.5")), BANDS]
    if n == 3:
        out.append(ClosestPairRule())
    return out


@given(panels(), st.randoms(use_true_random=False))
def test_judge_order_never_matters(values, rnd):
    shuffled = values[:]
    rnd.shuffle(shuffled)
    for rule in rules_for(len(values)):
        a, b = panel(rule, values), panel(rule, shuffled)
        assert (a.status, a.mark) == (b.status, b.mark), rule


@given(panels(), st.data())
def test_raising_one_mark_never_lowers_mean_trimmed_or_median(values, data):
    i = data.draw(st.integers(0, len(values) - 1))
    raised = values[:]
    raised[i] = data.draw(marks.filter(lambda m: m >= values[i]))
    for rule in MONOTONE_RULES:
        assert panel(rule, raised).mark >= panel(rule, values).mark, rule


@given(panels())
def test_results_stay_within_0_and_max(values):
    for rule in rules_for(len(values)):
        # A 20-mark aspect judged on 0..10: the rule's result is mapped proportionally.
        result = panel(rule, values, mark_max=10, max=20)
        if result.mark is not None:
            assert 0 <= result.mark <= 20, rule


@given(st.lists(st.integers(0, 3), min_size=3, max_size=7), st.integers(1, 40))
def test_judgement_marks_stay_within_0_and_max(scores, max_quarters):
    aspect = JudgementAspect(id="j", max=Decimal(max_quarters) / 4, judges=len(scores),
                             rule=WorldSkillsJudgementRule(max_spread=D(3)))
    result = evaluate_panel(aspect, scores)
    assert 0 <= result.mark <= aspect.max
    assert result.mark == Fraction(aspect.max) * Fraction(sum(scores), len(scores)) / 3


@given(marks, st.integers(3, 9))
def test_a_constant_panel_gives_that_constant(value, n):
    for rule in rules_for(n):
        if isinstance(rule, TrimmedSumRule):
            # the sum's own scale: (n − 2) kept marks × 10 × factor
            result = panel(rule, [value] * n, max=(n - 2) * 10 * D("1.5"))
            expected = value * (n - 2) * D("1.5")
        else:
            result = panel(rule, [value] * n)
            expected = value
        assert result.status == "ok" and result.mark == expected, rule


totals = st.integers(0, 40).map(lambda i: Decimal(i) / 4)


@given(st.lists(totals, min_size=1, max_size=30), st.sampled_from(["shared", "unshared"]))
def test_ranks_agree_with_totals(values, mode):
    contenders = [Contender(entry=f"e{i}", total=v) for i, v in enumerate(values)]
    result = rank(contenders, RankingPolicy(mode=mode))
    by_entry = {r.entry: r for r in result.order}
    for a in contenders:
        for b in contenders:
            ra, rb = by_entry[a.entry].rank, by_entry[b.entry].rank
            if a.total > b.total:
                assert ra < rb
            if a.total == b.total:
                assert ra == rb  # no tie-break declared: equal totals stay level, never ordered by id
    # Shared ranks are 1 + the number of entries strictly ahead.
    for a in contenders:
        assert by_entry[a.entry].rank == 1 + sum(1 for b in contenders if b.total > a.total)


ratios = st.integers(1, 40).map(lambda i: Decimal(i) / 100)


@given(st.integers(1, 120), st.lists(ratios, min_size=1, max_size=3),
       st.sampled_from(["half_up", "floor", "ceil"]), st.sets(st.integers(0, 119), max_size=10))
def test_award_counts_match_declared_ratios_and_rounding(n, tier_ratios, rounding, ineligible):
    standings = [Standing(entry=f"e{i}", rank=i + 1, total=Decimal(1000 - i), eligible=i not in ineligible)
                 for i in range(n)]
    eligible = sum(1 for s in standings if s.eligible)
    policy = AwardPolicy(tie_policy="higher",
                         tiers=[RatioTier(code=f"t{k}", ratio=r, rounding=rounding) for k, r in enumerate(tier_ratios)])
    result = assign_awards(policy, standings)
    remaining = eligible
    for tier, ratio in zip(result.tiers, tier_ratios):
        declared = round_count(ratio * eligible, rounding)
        assert tier.slots == declared
        assert len(tier.awarded) == min(declared, remaining)
        remaining -= len(tier.awarded)
    assert all(s.eligible for s in standings if s.entry in result.awards)


def reference_round(value: Fraction, places: int, mode: str) -> Fraction:
    """Rounding with nothing but integers, to check the Decimal implementation against."""
    scaled = value * 10 ** places
    floor = scaled.numerator // scaled.denominator
    rest = scaled - floor
    if mode == "floor":
        n = floor
    elif mode == "ceil":
        n = floor + (rest > 0)
    elif mode == "truncate":
        n = floor if scaled >= 0 else floor + (rest > 0)
    elif mode == "half_up":
        n = floor + (rest > Fraction(1, 2) or (rest == Fraction(1, 2) and scaled >= 0))
    else:  # half_even
        n = floor + (rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1))
    return Fraction(n, 10 ** places)


@given(st.integers(-10 ** 9, 10 ** 9), st.integers(1, 10 ** 6), st.integers(0, 6),
       st.sampled_from(["half_up", "half_even", "truncate", "floor", "ceil"]))
def test_rounding_matches_an_integer_reference(num, den, places, mode):
    value = Fraction(num, den)
    rounded = round_exact(value, places, mode)
    assert Fraction(rounded) == reference_round(value, places, mode)
    assert rounded.as_tuple().exponent == -places  # always exactly the declared number of places
