"""Result structs: aspect, criterion, entry and event results, ranking, awards, standardization.

Values are *exact* (``Decimal`` or ``Fraction``, see :mod:`scoring.numbers`); a field is ``None`` when it
cannot be computed yet (a panel waiting for a re-mark, missing marks).  These are Python objects for
callers of the API; the stable file format built from them lives in :mod:`scoring.results_format`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from .model import Entry, Scheme, TieDecision
from .numbers import Exact, exact_ratio

ENTRY_FINAL = "final"
ENTRY_PENDING = "pending"          # a panel needs a re-mark, a third marker or an arbiter
ENTRY_INCOMPLETE = "incomplete"    # marks are missing
ENTRY_WITHDRAWN = "withdrawn"

NO_MARKS: tuple = ()


class MarkRef(msgspec.Struct, frozen=True, gc=False):
    """A mark as an explanation names it: who, what value, which round."""

    judge: str
    mark: Any  # Decimal, or a Fraction in a what-if recompute
    round: int = 1


class NextStep(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """What an aspect that has no final mark waits for, for a judging screen or a tolerance ticket.

    ``action``:

    * ``marks`` — marks are missing (status ``incomplete``): ``missing`` more, first marks (round 1);
      ``judges`` are those who have marked (the missing marks come from others);
    * ``remark`` — a tolerance breach (``needs_remark``): ``judges`` re-mark, each sending ``round``
      (one above the panel's latest round; each judge's latest round counts);
    * ``third_marker`` — double marking out of tolerance (``needs_third_marker``): one mark in round 2
      from a judge other than ``judges`` (the first markers);
    * ``arbiter`` — the arbiter decides (``needs_arbiter``): one mark in round 3 from a judge other
      than ``judges`` (the markers so far).
    """

    action: str
    round: int
    judges: tuple[str, ...] = ()
    missing: int = 1


NEXT_MARKS, NEXT_REMARK, NEXT_THIRD_MARKER, NEXT_ARBITER = "marks", "remark", "third_marker", "arbiter"


class AspectResult(msgspec.Struct, gc=False):
    """One aspect of one entry.  ``mark`` is what the criterion adds (rounded if the scheme rounds
    aspects); ``num``/``den`` keep the exact value before rounding; ``involved`` names the marks behind
    a non-ok status; ``next_step`` says what a status without a mark waits for (None when the mark
    counts); ``panel`` keeps the marks so :func:`scoring.explain` can name every mark used and dropped
    (by re-running the same rule) without storing that for a million panels."""

    aspect: str
    criterion: str
    status: str
    mark: Exact | None
    reason: str | None = None
    involved: tuple = NO_MARKS
    num: Any = None
    den: Any = None
    panel: Any = None
    next_step: NextStep | None = None

    @property
    def unrounded(self) -> Exact | None:
        """The exact value before the scheme's aspect rounding."""
        if self.num is None:
            return None
        return exact_ratio(self.num, self.den)


class CriterionResult(msgspec.Struct, gc=False):
    """One criterion of one entry: ``score`` (after criterion rounding) and ``weighted`` (× weight)."""

    criterion: str
    status: str
    score: Exact | None
    unrounded: Exact | None
    weighted: Exact | None
    aspects: list[AspectResult]


class EntryResult(msgspec.Struct):
    """One entry: ``total`` after total rounding; rank/award/standardized filled in once known."""

    entry: Entry
    status: str
    total: Exact | None
    unrounded_total: Exact | None
    criteria: list[CriterionResult]
    rank: int | None = None
    award: str | None = None
    standardized: Decimal | None = None

    @property
    def id(self) -> str:
        return self.entry.id

    def aspect(self, aspect_id: str) -> AspectResult:
        for c in self.criteria:
            for a in c.aspects:
                if a.aspect == aspect_id:
                    return a
        raise KeyError(aspect_id)

    def criterion(self, criterion_id: str) -> CriterionResult:
        for c in self.criteria:
            if c.criterion == criterion_id:
                return c
        raise KeyError(criterion_id)


class Contender(msgspec.Struct, frozen=True):
    """What ranking needs of an entry with a final total."""

    entry: str
    total: Any
    criteria: dict[str, Any] = {}
    time_used: Decimal | None = None


