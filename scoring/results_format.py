"""The results file: ``jineng.results/1`` (JSON) and its CSV companion.

Other parts of the system read this file (importing results of competitions run elsewhere, advancement,
award certificates), so it is versioned and self-describing: the scheme's shape and rounding travel with
the scores, every number is a decimal *string* (never a float), and a value whose exact form does not
terminate also carries that exact fraction.  docs/scoring-formats.md documents every field.

Digit rules (the same everywhere): a value rounded by the scheme shows exactly the declared places
("1.50"); an unrounded exact value shows its significant digits ("7.5", not "7.50"); an unrounded value
that does not terminate shows ``display_places`` digits rounded half-even *and* its exact fraction in the
matching ``*_exact`` field ("1.555556" with "14/9").
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from fractions import Fraction
from typing import Literal

import msgspec

from .model import Rounding, Scheme
from .numbers import Exact, fraction_text, minimal, plain, show
from .results import EventResult, Standing

RESULTS_FORMAT = "jineng.results/1"


class Record(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of the file's records: strict when read back; every field is always written."""


class CompactRecord(Record, omit_defaults=True, kw_only=True):
    """Aspect-level records (10^5 of them per event) leave out empty optional fields."""


class MarkRecord(CompactRecord, kw_only=True):
    judge: str
    mark: str
    round: int = 1


class AspectRecord(CompactRecord, kw_only=True):
    status: str
    mark: str | None = None
    exact: str | None = None
    reason: str | None = None
    involved: list[MarkRecord] = []


class CriterionRecord(CompactRecord, kw_only=True):
    status: str
    score: str | None = None
    exact: str | None = None
    weighted: str | None = None
    weighted_exact: str | None = None
    aspects: dict[str, AspectRecord]


class MemberRecord(Record, kw_only=True):
    id: str
    name: str = ""
    skill_level: int | None = None


class EntryRecord(Record, kw_only=True):
    entry: str
    school: str | None = None
    members: list[MemberRecord] = []
    eligible: bool
    withdrawn: bool
    status: str
    total: str | None = None
    total_exact: str | None = None
    criteria: dict[str, CriterionRecord]
    rank: int | None = None
    tied_with: list[str] = []
    award: str | None = None
    standardized: str | None = None


class AspectInfo(Record, kw_only=True):
    id: str
    name: str = ""
    kind: str
    max: str


class CriterionInfo(Record, kw_only=True):
    id: str
    name: str = ""
    max: str
    weight: str | None = None
    aspects: list[AspectInfo]


class RoundingInfo(Record, kw_only=True):
    places: int
    mode: str


class SchemeInfo(Record, kw_only=True):
    id: str
    name: str = ""
    total: str
    criteria: list[CriterionInfo]
    rounding: dict[str, RoundingInfo | None]
    display_places: int


class RankingRecord(Record, kw_only=True):
    mode: str
    status: str
    unresolved: list[list[str]] = []
    unranked: list[str] = []
    decisions_used: list[dict] = []
    notes: list[str] = []


class TierRecord(Record, kw_only=True):
    code: str
    name: str = ""
    kind: str
    slots: int | None = None
    basis: str
    awarded: list[str]


class AwardsRecord(Record, kw_only=True):
    status: str
    eligible_count: int
    tiers: list[TierRecord]
    notes: list[str] = []


class StandardizationRecord(Record, kw_only=True):
    method: str
    formula: str
    parameters: dict[str, str]
    notes: list[str] = []


class ResultsDocument(Record, kw_only=True):
    """The whole results file."""

    format: Literal["jineng.results/1"]
    event: str
    status: str
    scheme: SchemeInfo
    entries: list[EntryRecord]
    ranking: RankingRecord
    awards: AwardsRecord | None = None
    standardization: StandardizationRecord | None = None


def _value(value: Exact | None, rounding: Rounding | None, places: int) -> tuple[str | None, str | None]:
    """(digits, exact fraction or None) following the digit rules of the module docstring."""
    if value is None:
        return None, None
    if rounding is not None:
        return plain(value), None
    return show(value, places), fraction_text(value)


def _scheme_info(scheme: Scheme) -> SchemeInfo:
    criteria = []
    total = Decimal(0)
    for c in scheme.criteria:
        cmax = sum((a.max for a in c.aspects), Decimal(0))
        total += cmax * (c.weight if c.weight is not None else 1)
        criteria.append(CriterionInfo(
            id=c.id, name=c.name, max=minimal(cmax), weight=minimal(c.weight) if c.weight is not None else None,
            aspects=[AspectInfo(id=a.id, name=a.name, kind=type(a).__struct_config__.tag, max=minimal(a.max))
                     for a in c.aspects]))
    r = scheme.rounding
    rounding = {level: RoundingInfo(places=x.places, mode=x.mode) if x is not None else None
                for level, x in (("aspect", r.aspect), ("criterion", r.criterion), ("total", r.total))}
    return SchemeInfo(id=scheme.id, name=scheme.name, total=minimal(total), criteria=criteria, rounding=rounding,
                      display_places=r.display_places)


