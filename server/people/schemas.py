"""Request and response shapes of the people (graduate record) API."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Status = Literal["student", "graduate", "teacher"]
Year = Annotated[int, msgspec.Meta(ge=1950, le=2100)]


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
