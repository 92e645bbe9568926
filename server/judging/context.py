"""What every judging service starts from: the event, its judging row, its marking scheme, who is asking.

Roles come from grants on the event's competition (judge 裁判, chief judge 裁判长, encryption officer
加密裁判, supervisor 监督/仲裁) plus "organizer" for those who manage the competition
(``server.access``). Admins hold every role except judge: an admin never marks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache

import msgspec

import scoring
from server import events, locks
from server.access import can_manage_competition
from server.competitions.rules import effective_scheme
from server.competitions.tables import Event
from server.db import lock_key, write_transaction
from server.errors import Conflict, Forbidden, NotFound
from server.judging.schemas import JudgingOut
from server.judging.tables import JudgingEvent
from server.principal import Principal

JUDGING_ROLES = ("judge", "chief_judge", "encryption_officer", "supervisor")
MAX_PLACES = 3  # decimals a judge may enter (FIG uses thousandths)


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class AspectInfo:
    id: str
    name: str
    criterion: str
    kind: str  # measurement | judgement | panel
    seats: int  # judges who mark it in the first round
    low: Decimal
    high: Decimal | None  # None: a measured deviation (any size)
    whole: bool
    aspect: object  # the scoring struct


@dataclass(frozen=True)
class SchemeInfo:
    scheme: scoring.Scheme
    plan: object  # scoring.compile_scheme(scheme): compiled once per scheme, reused by every batch
    aspects: dict[str, AspectInfo]
    criteria: dict[str, tuple[str, tuple[str, ...]]]  # id → (name, aspect ids in scheme order)


@lru_cache(maxsize=64)
def _scheme_info(text: str) -> SchemeInfo:
    scheme = scoring.decode_scheme(text)
    aspects: dict[str, AspectInfo] = {}
    criteria: dict[str, tuple[str, tuple[str, ...]]] = {}
    for criterion in scheme.criteria:
        criteria[criterion.id] = (criterion.name or criterion.id, tuple(a.id for a in criterion.aspects))
        for a in criterion.aspects:
            if isinstance(a, scoring.JudgementAspect):
                info = AspectInfo(a.id, a.name or a.id, criterion.id, "judgement", a.judges, Decimal(0),
                                  Decimal(3), True, a)
            elif isinstance(a, scoring.PanelAspect):
                info = AspectInfo(a.id, a.name or a.id, criterion.id, "panel", a.judges, a.mark_min,
                                  a.mark_max if a.mark_max is not None else a.max, False, a)
            else:
                info = AspectInfo(a.id, a.name or a.id, criterion.id, "measurement", 1, Decimal(0),
                                  None if a.bands else a.max, False, a)
            aspects[a.id] = info
    return SchemeInfo(scheme, scoring.compile_scheme(scheme), aspects, criteria)


@dataclass
class Context:
    event: dict
    judging: dict
    roles: frozenset[str]
    principal: Principal | None

    @property
    def event_id(self) -> int:
        return self.event["id"]

    @property
    def competition_id(self) -> int:
        return self.event["competition"]

    def scheme(self) -> SchemeInfo:
        text = scoring_text(self.event)
        if text is None:
            raise Conflict("The event has no marking scheme yet.", code="scheme_missing")
        return _scheme_info(text)

    def require(self, *roles: str) -> None:
        if self.principal is not None and not self.roles.intersection(roles):
            raise Forbidden(f"This needs one of the judging roles: {', '.join(roles)}.", code="judging_role_required")

    def status_in(self, *statuses: str, what: str) -> None:
        if self.judging["status"] not in statuses:
            raise Conflict(f"{what} is not possible while judging is {self.judging['status']} "
                           f"(needs: {', '.join(statuses)}).", code="judging_status",
                           extra={"judging_status": self.judging["status"], "allowed": list(statuses)})


def scoring_text(event: dict) -> str | None:
    """The scheme marks are judged by (the event's award rules folded in), as canonical JSON."""
    scheme = effective_scheme(event)
    return None if scheme is None else msgspec.json.encode(scheme).decode()


async def roles_of(principal: Principal | None, competition_id: int) -> frozenset[str]:
    if principal is None:
        return frozenset({*JUDGING_ROLES, "organizer"})
    roles = set(principal.competition_roles(competition_id)) & set(JUDGING_ROLES)
    if await can_manage_competition(principal, competition_id):
        roles.add("organizer")
    if principal.is_admin:
        roles.update({"organizer", "chief_judge", "encryption_officer", "supervisor"})
    return frozenset(roles)


async def event_row(event_id: int) -> dict:
    row = await Event.select(Event.all_columns(), Event.competition.level.as_alias("competition_level"),
                             Event.competition.status.as_alias("competition_status"),
                             Event.competition.name.as_alias("competition_name")).where(
        Event.id == event_id).first()
    if row is None:
        raise NotFound(f"Event {event_id} does not exist.", code="event_not_found")
    return row


async def judging_row(event_id: int) -> dict:
    row = await JudgingEvent.select().where(JudgingEvent.event == event_id).first()
    if row is None:  # every event can be judged: its judging row is made on first use
        async with write_transaction():
            await lock_key(locks.judging_event(event_id))
            row = await JudgingEvent.select().where(JudgingEvent.event == event_id).first()
            if row is None:
                stamp = now()
                await JudgingEvent.insert(JudgingEvent(event=event_id, created_at=stamp, updated_at=stamp))
                row = await JudgingEvent.select().where(JudgingEvent.event == event_id).first()
    return row


async def context(principal: Principal | None, event_id: int, *, visible_to_any_role: bool = True) -> Context:
    """The event's judging context; 404 for those with no judging role and no management right on it."""
    event = await event_row(event_id)
    roles = await roles_of(principal, event["competition"])
    if visible_to_any_role and not roles:
        raise NotFound("No such event in your judging roles.", code="event_not_found")
    return Context(event, await judging_row(event_id), roles, principal)


def overview(ctx: Context, layers: list[str], closes_at) -> JudgingOut:
    j = ctx.judging
    return JudgingOut(
        event_id=ctx.event_id, competition_id=ctx.competition_id, status=j["status"],
        same_county_recusal=j["same_county_recusal"], work_codes=j["work_codes"], recheck_top_n=j["recheck_top_n"],
        recheck_rate=j["recheck_rate"], recheck_error_threshold=j["recheck_error_threshold"],
        appeal_window_minutes=j["appeal_window_minutes"], drawn_at=j["drawn_at"], locked_at=j["locked_at"],
        appeals_close_at=closes_at, decrypted_layers=layers[:j["decrypted_layers"]], layers=layers,
        my_roles=sorted(ctx.roles))


async def announce(event_id: int, what: str, **facts) -> int:
    """Queue ``judging.<what>`` for after the commit with the event's next sequence number (inside the
    writing transaction: the number is taken atomically, so every worker and every viewer sees one order;
    the live layer uses it to resume)."""
    rows = await JudgingEvent.update({JudgingEvent.version: JudgingEvent.version + 1}).where(
        JudgingEvent.event == event_id).returning(JudgingEvent.version)
    seq = rows[0]["version"]
    events.queue(f"judging.{what}", event_id=event_id, seq=seq, **facts)
    return seq
