"""Compute an event: validate the marks against the scheme, evaluate every panel, total, rank, award.

The order is fixed and is part of the contract:

1. the scheme is validated (``InvalidScheme`` lists every problem);
2. every mark is validated (``InvalidMarks`` lists every bad row with its field) — nothing is returned
   when any row is bad, so no result is ever built from partial garbage (an entry whose own panels all
   pass is evaluated as soon as they do, while its marks are in cache, but only a clean file lets that
   result out; no rule ever runs on a panel that failed a check);
3. each panel is evaluated by its rule (a status per aspect, never a silent average over missing marks);
4. criterion scores and totals are summed exactly, rounded only where the scheme says;
5. entries with a final total are ranked; standardization and awards follow.

Speed matters (a national event is ~10^6 marks), so the scheme is compiled once into per-aspect plans
with the rule dispatch resolved, marks are grouped entry → aspect in one pass (coarse blocks of entries
first when they arrive scattered), and range checks look at the two ends of each sorted panel instead of
at every mark.  The checks are still exhaustive: whenever a panel looks wrong, a slow pass over its rows
names each offending row.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from decimal import Decimal, Inexact, InvalidOperation
from fractions import Fraction
from itertools import chain
from typing import Callable, Mapping, Sequence

from .awards import assign_awards
from .errors import InvalidMarks, Problem
from .model import (
    Criterion,
    DoubleMarkingArbiterRule,
    DoubleMarkingRule,
    Entry,
    Judge,
    JudgementAspect,
    Mark,
    MeasurementAspect,
    ReferenceBlendRule,
    Scheme,
    TieDecision,
)
from .numbers import (
    DECIMAL_MODES,
    ROUNDER,
    STICKY,
    ZERO,
    canonical,
    exact_context,
    exact_mul,
    exact_ratio,
    exact_sum,
    quantum,
    round_exact,
)
from .panel import (
    FINAL_STATUSES,
    INCOMPLETE,
    OK,
    PanelMarks,
    compile_measurement,
    compile_rule,
    counts_own_panel,
    fmt,
)
from .ranking import rank
from .results import (
    ENTRY_FINAL,
    ENTRY_INCOMPLETE,
    ENTRY_PENDING,
    ENTRY_WITHDRAWN,
    NO_MARKS,
    AspectResult,
    Contender,
    CriterionResult,
    EntryResult,
    EventResult,
    MarkRef,
    Standing,
)
from .standardize import standardize
from .validate import check_scheme, effective_rule, mark_scale, rule_output_range

JUDGEMENT_SCORES = frozenset(Decimal(i) for i in range(4))
MAX_PROBLEMS = 200  # enough to fix a file; a million bad rows need not all be listed
MAX_PLACES = 20  # decimal places named as the cause when a mark is too precise for exact scoring


@contextmanager
def paused_gc():
    """Pause the cyclic garbage collector while an event is computed.

    Scoring allocates a few hundred thousand containers that all stay alive until the result is
    returned; the collector would re-walk them (and, in a full collection, everything else the process
    holds) and could free nothing, since score data holds no reference cycles.  Measured on the
    840,000-mark benchmark: about 0.1 s (15 %) with marks in entry order, 0.3 s with scattered marks.
    Reference counting still frees everything as usual.

    The collector is process-wide, so: it is resumed in ``finally`` (an exception cannot leave it off),
    and only if it was running on entry (a caller that paused it keeps it paused).  Two overlapping
    calls from different threads also end with it running: the second sees it paused and leaves it
    alone, the first resumes it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ------------------------------------------------------------------------------------ compiled scheme


class AspectPlan:
    """An aspect with everything resolved that does not depend on marks."""

    __slots__ = ("aspect", "criterion", "n", "lo", "hi", "judgement", "fn", "own_count", "smul", "sdiv",
                 "places", "mode", "quantum", "rmode", "rule", "max_rounds", "references", "n_max", "evaluate")

    def __init__(self, scheme: Scheme, aspect, criterion_id: str):
        self.aspect = aspect
        self.criterion = criterion_id
        self.judgement = isinstance(aspect, JudgementAspect)
        rule = effective_rule(scheme, aspect)
        self.rule = rule
        self.smul = self.sdiv = None
        self.max_rounds = None
        self.references = frozenset()
        if isinstance(aspect, MeasurementAspect):
            self.n = 1
            self.lo, self.hi = (None, None) if aspect.bands else (ZERO, aspect.max)
            self.fn = compile_measurement(aspect)
            self.own_count = False
        else:
            self.n = aspect.judges
            self.lo, self.hi = mark_scale(aspect)
            self.fn = compile_rule(rule, aspect.judges)
            self.own_count = counts_own_panel(rule)
            if isinstance(rule, (DoubleMarkingRule, DoubleMarkingArbiterRule)):
                self.max_rounds = 3
            if isinstance(rule, ReferenceBlendRule):
                self.references = frozenset(rule.reference_judges)
            _, out_max = rule_output_range(rule, aspect.judges, (self.lo, self.hi))
            if out_max != aspect.max:
                # The rule's scale differs from the aspect's marks (0–3 judgement, 0–10 panel on a
                # 20-mark aspect, a trimmed sum): map it proportionally, mark = result × max / out_max.
                self.smul, self.sdiv = aspect.max, out_max
        r = scheme.rounding.aspect
        self.places, self.mode = (r.places, r.mode) if r is not None else (None, None)
        self.quantum = quantum(r.places) if r is not None else None
        self.rmode = DECIMAL_MODES[r.mode] if r is not None else None
        # The fast pass-2 check: more marks than this, or a rule that sorts out roles by round or judge,
        # sends the panel to the row-by-row path.
        measurement = isinstance(aspect, MeasurementAspect)
        self.n_max = 0 if self.own_count else (1 << 30 if measurement else self.n)
        self.evaluate = _make_evaluator(self)


