"""Builders for people tests: valid resident IDs and roster workbooks."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

from openpyxl import Workbook

from server.demo.people import make_resident_id

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


def workbook(rows: list[list], header: list = ROSTER_HEADER) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(content: bytes, name: str = "roster.xlsx") -> dict:
    return {"file": (name, content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
