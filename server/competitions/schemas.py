"""Request and response shapes of the competitions API, and the eligibility rule document of an event.

``EligibilityRules`` is the agreed shape of ``Event.eligibility`` (stored as JSON). The competitions
domain stores and validates it; the registration domain evaluates it against people when entries are
submitted and reviewed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

Level = Literal["school", "county", "city", "province", "national"]
Status = Literal["draft", "registration_open", "registration_closed", "running", "results_published", "archived"]
OrganizerRole = Literal["host", "organizer", "co_organizer"]
Group = Literal["student", "worker"]
Track = Literal["secondary", "higher", "technical", "open"]
SchoolType = Literal["vocational", "technical"]
PersonStatus = Literal["student", "graduate"]

Name = Annotated[str, msgspec.Meta(min_length=2, max_length=200)]
Year = Annotated[int, msgspec.Meta(ge=2000, le=2100)]
OccupationCode = Annotated[
    str, msgspec.Meta(pattern=r"^[1-8]-\d{2}-\d{2}-\d{2}$", description="国家职业分类大典 code, e.g. 6-31-01-03")
]
EventCode = Annotated[str, msgspec.Meta(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9_.\-]+$")]
Text = Annotated[str, msgspec.Meta(max_length=4000)]


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
      (``server.competitions.services.prior_national_winners`` answers this from published results).
    - Coaches are not subject to these rules (they are teachers).
    """

    min_age: Annotated[int, msgspec.Meta(ge=10, le=80)] | None = None
    max_age: Annotated[int, msgspec.Meta(ge=10, le=80)] | None = None
    age_reference_date: date | None = None
    person_statuses: list[PersonStatus] = ["student"]
    graduated_within_years: Annotated[int, msgspec.Meta(ge=0, le=10)] | None = None
    school_types: list[SchoolType] | None = None
    exclude_prior_national_winners: bool = False
    notes: Annotated[str, msgspec.Meta(max_length=1000)] = ""
