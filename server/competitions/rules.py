"""An event's rule documents in scoring/'s formats: decode, validate through scoring/, store, read back.

Nothing here scores anything: the scoring core decides whether a marking scheme, an award policy,
promotion rules or an advancement policy is consistent, and this module turns its ``Problem`` list into
one ``InvalidInput`` (HTTP 422) whose ``field`` is the request field plus scoring's own path, e.g.
``scheme.criteria[0].aspects[1].max`` or ``advancement_rules.top_n``.

Documents are stored as canonical JSON of the validated structs (decimals as strings), so what is read
back is exactly what scoring/ accepted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

import scoring
from server.errors import DomainError, join_path, msgspec_problem, refusal

# a stand-in scheme for checking award rules of an event that has no marking scheme yet
_PLACEHOLDER_SCHEME = scoring.Scheme(
    id="award-rules-check",
    criteria=[scoring.Criterion(id="c", aspects=[scoring.MeasurementAspect(id="a", max=Decimal(100))])],
)


def invalid_document(prefix: str, problems: list[dict[str, str]], what: str, *, whole: str = "") -> DomainError:
    """One 422 naming every problem of a document; ``field`` is the first problem's full path (``whole``
    for a problem of the document as a whole, e.g. the uploaded file that is not JSON)."""
    located = [{**p, "field": join_path(prefix, p["field"]) or whole} for p in problems]
    field, message = located[0]["field"], located[0]["message"]
    named = field and not message.startswith(f"{field}:")  # the message may name it already
    return refusal(located, f"{what}: {field}" if named else what)


def _convert(value: Any, type_: Any, prefix: str, what: str):
    try:
        return msgspec.convert(value, type=type_)
    except msgspec.ValidationError as err:
        raise invalid_document(prefix, [msgspec_problem(str(err))], what) from None


def scoring_problems(problems: list[scoring.Problem], strip: str = "") -> list[dict[str, str]]:
    out = []
    for p in problems:
        path = p.path
        if strip and (path == strip or path.startswith(strip + ".") or path.startswith(strip + "[")):
            path = path[len(strip):].lstrip(".")
        out.append({"code": p.code, "field": path, "message": p.message})
    return out


def to_json(struct: Any) -> str:
    return msgspec.json.encode(struct).decode()


def as_builtins(text: str | None) -> Any:
    """A stored document as plain JSON values for a response (decimals stay strings)."""
    return None if text is None else msgspec.json.decode(text)


# --- the four documents ---------------------------------------------------------------------------

def scheme_from(value: dict[str, Any]) -> scoring.Scheme:
    scheme = _convert(value, scoring.Scheme, "scheme", "The marking scheme is invalid")
    problems = scoring.validate_scheme(scheme)
    if problems:
        raise invalid_document("scheme", scoring_problems(problems), "The marking scheme is invalid")
    return scheme


def award_rules_from(value: dict[str, Any], scheme: scoring.Scheme | None) -> scoring.AwardPolicy:
    """An award policy, checked by scoring/ against the event's scheme (or a stand-in when it has none)."""
    policy = _convert(value, scoring.AwardPolicy, "award_rules", "The award rules are invalid")
    probe = msgspec.structs.replace(scheme or _PLACEHOLDER_SCHEME, awards=policy)
    problems = [p for p in scoring.validate_scheme(probe) if p.path == "awards" or p.path.startswith("awards.")]
    if problems:
        raise invalid_document("award_rules", scoring_problems(problems, "awards"), "The award rules are invalid")
    return policy


def promotion_rules_from(value: list[dict[str, Any]], competition_level: str) -> list[scoring.PromotionRule]:
    rules = _convert(value, list[scoring.PromotionRule], "promotion_rules", "The promotion rules are invalid")
    try:  # promote() validates its rules before anything else; with no standings it computes nothing
        scoring.promote(rules, competition_level=competition_level, standings=[], entries=[])
    except scoring.ScoringError as err:
        raise invalid_document("promotion_rules", scoring_problems(err.problems, "rules"),
                               "The promotion rules are invalid") from None
    return rules


def advancement_rules_from(value: dict[str, Any]) -> scoring.AdvancementPolicy:
    policy = _convert(value, scoring.AdvancementPolicy, "advancement_rules", "The advancement rules are invalid")
    try:  # advance() validates the policy first; with no standings nobody qualifies
        scoring.advance(policy, [])
    except scoring.ScoringError as err:
        raise invalid_document("advancement_rules", scoring_problems(err.problems, "advancement"),
                               "The advancement rules are invalid") from None
    return policy


# --- reading stored documents back ----------------------------------------------------------------

def stored_scheme(text: str | None) -> scoring.Scheme | None:
    return None if text is None else msgspec.json.decode(text, type=scoring.Scheme)


def stored_award_rules(text: str | None) -> scoring.AwardPolicy | None:
    return None if text is None else msgspec.json.decode(text, type=scoring.AwardPolicy)


def stored_advancement(text: str | None) -> scoring.AdvancementPolicy | None:
    return None if text is None else msgspec.json.decode(text, type=scoring.AdvancementPolicy)


def effective_scheme(event: dict) -> scoring.Scheme | None:
    """The scheme results are computed with: the event's award rules replace the scheme's own awards."""
    scheme = stored_scheme(event["scheme"])
    awards = stored_award_rules(event["award_rules"])
    if scheme is not None and awards is not None:
        scheme = msgspec.structs.replace(scheme, awards=awards)
    return scheme


def award_names(event: dict, document_tiers: list | None = None) -> dict[str, str]:
    """Award code → display name, from the event's rules and (for imported files) the file's tiers."""
    names: dict[str, str] = {}
    for policy in (stored_award_rules(event["award_rules"]), getattr(stored_scheme(event["scheme"]), "awards", None)):
        if policy is not None:
            for tier in policy.tiers:
                names.setdefault(tier.code, tier.name or tier.code)
    for tier in document_tiers or []:
        names.setdefault(tier.code, tier.name or tier.code)
    return names


def award_codes(event: dict) -> set[str] | None:
    """The award codes the event's rules declare, or None when it declares none."""
    policy = stored_award_rules(event["award_rules"]) or getattr(stored_scheme(event["scheme"]), "awards", None)
    return None if policy is None else {t.code for t in policy.tiers}
