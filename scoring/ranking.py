"""Ranking: shared ranks, or unshared ranks (排名不并列) through an ordered tie-break chain.

Shared mode: equal totals share a rank and the next rank skips (1, 2, 2, 4).

Unshared mode: equal totals are split by the declared steps, in order — criterion scores in scheme order,
time used (shorter first), named criteria, a recorded decision — and an explicit ``share`` step may end
the chain to let remaining ties share a place.  A tie that survives the chain is *not* ordered by
anything else (not by entry id, not by input order): the tied entries keep a common provisional rank,
and the ranking reports ``status = "unresolved_tie"`` with the groups, so a person has to decide.

Every placed entry says what separated it from the entry above (``total``, the step, or the decision).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Sequence

from .model import (
    ByCriteria,
    ByCriterionOrder,
    ByDecision,
    ByTimeUsed,
    RankingPolicy,
    ShareRemaining,
    TieDecision,
)
from .numbers import plain
from .panel import fmt
from .results import Contender, RankedEntry, RankingResult

RANKING_FINAL = "final"
RANKING_UNRESOLVED = "unresolved_tie"
RANKING_INCOMPLETE = "incomplete"


class _Group:
    """Consecutive entries not yet told apart, with why they sit below the group above."""

    __slots__ = ("members", "separated_by", "detail", "shared")

    def __init__(self, members: list[Contender], separated_by: str | None, detail: str | None):
        self.members = members
        self.separated_by = separated_by
        self.detail = detail
        self.shared = False


def rank(
    contenders: Sequence[Contender],
    policy: RankingPolicy,
    *,
    criterion_order: Sequence[str] = (),
    decisions: Sequence[TieDecision] = (),
    unranked: Sequence[str] = (),
) -> RankingResult:
    """Rank entries with final totals.  ``unranked``: entries without a final total (reported, and
    they make the ranking ``incomplete``).  Higher totals rank first."""
    ordered = sorted(contenders, key=lambda c: c.entry)
    ordered.sort(key=lambda c: c.total, reverse=True)
    groups: list[_Group] = []
    for c in ordered:
        if groups and groups[-1].members[0].total == c.total:
            groups[-1].members.append(c)
        else:
            above = groups[-1].members[0].total if groups else None
            groups.append(_Group([c], "total" if groups else None,
                                 f"total {_num(c.total)} < {_num(above)}" if groups else None))

    notes: list[str] = []
    used_decisions: list[TieDecision] = []
    if policy.mode == "unshared":
        for step in policy.tie_break:
            groups = _refine(groups, step, criterion_order, decisions, used_decisions, notes)

    order: list[RankedEntry] = []
    unresolved: list[list[str]] = []
    position = 1
    for g in groups:
        ids = tuple(c.entry for c in g.members)
        tied = len(ids) > 1
        open_tie = tied and policy.mode == "unshared" and not g.shared
        if open_tie:
            unresolved.append(list(ids))
        for i, c in enumerate(g.members):
            order.append(RankedEntry(
                entry=c.entry,
                rank=position,
                total=c.total,
                separated_by=g.separated_by if i == 0 else None,
                detail=g.detail if i == 0 else None,
                tied_with=tuple(x for x in ids if x != c.entry) if tied else (),
                unresolved=open_tie,
            ))
        position += len(ids)
    if unranked:
        status = RANKING_INCOMPLETE
    elif unresolved:
        status = RANKING_UNRESOLVED
        notes.append(f"{len(unresolved)} tie(s) survive the tie-break chain and no decision is recorded; "
                     "the tied entries share a provisional rank until one is")
    else:
        status = RANKING_FINAL
    return RankingResult(mode=policy.mode, status=status, order=order, unresolved=unresolved,
                         unranked=sorted(unranked), decisions_used=used_decisions, notes=notes)


def _num(x) -> str:
    """A published score as published: its digits as they are (83.10), a fraction as p/q."""
    return plain(x) if isinstance(x, Decimal) else fmt(x)


def _refine(groups: list[_Group], step, criterion_order, decisions, used_decisions, notes) -> list[_Group]:
    out: list[_Group] = []
    for g in groups:
        if len(g.members) == 1 or g.shared:
            out.append(g)
            continue
        if isinstance(step, ShareRemaining):
            g.shared = True
            g.detail = (g.detail + "; " if g.detail else "") + "remaining tie shared by the declared 'share' step"
            out.append(g)
            continue
        if isinstance(step, ByDecision):
            out.extend(_by_decision(g, decisions, used_decisions))
            continue
        key, name, descending, describe = _key_for(step, criterion_order)
        if isinstance(step, ByTimeUsed) and any(c.time_used is None for c in g.members):
            missing = sorted(c.entry for c in g.members if c.time_used is None)
            notes.append(f"time_used step skipped for tied {', '.join(c.entry for c in g.members)}: "
                         f"no time recorded for {', '.join(missing)}")
            out.append(g)
            continue
        members = sorted(g.members, key=key, reverse=descending)
        first = True
        for c in members:
            if out and not first and key(out[-1].members[0]) == key(c):
                out[-1].members.append(c)
                continue
            if first:
                out.append(_Group([c], g.separated_by, g.detail))
                first = False
            else:
                above = out[-1].members[0]
                out.append(_Group([c], name, describe(above, c)))
    return out


def _key_for(step, criterion_order) -> tuple[Callable[[Contender], Any], str, bool, Callable]:
    if isinstance(step, ByTimeUsed):
        return (lambda c: c.time_used), "time_used", False, (
            lambda a, b: f"time used {_num(b.time_used)} > {_num(a.time_used)}")
    if isinstance(step, ByCriterionOrder):
        names = list(criterion_order)
        label = "criterion_order"
    elif isinstance(step, ByCriteria):
        names = list(step.criteria)
        label = "criteria"
    else:  # pragma: no cover - the union is closed
        raise TypeError(step)

    def key(c: Contender):
        return tuple(c.criteria[n] for n in names)

    def describe(a: Contender, b: Contender) -> str:
        for n in names:
            if a.criteria[n] != b.criteria[n]:
                return f"criterion {n}: {_num(b.criteria[n])} < {_num(a.criteria[n])}"
        return ""

    return key, label, True, describe


def _by_decision(g: _Group, decisions: Sequence[TieDecision], used: list[TieDecision]) -> list[_Group]:
    ids = {c.entry for c in g.members}
    for d in decisions:
        if ids <= set(d.entries):
            if d not in used:
                used.append(d)
            position = {e: i for i, e in enumerate(d.entries)}
            members = sorted(g.members, key=lambda c: position[c.entry])
            detail = f"decided by {d.decided_by}" + (f": {d.reason}" if d.reason else "")
            out = [_Group([members[0]], g.separated_by, g.detail)]
            out.extend(_Group([c], "decision", detail) for c in members[1:])
            return out
    return [g]
