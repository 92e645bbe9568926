"""Vocational skill levels (职业技能等级): the one place the scoring core names them.

Levels are numbered as on the certificates and in the 证书编号 (1 = 一级 … 5 = 五级); a *smaller* number
is a *higher* level.  Every message, check and result in scoring/ that names a level reads it from here.
"""

from __future__ import annotations

SKILL_LEVEL_NAMES: dict[int, str] = {
    5: "五级/初级工",
    4: "四级/中级工",
    3: "三级/高级工",
    2: "二级/技师",
    1: "一级/高级技师",
}

LOWEST_LEVEL, HIGHEST_LEVEL = max(SKILL_LEVEL_NAMES), min(SKILL_LEVEL_NAMES)

SKILL_LEVEL_RANGE = (f"{LOWEST_LEVEL} ({SKILL_LEVEL_NAMES[LOWEST_LEVEL]}) to "
                     f"{HIGHEST_LEVEL} ({SKILL_LEVEL_NAMES[HIGHEST_LEVEL]})")
"""For messages: "5 (五级/初级工) to 1 (一级/高级技师)"."""
