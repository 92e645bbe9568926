"""Jineng scoring core: tolerance-aware scoring of skills competitions, from marks to awards.

Pure functions over msgspec Structs, exact decimal arithmetic (never floats), no web, no database.
Everything a server or the CLI needs is importable from here:

Input (decode from JSON with ``msgspec.json.decode(data, type=Scheme)`` or :func:`decode_scheme`):
    ``Scheme`` → ``Criterion`` → aspects ``MeasurementAspect`` | ``JudgementAspect`` | ``PanelAspect``;
    panel rules ``MeanRule``, ``MedianRule``, ``TrimmedMeanRule``, ``TrimmedSumRule``, ``ClosestPairRule``,
    ``DoubleMarkingRule``, ``DoubleMarkingArbiterRule``, ``WorldSkillsJudgementRule``,
    ``BandToleranceRule``, ``ReferenceBlendRule``; ``Rounding``/``RoundingPolicy``; ``RankingPolicy``
    with tie-break steps; ``AwardPolicy`` with tiers; ``WorldSkillsScale``/``ZScore``;
    ``Entry``, ``Member``, ``Judge``, ``Mark``, ``TieDecision``, ``MarkSheet``, ``Roster``.

Functions:
    ``validate_scheme(scheme) -> list[Problem]``; ``check_scheme(scheme)`` raises ``InvalidScheme``.
    ``validate_marks(scheme, marks, entries=None, *, judges=None) -> list[Problem]``.
    ``compute_event(scheme, marks, entries=None, *, judges=None, decisions=(), event=None) -> EventResult``.
    ``compile_scheme(scheme) -> SchemePlan`` — validate and compile once; ``plan.aspects[id]`` is an
    ``AspectPlan``.
    ``evaluate_panels(plan, marks, *, entries=None, judges=None) -> {entry: {aspect: AspectResult}}`` —
    the panels a batch of marks touched, against a compiled plan (judging: tolerance tickets); each
    result's ``next_step`` (``NextStep``) says what it waits for.
    ``evaluate_panel(aspect, marks, *, scheme=None) -> AspectResult`` — one panel on its own (compiles).
    ``rank(contenders, policy, *, criterion_order=(), decisions=(), unranked=()) -> RankingResult``.
    ``assign_awards(policy, standings, *, ranking_status="final") -> AwardResult``.
    ``standardize(scores, method) -> StandardizationResult``.
    ``promote(rules, *, competition_level, standings, entries, competition_class=None) -> list[Promotion]``.
    ``advance(policy, standings, *, withdrawn=()) -> AdvancementResult``.
    ``judge_analytics(result, *, tendency_threshold=Decimal("0.05")) -> JudgeAnalytics``.
    ``what_if(scheme, marks, entries=None, *, judge, judges=None, decisions=(), event=None) -> WhatIfResult``.
    ``explain(result, entry_id) -> EntryExplanation`` (``.text()`` for people).
    ``EventResult.pending() -> list[PendingAspect]`` — what an unfinished event waits for, per aspect.
    ``to_document(result) -> ResultsDocument``; ``encode_results``/``decode_results`` (JSON
    ``jineng.results/1``); ``encode_results_csv``; ``standings_from_results(doc)``.

Errors: ``InvalidScheme``, ``InvalidMarks``, ``InvalidPolicy`` (all ``ScoringError``) carry
``problems: list[Problem]``, each with a stable ``code``, a ``path`` ("criteria[1].aspects[3].max",
"marks[812].mark") and a message — a server maps them to HTTP 422.

File formats and the meaning of every field: docs/scoring-formats.md.
"""

