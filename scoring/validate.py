"""Scheme validation: every inconsistency as a ``Problem`` with a stable code and a path.

``validate_scheme`` never raises and never stops at the first problem; ``check_scheme`` raises
``InvalidScheme`` with the full list.  Codes (stable, for HTTP 422 mapping):

=========================  ===================================================================
invalid_type               a non-Decimal (a float from Python code) where a decimal belongs
too_precise                a decimal with more than 12 places (reported alone, with invalid_type)
duplicate_id               a criterion or aspect id used twice (aspect ids are unique scheme-wide)
missing_id                 an empty id
empty                      a scheme without criteria, a criterion without aspects, no award tiers
max_not_positive           an aspect max ≤ 0
too_large                  a value beyond what the core accepts (max above 10^9, any decimal ≥ 10^15)
not_a_number               NaN or infinity in a declared value
total_mismatch             a declared criterion max or scheme total differs from what its parts add to
weight_not_positive        a criterion weight ≤ 0
panel_size_invalid         a panel with fewer than one judge
panel_size_too_small       a trimming rule would drop every mark
panel_size_mismatch        a rule that needs an exact panel size (closest pair: 3, double marking: 2)
rule_missing               a panel aspect without a rule and no scheme-level panel_rule
rule_parameter_invalid     a negative tolerance/spread/drop, a factor ≤ 0, bad reference judges
bands_invalid              empty, duplicate or uncovered tolerance bands, or a band mark above max
scale_invalid              mark_min ≥ mark_max, or a worldskills_judgement panel not on 0..3
mark_max_required          a panel rule whose judges cannot mark on the aspect's 0..max (trimmed_sum,
                           worldskills_judgement) on a panel aspect without mark_max
rounding_invalid           places outside 0..12
unknown_criterion          a tie-break naming a criterion the scheme lacks
tie_break_unused           tie-break steps with shared ranks (they would never apply)
share_not_last             a ``share`` step followed by other steps
duplicate_code             two award tiers with one code
ratio_invalid              a ratio outside (0, 1], or ratio tiers adding up to more than 1
count_invalid              a top-k count < 1
standardization_missing    a threshold on the standardized scale without a standardization
standardization_invalid    spread, SD or MAD factor ≤ 0
=========================  ===================================================================
"""

from __future__ import annotations

import functools
import typing
from decimal import Decimal

import msgspec

from .errors import InvalidScheme, Problem
from .model import (
    AwardPolicy,
    BandToleranceRule,
    ByCriteria,
    ClosestPairRule,
    DoubleMarkingArbiterRule,
    DoubleMarkingRule,
    JudgementAspect,
    MeasurementAspect,
    PanelAspect,
    RatioTier,
    ReferenceBlendRule,
    Rounding,
    Scheme,
    ShareRemaining,
    ThresholdTier,
    ToleranceBand,
    TopKTier,
    TrimmedMeanRule,
    TrimmedSumRule,
    WorldSkillsJudgementRule,
    WorldSkillsScale,
    ZScore,
)

LARGEST_MAX = Decimal(10) ** 9
JUDGEMENT_SCALE = (Decimal(0), Decimal(3))


