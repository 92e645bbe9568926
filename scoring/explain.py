"""Explanations: for every number of an entry, the marks it used and dropped, the rule and its parameters,
and the rounding applied — what an arbitration committee needs to reproduce a result by hand.

The explanation is not stored during scoring (a national event has ~10^5 panels); it is rebuilt on
demand by running the *same compiled rule* on the stored panel marks, and the rebuilt value is checked
against the published one, so an explanation can never describe a different computation.
"""

from __future__ import annotations

import msgspec

from .model import MeasurementAspect
from .numbers import exact_context, exact_ratio, fraction_text, plain, round_exact, show
from .panel import FINAL_STATUSES, Outcome, PanelMarks, fmt
from .plan import SchemePlan
from .results import AspectResult, EntryResult, EventResult


class MarkUse(msgspec.Struct, frozen=True):
    """One mark and what the rule did with it."""

    judge: str
    mark: str
    round: int
    used: bool
    note: str | None = None


class AspectExplanation(msgspec.Struct, frozen=True):
    """One aspect: the rule and parameters, every mark and its fate, the steps, the exact value, the
    rounding and the published mark (all numbers as text, exactly as published)."""

    aspect: str
    name: str
    kind: str
    status: str
    rule: str | None
    parameters: dict[str, str]
    marks: list[MarkUse]
    steps: list[str]
    exact: str | None
    rounding: str | None
    mark: str | None
    reason: str | None


class CriterionExplanation(msgspec.Struct, frozen=True):
    """One criterion: the sum of its aspect marks, its rounding and weight, and its aspects."""

    criterion: str
    name: str
    status: str
    steps: list[str]
    score: str | None
    weighted: str | None
    aspects: list[AspectExplanation]


class EntryExplanation(msgspec.Struct, frozen=True):
    """Everything about one entry's result, from marks to rank, award and standardized score."""

    event: str
    entry: str
    status: str
    criteria: list[CriterionExplanation]
    total_steps: list[str]
    total: str | None
    rank: int | None
    rank_steps: list[str]
    award: str | None
    award_steps: list[str]
    standardized: str | None
    standardization_steps: list[str]

    def text(self) -> str:
        """The explanation as plain text, one fact per line."""
        return render_text(self)


def _rule_parameters(rule) -> tuple[str | None, dict[str, str]]:
    if rule is None:
        return None, {}
    data = msgspec.to_builtins(rule)
    name = data.pop("rule")
    return name, {k: (str(v) if not isinstance(v, (list, dict)) else msgspec.json.encode(v).decode())
                  for k, v in data.items() if v is not None}


def _mark_uses(panel: PanelMarks, used, has_value: bool, status: str) -> list[MarkUse]:
    ordered = panel.ordered()
    out: list[MarkUse] = []
    if not has_value:
        for v, j in ordered:
            out.append(MarkUse(judge=j, mark=fmt(v), round=panel.round(j), used=False,
                               note=f"no value computed ({status})"))
    elif used and isinstance(next(iter(used)), str):
        used_judges = set(used)
        for v, j in ordered:
            taken = j in used_judges
            out.append(MarkUse(judge=j, mark=fmt(v), round=panel.round(j), used=taken,
                               note=None if taken else "not used by the rule"))
    else:
        positions = set(used)
        low = min(positions) if positions else None
        high = max(positions) if positions else None
        for i, (v, j) in enumerate(ordered):
            if i in positions:
                out.append(MarkUse(judge=j, mark=fmt(v), round=panel.round(j), used=True))
                continue
            if low is not None and i < low:
                note = "dropped: among the lowest"
            elif high is not None and i > high:
                note = "dropped: among the highest"
            else:
                note = "not used by the rule"
            out.append(MarkUse(judge=j, mark=fmt(v), round=panel.round(j), used=False, note=note))
    for m in panel.superseded or ():
        out.append(MarkUse(judge=m.judge, mark=fmt(m.mark), round=m.round, used=False,
                           note="superseded by the same judge's later round"))
    return out


