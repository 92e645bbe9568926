"""Grouping first-round marks into panels fast, whatever order they arrive in.

Marks come as one flat list; scoring needs them as entry → aspect → judge → mark.  With 10^6 marks the
cost is memory traffic, not arithmetic, so the grouping follows the arrival order:

* marks in runs of one entry (a query ordered by entry, judges' marking forms of one entry and
  criterion each) are grouped directly, looking the entry up once per run (:func:`group_in_runs`);
* scattered marks (an export sorted by judge and aspect, a shuffle) are first sorted coarsely into
  blocks of entries in one sequential pass, then each block fills its own panels, which fit in cache
  (:func:`group_by_blocks`).

Both give identical panels (same dicts, same keys, same insertion order per panel), so nothing
downstream can tell the paths apart; a wrong guess of the order costs time, never a different result.
Neither path validates: :mod:`scoring.intake` checks what they produce.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import chain
from typing import Callable, Sequence

from .model import Mark

RUN_SAMPLE = 4096  # marks looked at to tell entry-ordered input from scattered input
BLOCK = 128  # entries grouped together on the scattered path (their panels fit in cache)


def in_entry_runs(marks: Sequence[Mark]) -> bool:
    """Do the marks come in runs of one entry — a query ordered by entry, judges' marking forms (one
    entry and criterion each), even a list sorted by aspect (a panel's marks together)?  Only when the
    entry changes at nearly every mark (a shuffle, a list sorted by judge and aspect) do blocks pay.

    Judged on a sample from the start; a wrong guess only costs time, never changes a result."""
    sample = marks[:RUN_SAMPLE]
    changes = sum(1 for a, b in zip(sample, sample[1:]) if a.entry != b.entry)
    return changes * 2 < len(sample)


def group_in_runs(aspect_ids: list[str], order: list[str], marks: Sequence[Mark]):
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


def group_by_blocks(aspect_ids: list[str], order: list[str], marks: Sequence[Mark], slow: set[tuple[str, str]],
                     visit: Callable[[str, dict[str, dict[str, Decimal]]], None]):
    """Group marks that arrive in no entry order (an export sorted by judge or by aspect, a shuffle).

    Filling 10^5 panel dicts in random order is dominated by cache misses, one or two per mark.  So
    first one pass in memory order sorts the marks coarsely into blocks of ``BLOCK`` entries, keeping of
    each only small ints (the entry's place in its block, the aspect's index), the judge id as one shared
    string and the mark; then each block fills its own panels, which fit in cache, adds the panels a
    judge marked twice to ``slow``, and hands each entry's panels to ``visit`` while its marks are still
    in cache.  The panels come out exactly as :func:`group_in_runs` makes them (same dicts, same keys,
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