def validate_scheme(scheme: Scheme) -> list[Problem]:
    """Every problem of ``scheme`` (empty list when it is consistent)."""
    out: list[Problem] = []

    def bad(code: str, path: str, message: str) -> None:
        out.append(Problem(code=code, path=path, message=message))

    _check_decimals(scheme, "", bad)
    if out:
        # A float where a Decimal belongs, or a value with more digits than exact scoring keeps: the
        # checks below would only trip over it (or round it); report these first, alone.
        return out
    if not scheme.id:
        bad("missing_id", "id", "the scheme needs an id")
    if not scheme.criteria:
        bad("empty", "criteria", "the scheme has no criteria")
    if scheme.panel_rule is not None:
        _check_rule_parameters(scheme.panel_rule, "panel_rule", bad)
    _check_rule_parameters(scheme.judgement_rule, "judgement_rule", bad)
    _check_rounding_policy(scheme, bad)

    criterion_ids: dict[str, int] = {}
    aspect_ids: dict[str, str] = {}
    declared_total = Decimal(0)
    total_known = True
    for ci, criterion in enumerate(scheme.criteria):
        cpath = f"criteria[{ci}]"
        if not criterion.id:
            bad("missing_id", f"{cpath}.id", "a criterion needs an id")
        elif criterion.id in criterion_ids:
            bad("duplicate_id", f"{cpath}.id",
                f"criterion id {criterion.id!r} is already used by criteria[{criterion_ids[criterion.id]}]")
        else:
            criterion_ids[criterion.id] = ci
        if not criterion.aspects:
            bad("empty", f"{cpath}.aspects", f"criterion {criterion.id!r} has no aspects")
        aspects_max = Decimal(0)
        aspects_ok = True
        for ai, aspect in enumerate(criterion.aspects):
            apath = f"{cpath}.aspects[{ai}]"
            if not aspect.id:
                bad("missing_id", f"{apath}.id", "an aspect needs an id")
            elif aspect.id in aspect_ids:
                bad("duplicate_id", f"{apath}.id",
                    f"aspect id {aspect.id!r} is already used by {aspect_ids[aspect.id]}")
            else:
                aspect_ids[aspect.id] = apath
            if not _finite(aspect.max):
                bad("not_a_number", f"{apath}.max", "max must be a finite number")
                aspects_ok = False
                continue
            if aspect.max <= 0:
                bad("max_not_positive", f"{apath}.max", f"aspect {aspect.id!r} has max {aspect.max}; it must be > 0")
                aspects_ok = False
            elif aspect.max > LARGEST_MAX:
                bad("too_large", f"{apath}.max", f"max {aspect.max} is above {LARGEST_MAX}")
                aspects_ok = False
            aspects_max += aspect.max
            _check_aspect(scheme, aspect, apath, bad)
        if criterion.weight is not None and (not _finite(criterion.weight) or criterion.weight <= 0):
            bad("weight_not_positive", f"{cpath}.weight",
                f"criterion {criterion.id!r} has weight {criterion.weight}; it must be > 0")
            total_known = False
        if not aspects_ok:
            total_known = False
            continue
        if criterion.max is not None and criterion.max != aspects_max:
            bad("total_mismatch", f"{cpath}.max",
                f"criterion {criterion.id!r} declares max {criterion.max} but its aspects add up to {aspects_max}")
        declared_total += aspects_max * (criterion.weight if criterion.weight is not None else 1)
    if scheme.total is not None and total_known and scheme.total != declared_total:
        bad("total_mismatch", "total",
            f"the scheme declares total {scheme.total} but its criteria add up to {declared_total}"
            + (" (criterion max × weight)" if any(c.weight is not None for c in scheme.criteria) else ""))

    _check_ranking(scheme, set(criterion_ids), bad)
    if scheme.awards is not None:
        _check_awards(scheme.awards, scheme, bad)
    if scheme.standardization is not None:
        _check_standardization(scheme.standardization, bad)
    return out


def check_scheme(scheme: Scheme) -> Scheme:
    """Return ``scheme`` unchanged, or raise ``InvalidScheme`` listing every problem."""
    problems = validate_scheme(scheme)
    if problems:
        raise InvalidScheme(problems)
    return scheme


def effective_rule(scheme: Scheme, aspect):
    """The rule that combines an aspect's marks (aspect rule, else the scheme default for its kind)."""
    if isinstance(aspect, MeasurementAspect):
        return None
    if aspect.rule is not None:
        return aspect.rule
    if isinstance(aspect, JudgementAspect):
        return scheme.judgement_rule
    return scheme.panel_rule


def mark_scale(aspect) -> tuple[Decimal, Decimal]:
    """The range each judge's mark must lie in for a judgement or panel aspect."""
    if isinstance(aspect, JudgementAspect):
        return JUDGEMENT_SCALE
    return aspect.mark_min, aspect.mark_max if aspect.mark_max is not None else aspect.max


def rule_output_range(rule, panel_size: int, scale: tuple[Decimal, Decimal]) -> tuple[Decimal, Decimal]:
    """The smallest and largest value a rule can produce from marks on ``scale``."""
    lo, hi = scale
    if isinstance(rule, TrimmedSumRule):
        kept = panel_size - 2 * rule.drop
        return lo * kept * rule.factor, hi * kept * rule.factor
    return lo, hi


# ------------------------------------------------------------------------------------------ internals


def _finite(value: Decimal) -> bool:
    return value.is_finite()


MAX_PLACES = 12
MAX_DIGITS_BEFORE_POINT = 15


@functools.cache
def _decimal_fields(cls) -> tuple[tuple[str, str, bool], ...]:
    """(attribute, name in files, declared as a Decimal) for every field of a scheme struct."""
    out = []
    for f in msgspec.structs.fields(cls):
        t = f.type
        out.append((f.name, f.encode_name, t is Decimal or Decimal in typing.get_args(t)))
    return tuple(out)