class SchemePlan:
    __slots__ = ("scheme", "criteria", "aspects", "weights", "criterion_rounding", "total_rounding")

    def __init__(self, scheme: Scheme):
        self.scheme = scheme
        self.criteria: list[tuple[str, list[AspectPlan]]] = []
        self.aspects: dict[str, AspectPlan] = {}
        self.weights: list[Decimal | None] = []
        for criterion in scheme.criteria:
            plans = [AspectPlan(scheme, a, criterion.id) for a in criterion.aspects]
            self.criteria.append((criterion.id, plans))
            self.weights.append(criterion.weight)
            for p in plans:
                self.aspects[p.aspect.id] = p
        self.criterion_rounding = scheme.rounding.criterion
        self.total_rounding = scheme.rounding.total


def compile_scheme(scheme: Scheme) -> SchemePlan:
    """Validate (raising ``InvalidScheme``) and compile a scheme."""
    check_scheme(scheme)
    return SchemePlan(scheme)


# ------------------------------------------------------------------------------------ marks → panels


class _Problems:
    """Collects problems; maps a Mark object back to its row index only when a problem needs it."""

    def __init__(self, marks: Sequence[Mark]):
        self.marks = marks
        self.items: list[Problem] = []
        self._index: dict[int, int] | None = None
        self.count = 0

    def row(self, m: Mark) -> int:
        if self._index is None:
            self._index = {}
            for i, x in enumerate(self.marks):
                self._index.setdefault(id(x), i)
        return self._index[id(m)]

    def add(self, code: str, m: Mark, field: str, message: str) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS:
            i = self.row(m)
            self.items.append(Problem(code=code, path=f"marks[{i}].{field}", message=f"marks[{i}]: {message}"))

    def add_general(self, code: str, path: str, message: str) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(code=code, path=path, message=message))

    def raise_if_any(self) -> None:
        if self.items:
            self.items.sort(key=_problem_order)
            if self.count > len(self.items):
                self.items.append(Problem(code="too_many_problems", path="marks",
                                          message=f"{self.count - len(self.items)} further problem(s) not listed"))
            raise InvalidMarks(self.items)


def _problem_order(p: Problem) -> tuple:
    # Row order, so a long report reads top to bottom like the file it is about.
    path = p.path
    if path.startswith("marks["):
        return (1, int(path[6:path.index("]")]), path)
    return (0, 0, path)


