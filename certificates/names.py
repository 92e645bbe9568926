"""What certificates are called: titles, skill-level names, award names and field labels, in one place.

Everything in :mod:`certificates` that prints or returns one of these words takes it from here (the PDF
layout, the signed facts of :mod:`certificates.verify`, the ``jineng verify`` command, the enums of
:mod:`certificates.numbering`), and the server should too, so a certificate, its verification page and its
offline check never spell a level or a title two ways.

* :data:`SKILL_LEVEL_TITLE` is the exact 证书名称 人社鉴发〔2021〕1号 requires; :data:`AWARD_TITLE` the award's.
  :data:`CERTIFICATE_TITLES` maps the kind as the views and facts spell it (``"skill_level"``, ``"award"``).
* :data:`LEVEL_NAMES` maps the level digit (position 16 of a 证书编号, 1 = highest) to the required form
  "三级/高级工"; :data:`LEVEL_GRADES` ("三级") and :data:`LEVEL_RANKS` ("高级工") are its two halves, for
  readers that accept either.
* :data:`AWARD_NAMES` maps an award code (:class:`certificates.numbering.AwardCode`) to what is printed.
* :data:`FIELD_LABELS` are the labels printed in front of each value (PDF and ``jineng verify``).

This module is a leaf: plain dictionaries keyed by ``int``/``str`` (the IntEnums of
:mod:`certificates.numbering` hash like their values, so ``LEVEL_NAMES[SkillLevel.THREE]`` works).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

__all__ = [
    "AWARD_NAMES",
    "AWARD_TITLE",
    "CERTIFICATE_TITLES",
    "FIELD_LABELS",
    "LEVEL_GRADES",
    "LEVEL_NAMES",
    "LEVEL_RANKS",
    "SKILL_LEVEL_TITLE",
]

SKILL_LEVEL_TITLE = "职业技能等级证书"  # exact name required by 人社鉴发〔2021〕1号
AWARD_TITLE = "获奖证书"

CERTIFICATE_TITLES: Mapping[str, str] = MappingProxyType({"skill_level": SKILL_LEVEL_TITLE, "award": AWARD_TITLE})

LEVEL_GRADES: Mapping[int, str] = MappingProxyType({1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"})
LEVEL_RANKS: Mapping[int, str] = MappingProxyType({1: "高级技师", 2: "技师", 3: "高级工", 4: "中级工", 5: "初级工"})
LEVEL_NAMES: Mapping[int, str] = MappingProxyType(
    {level: f"{LEVEL_GRADES[level]}/{LEVEL_RANKS[level]}" for level in LEVEL_GRADES}
)

AWARD_NAMES: Mapping[int, str] = MappingProxyType({
    1: "金牌",
    2: "银牌",
    3: "铜牌",
    4: "优胜奖",
    10: "特等奖",
    11: "一等奖",
    12: "二等奖",
    13: "三等奖",
    14: "优秀奖",
})

FIELD_LABELS: Mapping[str, str] = MappingProxyType({
    "title": "证书名称",
    "number": "证书编号",
    "name": "姓名",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "occupation": "职业名称",
    "work_type": "工种/职业方向",
    "level": "职业技能等级",
    "issuer": "评价机构名称",
    "issue_date": "发证日期",
    "event": "赛项",
    "group": "组别",
    "award": "获奖等次",
    "members": "参赛选手",
    "coaches": "指导教师",
    "organizers": "主办单位",
    "award_issuer": "颁发单位",
})
