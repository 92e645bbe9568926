"""Ranking (shared and unshared with a tie-break chain) and awards declared as data."""

from __future__ import annotations

import pytest

from scoring import (
    AwardPolicy,
    ByCriterionOrder,
    ByDecision,
    ByTimeUsed,
    Contender,
    Entry,
    RankingPolicy,
    RatioTier,
    Standing,
    ThresholdTier,
    TieDecision,
    TopHalfTier,
    TopKTier,
    assign_awards,
    rank,
)

from .helpers import D, simple_event


def contenders(totals: dict[str, str], times: dict[str, str] | None = None) -> list[Contender]:
    times = times or {}
    return [Contender(entry=e, total=D(t), criteria={"c": D(t)}, time_used=D(times[e]) if e in times else None)
            for e, t in totals.items()]


def test_shared_ranks_skip_after_a_tie():
    result = rank(contenders({"a": "90", "b": "80", "c": "80", "d": "70"}), RankingPolicy(mode="shared"))
    assert [(r.entry, r.rank) for r in result.order] == [("a", 1), ("b", 2), ("c", 2), ("d", 4)]
    assert result.status == "final"
    assert result.order[1].tied_with == ("c",)


def test_unshared_without_a_way_to_break_the_tie_reports_it_and_invents_no_order():
    result = rank(contenders({"a": "90", "b": "80", "c": "80", "d": "70"}),
                  RankingPolicy(mode="unshared", tie_break=[ByTimeUsed()]))
    assert result.status == "unresolved_tie"
    assert result.unresolved == [["b", "c"]]
    # Both keep the same provisional rank: nothing (not the id, not input order) decides between them.
    assert {r.entry: r.rank for r in result.order} == {"a": 1, "b": 2, "c": 2, "d": 4}
    assert all(r.unresolved for r in result.order if r.entry in "bc")
    assert any("no time recorded" in n for n in result.notes)


def test_input_order_never_shows_through():
    totals = {"a": "90", "b": "80", "c": "80", "d": "70"}
    forward = rank(contenders(totals), RankingPolicy())
    backward = rank(list(reversed(contenders(totals))), RankingPolicy())
    assert forward == backward


def test_recorded_decision_resolves_a_tie():
    decision = TieDecision(entries=["c", "b"], decided_by="裁判长 王", reason="操作规范性更好")
    result = rank(contenders({"a": "90", "b": "80", "c": "80"}),
                  RankingPolicy(mode="unshared", tie_break=[ByCriterionOrder(), ByDecision()]),
                  criterion_order=["c"], decisions=[decision])
    assert [(r.entry, r.rank) for r in result.order] == [("a", 1), ("c", 2), ("b", 3)]
    assert result.status == "final"
    assert result.decisions_used == [decision]
    assert result.order[2].separated_by == "decision" and "裁判长 王" in result.order[2].detail


def test_a_decision_that_does_not_cover_the_whole_tie_is_not_applied():
    result = rank(contenders({"a": "80", "b": "80", "c": "80"}),
                  RankingPolicy(mode="unshared", tie_break=[ByDecision()]),
                  decisions=[TieDecision(entries=["a", "b"], decided_by="x")])
    assert result.status == "unresolved_tie" and result.unresolved == [["a", "b", "c"]]


def test_time_used_splits_and_names_itself():
    result = rank(contenders({"a": "80", "b": "80"}, {"a": "150", "b": "142"}),
                  RankingPolicy(mode="unshared", tie_break=[ByTimeUsed()]))
    assert [r.entry for r in result.order] == ["b", "a"]
    assert result.order[1].separated_by == "time_used" and result.order[1].detail == "time used 150 > 142"


# ------------------------------------------------------------------------------------------ awards


def standings(spec: list[tuple[str, int, str]], ineligible=()) -> list[Standing]:
    return [Standing(entry=e, rank=r, total=D(t), eligible=e not in ineligible) for e, r, t in spec]


TEN = [(f"e{i}", i, str(100 - i)) for i in range(1, 11)]


def test_ineligible_entries_are_ranked_but_never_take_a_place():
    policy = AwardPolicy(tie_policy="higher", tiers=[TopKTier(code="gold", count=1), TopKTier(code="silver", count=1)])
    result = assign_awards(policy, standings(TEN, ineligible={"e1"}))
    assert result.awards == {"e2": "gold", "e3": "silver"}
    assert result.eligible_count == 9
    assert "e1" in result.notes[0]