from .analytics import (
    JudgeAnalytics,
    JudgeStats,
    WhatIfChange,
    WhatIfResult,
    judge_analytics,
    what_if,
)
from .awards import assign_awards
from .errors import InvalidMarks, InvalidPolicy, InvalidScheme, Problem, ScoringError
from .evaluate import compute_event, evaluate_panel, evaluate_panels
from .explain import (
    AspectExplanation,
    CriterionExplanation,
    EntryExplanation,
    MarkUse,
    explain,
)
from .intake import validate_marks
from .io import decode_marks_csv, decode_marks_json, decode_roster, decode_scheme
from .levels import SKILL_LEVEL_NAMES
from .model import (
    AwardPolicy,
    BandToleranceRule,
    ByCriteria,
    ByCriterionOrder,
    ByDecision,
    ByTimeUsed,
    ClosestPairRule,
    Criterion,
    DeviationBand,
    DoubleMarkingArbiterRule,
    DoubleMarkingRule,
    Entry,
    Judge,
    JudgementAspect,
    Mark,
    MarkSheet,
    MeanRule,
    MeasurementAspect,
    MedianRule,
    Member,
    PanelAspect,
    RankingPolicy,
    RatioTier,
    ReferenceBlendRule,
    Roster,
    Rounding,
    RoundingPolicy,
    Scheme,
    ShareRemaining,
    ThresholdTier,
    TieDecision,
    ToleranceBand,
    TopHalfTier,
    TopKTier,
    TrimmedMeanRule,
    TrimmedSumRule,
    WorldSkillsJudgementRule,
    WorldSkillsScale,
    ZScore,
)
from .numbers import Exact
from .panel import ACTION_STATUSES, ASPECT_STATUSES, FINAL_STATUSES, PanelMarks
from .plan import AspectPlan, SchemePlan, compile_scheme
from .promotion import (
    AdvancementPolicy,
    AdvancementResult,
    Promotion,
    PromotionRule,
    advance,
    promote,
)
from .ranking import rank
from .results import (
    AspectResult,
    AwardResult,
    Contender,
    CriterionResult,
    EntryResult,
    EventResult,
    MarkRef,
    NextStep,
    PendingAspect,
    RankedEntry,
    RankingResult,
    StandardizationResult,
    Standing,
    TierResult,
)
from .results_format import (
    ResultsDocument,
    decode_results,
    encode_results,
    encode_results_csv,
    standings_from_results,
    to_document,
)
from .standardize import standardize
from .validate import check_scheme, validate_scheme

__all__ = [
    "ACTION_STATUSES",
    "ASPECT_STATUSES",
    "FINAL_STATUSES",
    "SKILL_LEVEL_NAMES",
    "AdvancementPolicy",
    "AdvancementResult",
    "AspectExplanation",
    "AspectPlan",
    "AspectResult",
    "AwardPolicy",
    "AwardResult",
    "BandToleranceRule",
    "ByCriteria",
    "ByCriterionOrder",
    "ByDecision",
    "ByTimeUsed",
    "ClosestPairRule",
    "Contender",
    "Criterion",
    "CriterionExplanation",
    "CriterionResult",
    "DeviationBand",
    "DoubleMarkingArbiterRule",
    "DoubleMarkingRule",
    "Entry",
    "EntryExplanation",
    "EntryResult",
    "EventResult",
    "Exact",
    "InvalidMarks",
    "InvalidPolicy",
    "InvalidScheme",
    "Judge",
    "JudgeAnalytics",
    "JudgeStats",
    "JudgementAspect",
    "Mark",
    "MarkRef",
    "MarkSheet",
    "MarkUse",
    "MeanRule",
    "MeasurementAspect",
    "MedianRule",
    "Member",
    "NextStep",
    "PanelAspect",
    "PanelMarks",
    "PendingAspect",
    "Problem",
    "Promotion",
    "PromotionRule",
    "RankedEntry",
    "RankingPolicy",
    "RankingResult",
    "RatioTier",
    "ReferenceBlendRule",
    "ResultsDocument",
    "Roster",
    "Rounding",
    "RoundingPolicy",
    "Scheme",
    "SchemePlan",
    "ScoringError",
    "ShareRemaining",
    "StandardizationResult",
    "Standing",
    "ThresholdTier",
    "TieDecision",
    "TierResult",
    "ToleranceBand",
    "TopHalfTier",
    "TopKTier",
    "TrimmedMeanRule",
    "TrimmedSumRule",
    "WhatIfChange",
    "WhatIfResult",
    "WorldSkillsJudgementRule",
    "WorldSkillsScale",
    "ZScore",
    "advance",
    "assign_awards",
    "check_scheme",
    "compile_scheme",
    "compute_event",
    "decode_marks_csv",
    "decode_marks_json",
    "decode_results",
    "decode_roster",
    "decode_scheme",
    "encode_results",
    "encode_results_csv",
    "evaluate_panel",
    "evaluate_panels",
    "explain",
    "judge_analytics",
    "promote",
    "rank",
    "standardize",
    "standings_from_results",
    "to_document",
    "validate_marks",
    "validate_scheme",
    "what_if",
]
