"""Input data of the scoring core as msgspec Structs: marking scheme, panel rules, policies, entries, marks.

Everything here decodes from JSON with ``forbid_unknown_fields=True``; decimal values may be written as
strings ("7.50") or numbers (7.5) and always become ``Decimal`` (msgspec keeps the JSON digits, so no
float ever sits in between).  Alternatives are tagged unions:

* an aspect's ``kind``: ``measurement`` | ``judgement`` | ``panel``;
* a panel rule's ``rule``: ``mean`` | ``median`` | ``trimmed_mean`` | ``trimmed_sum`` | ``closest_pair`` |
  ``double_marking`` | ``double_marking_arbiter`` | ``worldskills_judgement`` | ``band_tolerance`` |
  ``reference_blend``;
* a tie-break step's ``by``, an award tier's ``kind``, a standardization's ``method``.

The structs only describe; :mod:`scoring.validate` checks them (with stable error codes and paths) and
the other modules compute.  docs/scoring-formats.md documents every field with examples.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Union

import msgspec

from .numbers import RoundingMode

SCHEME_FORMAT = "jineng.scheme/1"
MARKS_FORMAT = "jineng.marks/1"


class Model(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Base of every input struct: strict decoding, immutable, keyword construction.

    msgspec applies ``kw_only`` to the fields a class itself declares, so every subclass repeats it
    (which lets required fields follow defaulted ones in the declared, documented order)."""


# --------------------------------------------------------------------------------------------- rounding


class Rounding(Model, kw_only=True):
    """Round to ``places`` decimals with ``mode`` (half_up, half_even, truncate, floor, ceil)."""

    places: int
    mode: RoundingMode = "half_up"


class RoundingPolicy(Model, kw_only=True):
    """Where the scheme rounds: each aspect mark, each criterion score, the total. ``None`` = keep exact.

    ``display_places`` only affects how a non-terminating exact value is *shown*; the exact value (a
    fraction) is what later sums use, and results files carry it alongside.
    """

    aspect: Rounding | None = None
    criterion: Rounding | None = None
    total: Rounding | None = None
    display_places: int = 6


# ------------------------------------------------------------------------------------------ panel rules


class MeanRule(Model, kw_only=True, tag_field="rule", tag="mean"):
    """Mean of all marks. ``max_spread``: highest − lowest above it → needs_remark.
    ``flag_spread``: above it → computed but flagged for analysis (FIG's ≥1.0 extremes check)."""

    max_spread: Decimal | None = None
    flag_spread: Decimal | None = None


class MedianRule(Model, kw_only=True, tag_field="rule", tag="median"):
    """Median of all marks (mean of the middle two for an even panel)."""

    max_spread: Decimal | None = None
    flag_spread: Decimal | None = None


class TrimmedMeanRule(Model, kw_only=True, tag_field="rule", tag="trimmed_mean"):
    """Drop the ``drop`` highest and ``drop`` lowest marks, mean of the rest (去掉最高分和最低分)."""

    drop: int = 1
    max_spread: Decimal | None = None
    flag_spread: Decimal | None = None


class TrimmedSumRule(Model, kw_only=True, tag_field="rule", tag="trimmed_sum"):
    """Drop ``drop`` highest and lowest, sum the rest, multiply by ``factor`` (diving: 2+2, × DD)."""

    drop: int = 2
    factor: Decimal = Decimal(1)
    max_spread: Decimal | None = None
    flag_spread: Decimal | None = None


class ClosestPairRule(Model, kw_only=True, tag_field="rule", tag="closest_pair"):
    """Three marks: mean of the two closest; equal gaps → the higher pair (IJRU)."""


class DoubleMarkingRule(Model, kw_only=True, tag_field="rule", tag="double_marking"):
    """Exam double marking "2+1+1" (双评): round 1 = two markers, round 2 = third marker, round 3 = arbiter.

    Within ``tolerance`` (≤) → mean of the two.  Otherwise a third marker; the final mark is the mean of
    the two closest of the three (equal gaps → higher pair) provided they are within tolerance; if the
    third is outside tolerance of both first marks, the arbiter's mark is final.
    """

    tolerance: Decimal


