"""Occupation catalog requests and responses."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

OccupationCode = Annotated[
    str, msgspec.Meta(pattern=r"^[1-8]-\d{2}-\d{2}-\d{2}$", description="国家职业分类大典 code, e.g. 6-31-01-03")
]
# the bundled rows are from the 2022 edition of 国家职业分类大典; "local" rows were added by organizers
Edition = Literal["2022", "local"]


class OccupationOut(msgspec.Struct):
    """What a user needs to pick an occupation: code, name, work type, pinyin initials, levels, edition."""

    id: int
    code: str
    name: str
    work_type: str  # "" = the occupation itself
    major_group: str
    # skill levels the national standard defines (5 = 五级/初级工 … 1 = 一级/高级技师); [] = not confirmed
    levels: list[int]
    pinyin_initials: str
    edition: Edition


class OccupationIn(msgspec.Struct, forbid_unknown_fields=True):
    """A local catalog entry: an occupation or work type the bundled catalog lacks."""

    code: OccupationCode
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    work_type: Annotated[str, msgspec.Meta(max_length=60)] = ""
    major_group: Annotated[str, msgspec.Meta(max_length=60)] = ""
    levels: Annotated[list[Annotated[int, msgspec.Meta(ge=1, le=5)]], msgspec.Meta(max_length=5)] = []
    # where the entry comes from (a standard's number, a notice): kept for maintainers, not shown
    source: Annotated[str, msgspec.Meta(max_length=500)] = ""