def explain_aspect(plan: SchemePlan, result: AspectResult, display_places: int = 6) -> AspectExplanation:
    """Rebuild the computation of one aspect result and check it against the published mark."""
    ap = plan.aspects[result.aspect]
    aspect = ap.aspect
    kind = type(aspect).__struct_config__.tag
    rule_name, params = _rule_parameters(ap.rule)
    if isinstance(aspect, MeasurementAspect):
        rule_name = "deviation_bands" if aspect.bands else "agreed_mark"
        params = {"max": fmt(aspect.max)}
        if aspect.bands:
            params["bands"] = ", ".join(f"|dev| ≤ {fmt(b.within)} → {fmt(b.mark)}"
                                        for b in sorted(aspect.bands, key=lambda b: b.within))
    steps: list[str] = []
    marks: list[MarkUse] = []
    exact_text = rounding_text = None
    panel = result.panel
    if panel is not None:
        complete = ap.own_count or len(panel.values) >= ap.n
        if complete:
            with exact_context():
                o = Outcome(*ap.fn(panel))
            marks = _mark_uses(panel, o.used, o.num is not None, o.status)
            if o.num is not None:
                combined = exact_ratio(o.num, o.den)
                label = rule_name or "rule"
                steps.append(f"{label}: {fmt(o.num)} / {fmt(o.den)} = {_exact_text(combined, display_places)}"
                             if o.den != 1 else f"{label}: {_exact_text(combined, display_places)}")
                if ap.smul is not None:
                    steps.append(f"scaled to the aspect: × {fmt(ap.smul)} / {fmt(ap.sdiv)} "
                                 "(aspect max / largest result of the rule)")
            if o.reason:
                steps.append(o.reason)
        else:
            marks = _mark_uses(panel, (), False, result.status)
            steps.append(result.reason or "")
    elif result.reason:
        steps.append(result.reason)
    if result.num is not None:
        exact = exact_ratio(result.num, result.den)
        exact_text = _exact_text(exact, display_places)
        if ap.places is not None:
            rounding_text = f"{ap.mode} to {ap.places} places: {exact_text} → {plain(result.mark)}"
            check = round_exact(exact, ap.places, ap.mode)
        else:
            check = exact
        if check != result.mark:  # pragma: no cover - would mean a defect, never a user error
            raise AssertionError(f"explanation of {result.aspect} gives {check}, published {result.mark}")
    return AspectExplanation(
        aspect=aspect.id, name=aspect.name, kind=kind, status=result.status, rule=rule_name, parameters=params,
        marks=marks, steps=steps, exact=exact_text, rounding=rounding_text,
        mark=_digits(result.mark, ap.places is not None, display_places), reason=result.reason)


def _digits(value, rounded: bool, display_places: int) -> str | None:
    """A published value: exactly the declared places if the scheme rounded it, else its exact digits."""
    if value is None:
        return None
    return plain(value) if rounded else show(value, display_places)


def _exact_text(value, display_places: int) -> str:
    frac = fraction_text(value)
    return f"{show(value, display_places)} (exactly {frac})" if frac else show(value, display_places)


def explain(result: EventResult, entry_id: str) -> EntryExplanation:
    """Explain every number of one entry: aspects, criteria, total, rank, award, standardized score."""
    plan = SchemePlan(result.scheme)
    scheme = result.scheme
    places = scheme.rounding.display_places
    er: EntryResult = result.entry(entry_id)
    names = {c.id: c for c in scheme.criteria}
    criteria: list[CriterionExplanation] = []
    rounded_aspects = scheme.rounding.aspect is not None
    rc, rt = scheme.rounding.criterion, scheme.rounding.total
    for c, weight in zip(er.criteria, plan.weights):
        aspects = [explain_aspect(plan, a, places) for a in c.aspects]
        steps: list[str] = []
        if c.status == "final":
            parts = " + ".join(_digits(a.mark, rounded_aspects, places) for a in c.aspects)
            steps.append(f"sum of aspect marks: {parts} = {_exact_text(c.unrounded, places)}")
            if rc is not None:
                steps.append(f"{rc.mode} to {rc.places} places: → {plain(c.score)}")
            if weight is not None:
                steps.append(f"weighted: {_digits(c.score, rc is not None, places)} × {fmt(weight)} = "
                             f"{_exact_text(c.weighted, places)}")
        else:
            waiting = [a.aspect for a in c.aspects if a.status not in FINAL_STATUSES]
            steps.append(f"no score yet: {', '.join(waiting)} not final")
        criteria.append(CriterionExplanation(
            criterion=c.criterion, name=names[c.criterion].name, status=c.status, steps=steps,
            score=_digits(c.score, rc is not None, places),
            weighted=_digits(c.weighted, False, places), aspects=aspects))

    total_steps: list[str] = []
    if er.total is not None:
        weighted = any(w is not None for w in plan.weights)
        parts = " + ".join(_digits(c.weighted, rc is not None and not weighted, places) for c in er.criteria)
        total_steps.append(f"sum of criterion scores{' (weighted)' if weighted else ''}: {parts} = "
                           f"{_exact_text(er.unrounded_total, places)}")
        if rt is not None:
            total_steps.append(f"{rt.mode} to {rt.places} places: → {plain(er.total)}")
    else:
        total_steps.append(f"no total: the entry is {er.status}")

    rank_steps = _rank_steps(result, entry_id)
    award_steps = _award_steps(result, entry_id)
    std_steps: list[str] = []
    if result.standardization is not None and er.standardized is not None:
        s = result.standardization
        std_steps.append(f"{s.method}: {s.formula}")
        std_steps.append("parameters: " + ", ".join(f"{k}={v}" for k, v in s.parameters.items()))
        std_steps.extend(s.notes)
        std_steps.append(f"{entry_id}: raw {_digits(er.total, rt is not None, places)} → {plain(er.standardized)}")
    return EntryExplanation(
        event=result.event, entry=entry_id, status=er.status, criteria=criteria, total_steps=total_steps,
        total=_digits(er.total, rt is not None, places), rank=er.rank, rank_steps=rank_steps,
        award=er.award, award_steps=award_steps,
        standardized=plain(er.standardized) if er.standardized is not None else None,
        standardization_steps=std_steps)