def test_ratio_base_counts_eligible_entrants_only():
    policy = AwardPolicy(tie_policy="higher", tiers=[RatioTier(code="first", ratio=D("0.5"), rounding="floor")])
    result = assign_awards(policy, standings(TEN, ineligible={"e1", "e2", "e3"}))
    assert result.tiers[0].slots == 3  # 0.5 × 7 = 3.5 → floor
    assert result.tiers[0].awarded == ["e4", "e5", "e6"]


def test_minimum_total_withholds_awards():
    policy = AwardPolicy(tie_policy="higher", min_total=D(95),
                         tiers=[RatioTier(code="first", ratio=D("0.6"), rounding="half_up")])
    result = assign_awards(policy, standings(TEN))
    assert result.tiers[0].slots == 6
    assert result.tiers[0].awarded == ["e1", "e2", "e3", "e4", "e5"]  # e6 has 94
    assert any("below the minimum total 95" in n for n in result.notes)


BOUNDARY_TIE = [("a", 1, "90"), ("b", 2, "85"), ("c", 2, "85"), ("d", 4, "80"), ("e", 5, "75"), ("f", 6, "70")]
TWO_TIERS = [TopKTier(code="first", count=2), TopKTier(code="second", count=2)]


@pytest.mark.parametrize("policy, expected", [
    ("higher", {"a": "first", "b": "first", "c": "first", "d": "second"}),
    ("lower", {"a": "first", "b": "second", "c": "second", "d": "second"}),
    ("expand", {"a": "first", "b": "first", "c": "first", "d": "second", "e": "second"}),
])
def test_tie_on_a_tier_boundary_follows_the_declared_policy(policy, expected):
    result = assign_awards(AwardPolicy(tie_policy=policy, tiers=TWO_TIERS), standings(BOUNDARY_TIE))
    assert result.awards == expected
    assert any("tie across the boundary" in n for n in result.notes)


def test_threshold_tier_on_the_total():
    policy = AwardPolicy(tie_policy="higher", tiers=[TopKTier(code="gold", count=1),
                                                     ThresholdTier(code="merit", min_score=D(95))])
    result = assign_awards(policy, standings(TEN))
    assert result.awards == {"e1": "gold", "e2": "merit", "e3": "merit", "e4": "merit", "e5": "merit"}


def test_awards_wait_for_every_total():
    event = simple_event({"a": 90, "b": 80}, entries=[Entry(id="a"), Entry(id="b"), Entry(id="c")],
                         scheme_kw={"awards": AwardPolicy(tie_policy="higher", tiers=[TopKTier(code="g", count=1)])})
    assert event.ranking.status == "incomplete"
    assert event.awards.status == "blocked" and event.awards.awards == {}
    assert all(e.award is None for e in event.entries)
    assert event.status == "pending"


def test_unresolved_ties_make_awards_provisional():
    event = simple_event({"a": 90, "b": 90, "c": 80}, scheme_kw={
        "ranking": RankingPolicy(mode="unshared", tie_break=[ByDecision()]),
        "awards": AwardPolicy(tie_policy="higher", tiers=[TopKTier(code="g", count=1), TopKTier(code="s", count=1)])})
    assert event.status == "unresolved_tie"
    assert event.awards.status == "provisional"
    assert event.awards.awards == {"a": "g", "b": "g"}  # treated as shared under 'higher'; no silver


def test_withdrawn_entries_are_not_ranked_and_do_not_block():
    event = simple_event({"a": 90, "b": 80}, entries=[Entry(id="a"), Entry(id="b"), Entry(id="c", withdrawn=True)],
                         scheme_kw={"awards": AwardPolicy(tie_policy="higher", tiers=[TopKTier(code="g", count=1)])})
    assert event.entry("c").status == "withdrawn" and event.entry("c").rank is None
    assert event.ranking.status == "final" and event.awards.awards == {"a": "g"}


def test_top_half_after_medals_counts_positions_among_eligible():
    policy = AwardPolicy(tie_policy="higher", tiers=[TopKTier(code="gold", count=1), TopHalfTier(code="merit", odd="floor")])
    result = assign_awards(policy, standings(TEN, ineligible={"e2"}))  # 9 eligible → half = 4 (floor)
    assert result.awards == {"e1": "gold", "e3": "merit", "e4": "merit", "e5": "merit"}