def to_document(result: EventResult) -> ResultsDocument:
    """Build the ``jineng.results/1`` document of an event result."""
    scheme = result.scheme
    r = scheme.rounding
    places = r.display_places
    tied = {p.entry: list(p.tied_with) for p in result.ranking.order}
    weights = {c.id: c.weight for c in scheme.criteria}
    entries = []
    for e in result.entries:
        criteria = {}
        for c in e.criteria:
            aspects = {}
            for a in c.aspects:
                mark, exact = _value(a.mark, r.aspect, places)
                aspects[a.aspect] = AspectRecord(
                    status=a.status, mark=mark, exact=exact, reason=a.reason,
                    involved=[MarkRecord(judge=m.judge, mark=show(m.mark, places), round=m.round) for m in a.involved])
            score, score_exact = _value(c.score, r.criterion, places)
            weighted = weighted_exact = None
            if weights[c.criterion] is not None:
                weighted, weighted_exact = _value(c.weighted, None, places)
            criteria[c.criterion] = CriterionRecord(status=c.status, score=score, exact=score_exact,
                                                    weighted=weighted, weighted_exact=weighted_exact,
                                                    aspects=aspects)
        total, total_exact = _value(e.total, r.total, places)
        entries.append(EntryRecord(
            entry=e.entry.id, school=e.entry.school,
            members=[MemberRecord(id=m.id, name=m.name, skill_level=m.skill_level) for m in e.entry.members],
            eligible=e.entry.eligible, withdrawn=e.entry.withdrawn, status=e.status, total=total,
            total_exact=total_exact, criteria=criteria, rank=e.rank, tied_with=tied.get(e.entry.id, []),
            award=e.award, standardized=plain(e.standardized) if e.standardized is not None else None))
    ranking = result.ranking
    awards = result.awards
    std = result.standardization
    return ResultsDocument(
        format=RESULTS_FORMAT, event=result.event, status=result.status, scheme=_scheme_info(scheme), entries=entries,
        ranking=RankingRecord(mode=ranking.mode, status=ranking.status, unresolved=ranking.unresolved,
                              unranked=ranking.unranked,
                              decisions_used=[msgspec.to_builtins(d) for d in ranking.decisions_used],
                              notes=ranking.notes),
        awards=AwardsRecord(status=awards.status, eligible_count=awards.eligible_count,
                            tiers=[TierRecord(code=t.code, name=t.name, kind=t.kind, slots=t.slots, basis=t.basis,
                                              awarded=t.awarded) for t in awards.tiers],
                            notes=awards.notes) if awards is not None else None,
        standardization=StandardizationRecord(method=std.method, formula=std.formula, parameters=std.parameters,
                                              notes=std.notes) if std is not None else None)


def encode_results(result: EventResult | ResultsDocument) -> bytes:
    """The results file as indented UTF-8 JSON (keys in a fixed order, so files diff cleanly)."""
    doc = result if isinstance(result, ResultsDocument) else to_document(result)
    return msgspec.json.format(msgspec.json.encode(doc), indent=2) + b"\n"


def decode_results(data: bytes | str) -> ResultsDocument:
    """Read a results file back (strict: unknown fields are refused)."""
    return msgspec.json.decode(data, type=ResultsDocument)


def standings_from_results(doc: ResultsDocument) -> list[Standing]:
    """Standings (for advancement, promotion) from a results file, e.g. one imported from elsewhere."""
    out = []
    for e in doc.entries:
        # The exact fraction, where present, is the value; the digits beside it are for display.
        total = Fraction(e.total_exact) if e.total_exact is not None else (
            Decimal(e.total) if e.total is not None else None)
        out.append(Standing(entry=e.entry, rank=e.rank, total=total, eligible=e.eligible, school=e.school,
                            standardized=Decimal(e.standardized) if e.standardized is not None else None,
                            award=e.award, withdrawn=e.withdrawn))
    return out


CSV_COLUMNS = ["record", "entry", "school", "eligible", "criterion", "aspect", "value", "exact", "status",
               "reason", "rank", "award"]


def encode_results_csv(result: EventResult | ResultsDocument) -> str:
    """Long-format CSV: one ``entry`` row, then its ``criterion`` rows, each followed by its ``aspect``
    rows.  The same digits as the JSON file."""
    doc = result if isinstance(result, ResultsDocument) else to_document(result)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for e in doc.entries:
        eligible = "true" if e.eligible else "false"
        w.writerow(["entry", e.entry, e.school or "", eligible, "", "", e.total or "", e.total_exact or "",
                    e.status, "", e.rank if e.rank is not None else "", e.award or ""])
        for cid, c in e.criteria.items():
            w.writerow(["criterion", e.entry, e.school or "", eligible, cid, "", c.score or "", c.exact or "",
                        c.status, "", "", ""])
            for aid, a in c.aspects.items():
                w.writerow(["aspect", e.entry, e.school or "", eligible, cid, aid, a.mark or "", a.exact or "",
                            a.status, a.reason or "", "", ""])
    return buf.getvalue()
