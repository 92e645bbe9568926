"""Fictional but well-formed people for the demo: Chinese names and GB 11643-valid resident IDs.

Deterministic (seeded) so that the demo looks the same on every machine and tests can rely on its shape.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from server.people.resident_id import check_character

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤孔颜"
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥建华玲丹萍鹏辉晶欣怡浩然"
    "子涵梓轩宇航雨桐思远佳琪一鸣晨阳博文俊杰诗涵欣妍家豪志强嘉怡天佑梦琪铭轩若曦子墨皓轩雅琪"
    "文博可馨浩宇思彤泽宇语桐明哲书瑶振宇嘉欣昊天雨涵亦凡紫萱立新海燕春雷秋实冬梅晓东晓燕"
)


def make_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def make_resident_id(rng: random.Random, region_code: str, born: date, male: bool) -> str:
    seq = rng.randrange(0, 100) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    first17 = f"{region_code}{born:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def birth_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days))