def prepare_marks(
    plan: SchemePlan,
    marks: Sequence[Mark],
    entries: Sequence[Entry] | None = None,
    judges: Sequence[Judge] | None = None,
    on_entry: Callable[[str, dict[str, PanelMarks]], None] | None = None,
) -> tuple[list[Entry], dict[str, dict[str, PanelMarks]]]:
    """Validate every mark and group them into panels; raise ``InvalidMarks`` listing every bad row.

    ``on_entry(entry_id, panels)`` is called, as soon as they are checked, with the panels of each entry
    whose every panel passed the fast checks (so they are final unless the input is refused as a whole)
    — the moment their marks are still in the CPU cache; entries with a panel for the slow path are not
    passed.  What it computes must be thrown away if this function raises."""
    problems = _Problems(marks)
    _check_roster(entries, judges, problems)
    entry_list = list(entries) if entries is not None else None
    entry_ids = {e.id for e in entry_list} if entry_list is not None else None
    judge_ids = {j.id for j in judges} if judges is not None else None

    # Pass 0, two quick scans: is every mark a first-round Decimal?  Nearly always; otherwise later
    # rounds are set aside for the slow path, panel by panel, and a float, an int or a str is refused
    # before it gets near the arithmetic.
    if {m.round for m in marks} <= {1} and {m.mark.__class__ for m in marks} <= {Decimal}:
        first, later = marks, []
    else:
        unusual = [m for m in marks if m.round != 1 or m.mark.__class__ is not Decimal]
        mistyped = set()
        for m in unusual:
            if not isinstance(m.mark, Decimal):
                mistyped.add(id(m))
                problems.add("invalid_type", m, "mark",
                             f"mark {m.mark!r} is a {type(m.mark).__name__}; marks must be Decimal"
                             + (" (a float has already lost the digits the judge entered)"
                                if isinstance(m.mark, float) else ""))
            if type(m.round) is not int:
                mistyped.add(id(m))
                problems.add("invalid_type", m, "round",
                             f"round {m.round!r} is a {type(m.round).__name__}; rounds are whole numbers")
        if mistyped:
            marks = [m for m in marks if id(m) not in mistyped]
        first = [m for m in marks if m.round == 1]
        later = [m for m in marks if m.round != 1]

    aspects = plan.aspects
    aspect_ids = list(aspects)
    # Panels with a later round go to the slow path; so do (found below) panels a judge marked twice
    # and panels that fail a fast check.
    slow: set[tuple[str, str]] = set()
    later_strays: list[Mark] = []
    for m in later:
        if m.aspect in aspects:
            slow.add((m.entry, m.aspect))
        else:
            later_strays.append(m)

    school_of = {e.id: e.school for e in entry_list} if entry_list is not None else {}
    conflicted: dict[str, frozenset[str]] = {}
    if judges is not None:
        by_school: dict[str, set[str]] = {}
        for j in judges:
            if j.school:
                by_school.setdefault(j.school, set()).add(j.id)
        conflicted = {s: frozenset(ids) for s, ids in by_school.items()}

    # Pass 2, per panel: size, range (both ends of the sorted panel) and judgement scores at once.
    limits = {aid: (ap.n_max, ap.lo, ap.hi, ap.judgement) for aid, ap in aspects.items()}
    prepared: dict[str, dict[str, PanelMarks]] = {}
    recusals: list[tuple[str, str, frozenset[str]]] = []

    def check_entry(entry_id: str, panels: dict[str, dict[str, Decimal]]) -> None:
        out: dict[str, PanelMarks] = {}
        prepared[entry_id] = out
        clean = True
        recused = conflicted.get(school_of.get(entry_id)) if conflicted else None
        for aspect_id, by_judge in panels.items():
            if not by_judge:
                continue
            if slow and (entry_id, aspect_id) in slow:
                clean = False
                continue
            n_max, lo, hi, judgement = limits[aspect_id]
            try:
                values = sorted(by_judge.values())
                if lo is None:
                    fits = len(values) <= n_max and values[0].is_finite() and values[-1].is_finite()
                else:
                    fits = (len(values) <= n_max and lo <= values[0] and values[-1] <= hi
                            and (not judgement or JUDGEMENT_SCORES.issuperset(values)))
            except InvalidOperation:  # NaN does not compare
                fits = False
            if not fits:
                slow.add((entry_id, aspect_id))
                clean = False
                continue
            if recused is not None and not recused.isdisjoint(by_judge):
                recusals.append((entry_id, aspect_id, recused))
            out[aspect_id] = PanelMarks(by_judge, values)
        if clean and on_entry is not None:
            on_entry(entry_id, out)

    # Pass 1 (with pass 2 run on each entry as soon as its panels are complete): group first-round marks
    # as entry → aspect → judge → mark, by whichever of two equivalent ways suits their arrival order.
    order = list(dict.fromkeys(e.id for e in entry_list)) if entry_list else []
    if _in_entry_runs(first):
        grouped, strays = _group_in_runs(aspect_ids, order, first)
        if sum(sum(map(len, e.values())) for e in grouped.values()) != len(first) - len(strays):
            # Fewer filled slots than first-round marks: some judge marked a panel twice; find those.
            seen: set[tuple[str, str, str]] = set()
            for m in first:
                key = (m.entry, m.aspect, m.judge)
                if key in seen:
                    slow.add((m.entry, m.aspect))
                seen.add(key)
        for entry_id, panels in grouped.items():
            check_entry(entry_id, panels)
    else:
        grouped, strays = _group_by_blocks(aspect_ids, order, first, slow, check_entry)
    for m in later:
        if m.entry not in grouped:  # an entry with later-round marks only
            grouped[m.entry] = {aspect_id: {} for aspect_id in aspect_ids}
            prepared[m.entry] = {}
    for m in strays + later_strays:
        problems.add("unknown_aspect", m, "aspect", f"no aspect {m.aspect!r} in scheme {plan.scheme.id!r}")

    # Whole-file checks as set differences (C speed); rows are located only when something is wrong.
    if entry_ids is not None and len(grouped) > len(entry_ids):
        unknown = grouped.keys() - entry_ids
        for m in marks:
            if m.entry in unknown:
                problems.add("unknown_entry", m, "entry", f"no entry {m.entry!r} in this event")
    if judge_ids is not None:
        unknown_judges = {m.judge for m in marks} - judge_ids
        if unknown_judges:
            for m in marks:
                if m.judge in unknown_judges:
                    problems.add("unknown_judge", m, "judge", f"no judge {m.judge!r} on this event's panel")

    if slow or recusals:
        rows = _rows_of(marks, slow | {(e, a) for e, a, _ in recusals})
        for entry_id, aspect_id in sorted(slow):
            panel = _prepare_slowly(aspects[aspect_id], rows[(entry_id, aspect_id)], problems)
            if panel is None:
                continue
            recused = conflicted.get(school_of.get(entry_id)) if conflicted else None
            if recused is not None and not recused.isdisjoint(panel.by_judge):
                recusals.append((entry_id, aspect_id, recused))
            prepared[entry_id][aspect_id] = panel
        for entry_id, aspect_id, recused in recusals:
            for m in rows[(entry_id, aspect_id)]:
                if m.judge in recused:
                    problems.add("recusal_conflict", m, "judge",
                                 f"judge {m.judge!r} is from school {school_of[entry_id]!r}, the school of entry "
                                 f"{entry_id!r}, and may not mark it")
    problems.raise_if_any()

    if entry_list is None:
        entry_list = [Entry(id=eid) for eid in sorted(grouped)]
    return entry_list, prepared


