"""Request and response shapes of the registration API: entries, review, eligibility reports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

EntryStatus = Literal["draft", "submitted", "returned", "resubmitted", "approved", "declined", "withdrawn"]
ENTRY_STATUSES: tuple[str, ...] = EntryStatus.__args__  # type: ignore[attr-defined]
Source = Literal["registration", "advancement", "import"]
TeamName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Reason = Annotated[str, msgspec.Meta(min_length=2, max_length=2000)]
Version = Annotated[int, msgspec.Meta(ge=1, description="the entry's version as last read (optimistic locking)")]


class PersonRef(msgspec.Struct, forbid_unknown_fields=True):
    person_id: int


class EntryIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new draft entry: competitors (in order) and coaches are people of the school's roster."""

    event_id: int
    members: Annotated[list[PersonRef], msgspec.Meta(max_length=10)] = []
    coaches: Annotated[list[PersonRef], msgspec.Meta(max_length=5)] = []
    team_name: TeamName | None = None
    # required only when the caller coordinates several schools
    school_id: int | None = None


class EntryPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Edit a draft or returned entry. Omitted fields stay; lists replace the current ones."""

    version: Version | None = None
    team_name: TeamName | None | msgspec.UnsetType = msgspec.UNSET
    members: Annotated[list[PersonRef], msgspec.Meta(max_length=10)] | msgspec.UnsetType = msgspec.UNSET
    coaches: Annotated[list[PersonRef], msgspec.Meta(max_length=5)] | msgspec.UnsetType = msgspec.UNSET


class SubmitIn(msgspec.Struct, forbid_unknown_fields=True):
    version: Version | None = None


class WithdrawIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason
    version: Version | None = None


class RemarkIn(msgspec.Struct, forbid_unknown_fields=True):
    """A remark on one field of the entry, e.g. ``members[1].person_id`` or ``team_name``."""

    field: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    message: Annotated[str, msgspec.Meta(min_length=2, max_length=1000)]


class ReturnIn(msgspec.Struct, forbid_unknown_fields=True):
    remarks: Annotated[list[RemarkIn], msgspec.Meta(min_length=1, max_length=50)]


class ApproveIn(msgspec.Struct, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class DeclineIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class BulkApproveIn(msgspec.Struct, forbid_unknown_fields=True):
    """Approve several entries at once: all or nothing."""

    entry_ids: Annotated[list[int], msgspec.Meta(min_length=1, max_length=500)]
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class MemberOut(msgspec.Struct):
    person_id: int
    name: str
    gender: str
    status: str
    # masked (first 3 + last 4) unless the caller is staff authorized for the school
    resident_id: str
    resident_id_masked: bool
    position: int


class RemarkOut(msgspec.Struct):
    id: int
    kind: str
    field: str
    message: str
    resolved: bool
    created_at: datetime


class EntryOut(msgspec.Struct):
    id: int
    event_id: int
    event_code: str
    event_name: str
    competition_id: int
    competition_name: str
    school_id: int
    school_name: str
    team_name: str | None
    status: EntryStatus
    source: str
    version: int
    members: list[MemberOut]
    coaches: list[MemberOut]
    remarks: list[RemarkOut]
    decline_reason: str
    withdraw_reason: str
    submitted_at: datetime | None
    reviewed_at: datetime | None
    withdrawn_at: datetime | None
    created_at: datetime
    updated_at: datetime
    # what the caller may do next: edit, submit, withdraw, return, approve, decline
    actions: list[str]


class EntryPage(msgspec.Struct):
    items: list[EntryOut]
    total: int
    limit: int
    offset: int


class ReviewPage(msgspec.Struct):
    items: list[EntryOut]
    total: int
    limit: int
    offset: int
    # entries per status in the competition/event (before the status filter): the queue at a glance
    counts: dict[str, int]


class ProblemOut(msgspec.Struct):
    code: str
    field: str | None
    message: str


class EligibilityOut(msgspec.Struct):
    entry_id: int
    eligible: bool
    problems: list[ProblemOut]


class WithdrawOut(msgspec.Struct):
    entry: EntryOut
    # for a withdrawn advancement entry: the entry the results domain created to offer the place to the
    # next qualifier (its answer to ``registration.entry_withdrawn``), or None
    replacement: int | None = None


class BulkApproveOut(msgspec.Struct):
    approved: list[int]


class EntryImportReport(msgspec.Struct):
    rows: int
    dry_run: bool
    committed: bool
    created: int
    entry_ids: list[int] = []
