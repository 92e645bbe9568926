"""A results document (``jineng.results/1``, the scoring CLI's output) checked against an event before
anything is imported.

A file is taken whole or not at all: every row is checked (the entry is an approved or withdrawn entry
of this event, numbers are decimal strings within the scheme's total, ranks follow the totals, awards
are declared tiers, no approved entry is missing) and every problem is reported with its row number and
path. Nothing here reads or writes the database: the caller passes the event and its entries.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

import msgspec

import scoring
from server.competitions import rules
from server.errors import DomainError, InvalidInput, msgspec_problem, refusal
from server.results import pending

ENTRY_STATUSES = {"final", "pending", "incomplete", "withdrawn"}  # scoring/'s entry statuses


def _row_problem(i: int, path: str, code: str, message: str, entry: str | None = None) -> dict:
    who = f" (entry {entry})" if entry else ""
    return {"row": i + 1, "field": f"entries[{i}]{'.' + path if path else ''}", "code": code,
            "message": f"row {i + 1}{who}: {message}"}


def refuse(problems: list[dict], what: str = "The results file was refused, nothing was imported") -> DomainError:
    return refusal(problems, what, extra={"row": problems[0].get("row")})


def decode_document(data: bytes) -> scoring.ResultsDocument:
    """The bytes as a ``jineng.results/1`` document, or 422 naming the row and path that failed."""
    if not data.strip():
        raise InvalidInput("The results file is empty.", code="empty_file", field="file")
    try:
        return scoring.decode_results(data)
    except msgspec.ValidationError as err:  # (a subclass of DecodeError: test it first)
        found = msgspec_problem(str(err))
        code, path, message = found["code"], found["field"], found["message"]
        problem = {"field": path or "file", "code": code, "message": f"{path or 'document'}: {message}"}
        if path.startswith("entries["):
            index = int(path[len("entries["):path.index("]")])
            problem["row"] = index + 1
            problem["message"] = f"row {index + 1}: {path}: {message}"
        raise refuse([problem]) from None
    except msgspec.DecodeError as err:
        raise InvalidInput(f"The results file is not valid JSON: {err}", code="malformed_json", field="file") from None


def _number(text: str | None) -> Decimal | None:
    if text is None:
        return None
    value = Decimal(text)
    if not value.is_finite():
        raise InvalidOperation
    return value


def check_document(doc: scoring.ResultsDocument, event: dict, entries: dict[int, dict]) -> list[dict]:
    """Every problem of the document against this event and its entries (empty when it is acceptable)."""
    problems: list[dict] = []
    if doc.status != "final":
        message, members = pending.not_final(doc)
        problems.append({"field": "status", "code": "results_not_final", "message": message, **members})
    try:
        max_total = _number(doc.scheme.total)
    except (InvalidOperation, ValueError):
        max_total = None
        problems.append({"field": "scheme.total", "code": "not_a_number",
                         "message": f"scheme.total {doc.scheme.total!r} is not a number"})
    declared = {t.code for t in doc.awards.tiers} if doc.awards is not None else set()
    event_codes = rules.award_codes(event)
    allowed_awards = declared | (event_codes or set())
    seen: dict[int, int] = {}
    ranked: list[tuple[int, object, int]] = []
    for i, rec in enumerate(doc.entries):

        def bad(path: str, code: str, message: str) -> None:
            problems.append(_row_problem(i, path, code, message, rec.entry))

        # ASCII digits only: "²".isdigit() is True, but int("²") raises ValueError
        entry_id = int(rec.entry) if rec.entry.isascii() and rec.entry.isdigit() and len(rec.entry) <= 12 else None
        entry = entries.get(entry_id) if entry_id is not None else None
        if entry_id is None:
            bad("entry", "entry_id_invalid", f"entry id {rec.entry[:40]!r} is not a Jineng entry id")
        elif entry is None:
            bad("entry", "entry_not_in_event", f"entry {rec.entry} is not an entry of this event")
        elif entry_id in seen:
            bad("entry", "duplicate_entry", f"entry {rec.entry} already appears in row {seen[entry_id] + 1}")
        else:
            seen[entry_id] = i
            if entry["status"] not in ("approved", "withdrawn"):
                bad("entry", "entry_not_approved", f"entry {rec.entry} is {entry['status']}, not an approved entry")
            elif entry["status"] == "withdrawn" and not rec.withdrawn:
                bad("withdrawn", "entry_withdrawn", f"entry {rec.entry} was withdrawn; its row must say so")
        if rec.status not in ENTRY_STATUSES:
            bad("status", "status_invalid", f"status {rec.status[:40]!r} is not one of {sorted(ENTRY_STATUSES)}")
        total_ok = True
        try:
            total = _number(rec.total)
        except (InvalidOperation, ValueError):
            total, total_ok = None, False
            bad("total", "not_a_number", f"total {rec.total[:40]!r} is not a number")
        else:
            if total is not None and len(rec.total) > 40:
                total_ok = False
                bad("total", "too_long", "a total of more than 40 characters")
            elif total is not None and total < 0:
                bad("total", "total_negative", f"total {rec.total} is negative")
            elif total is not None and max_total is not None and total > max_total:
                bad("total", "total_above_maximum", f"total {rec.total} is above the scheme's total {doc.scheme.total}")
        if rec.award is not None and len(rec.award) > 40:
            bad("award", "too_long", "an award code of more than 40 characters")
        exact = None
        if rec.total_exact is not None:
            try:
                if len(rec.total_exact) > 80:
                    raise ValueError
                exact = Fraction(rec.total_exact)
            except (ValueError, ZeroDivisionError):
                bad("total_exact", "not_a_number", f"total_exact {rec.total_exact[:40]!r} is not a fraction (≤ 80 characters)")
        if rec.withdrawn or rec.status != "final":
            if rec.rank is not None:
                bad("rank", "rank_without_result", f"a {rec.status} entry has no rank")
            if rec.award is not None:
                bad("award", "award_without_result", f"a {rec.status} entry wins no award")
            if not rec.withdrawn and rec.status != "final":
                needs = pending.describe(pending.waiting(doc, rec.entry), with_entry=False)
                bad("status", "entry_not_final", f"the entry's result is {rec.status}, not final"
                    + (f": {needs}" if needs else ""))
        else:
            if total is None and total_ok:
                bad("total", "total_missing", "a final result needs a total")
            if rec.rank is None:
                bad("rank", "rank_missing", "a final result needs a rank")
            elif rec.rank < 1:
                bad("rank", "rank_invalid", f"rank {rec.rank} is not a place")
            elif total is not None:
                ranked.append((rec.rank, exact if exact is not None else total, i))
            if rec.award is not None:
                if not rec.eligible:
                    bad("award", "award_to_ineligible", "an ineligible entry wins no award")
                elif allowed_awards and rec.award not in allowed_awards:
                    bad("award", "award_unknown",
                        f"award {rec.award!r} is not one of the declared awards {sorted(allowed_awards)}")
                elif not allowed_awards:
                    bad("award", "award_unknown", f"award {rec.award!r} but no award tiers are declared")
    # places lie within the ranked entries, and ranks follow the totals: a later place never has a higher
    # total (equal totals may be separated by an unshared ranking's tie-break chain, so they are not checked)
    count = len(ranked)
    for rank, _, i in ranked:
        if rank > count:
            problems.append(_row_problem(i, "rank", "rank_invalid", f"rank {rank} is beyond the {count} ranked entries",
                                         doc.entries[i].entry))
    in_range = sorted((t for t in ranked if t[0] <= count), key=lambda t: (t[0], t[2]))
    for (rank_a, total_a, _), (rank_b, total_b, row_b) in zip(in_range, in_range[1:]):
        if total_b > total_a:
            problems.append(_row_problem(row_b, "rank", "rank_order",
                                         f"rank {rank_b} has a higher total than rank {rank_a}",
                                         doc.entries[row_b].entry))
    missing = sorted(e for e, row in entries.items() if row["status"] == "approved" and e not in seen)
    if missing:
        problems.append({"field": "entries", "code": "entries_missing",
                         "message": "approved entries without a result row: " + ", ".join(map(str, missing[:20]))
                                    + (" …" if len(missing) > 20 else "")})
    return problems