RUN_SAMPLE = 4096  # marks looked at to tell entry-ordered input from scattered input
BLOCK = 128  # entries grouped together on the scattered path (their panels fit in cache)


def _in_entry_runs(marks: Sequence[Mark]) -> bool:
    """Do the marks come in runs of one entry — a query ordered by entry, judges' marking forms (one
    entry and criterion each), even a list sorted by aspect (a panel's marks together)?  Only when the
    entry changes at nearly every mark (a shuffle, a list sorted by judge and aspect) do blocks pay.

    Judged on a sample from the start; a wrong guess only costs time, never changes a result."""
    sample = marks[:RUN_SAMPLE]
    changes = sum(1 for a, b in zip(sample, sample[1:]) if a.entry != b.entry)
    return changes * 2 < len(sample)


def _group_in_runs(aspect_ids: list[str], order: list[str], marks: Sequence[Mark]):
    """Group marks that arrive in runs of one entry: look the entry up once per run.

    Every panel slot is made up front from the roster and scheme ids: lookups then compare against
    those few strings, which stay in cache, instead of against keys scattered across a million decoded
    marks."""

    def slots() -> dict[str, dict[str, Decimal]]:
        return {aspect_id: {} for aspect_id in aspect_ids}

    grouped: dict[str, dict[str, dict[str, Decimal]]] = {entry_id: slots() for entry_id in order}
    strays: list[Mark] = []
    last_entry = None
    e: dict[str, dict[str, Decimal]] = {}
    for m in marks:
        # An equal string compares faster than a dict lookup hashes a fresh one.
        entry_id = m.entry
        if entry_id != last_entry:
            e = grouped.get(entry_id)
            if e is None:
                grouped[entry_id] = e = slots()
            last_entry = entry_id
        p = e.get(m.aspect)
        if p is None:
            strays.append(m)
            continue
        p[m.judge] = m.mark
    return grouped, strays