def _rank_steps(result: EventResult, entry_id: str) -> list[str]:
    ranking = result.ranking
    steps = [f"ranking mode {ranking.mode}, status {ranking.status}"]
    for i, placed in enumerate(ranking.order):
        if placed.entry != entry_id:
            continue
        steps.append(f"rank {placed.rank}")
        if placed.tied_with:
            how = "unresolved tie (no decision recorded)" if placed.unresolved else "shares the rank"
            steps.append(f"{how} with {', '.join(placed.tied_with)}")
        if i > 0:
            above = ranking.order[i - 1]
            if placed.separated_by:
                steps.append(f"below {above.entry} by {placed.separated_by}: {placed.detail}")
        if i + 1 < len(ranking.order) and ranking.order[i + 1].separated_by:
            below = ranking.order[i + 1]
            steps.append(f"above {below.entry} by {below.separated_by}: {below.detail}")
        return steps
    if entry_id in ranking.unranked:
        steps.append("not ranked: no final total")
    else:
        steps.append("not ranked (withdrawn)")
    return steps


def _award_steps(result: EventResult, entry_id: str) -> list[str]:
    awards = result.awards
    if awards is None:
        return ["no award policy declared"]
    steps = [f"awards status {awards.status}; {awards.eligible_count} eligible ranked entrants"]
    for tier in awards.tiers:
        steps.append(f"tier {tier.code} ({tier.kind}): {tier.basis}; awarded {len(tier.awarded)}")
        if entry_id in tier.awarded:
            steps.append(f"{entry_id} receives {tier.code}")
    steps.extend(awards.notes)
    if entry_id not in awards.awards:
        steps.append(f"{entry_id}: no award")
    return steps


def render_text(x: EntryExplanation) -> str:
    lines = [f"event {x.event} — entry {x.entry} — status {x.status}"]
    for c in x.criteria:
        lines.append(f"criterion {c.criterion}{' ' + c.name if c.name else ''}: {c.score} ({c.status})")
        for a in c.aspects:
            head = f"  aspect {a.aspect}{' ' + a.name if a.name else ''} [{a.kind}, {a.rule}]: {a.mark} ({a.status})"
            lines.append(head)
            if a.parameters:
                lines.append("    parameters: " + ", ".join(f"{k}={v}" for k, v in a.parameters.items()))
            for m in a.marks:
                lines.append(f"    {m.judge} round {m.round}: {m.mark} — {'used' if m.used else (m.note or 'not used')}")
            for s in a.steps:
                lines.append(f"    {s}")
            if a.rounding:
                lines.append(f"    {a.rounding}")
        for s in c.steps:
            lines.append(f"  {s}")
    lines.append(f"total: {x.total}")
    lines.extend(f"  {s}" for s in x.total_steps)
    lines.append(f"rank: {x.rank}")
    lines.extend(f"  {s}" for s in x.rank_steps)
    lines.append(f"award: {x.award}")
    lines.extend(f"  {s}" for s in x.award_steps)
    if x.standardization_steps:
        lines.append(f"standardized: {x.standardized}")
        lines.extend(f"  {s}" for s in x.standardization_steps)
    return "\n".join(lines)

