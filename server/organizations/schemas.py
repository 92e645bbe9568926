"""Request and response shapes of the organizations API."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Kind = Literal["region", "authority", "school"]
Level = Literal["national", "province", "city", "county", "school"]
SchoolType = Literal["vocational", "technical"]
Bureau = Literal["education", "human_resources", "other"]

RegionCode = Annotated[str, msgspec.Meta(pattern=r"^[1-9]\d{5}$", description="GB/T 2260 six-digit code")]
Name = Annotated[str, msgspec.Meta(min_length=2, max_length=200)]


class OrganizationIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    kind: Kind
    level: Level
    parent_id: int | None = None
    region_code: RegionCode | None = None
    school_type: SchoolType | None = None
    bureau: Bureau | None = None


class OrganizationPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    region_code: RegionCode | None = None
    school_type: SchoolType | None = None


class OrganizationOut(msgspec.Struct):
    id: int
    name: str
    kind: Kind
    level: Level
    parent_id: int | None
    region_code: str | None
    school_type: SchoolType | None
    bureau: Bureau | None
    path: str
