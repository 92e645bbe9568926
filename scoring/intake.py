"""Mark intake: validate every mark against the compiled plan and the roster, and group them into panels.

Nothing is returned when any row is bad: ``InvalidMarks`` lists every bad row with its field (up to
``MAX_PROBLEMS``), so no result is ever built from partial garbage.  Checks are exhaustive but cheap
on clean input: whole-file checks are set differences, range checks look at the two ends of each sorted
panel, and only a panel that looks wrong (or has later rounds, or a judge marking twice) goes through
the row-by-row path that names each offending row.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from itertools import chain
from typing import Callable, NoReturn, Sequence

from .errors import InvalidMarks, Problem
from .grouping import (
    collect_scattered,
    fill_scattered,
    group_in_runs,
    in_entry_runs,
    judges_in,
)
from .levels import SKILL_LEVEL_NAMES, SKILL_LEVEL_RANGE
from .model import (
    DoubleMarkingArbiterRule,
    Entry,
    Judge,
    Mark,
    MeasurementAspect,
    Scheme,
)
from .numbers import exact_context
from .panel import PanelMarks, fmt
from .plan import AspectPlan, SchemePlan, compile_scheme

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

    aspects = plan.aspects
    aspect_ids = list(aspects)
    # Panels with a later round go to the slow path; so do (found below) panels a judge marked twice
    # and panels that fail a fast check.
    slow: set[tuple[str, str]] = set()
    aside: list[Mark] = []  # valid marks grouping left out: later rounds (and Decimal subclasses)
    aside_strays: list[Mark] = []

    def set_aside(unusual: list[Mark]) -> None:
        """The marks grouping left out: refuse a float, an int or a str before it gets near the
        arithmetic, and send the panels of the others (later rounds) down the slow path."""
        nonlocal marks
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
        for m in unusual:
            if id(m) in mistyped:
                continue
            aside.append(m)
            if m.aspect in aspects:
                slow.add((m.entry, m.aspect))
            else:
                aside_strays.append(m)

    school_of = {e.id: e.school for e in entry_list} if entry_list is not None else {}
    conflicted: dict[str, frozenset[str]] = {}
    if judges is not None:
        by_school: dict[str, set[str]] = {}
        for j in judges:
            if j.school:
                by_school.setdefault(j.school, set()).add(j.id)
        conflicted = {s: frozenset(ids) for s, ids in by_school.items()}

    # Pass 2, per panel: size, range (both ends of the sorted panel) and judgement scores at once.  The
    # grouping makes every entry's panels in scheme order, so the limits are zipped, not looked up.
    limits = plan.checks
    prepared: dict[str, dict[str, PanelMarks]] = {}
    recusals: list[tuple[str, str, frozenset[str]]] = []

    def check_entry(entry_id: str, panels: dict[str, dict[str, Decimal]]) -> None:
        out: dict[str, PanelMarks] = {}
        prepared[entry_id] = out
        clean = True
        recused = conflicted.get(school_of.get(entry_id)) if conflicted else None
        for (aspect_id, n_max, lo, hi, judgement), by_judge in zip(limits, panels.values()):
            if not by_judge:
                continue
            if slow and (entry_id, aspect_id) in slow:
                clean = False
                continue
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
    if in_entry_runs(marks, plan.marks_per_entry):
        grouped, strays, unusual = group_in_runs(aspect_ids, order, marks)
        set_aside(unusual)
        judges_seen = judges_in(grouped)
        if sum(sum(map(len, e.values())) for e in grouped.values()) != len(marks) - len(strays) - len(aside):
            # Fewer filled slots than first-round marks: some judge marked a panel twice; find those.
            seen: set[tuple[str, str, str]] = set()
            for m in marks:
                if m.round == 1:
                    key = (m.entry, m.aspect, m.judge)
                    if key in seen:
                        slow.add((m.entry, m.aspect))
                    seen.add(key)
        for entry_id, panels in grouped.items():
            check_entry(entry_id, panels)
    else:
        rows_of, strays, unusual, judges_seen = collect_scattered(aspect_ids, order, marks)
        set_aside(unusual)
        grouped = fill_scattered(aspect_ids, rows_of, slow, check_entry)
    for m in aside:
        if m.entry not in grouped:  # an entry with later-round marks only
            grouped[m.entry] = {aspect_id: {} for aspect_id in aspect_ids}
            prepared[m.entry] = {}
    for m in strays + aside_strays:
        problems.add("unknown_aspect", m, "aspect", f"no aspect {m.aspect!r} in scheme {plan.scheme.id!r}")

    # Whole-file checks as set differences (C speed); rows are located only when something is wrong.
    if entry_ids is not None and len(grouped) > len(entry_ids):
        unknown = grouped.keys() - entry_ids
        for m in marks:
            if m.entry in unknown:
                problems.add("unknown_entry", m, "entry", f"no entry {m.entry!r} in this event")
    if judge_ids is not None:
        unknown_judges = (judges_seen | {m.judge for m in chain(aside, strays)}) - judge_ids
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
            if member.skill_level is not None and member.skill_level not in SKILL_LEVEL_NAMES:
                problems.add_general("skill_level_invalid", f"entries[{i}].members[{k}].skill_level",
                                     f"skill levels run from {SKILL_LEVEL_RANGE}")


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


def refuse_too_precise(marks: Sequence[Mark]) -> NoReturn:
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