class RankedEntry(msgspec.Struct, frozen=True):
    """A place in the ranking.  ``separated_by`` says which step put this entry below the one above
    (``total``, a tie-break step, or ``decision``); ``tied_with`` lists entries sharing the rank."""

    entry: str
    rank: int
    total: Any
    separated_by: str | None = None
    detail: str | None = None
    tied_with: tuple[str, ...] = ()
    unresolved: bool = False


class RankingResult(msgspec.Struct, frozen=True):
    """``status``: final | unresolved_tie (ties the chain could not break and no decision was recorded;
    they share a rank provisionally) | incomplete (some entries have no final total, listed in
    ``unranked``)."""

    mode: str
    status: str
    order: list[RankedEntry]
    unresolved: list[list[str]] = []
    unranked: list[str] = []
    decisions_used: list[TieDecision] = []
    notes: list[str] = []

    def rank_of(self, entry_id: str) -> int | None:
        for r in self.order:
            if r.entry == entry_id:
                return r.rank
        return None


class Standing(msgspec.Struct, frozen=True, kw_only=True):
    """An entry's place as awards, advancement and promotion read it (also rebuilt from results files)."""

    entry: str
    rank: int | None
    total: Any = None
    eligible: bool = True
    school: str | None = None
    standardized: Decimal | None = None
    award: str | None = None
    withdrawn: bool = False


class TierResult(msgspec.Struct, frozen=True):
    """An award tier as applied: how many places (and how that number came about), who got it."""

    code: str
    name: str
    kind: str
    slots: int | None
    basis: str
    awarded: list[str]


class AwardResult(msgspec.Struct, frozen=True):
    """``status``: final | provisional (unresolved ranking ties were treated as shared) | blocked
    (some entries have no final total; no award is given)."""

    status: str
    eligible_count: int
    tiers: list[TierResult]
    awards: dict[str, str]
    notes: list[str] = []


class StandardizationResult(msgspec.Struct, frozen=True):
    """Standardized scores with the formula and every parameter that produced them."""

    method: str
    formula: str
    parameters: dict[str, str]
    scores: dict[str, Decimal]
    notes: list[str] = []


class PendingAspect(msgspec.Struct, frozen=True, kw_only=True):
    """One aspect of one entry that keeps the entry from a final total, and what it waits for."""

    entry: str
    criterion: str
    aspect: str
    status: str
    next_step: NextStep
    reason: str | None = None

    def describe(self) -> str:
        """For people: "entry 49, aspect A3: needs a third marker (round 2, not J1 or J2)"."""
        step = self.next_step
        where = f"entry {self.entry}, aspect {self.aspect}"
        others = f", not {' or '.join(step.judges)}" if step.judges else ""
        if step.action == NEXT_REMARK:
            return f"{where}: needs a re-mark by {', '.join(step.judges)} (round {step.round})"
        if step.action == NEXT_THIRD_MARKER:
            return f"{where}: needs a third marker (round {step.round}{others})"
        if step.action == NEXT_ARBITER:
            return f"{where}: needs an arbiter (round {step.round}{others})"
        return f"{where}: waits for {step.missing} more mark{'s' if step.missing != 1 else ''}"


class EventResult(msgspec.Struct):
    """Everything computed for one event."""

    event: str
    scheme: Scheme
    status: str
    entries: list[EntryResult]
    ranking: RankingResult
    awards: AwardResult | None = None
    standardization: StandardizationResult | None = None
    decisions: list[TieDecision] = []

    def entry(self, entry_id: str) -> EntryResult:
        for e in self.entries:
            if e.entry.id == entry_id:
                return e
        raise KeyError(entry_id)

    def pending(self) -> list[PendingAspect]:
        """Every aspect that keeps an entry from a final total, entry by entry in result order: what
        the event still waits for (empty when every non-withdrawn entry is final)."""
        return [PendingAspect(entry=e.entry.id, criterion=a.criterion, aspect=a.aspect, status=a.status,
                              next_step=a.next_step, reason=a.reason)
                for e in self.entries if e.status in (ENTRY_PENDING, ENTRY_INCOMPLETE)
                for c in e.criteria for a in c.aspects if a.next_step is not None]

    def standings(self) -> list[Standing]:
        return [
            Standing(entry=e.entry.id, rank=e.rank, total=e.total, eligible=e.entry.eligible,
                     school=e.entry.school, standardized=e.standardized, award=e.award,
                     withdrawn=e.entry.withdrawn)
            for e in self.entries
        ]