def _check_decimals(obj, path: str, bad) -> None:
    """Every Decimal-typed value of the scheme, wherever it sits: a Decimal (never a float — a float has
    already lost the digits someone wrote), at most 12 decimal places and below 10^15, so that every sum
    and product of an event stays exact at 60 significant digits (see :mod:`scoring.numbers`)."""
    for attr, name, is_decimal in _decimal_fields(type(obj)):
        value = getattr(obj, attr)
        where = f"{path}.{name}" if path else name
        if is_decimal and value is not None:
            if not isinstance(value, Decimal):
                bad("invalid_type", where, f"{name} {value!r} is a {type(value).__name__}; it must be a Decimal "
                                           "(write it as a string or a JSON number)")
            elif value.is_finite() and value.as_tuple().exponent < -MAX_PLACES:
                bad("too_precise", where, f"{name} has more than {MAX_PLACES} decimal places")
            elif value.is_finite() and value != 0 and value.adjusted() >= MAX_DIGITS_BEFORE_POINT:
                bad("too_large", where, f"{name} {value} is 10^{MAX_DIGITS_BEFORE_POINT} or more")
        elif isinstance(value, msgspec.Struct):
            _check_decimals(value, where, bad)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, msgspec.Struct):
                    _check_decimals(item, f"{where}[{i}]", bad)


def _tag(rule) -> str:
    return type(rule).__struct_config__.tag


def _check_aspect(scheme: Scheme, aspect, apath: str, bad) -> None:
    if isinstance(aspect, MeasurementAspect):
        if aspect.bands is not None:
            _check_deviation_bands(aspect, f"{apath}.bands", bad)
        return
    if aspect.judges < 1:
        bad("panel_size_invalid", f"{apath}.judges", f"aspect {aspect.id!r} needs at least one judge")
        return
    if isinstance(aspect, PanelAspect):
        lo, hi = mark_scale(aspect)
        if not (_finite(lo) and _finite(hi)):
            bad("not_a_number", f"{apath}.mark_max", "mark_min and mark_max must be finite")
            return
        if lo >= hi:
            bad("scale_invalid", f"{apath}.mark_max", f"mark_min {lo} must be below mark_max {hi}")
            return
    rule = effective_rule(scheme, aspect)
    if rule is None:
        bad("rule_missing", f"{apath}.rule",
            f"panel aspect {aspect.id!r} has no rule and the scheme declares no panel_rule")
        return
    if aspect.rule is not None:
        _check_rule_parameters(aspect.rule, f"{apath}.rule", bad)
    _check_rule_fits(rule, aspect, apath, bad)
    if isinstance(aspect, PanelAspect):
        _check_judges_scale(rule, aspect, apath, bad)


def _check_judges_scale(rule, aspect: PanelAspect, apath: str, bad) -> None:
    """Rules whose judges cannot mark on the aspect's own 0..max: the scale must be declared.

    Without ``mark_max`` a panel's judges mark 0..max and the rule's result is mapped onto max.  That
    is right when the rule's result is on the judges' scale (a mean, a median), and silently wrong when
    it is not: a trimmed sum adds the kept marks × factor (a dive with max 84 = 3 kept × 10 × DD 2.8
    would read the judges' marks on 0..84 and score three 7.0s as 7.00, not 58.80), and WorldSkills judgement scores are 0–3 whatever the
    aspect's max (mark = max × mean / 3)."""
    where = f"{apath}.mark_max"
    if isinstance(rule, TrimmedSumRule) and aspect.mark_max is None:
        kept = aspect.judges - 2 * rule.drop
        if kept >= 1 and kept * rule.factor != 1:
            bad("mark_max_required", where,
                f"aspect {aspect.id!r}: trimmed_sum adds the {kept} kept marks × factor {rule.factor}, so the "
                f"judges cannot mark on the aspect's 0..{aspect.max}; declare mark_max, the most one judge "
                "gives (10 in diving), and max, the most the sum can reach")
    if isinstance(rule, WorldSkillsJudgementRule):
        if aspect.mark_max is None:
            bad("mark_max_required", where,
                f"aspect {aspect.id!r}: worldskills_judgement scores are 0–3 whatever the aspect's max "
                "(mark = max × mean / 3); declare mark_max 3 (or make it a judgement aspect)")
        elif aspect.mark_max != JUDGEMENT_SCALE[1] or aspect.mark_min != JUDGEMENT_SCALE[0]:
            bad("scale_invalid", where,
                f"aspect {aspect.id!r}: worldskills_judgement scores run 0–3; mark_min must be 0 and mark_max 3, "
                f"not {aspect.mark_min}..{aspect.mark_max}")