class DoubleMarkingArbiterRule(Model, kw_only=True, tag_field="rule", tag="double_marking_arbiter"):
    """Double marking "2+仲裁": within ``tolerance`` → mean; otherwise the arbiter's mark (round 3) is final."""

    tolerance: Decimal


class WorldSkillsJudgementRule(Model, kw_only=True, tag_field="rule", tag="worldskills_judgement"):
    """WorldSkills judgement: scores more than ``max_spread`` apart must be re-marked; else the mean.

    The 1-point spread is common practice but not confirmed in an official text, so it is a parameter.
    """

    max_spread: Decimal = Decimal(1)


class ToleranceBand(Model, kw_only=True):
    """A score band starting at ``min`` (inclusive, up to the next band) with its allowed ``tolerance``."""

    min: Decimal
    tolerance: Decimal


class BandToleranceRule(Model, kw_only=True, tag_field="rule", tag="band_tolerance"):
    """FIG-aerobic style: drop ``drop`` high and low; the kept marks' range must be within the tolerance
    of the band the score falls in; otherwise the declared ``fallback``.

    ``band_on`` says which value selects the band (FIG does not say; the kept mean is an assumption).
    ``fallback``: ``mean_all`` (FIG), ``median_all``, or ``needs_remark`` (no automatic mark).
    """

    drop: int = 1
    bands: list[ToleranceBand]
    band_on: Literal["kept_mean", "mean_all"] = "kept_mean"
    fallback: Literal["mean_all", "median_all", "needs_remark"] = "mean_all"
    flag_spread: Decimal | None = None


class ReferenceBlendRule(Model, kw_only=True, tag_field="rule", tag="reference_blend"):
    """FIG-artistic style: panel score = trimmed mean of the panel judges (E-jury); reference score = mean
    of ``reference_judges``.  If |panel − reference| exceeds the tolerance of the reference score's band,
    the final score is the mean of the two.  ``reference_bands`` (optional) caps the gap between the
    reference judges, keyed on the panel score: beyond it the reference is invalid and the panel score
    stands, flagged."""

    drop: int = 1
    reference_judges: list[str]
    bands: list[ToleranceBand]
    reference_bands: list[ToleranceBand] | None = None


PanelRule = Union[
    MeanRule,
    MedianRule,
    TrimmedMeanRule,
    TrimmedSumRule,
    ClosestPairRule,
    DoubleMarkingRule,
    DoubleMarkingArbiterRule,
    WorldSkillsJudgementRule,
    BandToleranceRule,
    ReferenceBlendRule,
]


# ---------------------------------------------------------------------------------------------- aspects


class DeviationBand(Model, kw_only=True):
    """Measurement tolerance band: a measured |deviation| ≤ ``within`` earns ``mark``."""

    within: Decimal
    mark: Decimal


class MeasurementAspect(Model, kw_only=True, tag_field="kind", tag="measurement"):
    """One agreed mark 0..max; or, with ``bands``, the recorded value is the measured deviation and the
    mark is the first band (smallest ``within``) that contains |deviation|; beyond all bands: 0."""

    id: str
    name: str = ""
    max: Decimal
    bands: list[DeviationBand] | None = None


class JudgementAspect(Model, kw_only=True, tag_field="kind", tag="judgement"):
    """Each of ``judges`` judges scores 0–3 (whole numbers); mark = max × combined/3.

    ``rule`` combines the 0–3 scores (default: the scheme's ``judgement_rule``, itself defaulting to
    WorldSkills judgement with max_spread 1)."""

    id: str
    name: str = ""
    max: Decimal
    judges: int = 3
    rule: PanelRule | None = None


class PanelAspect(Model, kw_only=True, tag_field="kind", tag="panel"):
    """``judges`` judges each give a mark in ``mark_min``..``mark_max`` (default 0..max), combined by
    ``rule`` (default: the scheme's ``panel_rule``).  The aspect mark is the rule's result, scaled by
    max / (the rule's largest possible result) only when those differ (e.g. a 0–10 panel on a 20-mark
    aspect)."""

    id: str
    name: str = ""
    max: Decimal
    judges: int
    mark_min: Decimal = Decimal(0)
    mark_max: Decimal | None = None
    rule: PanelRule | None = None


