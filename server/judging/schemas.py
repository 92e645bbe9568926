"""Judging requests and responses. Nothing a judging role reads carries an entry id, a name or a school
before decryption: sheets, tickets, progress and provisional standings speak in codes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from server.accounts.schemas import MeOut

Id = Annotated[int, msgspec.Meta(ge=1, le=2_147_483_647)]
Reason = Annotated[str, msgspec.Meta(min_length=2, max_length=1000)]
CodeText = Annotated[str, msgspec.Meta(min_length=1, max_length=12)]
AspectId = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
PanelRole = Literal["judge", "chief_judge", "encryption_officer", "supervisor"]
Passphrase = Annotated[str, msgspec.Meta(min_length=12, max_length=200)]


class JudgingSettingsIn(msgspec.Struct, forbid_unknown_fields=True):
    same_county_recusal: bool | None = None
    work_codes: bool | None = None
    recheck_top_n: Annotated[int, msgspec.Meta(ge=0, le=1000)] | None = None
    recheck_rate: Annotated[str, msgspec.Meta(pattern=r"^(0(\.\d{1,4})?|1(\.0{1,4})?)$")] | None = None
    recheck_error_threshold: Annotated[str, msgspec.Meta(pattern=r"^(0(\.\d{1,4})?|1(\.0{1,4})?)$")] | None = None
    appeal_window_minutes: Annotated[int, msgspec.Meta(ge=0, le=7 * 24 * 60)] | None = None


class JudgingOut(msgspec.Struct):
    event_id: int
    competition_id: int
    status: str
    same_county_recusal: bool
    work_codes: bool
    recheck_top_n: int
    recheck_rate: str
    recheck_error_threshold: str
    appeal_window_minutes: int
    drawn_at: datetime | None
    locked_at: datetime | None
    appeals_close_at: datetime | None
    decrypted_layers: list[str]
    layers: list[str]
    my_roles: list[str]


class PanelJudgeIn(msgspec.Struct, forbid_unknown_fields=True):
    user_id: Id
    role: PanelRole = "judge"
    school_id: Id | None = None  # the judge's own school (recusal); defaults to the account's school grant
    reason: Reason = "added to the panel"


class PanelJudgeOut(msgspec.Struct):
    user_id: int
    username: str
    display_name: str
    role: str
    school_id: int | None


class RecusalIn(msgspec.Struct, forbid_unknown_fields=True):
    """回避声明: the judge will not mark entries of this school, or of this person."""

    school_id: Id | None = None
    person_id: Id | None = None
    reason: Reason = "declared"


class RecusalOut(msgspec.Struct):
    id: int
    user_id: int
    school_id: int | None
    person_id: int | None
    reason: str


class AssignmentIn(msgspec.Struct, forbid_unknown_fields=True):
    user_id: Id
    criterion: AspectId
    aspect: AspectId | None = None  # None: every aspect of the criterion
    reason: Reason = "assigned"


class AssignmentOut(msgspec.Struct):
    user_id: int
    username: str
    criterion: str
    aspect: str


class AssignmentPlan(msgspec.Struct):
    """A suggested assignment: judges per aspect, with each judge's load (cells to mark)."""

    assignments: list[AssignmentOut]
    load: dict[str, int]
    algorithm: str


class CheckInIn(msgspec.Struct, forbid_unknown_fields=True):
    entry_id: Id
    present: bool = True


class CheckInOut(msgspec.Struct):
    entry_id: int
    school_name: str
    team_name: str | None
    members: list[str]
    present: bool | None


class DrawIn(msgspec.Struct, forbid_unknown_fields=True):
    passphrase: Passphrase


class DrawOut(msgspec.Struct):
    codes: int
    seats: int
    substitutes: int
    layers: list[str]


class PassphraseIn(msgspec.Struct, forbid_unknown_fields=True):
    passphrase: Passphrase


class MarkIn(msgspec.Struct, forbid_unknown_fields=True):
    """One mark from a tablet. ``key`` is generated on the tablet and makes a retry harmless."""

    key: Annotated[str, msgspec.Meta(min_length=8, max_length=80, pattern=r"^[A-Za-z0-9_.:\-]+$")]
    code: CodeText
    aspect: AspectId
    value: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    round: Annotated[int, msgspec.Meta(ge=1, le=20)] = 1
    corrects: Annotated[int, msgspec.Meta(ge=1, le=10_000)] | None = None  # the version it replaces
    device: Annotated[str, msgspec.Meta(max_length=80)] = ""
    client_time: datetime | None = None


