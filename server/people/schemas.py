"""Request and response shapes of the people (graduate record) API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec

Status = Literal["student", "graduate", "teacher"]
Year = Annotated[int, msgspec.Meta(ge=1950, le=2100)]
OccupationCode = Annotated[
    str, msgspec.Meta(pattern=r"^\d-\d{2}-\d{2}-\d{2}$", description="国家职业分类大典 code, e.g. 6-31-01-03")
]
Level = Annotated[int, msgspec.Meta(ge=1, le=5, description="1 = 一级/高级技师 … 5 = 五级/初级工")]
SourceKind = Literal["certificate", "assessment", "promotion", "other"]
CompetitionLevel = Literal["school", "county", "city", "province", "national"]
Award = Literal[
    "first_prize", "second_prize", "third_prize", "gold", "silver", "bronze", "excellence", "other"
]



class PersonIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    resident_id: Annotated[str, msgspec.Meta(min_length=1, max_length=30, description="18-character GB 11643 ID")]
    school_id: int
    status: Status = "student"
    major_code: Annotated[str, msgspec.Meta(max_length=10)] | None = None
    major_name: Annotated[str, msgspec.Meta(max_length=80)] | None = None
    enrollment_year: Year | None = None
    graduation_year: Year | None = None
    phone: Annotated[str, msgspec.Meta(pattern=r"^[0-9+\- ]{5,20}$")] | None = None


class PersonPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=60)] | None = None
    status: Status | None = None
    major_code: Annotated[str, msgspec.Meta(max_length=10)] | None = None
    major_name: Annotated[str, msgspec.Meta(max_length=80)] | None = None
    enrollment_year: Year | None = None
    graduation_year: Year | None = None
    phone: Annotated[str, msgspec.Meta(pattern=r"^[0-9+\- ]{5,20}$")] | None = None


class PersonOut(msgspec.Struct):
    id: int
    name: str
    gender: str
    # masked (first 3 + last 4) unless the caller is staff authorized for this school
    resident_id: str
    resident_id_masked: bool
    birth_date: str
    status: Status
    school_id: int
    school_name: str
    major_code: str | None
    major_name: str | None
    enrollment_year: int | None
    graduation_year: int | None


class PersonPage(msgspec.Struct):
    items: list[PersonOut]
    total: int
    limit: int
    offset: int


class SkillLevelIn(msgspec.Struct, forbid_unknown_fields=True):
    """A skill level held. ``source`` is the certificate number (证书编号) when ``source_kind`` is
    certificate; for an assessment or promotion a short reference."""

    occupation_code: OccupationCode
    level: Level
    obtained_on: date
    work_type: Annotated[str, msgspec.Meta(max_length=60)] = ""
    source_kind: SourceKind = "certificate"
    source: Annotated[str, msgspec.Meta(max_length=100)] = ""


class SkillLevelOut(msgspec.Struct):
    id: int
    occupation_code: str
    occupation_name: str
    work_type: str
    level: int
    level_name: str
    source_kind: str
    source: str
    obtained_on: date


class AwardIn(msgspec.Struct, forbid_unknown_fields=True):
    """A competition award won: what "prior winners of the same occupation are excluded" looks up."""

    competition_level: CompetitionLevel
    competition_name: Annotated[str, msgspec.Meta(min_length=2, max_length=200)]
    year: Year
    occupation_code: OccupationCode
    award: Award
    work_type: Annotated[str, msgspec.Meta(max_length=60)] = ""
    event_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    rank: Annotated[int, msgspec.Meta(ge=1)] | None = None
    source: Annotated[str, msgspec.Meta(max_length=100)] = ""
    entry_id: int | None = None


class AwardOut(msgspec.Struct):
    id: int
    competition_level: str
    competition_name: str
    year: int
    occupation_code: str
    work_type: str
    event_name: str
    award: str
    rank: int | None
    source: str


class PersonDetailOut(PersonOut):
    """One person with the graduate record: skill levels held and awards won."""

    skill_levels: list[SkillLevelOut] = []
    awards: list[AwardOut] = []


class ImportReport(msgspec.Struct):
    """The outcome of an import that passed validation: nothing is written on a dry run."""

    rows: int
    dry_run: bool
    committed: bool
    created: int
    created_ids: list[int] = []
