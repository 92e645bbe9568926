"""Grouping first-round marks into panels fast, whatever order they arrive in.

Marks come as one flat list; scoring needs them as entry → aspect → judge → mark.  With 10^6 marks the
cost is memory traffic, not arithmetic, so the grouping follows the arrival order:

* marks in long runs of one entry (a query ordered by entry) are grouped directly, looking the entry
  up once per run (:func:`group_in_runs`);
* scattered marks (judges' marking forms as tablets deliver them — one judge, entry and criterion
  each, interleaved —, an export sorted by aspect, a shuffle) are first appended to per-entry row
  lists in one sequential pass that also interns the marks, then each entry's rows fill its panels
  (:func:`group_scattered`).

Both give equal panels (same keys in the same insertion order, marks equal digit for digit), so nothing
downstream can tell the paths apart; a wrong guess of the order costs time, never a different result.
Neither path validates: :mod:`scoring.intake` checks what they produce.  Both set aside the unusual
marks — a later round, or a mark that is not a ``Decimal`` — for intake to refuse or to send their panels
down its row-by-row path; checking that in the same pass saves a scan of the whole file.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable, Sequence

from .model import Mark

RUN_SAMPLE = 4096  # marks looked at to tell entry-ordered input from scattered input
LONG_RUN = 64  # marks per run of one entry from which grouping in runs pays (a 60-aspect entry has 420)
CHUNK = 1 << 16  # marks per step of the scattered pass; between steps the interning table's size is checked
MAX_INTERNED = 1 << 14  # distinct mark texts kept (a scheme's grid has hundreds; more would only cost memory)


def in_entry_runs(marks: Sequence[Mark], marks_per_entry: int) -> bool:
    """Do the marks come in long runs of one entry (a query ordered by entry, a judge's whole sheet of
    an entry)?  Short runs — judges' marking forms of one entry and criterion, a list sorted by aspect
    (a panel's marks together) — leave each panel's marks as scattered as a shuffle does.
    A run is long from ``LONG_RUN`` marks, or from half an entry's marks when entries have fewer.

    Judged on a sample from the start; a wrong guess only costs time, never changes a result."""
    sample = marks[:RUN_SAMPLE]
    changes = sum(1 for a, b in zip(sample, sample[1:]) if a.entry != b.entry)
    return changes * min(LONG_RUN, max(marks_per_entry // 2, 1)) < len(sample)


def group_in_runs(aspect_ids: list[str], order: list[str], marks: Sequence[Mark]):
    """Group marks that arrive in runs of one entry: look the entry up once per run.

    Every panel slot is made up front from the roster and scheme ids: lookups then compare against
    those few strings, which stay in cache, instead of against keys scattered across a million decoded
    marks.  Returns the panels, the marks for unknown aspects and the unusual marks (set aside: a
    later round, or not a ``Decimal``)."""

    def slots() -> dict[str, dict[str, Decimal]]:
        return {aspect_id: {} for aspect_id in aspect_ids}

    grouped: dict[str, dict[str, dict[str, Decimal]]] = {entry_id: slots() for entry_id in order}
    strays: list[Mark] = []
    unusual: list[Mark] = []
    last_entry = None
    e: dict[str, dict[str, Decimal]] = {}
    for m in marks:
        v = m.mark
        if m.round != 1 or v.__class__ is not Decimal:
            unusual.append(m)
            continue
        # An equal string compares faster than a dict lookup hashes a fresh one.
        entry_id = m.entry
        if entry_id != last_entry:
            e = grouped.get(entry_id)
            if e is None:
                grouped[entry_id] = e = slots()
            last_entry = entry_id
        try:  # a subscript, not .get(): no call per mark
            e[m.aspect][m.judge] = v
        except KeyError:
            strays.append(m)
    return grouped, strays, unusual


def judges_in(grouped: dict[str, dict[str, dict[str, Decimal]]]) -> set[str]:
    """Every judge id with a mark in the panels (the keys of every panel, at C speed)."""
    return set().union(*[panel for panels in grouped.values() for panel in panels.values() if panel])


def collect_scattered(aspect_ids: list[str], order: list[str], marks: Sequence[Mark]):
    """Gather marks that arrive scattered (judges' forms interleaved, an export sorted by aspect, a
    shuffle) into per-entry rows, for :func:`fill_scattered`.

    Filling 10^5 panel dicts in random order is dominated by cache misses, and so is every later touch of
    a mark that sits far from its panel's other marks (reading it to sort and sum, even the reference
    count a dict insert writes).  So one pass in memory order, while each mark is still in cache:

    * appends each mark to its entry's row list as (aspect index, judge, mark) — the aspect index is a
      small int (a shared object below 257), the judge id one shared string per judge — so the pass
      writes only to the ends of a few thousand lists, which stay in cache;
    * interns the marks by their exact text (``str`` keeps sign, digits and exponent, so ``1`` and
      ``1.0`` stay apart): a scheme's marks take a few hundred distinct values, so every later touch of a
      mark hits one of a few hundred hot objects instead of a cold one among 10^6.

    Returns the rows by entry (roster entries first, in order, then others as they first appear), the
    marks for unknown aspects, the unusual marks (set aside: a later round, or not a ``Decimal``) and
    the judge ids of the rows."""
    aspect_index = {a: i for i, a in enumerate(aspect_ids)}
    # entry → [aspect index, judge, mark, aspect index, judge, mark, ...]
    rows_of: dict[str, list | None] = {entry_id: [] for entry_id in order}
    judge_of: dict[str, str] = {}
    canon: dict[str, Decimal] = {}
    strays: list[Mark] = []
    unusual: list[Mark] = []
    last_entry = None
    rows: list = []
    # Subscripts with a KeyError fallback rather than .get()/.setdefault(): no call per mark.
    for start in range(0, len(marks), CHUNK):
        if len(canon) > MAX_INTERNED:  # thousands of distinct marks: interning them cannot make them hot
            canon.clear()
        for m in marks[start:start + CHUNK]:
            v = m.mark
            if m.round != 1 or v.__class__ is not Decimal:  # before str(): a float's text may equal a mark's
                unusual.append(m)
                continue
            entry_id = m.entry
            if entry_id != last_entry:
                try:
                    rows = rows_of[entry_id]
                except KeyError:
                    rows = rows_of[entry_id] = []
                last_entry = entry_id
            try:
                a = aspect_index[m.aspect]
            except KeyError:
                strays.append(m)
                continue
            j = m.judge
            try:
                j = judge_of[j]
            except KeyError:
                judge_of[j] = j
            text = str(v)
            try:
                v = canon[text]
            except KeyError:
                canon[text] = v
            rows += (a, j, v)
    return rows_of, strays, unusual, set(judge_of)


def fill_scattered(aspect_ids: list[str], rows_of: dict[str, list | None], slow: set[tuple[str, str]],
                   visit: Callable[[str, dict[str, dict[str, Decimal]]], None]) -> dict:
    """Entry by entry in row order, fill the entry's panels from its rows, add the panels a judge marked
    twice to ``slow`` and hand the panels to ``visit`` at once, while they are in cache."""
    grouped: dict[str, dict[str, dict[str, Decimal]]] = {}
    n_aspects = len(aspect_ids)
    for entry_id, rows in rows_of.items():
        rows_of[entry_id] = None  # freed as soon as used
        panels: list[dict[str, Decimal]] = [{} for _ in range(n_aspects)]
        it = iter(rows)
        for a, j, v in zip(it, it, it):
            panels[a][j] = v
        if 3 * sum(map(len, panels)) != len(rows):
            # Fewer filled slots than marks: some judge marked a panel twice; find those panels.
            seen: set[tuple[int, str]] = set()
            it = iter(rows)
            for a, j, _ in zip(it, it, it):
                if (a, j) in seen:
                    slow.add((entry_id, aspect_ids[a]))
                seen.add((a, j))
        entry = grouped[entry_id] = dict(zip(aspect_ids, panels))
        visit(entry_id, entry)
    return grouped