def _group_by_blocks(aspect_ids: list[str], order: list[str], marks: Sequence[Mark], slow: set[tuple[str, str]],
                     visit: Callable[[str, dict[str, dict[str, Decimal]]], None]):
    """Group marks that arrive in no entry order (an export sorted by judge or by aspect, a shuffle).

    Filling 10^5 panel dicts in random order is dominated by cache misses, one or two per mark.  So
    first one pass in memory order sorts the marks coarsely into blocks of ``BLOCK`` entries, keeping of
    each only small ints (the entry's place in its block, the aspect's index), the judge id as one shared
    string and the mark; then each block fills its own panels, which fit in cache, adds the panels a
    judge marked twice to ``slow``, and hands each entry's panels to ``visit`` while its marks are still
    in cache.  The panels come out exactly as :func:`_group_in_runs` makes them (same dicts, same keys,
    same insertion order per panel), so nothing downstream can tell the paths apart."""
    order = list(order)
    aspect_index = {a: i for i, a in enumerate(aspect_ids)}
    blocks: list[list] = []
    where: dict[str, tuple[list, int]] = {}

    def place(entry_id: str, i: int) -> tuple[list, int]:
        while len(blocks) <= i // BLOCK:
            blocks.append([])
        w = where[entry_id] = (blocks[i // BLOCK], i % BLOCK)
        return w

    for i, entry_id in enumerate(order):
        place(entry_id, i)
    judge_of: dict[str, str] = {}
    shared_judge = judge_of.setdefault
    where_get, aspect_get = where.get, aspect_index.get
    strays: list[Mark] = []
    last_entry = None
    block: list = []
    local = 0
    for m in marks:
        entry_id = m.entry
        if entry_id != last_entry:
            w = where_get(entry_id)
            if w is None:  # an entry not on the roster (or no roster): placed as it first appears
                order.append(entry_id)
                w = place(entry_id, len(order) - 1)
            block, local = w
            last_entry = entry_id
        a = aspect_get(m.aspect)
        if a is None:
            strays.append(m)
            continue
        j = m.judge
        block += (local, a, shared_judge(j, j), m.mark)

    grouped: dict[str, dict[str, dict[str, Decimal]]] = {}
    n_aspects = len(aspect_ids)
    for b in range(len(blocks)):
        block = blocks[b]
        blocks[b] = None  # freed below, while its marks are still in cache
        ids = order[b * BLOCK:(b + 1) * BLOCK]
        panels = [[{} for _ in range(n_aspects)] for _ in ids]
        it = iter(block)
        for local, a, j, v in zip(it, it, it, it):
            panels[local][a][j] = v
        if 4 * sum(map(len, chain.from_iterable(panels))) != len(block):
            # Fewer filled slots than marks: some judge marked a panel twice; find those panels.
            seen: set[tuple[int, int, str]] = set()
            it = iter(block)
            for local, a, j, _ in zip(it, it, it, it):
                if (local, a, j) in seen:
                    slow.add((ids[local], aspect_ids[a]))
                seen.add((local, a, j))
        del block, it
        for entry_id, entry_panels in zip(ids, panels):
            entry = grouped[entry_id] = dict(zip(aspect_ids, entry_panels))
            visit(entry_id, entry)
    return grouped, strays


def _rows_of(marks: Sequence[Mark], keys: set[tuple[str, str]]) -> dict[tuple[str, str], list[Mark]]:
    """The rows of the given panels, in file order (one scan, only when some panel needs its rows)."""
    rows: dict[tuple[str, str], list[Mark]] = {k: [] for k in keys}
    for m in marks:
        bucket = rows.get((m.entry, m.aspect))
        if bucket is not None:
            bucket.append(m)
    return rows


def _check_roster(entries, judges, problems: _Problems) -> None:
    for name, items in (("entries", entries), ("judges", judges)):
        if items is None:
            continue
        seen: set[str] = set()
        for i, item in enumerate(items):
            if not item.id:
                problems.add_general("missing_id", f"{name}[{i}].id", f"{name}[{i}] has no id")
            elif item.id in seen:
                problems.add_general("duplicate_id", f"{name}[{i}].id", f"{item.id!r} is listed twice in {name}")
            seen.add(item.id)
    for i, e in enumerate(entries or ()):
        if e.time_used is not None and not isinstance(e.time_used, Decimal):
            problems.add_general("invalid_type", f"entries[{i}].time_used",
                                 f"time_used {e.time_used!r} is a {type(e.time_used).__name__}; it must be Decimal")
        elif e.time_used is not None and (not e.time_used.is_finite() or e.time_used < 0):
            problems.add_general("not_a_number", f"entries[{i}].time_used", "time_used must be a number ≥ 0")
        for k, member in enumerate(e.members):
            if member.skill_level is not None and not 1 <= member.skill_level <= 5:
                problems.add_general("skill_level_invalid", f"entries[{i}].members[{k}].skill_level",
                                     "skill levels run from 5 (五级/初级工) to 1 (一级/高级技师)")


def _prepare_slowly(ap: AspectPlan, rows: list[Mark], problems: _Problems) -> PanelMarks | None:
    """Check one panel row by row; name every bad row; build the panel if nothing is wrong."""
    before = problems.count
    aspect = ap.aspect
    good: list[Mark] = []
    for m in rows:
        v = m.mark
        if not v.is_finite():
            problems.add("not_a_number", m, "mark", f"mark {m.mark} is not a number")
            continue
        if m.round < 1 or (ap.max_rounds is not None and m.round > ap.max_rounds):
            allowed = "1 (first marks), 2 (third marker) or 3 (arbiter)" if ap.max_rounds else "1 or more"
            problems.add("invalid_round", m, "round", f"round {m.round} is not valid here; use {allowed}")
            continue
        if ap.judgement and v not in JUDGEMENT_SCORES:
            problems.add("judgement_mark_invalid", m, "mark",
                         f"judgement aspect {aspect.id!r} takes whole scores 0, 1, 2 or 3; got {fmt(v)}")
            continue
        if ap.lo is not None and not (ap.lo <= v <= ap.hi):
            side = "above the maximum" if v > ap.hi else "below the minimum"
            problems.add("mark_out_of_range", m, "mark",
                         f"mark {fmt(v)} for aspect {aspect.id!r} is {side} (allowed {fmt(ap.lo)}..{fmt(ap.hi)})")
            continue
        good.append(m)

    seen: dict[tuple[str, int], Mark] = {}
    for m in good:
        key = (m.judge, m.round)
        if key in seen:
            problems.add("duplicate_mark", m, "judge",
                         f"judge {m.judge!r} already marked entry {m.entry!r} aspect {m.aspect!r} in round {m.round} "
                         f"(marks[{problems.row(seen[key])}])")
        else:
            seen[key] = m
    if problems.count > before:
        return None

    good.sort(key=lambda m: m.round)
    latest: dict[str, Mark] = {}
    superseded: list[Mark] = []
    for m in good:
        previous = latest.get(m.judge)
        if previous is not None:
            if ap.max_rounds is not None:
                problems.add("marker_repeated", m, "judge",
                             f"judge {m.judge!r} already marked this script in round {previous.round}; the third "
                             "marker and the arbiter must be other judges")
                continue
            superseded.append(previous)
        latest[m.judge] = m

    if ap.max_rounds is not None:
        per_round: dict[int, list[Mark]] = {}
        for m in latest.values():
            per_round.setdefault(m.round, []).append(m)
        for rnd, limit in ((1, ap.n), (2, 1), (3, 1)):
            for extra in per_round.get(rnd, [])[limit:]:
                problems.add("panel_size_exceeded", extra, "judge",
                             f"round {rnd} of aspect {aspect.id!r} takes {limit} mark(s); this is one more")
        if isinstance(ap.rule, DoubleMarkingArbiterRule):
            for m in per_round.get(2, []):
                problems.add("invalid_round", m, "round",
                             "double_marking_arbiter has no third marker: out of tolerance goes to the arbiter (round 3)")
    elif ap.references:
        panel_judges = [m for m in latest.values() if m.judge not in ap.references]
        for extra in panel_judges[ap.n:]:
            problems.add("panel_size_exceeded", extra, "judge",
                         f"aspect {aspect.id!r} has a panel of {ap.n}; this is mark {ap.n + 1} (reference judges "
                         "excluded)")
    elif not isinstance(aspect, MeasurementAspect) and len(latest) > ap.n:
        for extra in list(latest.values())[ap.n:]:
            problems.add("panel_size_exceeded", extra, "judge",
                         f"aspect {aspect.id!r} has a panel of {ap.n}; this is mark {len(latest)} from a further judge")
    if problems.count > before:
        return None

    by_judge = {j: m.mark for j, m in latest.items()}
    round_of = {j: m.round for j, m in latest.items()} if any(m.round != 1 for m in good) else None
    return PanelMarks(by_judge, sorted(by_judge.values()), round_of, superseded or None)


# ------------------------------------------------------------------------------------------- evaluate


def _involved(panel: PanelMarks, refs: Sequence) -> tuple[MarkRef, ...]:
    """Positions or judge ids → the marks themselves, for a status that names them."""
    if not refs:
        return NO_MARKS
    if isinstance(refs[0], str):
        return tuple(MarkRef(j, panel.by_judge[j], panel.round(j)) for j in refs)
    ordered = panel.ordered()
    return tuple(MarkRef(ordered[i][1], ordered[i][0], panel.round(ordered[i][1])) for i in refs)


def evaluate_aspect(ap: AspectPlan, panel: PanelMarks | None) -> AspectResult:
    """One panel → one aspect result."""
    return ap.evaluate(panel)


def _make_evaluator(ap: AspectPlan):
    """The aspect's evaluation as one closure with every constant bound: the hot path of the core.

    (Closure variables are read faster than attributes, and there are 10^5 panels per event.)
    """
    aspect_id, criterion_id, fn, n, own_count = ap.aspect.id, ap.criterion, ap.fn, ap.n, ap.own_count
    smul, sdiv, places, mode, q, rmode = ap.smul, ap.sdiv, ap.places, ap.mode, ap.quantum, ap.rmode
    divide = STICKY.divide

    def evaluate(panel: PanelMarks | None) -> AspectResult:
        if panel is None:
            return AspectResult(aspect_id, criterion_id, INCOMPLETE, None, "no marks recorded")
        if not own_count and len(panel.values) < n:
            return AspectResult(aspect_id, criterion_id, INCOMPLETE, None,
                                f"{len(panel.values)} of {n} marks recorded; the score waits for the missing marks",
                                _involved(panel, sorted(panel.by_judge)), panel=panel)
        num, den, status, _, reason, involved = fn(panel)
        if num is None:
            return AspectResult(aspect_id, criterion_id, status, None, reason, _involved(panel, involved), panel=panel)
        if type(num) is Fraction or type(den) is Fraction:
            # Only a what-if recompute (a judge replaced by the panel average) feeds fractions in.
            value = Fraction(num) / Fraction(den)
            if smul is not None:
                value = value * Fraction(smul) / Fraction(sdiv)
            mark = round_exact(value, places, mode) if places is not None else canonical(value)
            num, den = Decimal(value.numerator), Decimal(value.denominator)
        else:
            if smul is not None:
                num = num * smul
                den = den * sdiv
            if places is None:
                mark = exact_ratio(num, den)
            elif den == 1:
                mark = num.quantize(q, rounding=rmode, context=ROUNDER)
            else:
                # round-to-odd at 60 digits, then the declared rounding: equals rounding num/den once
                mark = divide(num, den).quantize(q, rounding=rmode, context=ROUNDER)
        if status == OK:
            return AspectResult(aspect_id, criterion_id, OK, mark, reason, NO_MARKS, num, den, panel)
        return AspectResult(aspect_id, criterion_id, status, mark, reason, _involved(panel, involved),
                            num, den, panel)

    return evaluate


def _sum(values: list) -> object:
    """Exact sum: plain Decimal addition, unless a non-terminating fraction is among the values."""
    try:
        return sum(values, ZERO)
    except TypeError:  # Decimal + Fraction is refused by design; add them as fractions
        return exact_sum(values)


def _criterion_result(criterion_id: str, aspects: list[AspectResult], weight, rounding) -> CriterionResult:
    marks = []
    status = ENTRY_FINAL
    for a in aspects:
        if a.status in FINAL_STATUSES:
            marks.append(a.mark)
        elif a.status == INCOMPLETE:
            status = ENTRY_INCOMPLETE
        elif status != ENTRY_INCOMPLETE:
            status = ENTRY_PENDING
    if status != ENTRY_FINAL:
        return CriterionResult(criterion_id, status, None, None, None, aspects)
    unrounded = _sum(marks)
    score = round_exact(unrounded, rounding.places, rounding.mode) if rounding is not None else unrounded
    weighted = score if weight is None else exact_mul(score, weight)
    return CriterionResult(criterion_id, status, score, unrounded, weighted, aspects)


def evaluate_entry(plan: SchemePlan, entry: Entry, panels: Mapping[str, PanelMarks]) -> EntryResult:
    criteria: list[CriterionResult] = []
    crounding = plan.criterion_rounding
    get = panels.get
    for (criterion_id, aspect_plans), weight in zip(plan.criteria, plan.weights):
        results = [ap.evaluate(get(ap.aspect.id)) for ap in aspect_plans]
        criteria.append(_criterion_result(criterion_id, results, weight, crounding))
    status = ENTRY_FINAL
    for c in criteria:
        if c.status == ENTRY_INCOMPLETE:
            status = ENTRY_INCOMPLETE
            break
        if c.status == ENTRY_PENDING:
            status = ENTRY_PENDING
    if entry.withdrawn:
        status = ENTRY_WITHDRAWN
    if status != ENTRY_FINAL:
        return EntryResult(entry, status, None, None, criteria)
    unrounded = _sum([c.weighted for c in criteria])
    r = plan.total_rounding
    total = round_exact(unrounded, r.places, r.mode) if r is not None else unrounded
    return EntryResult(entry, ENTRY_FINAL, total, unrounded, criteria)


def compute_event(
    scheme: Scheme,
    marks: Sequence[Mark],
    entries: Sequence[Entry] | None = None,
    *,
    judges: Sequence[Judge] | None = None,
    decisions: Sequence[TieDecision] = (),
    event: str | None = None,
) -> EventResult:
    """Score a whole event: aspects with statuses, criteria, totals, ranks, standardization, awards.

    ``entries``/``judges``: the roster; when given, marks for anything not on it are refused, and
    judges with a school may not mark entries of that school.  Without ``entries`` the entries are the
    ones that have marks.  ``decisions``: recorded tie decisions for the ``decision`` tie-break step.

    Raises ``InvalidScheme`` or ``InvalidMarks`` (every problem listed) and returns nothing computed
    when any input is bad.
    """
    with exact_context(), paused_gc():
        plan = compile_scheme(scheme)
        # Each entry whose panels all pass the fast checks is evaluated the moment they do, while its
        # marks are still in the CPU cache (for marks that arrive scattered this saves about a tenth of
        # the run).  That is speculative: if any row of the file turns out bad, prepare_marks raises and
        # every such result is dropped unseen; a rule only ever sees a panel whose own rows all passed.
        entries = list(entries) if entries is not None else None
        roster = {e.id: e for e in reversed(entries)} if entries is not None else {}
        early: dict[str, EntryResult] = {}
        too_precise = False

        def on_entry(entry_id: str, panels: dict[str, PanelMarks]) -> None:
            nonlocal too_precise
            entry = roster.get(entry_id)
            try:
                early[entry_id] = evaluate_entry(plan, entry if entry is not None else Entry(id=entry_id), panels)
            except Inexact:
                too_precise = True

        entry_list, prepared = prepare_marks(plan, marks, entries, judges, on_entry=on_entry)
        empty: dict[str, PanelMarks] = {}
        try:
            if too_precise:
                raise Inexact
            results = []
            for e in entry_list:
                r = early.get(e.id)
                if r is None or r.entry != e:
                    r = evaluate_entry(plan, e, prepared.get(e.id, empty))
                results.append(r)
        except Inexact:
            raise _too_precise(marks) from None
        return finish_event(plan, results, decisions, event)


def _too_precise(marks: Sequence[Mark]) -> InvalidMarks:
    """Exact arithmetic runs at 60 significant digits; only absurdly precise marks (say 50 decimals) can
    exceed that, and checking every mark's digits up front would cost more than the rest of validation.
    So the EXACT context's Inexact trap is the check, and this names the rows responsible."""
    problems = _Problems(marks)
    for m in marks:
        if m.mark.is_finite() and m.mark.as_tuple().exponent < -MAX_PLACES:
            problems.add("too_precise", m, "mark",
                         f"mark {m.mark} has more than {MAX_PLACES} decimal places; exact scoring cannot keep "
                         "all its digits")
    if not problems.items:  # pragma: no cover - the trap fired for a reason the scan does not know
        problems.add_general("too_precise", "marks", "marks carry more digits than exact scoring supports")
    problems.raise_if_any()
    raise AssertionError("unreachable")


def finish_event(plan: SchemePlan, results: list[EntryResult], decisions: Sequence[TieDecision],
                 event: str | None) -> EventResult:
    """Rank, standardize and award entry results (shared by compute_event and what-if recomputes)."""
    scheme = plan.scheme
    contenders: list[Contender] = []
    unranked: list[str] = []
    for r in results:
        if r.status == ENTRY_FINAL:
            contenders.append(Contender(r.entry.id, r.total,
                                        {c.criterion: c.score for c in r.criteria}, r.entry.time_used))
        elif r.status != ENTRY_WITHDRAWN:
            unranked.append(r.entry.id)
    ranking = rank(contenders, scheme.ranking, criterion_order=[cid for cid, _ in plan.criteria],
                   decisions=decisions, unranked=unranked)
    by_id = {r.entry.id: r for r in results}
    for placed in ranking.order:
        by_id[placed.entry].rank = placed.rank

    standardization = None
    if scheme.standardization is not None and not unranked and contenders:
        standardization = standardize({c.entry: c.total for c in contenders}, scheme.standardization)
        for entry_id, value in standardization.scores.items():
            by_id[entry_id].standardized = value

    awards = None
    if scheme.awards is not None:
        standings = [Standing(entry=r.entry.id, rank=r.rank, total=r.total, eligible=r.entry.eligible,
                              school=r.entry.school, standardized=r.standardized, withdrawn=r.entry.withdrawn)
                     for r in results]
        awards = assign_awards(scheme.awards, standings, ranking_status=ranking.status)
        for entry_id, code in awards.awards.items():
            by_id[entry_id].award = code

    # Results read in rank order; unranked entries follow by id.  Input order never shows through.
    ordered = sorted(results, key=lambda r: (r.rank is None, r.rank or 0, r.entry.id))
    if unranked:
        status = "pending"
    elif ranking.status == "unresolved_tie":
        status = "unresolved_tie"
    else:
        status = "final"
    return EventResult(event or scheme.event or scheme.id, scheme, status, ordered, ranking, awards,
                       standardization, list(decisions))


def evaluate_panel(
    aspect,
    marks: Mapping[str, Decimal] | Sequence[Mark] | Sequence[Decimal],
    *,
    scheme: Scheme | None = None,
) -> AspectResult:
    """Evaluate one panel on its own (a judge tablet's live check, or a worked example).

    ``marks``: judge → mark, a list of marks (judges J1, J2, …), or ``Mark`` rows (with rounds).  The
    aspect is validated inside ``scheme`` (default: a one-aspect scheme with no rounding), and the marks
    are validated exactly as in :func:`compute_event`.
    """
    if scheme is None:
        scheme = Scheme(id="panel", criteria=[Criterion(id="c", aspects=[aspect])])
    plan = compile_scheme(scheme)
    ap = plan.aspects[aspect.id]
    if isinstance(marks, Mapping):
        rows = [Mark(entry="entry", judge=j, aspect=aspect.id, mark=_decimal(v)) for j, v in marks.items()]
    else:
        rows = [m if isinstance(m, Mark) else Mark(entry="entry", judge=f"J{i + 1}", aspect=aspect.id,
                                                   mark=_decimal(m))
                for i, m in enumerate(marks)]
    with exact_context():
        _, prepared = prepare_marks(plan, rows)
        panels = next(iter(prepared.values()), {})
        try:
            return evaluate_aspect(ap, panels.get(aspect.id))
        except Inexact:
            raise _too_precise(rows) from None


def _decimal(value) -> Decimal:
    # A float has already lost the digits the judge entered (0.1 is 0.1000000000000000055…): refuse it.
    if isinstance(value, float):
        raise TypeError(f"mark {value!r} is a float; pass a string, an int or a Decimal")
    return value if isinstance(value, Decimal) else Decimal(value)


def validate_marks(
    scheme: Scheme,
    marks: Sequence[Mark],
    entries: Sequence[Entry] | None = None,
    *,
    judges: Sequence[Judge] | None = None,
) -> list[Problem]:
    """Every problem of ``marks`` against ``scheme`` and the roster, without computing anything."""
    plan = compile_scheme(scheme)
    try:
        with exact_context(), paused_gc():
            prepare_marks(plan, marks, entries, judges)
    except InvalidMarks as err:
        return err.problems
    return []
