"""Promotion (晋升) to a vocational skill level, and advancement (选拔) to the next competition level.

Skill levels are numbered as on the certificates (:data:`scoring.levels.SKILL_LEVEL_NAMES`, 5 … 1); a
*smaller* number is a *higher* level.

Promotion rules are data keyed by (competition level, optional competition class, award or rank band,
current level) → target level or ``one_up``.  Every matching rule is considered and the best target
wins, so "gold → 二级" and "gold, already 二级 → 一级" can be declared in any order.  A target at or
below the level a person already holds is reported as ``no_change``, never as a demotion.

Advancement selects entries in rank order under every declared limit at once (top N, top share, a
minimum total, a per-school cap, a hard maximum share).  Entries tied at the cut advance together or
not at all, as declared; a withdrawn qualifier is replaced by the next eligible entry, and the result
names both.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Mapping, Sequence

import msgspec

from .errors import InvalidPolicy, Problem
from .levels import SKILL_LEVEL_NAMES, SKILL_LEVEL_RANGE
from .model import Entry, Member, Model
from .numbers import RoundingMode, exact_mul, round_count
from .panel import fmt
from .results import Standing

CompetitionLevel = Literal["school", "county", "city", "province", "national"]



class PromotionRule(Model, kw_only=True):
    """Entries at ``competition_level`` (and ``competition_class`` if given) with one of ``awards`` or a
    rank within ``rank_from``..``rank_to``, whose members currently hold one of ``current_levels``
    (omit for any; ``null`` in the list = no certificate yet), reach ``target`` (a level, or
    ``"one_up"``).  ``condition`` is echoed on the promotion (e.g. "符合条件的" — eligibility a person
    checks)."""

    competition_level: CompetitionLevel
    competition_class: str | None = None
    awards: list[str] | None = None
    rank_from: int | None = None
    rank_to: int | None = None
    current_levels: list[int | None] | None = None
    target: int | Literal["one_up"]
    condition: str | None = None


class Promotion(msgspec.Struct, frozen=True, kw_only=True):
    """``status``: promoted | no_change (the rule's level is not above the current one) | not_covered."""

    entry: str
    person: str
    current_level: int | None
    target_level: int | None
    target_name: str | None
    status: str
    rule: int | None
    reason: str
    condition: str | None = None


def validate_promotion_rules(rules: Sequence[PromotionRule]) -> list[Problem]:
    out: list[Problem] = []
    for i, r in enumerate(rules):
        path = f"rules[{i}]"
        if r.awards is None and r.rank_from is None and r.rank_to is None:
            out.append(Problem(code="rule_parameter_invalid", path=path,
                               message="a promotion rule needs awards or a rank band"))
        if r.rank_from is not None and r.rank_to is not None and r.rank_from > r.rank_to:
            out.append(Problem(code="rule_parameter_invalid", path=f"{path}.rank_to",
                               message=f"rank band {r.rank_from}..{r.rank_to} is empty"))
        if isinstance(r.target, int) and r.target not in SKILL_LEVEL_NAMES:
            out.append(Problem(code="skill_level_invalid", path=f"{path}.target",
                               message=f"target levels run from {SKILL_LEVEL_RANGE}"))
        for k, level in enumerate(r.current_levels or ()):
            if level is not None and level not in SKILL_LEVEL_NAMES:
                out.append(Problem(code="skill_level_invalid", path=f"{path}.current_levels[{k}]",
                                   message=f"skill levels run from {SKILL_LEVEL_RANGE}"))
        if r.target == "one_up" and (not r.current_levels or None in r.current_levels):
            out.append(Problem(code="rule_parameter_invalid", path=f"{path}.current_levels",
                               message="'one_up' needs the current levels it applies to (and not 'none')"))
    return out


def promote(
    rules: Sequence[PromotionRule],
    *,
    competition_level: CompetitionLevel,
    standings: Sequence[Standing],
    entries: Sequence[Entry],
    competition_class: str | None = None,
) -> list[Promotion]:
    """The skill level each person reaches through this competition (every member of a team entry).

    An entry without members is treated as one person with the entry id and no current level.
    """
    problems = validate_promotion_rules(rules)
    if problems:
        raise InvalidPolicy(problems)
    by_entry: Mapping[str, Standing] = {s.entry: s for s in standings}
    out: list[Promotion] = []
    for entry in entries:
        standing = by_entry.get(entry.id)
        people = entry.members or [Member(id=entry.id)]
        for person in people:
            out.append(_promote_one(rules, competition_level, competition_class, entry.id, person, standing))
    return out


def _promote_one(rules, level, klass, entry_id: str, person: Member, standing: Standing | None) -> Promotion:
    current = person.skill_level
    best: tuple[int, int, PromotionRule] | None = None
    blocked: list[str] = []
    for i, r in enumerate(rules):
        if r.competition_level != level or (r.competition_class is not None and r.competition_class != klass):
            continue
        if standing is None or standing.withdrawn:
            continue
        by_award = r.awards is not None and standing.award in r.awards
        in_band = (r.rank_from is not None or r.rank_to is not None) and standing.rank is not None and (
            (r.rank_from is None or standing.rank >= r.rank_from) and (r.rank_to is None or standing.rank <= r.rank_to))
        if not (by_award or in_band):
            continue
        if r.current_levels is not None and current not in r.current_levels:
            continue
        if r.target == "one_up":
            if current == 1:
                blocked.append(f"rule {i}: already at the highest level")
                continue
            target = current - 1
        else:
            target = r.target
        if best is None or target < best[0]:
            best = (target, i, r)
    if best is None:
        reason = "no promotion rule covers this result" + (f" ({'; '.join(blocked)})" if blocked else "")
        return Promotion(entry=entry_id, person=person.id, current_level=current, target_level=None,
                         target_name=None, status="not_covered", rule=None, reason=reason)
    target, i, r = best
    basis = f"award {standing.award}" if r.awards is not None and standing.award in r.awards else f"rank {standing.rank}"
    if current is not None and current <= target:
        return Promotion(entry=entry_id, person=person.id, current_level=current, target_level=target,
                         target_name=SKILL_LEVEL_NAMES[target], status="no_change", rule=i,
                         reason=f"{basis} at {level} level gives {SKILL_LEVEL_NAMES[target]}, but the person already "
                                f"holds {SKILL_LEVEL_NAMES[current]}", condition=r.condition)
    now = SKILL_LEVEL_NAMES.get(current, "no level") if current is not None else "no level"
    return Promotion(entry=entry_id, person=person.id, current_level=current, target_level=target,
                     target_name=SKILL_LEVEL_NAMES[target], status="promoted", rule=i,
                     reason=f"{basis} at {level} level: {now} → {SKILL_LEVEL_NAMES[target]}"
                            + (" (one level up)" if r.target == "one_up" else ""),
                     condition=r.condition)


# ------------------------------------------------------------------------------------------ advancement


class AdvancementPolicy(Model, kw_only=True):
    """Who advances to the next competition level.  Every declared limit applies at once:
    ``top_n``; ``top_share`` of the eligible ranked entrants, rounded with ``share_rounding``;
    ``min_total``; ``per_school_cap``; ``max_share`` — a hard ceiling that even tied entries may not
    break.  ``ties``: entries tied at the cut advance ``together`` (exceeding the quota, never the
    ceiling) or ``none`` of them advance."""

    top_n: int | None = None
    top_share: Decimal | None = None
    share_rounding: RoundingMode = "floor"
    min_total: Decimal | None = None
    per_school_cap: int | None = None
    max_share: Decimal | None = None
    ties: Literal["together", "none"]


class Skipped(msgspec.Struct, frozen=True):
    entry: str
    reason: str


class AdvancementResult(msgspec.Struct, frozen=True, kw_only=True):
    """``qualified`` in rank order; ``replacements`` got in because ``withdrawn_qualifiers`` withdrew.
    ``status`` is ``needs_decision`` when a school cap falls inside a tie: nobody may pick, so the seats
    those tied entries will fill are held (``held``, counted against the quota) and the notes say so."""

    status: str
    qualified: list[str]
    quota: int
    basis: list[str]
    held: int = 0
    withdrawn_qualifiers: list[str] = []
    replacements: list[str] = []
    skipped: list[Skipped] = []
    notes: list[str] = []


def validate_advancement(policy: AdvancementPolicy) -> list[Problem]:
    out: list[Problem] = []
    if policy.top_n is None and policy.top_share is None and policy.min_total is None and policy.max_share is None:
        out.append(Problem(code="rule_parameter_invalid", path="advancement",
                           message="declare at least one of top_n, top_share, min_total, max_share"))
    if policy.top_n is not None and policy.top_n < 1:
        out.append(Problem(code="count_invalid", path="advancement.top_n", message="top_n must be ≥ 1"))
    for name in ("top_share", "max_share"):
        v = getattr(policy, name)
        if v is not None and not (v.is_finite() and 0 < v <= 1):
            out.append(Problem(code="ratio_invalid", path=f"advancement.{name}", message=f"{name} must be in (0, 1]"))
    if policy.per_school_cap is not None and policy.per_school_cap < 1:
        out.append(Problem(code="count_invalid", path="advancement.per_school_cap", message="cap must be ≥ 1"))
    return out


def advance(policy: AdvancementPolicy, standings: Sequence[Standing], *, withdrawn: Sequence[str] = ()) -> AdvancementResult:
    """Select the entries that advance; ``withdrawn``: qualifiers who withdrew after the results."""
    problems = validate_advancement(policy)
    if problems:
        raise InvalidPolicy(problems)
    original = _select(policy, standings, frozenset())
    if not withdrawn:
        return original
    final = _select(policy, standings, frozenset(withdrawn))
    gone = [e for e in original.qualified if e in set(withdrawn)]
    new = [e for e in final.qualified if e not in set(original.qualified)]
    notes = list(final.notes)
    if gone:
        if new:
            notes.append(f"withdrawn qualifier(s) {', '.join(gone)} replaced by the next eligible: "
                         f"{', '.join(new)}")
        elif len(final.qualified) + final.held >= final.quota:
            notes.append(f"withdrawn qualifier(s) {', '.join(gone)} not replaced: the quota of {final.quota} is "
                         "still filled")
        else:
            notes.append(f"withdrawn qualifier(s) {', '.join(gone)} not replaced: no further entry qualifies "
                         "under the policy (see the notes and skipped entries)")
    return AdvancementResult(status=final.status, qualified=final.qualified, quota=final.quota, basis=final.basis,
                             held=final.held, withdrawn_qualifiers=gone, replacements=new, skipped=final.skipped,
                             notes=notes)


def _select(policy: AdvancementPolicy, standings: Sequence[Standing], withdrawn: frozenset[str]) -> AdvancementResult:
    pool = sorted((s for s in standings if s.eligible and s.rank is not None and not s.withdrawn),
                  key=lambda s: (s.rank, s.entry))
    n = len(pool)
    basis: list[str] = [f"{n} eligible ranked entrants"]
    limits: list[int] = []
    if policy.top_n is not None:
        limits.append(policy.top_n)
        basis.append(f"top_n {policy.top_n}")
    if policy.top_share is not None:
        exact = exact_mul(policy.top_share, Decimal(n))
        share = round_count(exact, policy.share_rounding)
        limits.append(share)
        basis.append(f"top_share {fmt(policy.top_share)} × {n} = {fmt(exact)} → {policy.share_rounding} → {share}")
    ceiling = None
    if policy.max_share is not None:
        exact = exact_mul(policy.max_share, Decimal(n))
        ceiling = round_count(exact, "floor")
        limits.append(ceiling)
        basis.append(f"max_share {fmt(policy.max_share)} × {n} = {fmt(exact)} → floor → {ceiling} (hard ceiling)")
    quota = min(limits) if limits else n
    basis.append(f"quota {quota}")

    groups: list[list[Standing]] = []
    for s in pool:
        if groups and groups[-1][0].rank == s.rank:
            groups[-1].append(s)
        else:
            groups.append([s])

    qualified: list[str] = []
    skipped: list[Skipped] = []
    notes: list[str] = []
    taken: dict[str, int] = {}
    reserved = 0
    status = "final"
    for group in groups:
        if len(qualified) + reserved >= quota:
            break
        candidates: list[Standing] = []
        for s in group:
            if s.entry in withdrawn:
                skipped.append(Skipped(s.entry, "withdrawn"))
            elif policy.min_total is not None and (s.total is None or s.total < policy.min_total):
                skipped.append(Skipped(s.entry, f"total below the minimum {fmt(policy.min_total)}"))
            else:
                candidates.append(s)
        # Entries of a school with room for fewer of them than are tied: nobody may pick, but `room` of
        # them will advance whoever is picked, so those seats are held (if this group advances at all).
        held: list[tuple[str, int, list[Standing]]] = []
        if policy.per_school_cap is not None:
            kept: list[Standing] = []
            by_school: dict[str | None, list[Standing]] = {}
            for s in candidates:
                by_school.setdefault(s.school, []).append(s)
            for school, members in by_school.items():
                room = policy.per_school_cap - taken.get(school, 0) if school is not None else len(members)
                if len(members) <= room:
                    kept.extend(members)
                elif room <= 0:
                    skipped.extend(Skipped(s.entry, f"school {school} already has {policy.per_school_cap} "
                                                    "advancing (per-school cap)") for s in members)
                else:
                    held.append((school, room, members))
            candidates = sorted(kept, key=lambda s: s.entry)
        need = len(candidates) + sum(room for _, room, _ in held)
        if not need:
            continue
        seated = len(qualified) + reserved
        at_cut = seated + need > quota
        advancing = True
        if at_cut:
            # The seats this group needs pass the quota: it is tied at the cut (a single entry never is,
            # as the loop stops once the quota is filled).
            ids = ", ".join(sorted([s.entry for s in candidates] + [s.entry for _, _, ms in held for s in ms]))
            if policy.ties == "together":
                if ceiling is not None and seated + need > ceiling:
                    advancing = False
                    notes.append(f"{ids} are tied at the cut; advancing together would pass the hard ceiling "
                                 f"{ceiling}, so none of them advance")
                else:
                    notes.append(f"{ids} are tied at the cut and advance together ({seated + need} "
                                 f"for a quota of {quota})")
            else:
                advancing = False
                notes.append(f"{ids} are tied at the cut; by the declared policy none of them advance")
        if not advancing:
            skipped.extend(Skipped(s.entry, "tied at the cut") for s in candidates)
            skipped.extend(Skipped(s.entry, "tied at the cut") for _, _, ms in held for s in ms)
            break
        for s in candidates:
            qualified.append(s.entry)
            if s.school is not None:
                taken[s.school] = taken.get(s.school, 0) + 1
        for school, room, members in held:
            status = "needs_decision"
            reserved += room
            taken[school] = policy.per_school_cap
            notes.append(f"{', '.join(s.entry for s in members)} of school {school} are tied with room for "
                         f"{room} under the per-school cap; {room} seat(s) held until a decision names who "
                         "advances")
            skipped.extend(Skipped(s.entry, "tied at the per-school cap; needs a decision") for s in members)
        if at_cut:
            break
    return AdvancementResult(status=status, qualified=qualified, quota=quota, basis=basis, held=reserved,
                             skipped=skipped, notes=notes)
