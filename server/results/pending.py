"""What results that are not final wait for, named entry by entry and aspect by aspect.

The scoring core gives every aspect of every entry a status and, when it is not final, the reason
(``needs_remark``: the judges' marks are too far apart and they re-mark; ``needs_third_marker`` and
``needs_arbiter`` under double marking; ``incomplete``: marks are missing). A results document carries
them (``entries[].criteria.<id>.aspects.<id>``), so one reading serves results computed here and files
imported from elsewhere. Ties the ranking could not break are named from the document's ranking.
"""

from __future__ import annotations

import scoring

# aspect status → what is needed, for people
NEEDS = {
    "needs_remark": "a re-mark",
    "needs_third_marker": "a third marker",
    "needs_arbiter": "an arbiter's mark",
    "incomplete": "the missing marks",
}
SHOWN = 5  # aspects named in a message
LISTED = 100  # aspects listed in a problem's ``waiting`` member (``waiting_count`` says how many in all)


def waiting(doc: scoring.ResultsDocument, entry: str | None = None) -> list[dict]:
    """Every aspect that keeps the results from being final (of one entry when ``entry`` is given):
    ``{"entry", "criterion", "aspect", "aspect_name", "status", "needs", "reason"}``."""
    names = {(c.id, a.id): a.name for c in doc.scheme.criteria for a in c.aspects}
    out = []
    for rec in doc.entries:
        if rec.withdrawn or rec.status in ("final", "withdrawn") or (entry is not None and rec.entry != entry):
            continue
        for criterion_id, criterion in rec.criteria.items():
            for aspect_id, aspect in criterion.aspects.items():
                if aspect.status in NEEDS:
                    out.append({"entry": rec.entry, "criterion": criterion_id, "aspect": aspect_id,
                                "aspect_name": names.get((criterion_id, aspect_id), ""), "status": aspect.status,
                                "needs": NEEDS[aspect.status], "reason": aspect.reason or ""})
    return out


def describe(items: list[dict], *, with_entry: bool = True) -> str:
    """"entry 49, aspect C1 综合表现: needs a third marker (…)"; the first few, then how many more."""
    parts = []
    for w in items[:SHOWN]:
        aspect = f"aspect {w['aspect']}" + (f" {w['aspect_name']}" if w["aspect_name"] else "")
        parts.append((f"entry {w['entry']}, " if with_entry else "") + f"{aspect}: needs {w['needs']}"
                     + (f" ({w['reason']})" if w["reason"] else ""))
    more = len(items) - SHOWN
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def not_final(doc: scoring.ResultsDocument) -> tuple[str, dict]:
    """Why the document's results are not final, for the ``results_not_final`` problem: its message (in
    lower case, to follow a summary) and its members (``waiting``: the first aspects that wait,
    ``waiting_count``, ``unresolved_ties``)."""
    items = waiting(doc)
    members = {"waiting": items[:LISTED], "waiting_count": len(items), "unresolved_ties": doc.ranking.unresolved}
    if items:
        return f"the results are {doc.status}, not final: {describe(items)}", members
    if doc.ranking.unresolved:
        ties = "; ".join(", ".join(group) for group in doc.ranking.unresolved)
        return (f"the results are {doc.status}, not final: the ranking cannot break the ties between entries "
                f"{ties}; record a tie decision"), members
    return f"the results are {doc.status}, not final", members
