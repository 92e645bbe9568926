"""Skill levels (职业技能等级) on the server side, from the certificates core's one definition.

A level is a number: 5 = 五级/初级工 … 1 = 一级/高级技师 (a smaller number is a higher level). The names
come from ``certificates.SkillLevel`` so that the graduate record, import errors and certificates spell
them the same way.
"""

from __future__ import annotations

import re
from typing import Iterable

from certificates import SkillLevel

LEVEL_NAMES: dict[int, str] = {int(level): level.label for level in SkillLevel}
_LEVEL_WORDS = {
    "一级": 1, "高级技师": 1, "二级": 2, "技师": 2, "三级": 3, "高级工": 3, "四级": 4, "中级工": 4,
    "五级": 5, "初级工": 5,
}


def level_name(level: int) -> str:
    return LEVEL_NAMES.get(level, str(level))


def level_names(levels: Iterable[int]) -> str:
    """"五级/初级工、四级/中级工" for the levels given, lowest level first."""
    return "、".join(level_name(x) for x in sorted(set(levels), reverse=True))


def parse_level(text: str | int | None) -> int | None:
    """A skill level from ``3``, ``"3"``, ``"三级"``, ``"高级工"`` or ``"三级/高级工"``; None if unreadable."""
    if text is None:
        return None
    if isinstance(text, int) and not isinstance(text, bool):
        return text if 1 <= text <= 5 else None
    value = "".join(str(text).split())
    if value.isascii() and value.isdigit():  # "²".isdigit() is True, but int("²") raises
        number = int(value)
        return number if 1 <= number <= 5 else None
    parts = [p for p in re.split(r"[/／]", value) if p]
    found = {_LEVEL_WORDS.get(p) for p in parts}
    if len(found) == 1 and None not in found:
        return found.pop()
    return None