def _check_rule_fits(rule, aspect, apath: str, bad) -> None:
    """Panel-size requirements of a rule, reported at the aspect's ``judges`` field."""
    n = aspect.judges
    where = f"{apath}.judges"
    drop = getattr(rule, "drop", 0)
    if isinstance(rule, (TrimmedMeanRule, TrimmedSumRule, BandToleranceRule, ReferenceBlendRule)):
        if drop >= 0 and n - 2 * drop < 1:
            bad("panel_size_too_small", where,
                f"{_tag(rule)} drops {drop} highest and {drop} lowest: {n} judge(s) leave no mark")
    if isinstance(rule, ClosestPairRule) and n != 3:
        bad("panel_size_mismatch", where, f"closest_pair needs exactly 3 judges, aspect {aspect.id!r} has {n}")
    if isinstance(rule, (DoubleMarkingRule, DoubleMarkingArbiterRule)) and n != 2:
        bad("panel_size_mismatch", where,
            f"{_tag(rule)} needs exactly 2 first markers (judges: 2), aspect {aspect.id!r} has {n}")
    if isinstance(rule, (BandToleranceRule, ReferenceBlendRule)):
        lo, _ = mark_scale(aspect)
        if rule.bands and min(b.min for b in rule.bands) > lo:
            bad("bands_invalid", f"{apath}.rule.bands" if aspect.rule is not None else "panel_rule.bands",
                f"no band covers scores from {lo}: the lowest band must start at or below {lo}")


def _check_rule_parameters(rule, path: str, bad) -> None:
    for name in ("max_spread", "flag_spread", "tolerance"):
        value = getattr(rule, name, None)
        if value is not None and (not _finite(value) or value < 0):
            bad("rule_parameter_invalid", f"{path}.{name}", f"{name} must be ≥ 0, got {value}")
    drop = getattr(rule, "drop", None)
    if drop is not None and drop < 0:
        bad("rule_parameter_invalid", f"{path}.drop", f"drop must be ≥ 0, got {drop}")
    if isinstance(rule, TrimmedSumRule) and (not _finite(rule.factor) or rule.factor <= 0):
        bad("rule_parameter_invalid", f"{path}.factor", f"factor must be > 0, got {rule.factor}")
    if isinstance(rule, (BandToleranceRule, ReferenceBlendRule)):
        _check_tolerance_bands(rule.bands, f"{path}.bands", bad)
    if isinstance(rule, ReferenceBlendRule):
        if not rule.reference_judges:
            bad("rule_parameter_invalid", f"{path}.reference_judges", "name at least one reference judge")
        elif len(set(rule.reference_judges)) != len(rule.reference_judges):
            bad("rule_parameter_invalid", f"{path}.reference_judges", "a reference judge is listed twice")
        if rule.reference_bands is not None:
            _check_tolerance_bands(rule.reference_bands, f"{path}.reference_bands", bad)


def _check_tolerance_bands(bands: list[ToleranceBand], path: str, bad) -> None:
    if not bands:
        bad("bands_invalid", path, "at least one band is needed")
        return
    seen: set[Decimal] = set()
    for i, band in enumerate(bands):
        if not (_finite(band.min) and _finite(band.tolerance)):
            bad("not_a_number", f"{path}[{i}]", "band values must be finite")
            continue
        if band.min in seen:
            bad("bands_invalid", f"{path}[{i}].min", f"two bands start at {band.min}")
        seen.add(band.min)
        if band.tolerance < 0:
            bad("bands_invalid", f"{path}[{i}].tolerance", f"tolerance must be ≥ 0, got {band.tolerance}")


def _check_deviation_bands(aspect: MeasurementAspect, path: str, bad) -> None:
    bands = aspect.bands or []
    if not bands:
        bad("bands_invalid", path, "declare at least one band, or omit bands for a plain agreed mark")
        return
    seen: set[Decimal] = set()
    for i, band in enumerate(bands):
        if not (_finite(band.within) and _finite(band.mark)):
            bad("not_a_number", f"{path}[{i}]", "band values must be finite")
            continue
        if band.within < 0:
            bad("bands_invalid", f"{path}[{i}].within", f"within must be ≥ 0, got {band.within}")
        if band.within in seen:
            bad("bands_invalid", f"{path}[{i}].within", f"two bands share within {band.within}")
        seen.add(band.within)
        if not (0 <= band.mark <= aspect.max):
            bad("bands_invalid", f"{path}[{i}].mark", f"band mark {band.mark} is outside 0..{aspect.max}")
    ordered = sorted((b for b in bands if _finite(b.within) and _finite(b.mark)), key=lambda b: b.within)
    for a, b in zip(ordered, ordered[1:]):
        if b.mark > a.mark:
            bad("bands_invalid", path,
                f"a larger deviation (≤ {b.within}) earns more ({b.mark}) than a smaller one (≤ {a.within}: {a.mark})")
            break


