"""Awards declared as data: ratio tiers, fixed top-k, score thresholds, "top half" (优胜奖).

Only eligible, ranked entries take award places; ineligible entries keep their rank but are skipped
(the next eligible entry takes the place) and are not counted in the ratio base N.

Tiers are applied best first over the eligible entries in rank order:

* ``ratio``: ⌊ratio × N⌉ places with the tier's declared rounding (each tier rounded on its own:
  47 entrants at 10/20/30 % half-up → 5 / 9 / 14);
* ``top_k``: a fixed number of places;
* ``top_half``: places up to position N/2 (odd N: ``ceil`` or ``floor`` as declared, and noted);
* ``threshold``: every remaining entry whose total (or standardized score) is ≥ min_score.

Counted tiers end at a *nominal* boundary (the running sum of their places).  When entries share a rank
across a boundary the declared ``tie_policy`` decides: ``higher`` — all tied get the higher award, and
the next tier still ends at its own nominal boundary (so two golds leave no silver, as at WorldSkills);
``lower`` — all tied get the lower award; ``expand`` — all tied get the higher award and every later
tier keeps its full size.  ``min_total`` withholds any award below it (the places are not passed on).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Sequence

from .model import AwardPolicy, RatioTier, ThresholdTier, TopHalfTier, TopKTier
from .numbers import exact_mul, round_count
from .panel import fmt
from .results import AwardResult, Standing, TierResult

AWARDS_FINAL = "final"
AWARDS_PROVISIONAL = "provisional"
AWARDS_BLOCKED = "blocked"


def assign_awards(policy: AwardPolicy, standings: Sequence[Standing], *, ranking_status: str = "final") -> AwardResult:
    """Award places to ranked standings.  ``ranking_status`` "incomplete" blocks every award (a missing
    total could change the count and the order); "unresolved_tie" gives provisional awards."""
    eligible = sorted((s for s in standings if s.eligible and s.rank is not None and not s.withdrawn),
                      key=lambda s: (s.rank, s.entry))
    n = len(eligible)
    if ranking_status == "incomplete":
        return AwardResult(status=AWARDS_BLOCKED, eligible_count=n, tiers=[], awards={},
                           notes=["some entries have no final total yet; awards wait for them"])
    notes: list[str] = []
    ineligible = sorted(s.entry for s in standings if not s.eligible and s.rank is not None and not s.withdrawn)
    if ineligible:
        notes.append(f"ranked but not eligible for awards: {', '.join(ineligible)}")

    awards: dict[str, str] = {}
    tiers: list[TierResult] = []
    start = 0            # first eligible position not yet considered
    nominal_end = 0      # where the counted tiers end if no tie moved a boundary
    for tier in policy.tiers:
        if isinstance(tier, ThresholdTier):
            winners = []
            last = None
            for i in range(start, n):
                s = eligible[i]
                score = s.standardized if tier.on == "standardized" else s.total
                if score is not None and score >= tier.min_score and _meets_minimum(policy, s):
                    winners.append(s.entry)
                    awards[s.entry] = tier.code
                    last = i
            if last is not None:
                start = last + 1
            tiers.append(TierResult(code=tier.code, name=tier.name, kind="threshold", slots=None,
                                    basis=f"{tier.on} ≥ {fmt(tier.min_score)}", awarded=winners))
            continue
        if isinstance(tier, RatioTier):
            exact = exact_mul(tier.ratio, Decimal(n))
            slots = round_count(exact, tier.rounding)
            basis = f"{fmt(tier.ratio * 100)}% of {n} eligible = {fmt(exact)} → {tier.rounding} → {slots}"
            target = (start if policy.tie_policy == "expand" else nominal_end) + slots
            kind = "ratio"
        elif isinstance(tier, TopKTier):
            slots = tier.count
            basis = f"top {slots}"
            target = (start if policy.tie_policy == "expand" else nominal_end) + slots
            kind = "top_k"
        elif isinstance(tier, TopHalfTier):
            half = round_count(Decimal(n) / 2, tier.odd)
            slots = max(half - start, 0)
            basis = f"positions up to half of {n} eligible = {half}"
            if n % 2:
                basis += f" (odd count: {fmt(Decimal(n) / 2)} taken as {tier.odd})"
                notes.append(f"tier {tier.code}: {n} eligible entrants is odd; half taken as {half} ({tier.odd}), "
                             "as the award policy declares")
            target = half
            kind = "top_half"
        else:  # pragma: no cover - the union is closed
            raise TypeError(tier)
        nominal_end = max(target, nominal_end) if policy.tie_policy != "expand" else target
        end = min(max(target, start), n)
        if start < end < n and eligible[end - 1].rank == eligible[end].rank:
            tied_rank = eligible[end].rank
            tied = [s.entry for s in eligible if s.rank == tied_rank]
            if policy.tie_policy == "lower":
                while end > start and eligible[end - 1].rank == tied_rank:
                    end -= 1
                notes.append(f"tier {tier.code}: {', '.join(tied)} tie across the boundary; all get the lower award")
            else:
                while end < n and eligible[end].rank == tied_rank:
                    end += 1
                notes.append(f"tier {tier.code}: {', '.join(tied)} tie across the boundary; all get the higher "
                             f"award ({policy.tie_policy})")
            if policy.tie_policy == "expand":
                nominal_end = end
        winners = []
        for s in eligible[start:end]:
            if _meets_minimum(policy, s):
                winners.append(s.entry)
                awards[s.entry] = tier.code
        below = [s.entry for s in eligible[start:end] if not _meets_minimum(policy, s)]
        if below:
            notes.append(f"tier {tier.code}: {', '.join(below)} below the minimum total {fmt(policy.min_total)}; "
                         "no award")
        tiers.append(TierResult(code=tier.code, name=tier.name, kind=kind, slots=slots, basis=basis, awarded=winners))
        start = max(start, end)

    status = AWARDS_FINAL
    if ranking_status == "unresolved_tie":
        status = AWARDS_PROVISIONAL
        notes.append("the ranking has unresolved ties; tied entries were treated as sharing a rank")
    return AwardResult(status=status, eligible_count=n, tiers=tiers, awards=awards, notes=notes)


def _meets_minimum(policy: AwardPolicy, s: Standing) -> bool:
    return policy.min_total is None or (s.total is not None and s.total >= policy.min_total)
