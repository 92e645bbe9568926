"""Request and response shapes of the competitions API, and the eligibility rule document of an event.

``EligibilityRules`` is the agreed shape of ``Event.eligibility`` (stored as JSON). The competitions
domain stores and validates it; the registration domain evaluates it against people when entries are
submitted and reviewed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from server.catalog.schemas import OccupationCode, OccupationOut

Level = Literal["school", "county", "city", "province", "national"]
Status = Literal["draft", "registration_open", "registration_closed", "running", "results_published", "archived"]
OrganizerRole = Literal["host", "organizer", "co_organizer"]
Group = Literal["student", "worker"]
Track = Literal["secondary", "higher", "technical", "open"]
SchoolType = Literal["vocational", "technical"]
PersonStatus = Literal["student", "graduate"]

Id = Annotated[int, msgspec.Meta(ge=1, le=2_147_483_647, description="a record id")]
Name = Annotated[str, msgspec.Meta(min_length=2, max_length=200)]
Year = Annotated[int, msgspec.Meta(ge=2000, le=2100)]
EventCode = Annotated[str, msgspec.Meta(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9_.\-]+$")]
Text = Annotated[str, msgspec.Meta(max_length=4000)]
Moment = Annotated[datetime, msgspec.Meta(tz=True, description="ISO 8601 with a time zone offset")]


# --- eligibility (agreed with the registration domain) ----------------------------------------------

class EligibilityRules(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Who may be entered in an event. Every rule that is set must hold; an unset rule does not apply.

    - Age: the competitor's age in whole years on ``age_reference_date`` must lie within
      ``min_age``..``max_age`` (both inclusive). Age comes from the birth date of the resident ID.
      With ``min_age``/``max_age`` set, ``age_reference_date`` is required (notices usually state a
      date such as "2026年6月30日"; the competition day is also common).
    - Status: ``person_statuses`` lists the allowed ``Person.status`` values: current students
      ("student") and/or graduates ("graduate"). A graduate additionally needs
      ``graduation_year >= age_reference_date.year - graduated_within_years`` when
      ``graduated_within_years`` is set (the reference year is the competition year when no date is set).
    - School type: ``school_types`` lists the allowed types of the entry's school (``vocational`` 职业院校,
      ``technical`` 技工院校); ``None`` allows both.
    - Prior national winners: with ``exclude_prior_national_winners``, a person who already won an award
      at a national-level competition in an event of the same occupation (same 大典 code) may not enter
      (the people domain's ``AwardRecord`` rows answer this: publishing results records every award there).
    - Coaches are not subject to these rules (they are teachers).
    """

    min_age: Annotated[int, msgspec.Meta(ge=10, le=80)] | None = None
    max_age: Annotated[int, msgspec.Meta(ge=10, le=80)] | None = None
    age_reference_date: date | None = None
    person_statuses: list[PersonStatus] = msgspec.field(default_factory=lambda: ["student"])
    graduated_within_years: Annotated[int, msgspec.Meta(ge=0, le=10)] | None = None
    school_types: list[SchoolType] | None = None
    exclude_prior_national_winners: bool = False
    notes: Annotated[str, msgspec.Meta(max_length=1000)] = ""


# --- competitions ---------------------------------------------------------------------------------

class OrganizerIn(msgspec.Struct, forbid_unknown_fields=True):
    organization_id: Id
    # host 主办 | organizer 承办 | co_organizer 协办
    role: OrganizerRole = "host"


class OrganizerOut(msgspec.Struct):
    organization_id: int
    name: str
    level: str
    bureau: str | None
    role: OrganizerRole


class CompetitionIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    level: Level
    year: Year
    organizers: Annotated[list[OrganizerIn], msgspec.Meta(min_length=1, max_length=10)]
    edition: Annotated[int, msgspec.Meta(ge=1, le=1000)] | None = None
    parent_id: Id | None = None
    description: Text = ""


class CompetitionPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields sent change. ``parent_id: null`` detaches the competition from its parent."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: Text | msgspec.UnsetType = msgspec.UNSET
    edition: Annotated[int, msgspec.Meta(ge=1, le=1000)] | None | msgspec.UnsetType = msgspec.UNSET
    year: Year | msgspec.UnsetType = msgspec.UNSET
    parent_id: Id | None | msgspec.UnsetType = msgspec.UNSET
    organizers: Annotated[list[OrganizerIn], msgspec.Meta(min_length=1, max_length=10)] | msgspec.UnsetType = (
        msgspec.UNSET
    )