Aspect = Union[MeasurementAspect, JudgementAspect, PanelAspect]


class Criterion(Model, kw_only=True):
    """A criterion (模块): its aspects, optionally a declared ``max`` (checked against the aspects) and a
    ``weight`` (criterion score × weight is what the total adds)."""

    id: str
    name: str = ""
    aspects: list[Aspect]
    max: Decimal | None = None
    weight: Decimal | None = None


# -------------------------------------------------------------------------------------------- ranking


class ByCriterionOrder(Model, kw_only=True, tag_field="by", tag="criterion_order"):
    """Compare criterion scores in scheme order (模块1, then 模块2 …); higher ranks first."""


class ByTimeUsed(Model, kw_only=True, tag_field="by", tag="time_used"):
    """Shorter recorded ``time_used`` ranks first (entries without a time stay tied at this step)."""


class ByCriteria(Model, kw_only=True, tag_field="by", tag="criteria"):
    """Compare the named criteria in the given order (e.g. practical before theory)."""

    criteria: list[str]


class ByDecision(Model, kw_only=True, tag_field="by", tag="decision"):
    """Apply an explicitly recorded decision (e.g. the chief judge's) that orders the tied entries."""


class ShareRemaining(Model, kw_only=True, tag_field="by", tag="share"):
    """Entries still tied after the preceding steps share the place (declared, so not a failure)."""


TieBreak = Union[ByCriterionOrder, ByTimeUsed, ByCriteria, ByDecision, ShareRemaining]


class RankingPolicy(Model, kw_only=True):
    """``shared``: equal totals share a rank (1, 2, 2, 4).  ``unshared`` (排名不并列): ties go through
    ``tie_break`` in order; a tie that survives the chain without a ``share`` step is reported as
    unresolved on the ranking — no order is invented."""

    mode: Literal["shared", "unshared"] = "shared"
    tie_break: list[TieBreak] = []


# --------------------------------------------------------------------------------------------- awards


class RatioTier(Model, kw_only=True, tag_field="kind", tag="ratio"):
    """``ratio`` of the eligible ranked entrants, rounded to whole places with ``rounding``."""

    code: str
    name: str = ""
    ratio: Decimal
    rounding: RoundingMode


class TopKTier(Model, kw_only=True, tag_field="kind", tag="top_k"):
    """A fixed number of places (gold = 1, silver = 1, bronze = 1, or 一等奖 1 / 二等奖 2 …)."""

    code: str
    name: str = ""
    count: int


class ThresholdTier(Model, kw_only=True, tag_field="kind", tag="threshold"):
    """Every eligible entry not yet awarded whose score is ≥ ``min_score`` (on the total or on the
    standardized scale, e.g. Medallion for Excellence ≥ 700)."""

    code: str
    name: str = ""
    min_score: Decimal
    on: Literal["total", "standardized"] = "total"


class TopHalfTier(Model, kw_only=True, tag_field="kind", tag="top_half"):
    """After the places already given, entries whose position is within the top half of the eligible
    entrants (优胜奖).  ``odd``: how half of an odd count is taken — ``ceil`` or ``floor``; the result
    notes the policy whenever the count is odd."""

    code: str
    name: str = ""
    odd: Literal["ceil", "floor"]


AwardTier = Union[RatioTier, TopKTier, ThresholdTier, TopHalfTier]


class AwardPolicy(Model, kw_only=True):
    """Award tiers, best first.  ``tie_policy`` for entries tied across a tier boundary:
    ``higher`` — all get the higher award and the next tier keeps its end (WorldSkills: two golds, no
    silver); ``lower`` — all get the lower award; ``expand`` — all get the higher award and later tiers
    keep their sizes.  ``min_total``: no award below this total."""

    tiers: list[AwardTier]
    tie_policy: Literal["higher", "lower", "expand"]
    min_total: Decimal | None = None


# ------------------------------------------------------------------------------------- standardization


