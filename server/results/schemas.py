"""Request and response shapes of the results API: an event's results (organizers, and signed-in readers
once published), where each event stands, the public announcements (no ids of any kind) and
advancement to the parent competition."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from server.competitions.schemas import Group, Level, Track

PublishedState = Literal["imported", "published"]
ResultsStatus = Literal["none", "imported", "published"]


# --- results --------------------------------------------------------------------------------------

class ResultLineOut(msgspec.Struct):
    """One entry's result for a signed-in reader. ``entry_id`` and ``school_id`` are given only to those
    who manage the competition (``null`` for everyone else, who reads published results by name)."""

    row: int
    entry_id: int | None
    school_id: int | None
    school_name: str
    team_name: str | None
    members: list[str]
    status: str
    rank: int | None
    total: str | None
    total_exact: str | None
    award: str | None
    award_name: str | None
    eligible: bool
    withdrawn: bool


class EventResultsOut(msgspec.Struct):
    event_id: int
    status: PublishedState
    source: str
    digest: str
    entry_count: int
    imported_at: datetime
    published_at: datetime | None
    lines: list[ResultLineOut]


class EventResultsStatus(msgspec.Struct):
    """Where one event of a competition stands with its results (``none``: nothing imported yet)."""

    event_id: int
    code: str
    name: str
    status: ResultsStatus
    source: str | None
    entry_count: int
    imported_at: datetime | None
    published_at: datetime | None


class PublicResultLine(msgspec.Struct):
    """A published result line: names and schools only, no ids of any kind."""

    rank: int | None
    total: str | None
    award: str | None
    award_name: str | None
    school: str
    team_name: str | None
    members: list[str]
    coaches: list[str]


class PublicEventResults(msgspec.Struct):
    competition: str
    competition_level: Level
    year: int
    event: str
    event_code: str
    occupation: str | None
    work_type: str
    group: Group
    track: Track
    published_at: datetime
    lines: list[PublicResultLine]


class PublicEventSummary(msgspec.Struct):
    event_id: int
    code: str
    name: str
    published_at: datetime
    entries: int


class PublicCompetitionSummary(msgspec.Struct):
    """A competition with published results, for the public list (its id is what /results/ links by)."""

    competition_id: int
    name: str
    level: Level
    year: int
    edition: int | None
    organizers: list[str]
    published_events: int
    last_published_at: datetime


class PublicCompetitionResults(msgspec.Struct):
    competition: str
    level: Level
    year: int
    edition: int | None
    organizers: list[str]
    events: list[PublicEventSummary]


# --- advancement ----------------------------------------------------------------------------------

QualifierOutcome = Literal["created", "existing", "would_create", "skipped"]


class QualifierOut(msgspec.Struct):
    source_entry_id: int
    rank: int | None
    total: str | None
    school_id: int
    school_name: str
    outcome: QualifierOutcome
    entry_id: int | None  # the entry in the parent competition's event
    reason: str = ""


class AdvancementOut(msgspec.Struct):
    competition_id: int
    event_id: int
    parent_competition_id: int
    parent_event_id: int
    dry_run: bool
    # scoring/'s advancement status: final | needs_decision (a per-school cap falls inside a tie)
    status: str
    quota: int
    basis: list[str]
    notes: list[str]
    qualifiers: list[QualifierOut]
    created: int