class MarkBatchIn(msgspec.Struct, forbid_unknown_fields=True):
    marks: Annotated[list[MarkIn], msgspec.Meta(min_length=1, max_length=200)]


class MarkResult(msgspec.Struct):
    index: int
    key: str
    # accepted | replayed | refused
    status: str
    version: int | None = None
    code: str | None = None  # why it was refused (stable)
    detail: str | None = None


class TicketOut(msgspec.Struct):
    id: int
    code: str
    criterion: str
    aspect: str
    kind: str
    status: str
    round: int
    judges: list[int]
    assignee: int | None
    opened_at: datetime
    resolved_at: datetime | None
    resolution: str
    what_to_do: str


class MarkBatchOut(msgspec.Struct):
    results: list[MarkResult]
    accepted: int
    refused: int
    tickets: list[TicketOut]
    seq: int | None = None  # the event's sequence number after this batch (live views carry it too)


class CellOut(msgspec.Struct):
    aspect: str
    value: str | None
    version: int | None
    round: int  # the round this judge is to mark now
    ticket_id: int | None


class SheetRow(msgspec.Struct):
    code: str
    cells: list[CellOut]


class RoundingOut(msgspec.Struct):
    places: int
    mode: str  # half_up | half_even | truncate | floor | ceil (as in scoring)


class BandOut(msgspec.Struct):
    within: str  # a measured |deviation| up to this …
    mark: str  # … earns this mark (the first band, smallest within first; beyond every band: 0)


class AspectOut(msgspec.Struct, kw_only=True):
    """An aspect of a score sheet: the judge's scale, and what a mark on it is worth in the criterion
    score. A panel that agrees on mark m gives the aspect m × points / max (scoring maps the rule's
    scale to the aspect's maximum proportionally: 6 × 2/3 = 4 for a 2 on a 0–3 judgement aspect of 6
    points); a banded measurement gives the mark of the band its |deviation| falls in. The tablet's
    running total is the sum of these, rounded where the scheme rounds — what scoring computes when the
    panel agrees with this judge."""

    id: str
    name: str
    kind: str  # measurement | judgement | panel
    min: str
    max: str  # the judge's scale (0–3 for judgement aspects; "" for a measured deviation of any size)
    places: int
    whole: bool
    points: str  # the aspect's maximum in the criterion score (the scheme's max)
    bands: list[BandOut] = []  # a banded measurement's bands, smallest within first
    rounding: RoundingOut | None = None  # the scheme's rounding of each aspect mark


class SheetOut(msgspec.Struct):
    criterion: str
    criterion_name: str
    aspects: list[AspectOut]
    rows: list[SheetRow]
    marked: int
    cells: int
    signed_off: bool
    locked: bool
    open_tickets: list[TicketOut]
    rounding: RoundingOut | None = None  # the scheme's rounding of the criterion score (the running total)


class SheetsOut(msgspec.Struct):
    event_id: int
    status: str
    sheets: list[SheetOut]


class AssignIn(msgspec.Struct, forbid_unknown_fields=True):
    user_id: Id
    reason: Reason = "named by the chief judge"


class LockIn(msgspec.Struct, forbid_unknown_fields=True):
    criterion: AspectId | None = None  # None: the whole event


class UnlockIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason
    criterion: AspectId | None = None


class UnlockOut(msgspec.Struct):
    id: int
    criterion: str
    reason: str
    status: str
    requested_by: int
    approved_by: int | None


class ProgressJudge(msgspec.Struct):
    user_id: int
    username: str
    criterion: str
    marked: int
    cells: int
    signed_off: bool


class ProgressOut(msgspec.Struct):
    event_id: int
    status: str
    criteria: dict[str, dict[str, int]]  # criterion → {cells, marked, locked}
    judges: list[ProgressJudge]
    open_tickets: int


class DecryptionOut(msgspec.Struct):
    layer: str
    approved_by: int
    performed_by: int | None
    remaining: list[str]


class StandingOut(msgspec.Struct):
    code: str
    rank: int | None
    total: str | None
    status: str


class RecheckLineOut(msgspec.Struct):
    code: str
    reason: str
    outcome: str
    note: str


