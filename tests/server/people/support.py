"""Builders for people tests: valid resident IDs and roster workbooks (on tests/server/factories.py's
``workbook``; uploads go through its ``upload``)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from server.demo.people import make_resident_id
from tests.server.factories import workbook

ROSTER_HEADER = ["姓名 (name)", "身份证号 (resident_id)", "身份 (status)", "专业代码 (major_code)",
                 "专业名称 (major_name)", "入学年份 (enrollment_year)", "毕业年份 (graduation_year)", "手机号 (phone)"]


def unique_ids(n: int, seed: int = 99, taken: set[str] | None = None) -> list[str]:
    rng = random.Random(seed)
    seen = set(taken or ())
    out = []
    day = 0
    while len(out) < n:
        rid = make_resident_id(rng, "370811", date(2006, 1, 1) + timedelta(days=day % 1400), rng.random() < 0.5)
        day += 1
        if rid not in seen:
            seen.add(rid)
            out.append(rid)
    return out


def roster_rows(n: int, seed: int = 99, taken: set[str] | None = None) -> list[list]:
    return [[f"学生{i:05d}", rid, "在校生", "660301", "机电技术应用", 2023, 2026, "13800000000"]
            for i, rid in enumerate(unique_ids(n, seed, taken))]


def roster_workbook(rows: list[list], header: list = ROSTER_HEADER) -> bytes:
    """A roster as a school exports it: the bilingual header, then ``rows``."""
    return workbook([header, *rows])