class WorldSkillsScale(Model, kw_only=True, tag_field="method", tag="worldskills_scale"):
    """center + spread × (raw − median) / dispersion: each skill's median at 700.

    ``spread`` defaults to 20 points per standard deviation, the historical WorldSkills convention
    (700 ± 20 per SD) that a competition manager expects from "the WorldSkills scale"; WorldSkills does
    not publish its current constant, so the default is stated in every result's formula and notes, and
    a scheme may declare another.  ``dispersion``: population standard deviation (``sd``, default) or
    ``mad`` × ``mad_factor`` (median absolute deviation, 1.4826 makes it SD-consistent)."""

    center: Decimal = Decimal(700)
    spread: Decimal = Decimal(20)
    dispersion: Literal["sd", "mad"] = "sd"
    mad_factor: Decimal = Decimal("1.4826")
    rounding: Rounding = Rounding(places=2, mode="half_up")


class ZScore(Model, kw_only=True, tag_field="method", tag="z_score"):
    """mean + sd × (raw − raw mean) / raw SD (default 100 ± 20); ``sd_of``: population or sample SD."""

    mean: Decimal = Decimal(100)
    sd: Decimal = Decimal(20)
    sd_of: Literal["population", "sample"] = "population"
    rounding: Rounding = Rounding(places=2, mode="half_up")


Standardization = Union[WorldSkillsScale, ZScore]


# ---------------------------------------------------------------------------------------------- scheme


class Scheme(Model, kw_only=True):
    """A marking scheme and the event's result rules."""

    format: Literal["jineng.scheme/1"] = SCHEME_FORMAT
    id: str
    name: str = ""
    event: str | None = None
    total: Decimal | None = None
    criteria: list[Criterion]
    panel_rule: PanelRule | None = None
    judgement_rule: PanelRule = WorldSkillsJudgementRule()
    rounding: RoundingPolicy = RoundingPolicy()
    ranking: RankingPolicy = RankingPolicy()
    awards: AwardPolicy | None = None
    standardization: Standardization | None = None


# ------------------------------------------------------------------------------------ entries and marks


class Member(Model, kw_only=True):
    """A team member (or the single competitor); ``skill_level`` is the current 职业技能等级, numbered as in
    :data:`scoring.levels.SKILL_LEVEL_NAMES` (5 … 1)."""

    id: str
    name: str = ""
    skill_level: int | None = None


class Entry(Model, kw_only=True):
    """The unit that is scored and ranked: a competitor or a team.  ``eligible`` false → ranked, never
    awarded; ``withdrawn`` → not ranked at all.  ``time_used`` feeds the time tie-break."""

    id: str
    school: str | None = None
    members: list[Member] = []
    eligible: bool = True
    withdrawn: bool = False
    time_used: Decimal | None = None


class Judge(Model, kw_only=True):
    """A judge of the event; ``school`` enables the recusal check (no marks for one's own school)."""

    id: str
    name: str = ""
    school: str | None = None


class Mark(Model, kw_only=True, gc=False):
    """One mark: ``round`` 1 is the first marking; later rounds are re-marks (the judge's latest round
    counts) or, under double marking, the third marker (2) and the arbiter (3)."""

    entry: str
    judge: str
    aspect: str
    mark: Decimal
    round: int = 1


class TieDecision(Model, kw_only=True):
    """A recorded decision ordering tied entries, best first, with who decided and why."""

    entries: list[str]
    decided_by: str
    reason: str = ""


class MarkSheet(Model, kw_only=True):
    """The marks file (JSON form): marks plus, optionally, the roster the marks are checked against."""

    format: Literal["jineng.marks/1"] = MARKS_FORMAT
    event: str | None = None
    judges: list[Judge] | None = None
    entries: list[Entry] | None = None
    decisions: list[TieDecision] = []
    marks: list[Mark]


class Roster(Model, kw_only=True):
    """The roster file (for marks given as CSV): entries, judges and recorded tie decisions."""

    format: Literal["jineng.roster/1"] = "jineng.roster/1"
    event: str | None = None
    judges: list[Judge] | None = None
    entries: list[Entry] | None = None
    decisions: list[TieDecision] = []