class RecheckOut(msgspec.Struct):
    seed: str
    lines: list[RecheckLineOut]
    checked: int
    corrected: int
    error_rate: str | None
    full_required: bool
    complete: bool


class CorrectionIn(msgspec.Struct, forbid_unknown_fields=True):
    aspect: AspectId
    user_id: Id  # whose mark is corrected
    value: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    round: Annotated[int, msgspec.Meta(ge=1, le=20)] = 1


class RecheckIn(msgspec.Struct, forbid_unknown_fields=True):
    outcome: Literal["confirmed", "corrected"]
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    corrections: Annotated[list[CorrectionIn], msgspec.Meta(max_length=200)] = []


class AppealIn(msgspec.Struct, forbid_unknown_fields=True):
    entry_id: Id
    text: Annotated[str, msgspec.Meta(min_length=10, max_length=5000)]


class RulingIn(msgspec.Struct, forbid_unknown_fields=True):
    outcome: Literal["upheld", "dismissed"]
    reason: Reason
    corrections: Annotated[list[CorrectionIn], msgspec.Meta(max_length=200)] = []


class AppealOut(msgspec.Struct):
    id: int
    entry_id: int
    school_id: int
    text: str
    status: str
    filed_at: datetime
    ruling: str
    ruled_at: datetime | None
    revisions: list[dict]


class AppealWindowOut(msgspec.Struct, kw_only=True):
    """When an event's appeals may be filed (GET …/appeal-window): from the lock for the window's minutes."""

    event_id: int
    judging_status: str
    window_minutes: int
    opens_at: datetime | None  # when marking was locked; none yet: appeals have not opened
    closes_at: datetime | None
    open: bool  # at checked_at, by the server's clock (what filing is judged by)
    checked_at: datetime


class PublicAppealOut(msgspec.Struct):
    """An appeal's outcome as published with the results: no names before the results are."""

    id: int
    status: str
    ruling: str
    entry_id: int | None  # only once the results are published


class BlockerOut(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One thing that still stops publishing an event's results (GET …/publication): a stable ``code``
    the pages read in the user's language, the server's ``message``, and what is at fault."""

    code: str  # publication_needs_decryption | recheck_not_drawn | recheck_pending | recheck_full_pending
    #            | appeal_window_open | appeals_unruled
    message: str
    judging_status: str | None = None  # publication_needs_decryption: the stage judging is at
    closes_at: datetime | None = None  # appeal_window_open: when the window closes
    pending: int | None = None  # re-check lines or appeals still to do
    codes: list[str] = []  # recheck_*: the codes whose lines are not checked
    appeal_ids: list[int] = []  # appeals_unruled
    entry_ids: list[int] = []  # appeals_unruled: the appealing entries


class JudgeStatOut(msgspec.Struct):
    """One judge against the panels they sat on (scoring.judge_analytics): deviations as decimals."""

    judge: str
    panels: int
    mean_deviation: str
    mean_abs_deviation: str
    breaches: int
    breach_rate: str
    tendency: str  # lenient | severe | neutral


class WhatIfChangeOut(msgspec.Struct):
    code: str
    total_before: str | None
    total_after: str | None
    rank_before: int | None
    rank_after: int | None
    award_before: str | None
    award_after: str | None


class WhatIfOut(msgspec.Struct):
    """The event recomputed with a judge's marks replaced by the mean of the rest of each panel."""

    judge: str
    replaced_marks: int
    changes: list[WhatIfChangeOut]


class AnalyticsOut(msgspec.Struct):
    """scoring/'s judge analytics (leniency and spread per judge) and what-if results without each judge."""

    judges: list[JudgeStatOut]
    threshold: str
    method: str
    what_if: list[WhatIfOut]


class PairingIn(msgspec.Struct, forbid_unknown_fields=True):
    user_id: Id


class PairingOut(msgspec.Struct):
    code: str  # XXXX-XXXX, shown on the console
    user_id: int
    event_id: int
    expires_at: datetime
    url: str  # what the QR says
    qr_png: str  # the QR as a base64 PNG


class PairedOut(msgspec.Struct, kw_only=True):
    """A paired tablet's session (the same fields as a sign-in) and the event it was paired for."""

    user: MeOut
    expires_at: datetime
    event_id: int
    token: str | None = None  # mode "token"
    csrf_token: str | None = None  # mode "cookie": echo in X-CSRF-Token


class PairIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=4, max_length=20)]
    mode: Literal["cookie", "token"] = "cookie"