def _check_rounding(r: Rounding | None, path: str, bad) -> None:
    if r is not None and not (0 <= r.places <= 12):
        bad("rounding_invalid", f"{path}.places", f"places must be 0..12, got {r.places}")


def _check_rounding_policy(scheme: Scheme, bad) -> None:
    policy = scheme.rounding
    _check_rounding(policy.aspect, "rounding.aspect", bad)
    _check_rounding(policy.criterion, "rounding.criterion", bad)
    _check_rounding(policy.total, "rounding.total", bad)
    if not (0 <= policy.display_places <= 12):
        bad("rounding_invalid", "rounding.display_places", f"display_places must be 0..12, got {policy.display_places}")


def _check_ranking(scheme: Scheme, criterion_ids: set[str], bad) -> None:
    policy = scheme.ranking
    if policy.mode == "shared" and policy.tie_break:
        bad("tie_break_unused", "ranking.tie_break",
            "tie-break steps only apply to unshared ranking (mode 'unshared'); shared ranks never break ties")
    for i, step in enumerate(policy.tie_break):
        if isinstance(step, ByCriteria):
            if not step.criteria:
                bad("empty", f"ranking.tie_break[{i}].criteria", "name at least one criterion")
            for j, cid in enumerate(step.criteria):
                if cid not in criterion_ids:
                    bad("unknown_criterion", f"ranking.tie_break[{i}].criteria[{j}]", f"no criterion {cid!r} in the scheme")
        if isinstance(step, ShareRemaining) and i != len(policy.tie_break) - 1:
            bad("share_not_last", f"ranking.tie_break[{i}]", "'share' ends the chain; steps after it never apply")


def _check_awards(policy: AwardPolicy, scheme: Scheme, bad) -> None:
    if not policy.tiers:
        bad("empty", "awards.tiers", "declare at least one award tier")
    codes: set[str] = set()
    ratio_sum = Decimal(0)
    for i, tier in enumerate(policy.tiers):
        path = f"awards.tiers[{i}]"
        if not tier.code:
            bad("missing_id", f"{path}.code", "an award tier needs a code")
        elif tier.code in codes:
            bad("duplicate_code", f"{path}.code", f"award code {tier.code!r} is used twice")
        codes.add(tier.code)
        if isinstance(tier, RatioTier):
            if not _finite(tier.ratio) or not (0 < tier.ratio <= 1):
                bad("ratio_invalid", f"{path}.ratio", f"ratio must be in (0, 1], got {tier.ratio}")
            else:
                ratio_sum += tier.ratio
        elif isinstance(tier, TopKTier) and tier.count < 1:
            bad("count_invalid", f"{path}.count", f"count must be ≥ 1, got {tier.count}")
        elif isinstance(tier, ThresholdTier):
            if not _finite(tier.min_score):
                bad("not_a_number", f"{path}.min_score", "min_score must be finite")
            if tier.on == "standardized" and scheme.standardization is None:
                bad("standardization_missing", f"{path}.on",
                    "a threshold on the standardized scale needs the scheme's standardization")
    if ratio_sum > 1:
        bad("ratio_invalid", "awards.tiers", f"ratio tiers add up to {ratio_sum}, more than all entrants")
    if policy.min_total is not None and not _finite(policy.min_total):
        bad("not_a_number", "awards.min_total", "min_total must be finite")


def _check_standardization(std, bad) -> None:
    _check_rounding(std.rounding, "standardization.rounding", bad)
    if isinstance(std, WorldSkillsScale):
        if not _finite(std.spread) or std.spread <= 0:
            bad("standardization_invalid", "standardization.spread", f"spread must be > 0, got {std.spread}")
        if not _finite(std.mad_factor) or std.mad_factor <= 0:
            bad("standardization_invalid", "standardization.mad_factor", "mad_factor must be > 0")
    elif isinstance(std, ZScore):
        if not _finite(std.sd) or std.sd <= 0:
            bad("standardization_invalid", "standardization.sd", f"sd must be > 0, got {std.sd}")