class CompetitionOut(msgspec.Struct):
    id: int
    name: str
    level: Level
    year: int
    edition: int | None
    status: Status
    # the one status a transition may move to next (None when archived)
    next_status: Status | None
    description: str
    parent_id: int | None
    parent_name: str | None
    organizers: list[OrganizerOut]
    event_count: int
    created_at: datetime
    updated_at: datetime
    # whether the signed-in caller may organize it (admins, its organizers): what the console offers
    can_manage: bool = False


class TransitionIn(msgspec.Struct, forbid_unknown_fields=True):
    to: Status
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""


# --- events ---------------------------------------------------------------------------------------

Rules = dict[str, Any]


class EventIn(msgspec.Struct, forbid_unknown_fields=True):
    """An event (赛项). The rule documents are in scoring/'s formats (docs/scoring-formats.md):
    ``scheme`` a ``jineng.scheme/1`` marking scheme, ``award_rules`` an award policy (overrides the
    scheme's own ``awards``), ``promotion_rules`` a list of promotion rules, ``advancement_rules`` an
    advancement policy. Give the occupation by catalog id or by code (with ``work_type``)."""

    code: EventCode
    name: Name
    occupation_id: Id | None = None
    occupation_code: OccupationCode | None = None
    # 工种/职业方向; defaults to the catalog row's work type
    work_type: Annotated[str, msgspec.Meta(max_length=60)] | None = None
    group: Group = "student"
    track: Track = "open"
    team: bool = False
    min_members: Annotated[int, msgspec.Meta(ge=1, le=10)] = 1
    max_members: Annotated[int, msgspec.Meta(ge=1, le=10)] = 1
    max_coaches: Annotated[int, msgspec.Meta(ge=0, le=5)] = 2
    quota_per_school: Annotated[int, msgspec.Meta(ge=1, le=1000)] | None = None
    registration_opens: Moment | None = None
    registration_closes: Moment | None = None
    scheme: Rules | None = None
    award_rules: Rules | None = None
    promotion_rules: list[Rules] | None = None
    advancement_rules: Rules | None = None
    eligibility: EligibilityRules | None = None


class EventPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields sent change; ``null`` clears an optional field. Which fields may still change
    depends on the competition's status (see ``server.competitions.events.FROZEN_FROM``)."""

    code: EventCode | msgspec.UnsetType = msgspec.UNSET
    name: Name | msgspec.UnsetType = msgspec.UNSET
    occupation_id: Id | msgspec.UnsetType = msgspec.UNSET
    work_type: Annotated[str, msgspec.Meta(max_length=60)] | msgspec.UnsetType = msgspec.UNSET
    group: Group | msgspec.UnsetType = msgspec.UNSET
    track: Track | msgspec.UnsetType = msgspec.UNSET
    team: bool | msgspec.UnsetType = msgspec.UNSET
    min_members: Annotated[int, msgspec.Meta(ge=1, le=10)] | msgspec.UnsetType = msgspec.UNSET
    max_members: Annotated[int, msgspec.Meta(ge=1, le=10)] | msgspec.UnsetType = msgspec.UNSET
    max_coaches: Annotated[int, msgspec.Meta(ge=0, le=5)] | msgspec.UnsetType = msgspec.UNSET
    quota_per_school: Annotated[int, msgspec.Meta(ge=1, le=1000)] | None | msgspec.UnsetType = msgspec.UNSET
    registration_opens: Moment | None | msgspec.UnsetType = msgspec.UNSET
    registration_closes: Moment | None | msgspec.UnsetType = msgspec.UNSET
    scheme: Rules | None | msgspec.UnsetType = msgspec.UNSET
    award_rules: Rules | None | msgspec.UnsetType = msgspec.UNSET
    promotion_rules: list[Rules] | None | msgspec.UnsetType = msgspec.UNSET
    advancement_rules: Rules | None | msgspec.UnsetType = msgspec.UNSET
    eligibility: EligibilityRules | None | msgspec.UnsetType = msgspec.UNSET


class EventOut(msgspec.Struct):
    id: int
    competition_id: int
    code: str
    name: str
    occupation: OccupationOut | None
    work_type: str
    group: Group
    track: Track
    team: bool
    min_members: int
    max_members: int
    max_coaches: int
    quota_per_school: int | None
    registration_opens: datetime | None
    registration_closes: datetime | None
    scheme: Rules | None
    award_rules: Rules | None
    promotion_rules: list[Rules] | None
    advancement_rules: Rules | None
    eligibility: EligibilityRules | None
    created_at: datetime
    updated_at: datetime
