"""Builders for issuing tests: competitions, events and entries straight into their tables (the
competitions and registration services are other domains) through tests/server/factories.py, results
documents, certificate spreadsheets, PDFs' text."""

from __future__ import annotations

import io
import json
import re

from certificates import contains_id_pattern
from server.competitions.tables import Event
from server.db import write_transaction
from tests.server.factories import insert_competition, insert_entry, now, occupation_id, workbook

PROMOTION_RULES = [
    # provincial gold/silver/bronze → 二级 (技师); already 二级 → 一级; first prize → 三级
    {"competition_level": "province", "awards": ["gold", "silver", "bronze"], "target": 2},
    {"competition_level": "province", "awards": ["gold"], "current_levels": [2], "target": 1},
    {"competition_level": "province", "awards": ["first"], "target": 3},
]


# hex digests and keys (key fingerprints, public keys: 16 or 64 hex digits) now and then hold 15 decimal
# digits in a row, which looks like a 15-character resident ID without being anyone's
_HEX = re.compile(r"(?<![0-9A-Za-z])(?=[0-9a-f]*[a-f])[0-9a-f]{16,}(?![0-9A-Za-z])")


def leaks_id(text: str) -> bool:
    """Whether public output holds anything shaped like a resident ID (hex digests and keys left out)."""
    return contains_id_pattern(_HEX.sub("", text))


async def make_event(world, *, level: str = "province", name: str = "第三届全省职业技能大赛",
                     event_name: str = "电工赛项", occupation: str = "6-31-01-03", team: bool = False,
                     promotion_rules=PROMOTION_RULES, host: str = "edu", edition: int | None = 3) -> dict:
    occ = await occupation_id(occupation)
    async with write_transaction():
        comp = await insert_competition(world, name=name, level=level, edition=edition, status="results_published",
                                        organizers=((host, "host"), ("hrss", "organizer")))
        event = (await Event.insert(Event(
            competition=comp, code="E01", name=event_name, occupation=occ, group="student", track="secondary",
            team=team, min_members=2 if team else 1, max_members=3 if team else 1,
            promotion_rules=json.dumps(promotion_rules) if promotion_rules is not None else None,
            created_at=now(), updated_at=now())).returning(Event.id))[0]["id"]
    return {"competition": comp, "event": event}


async def make_entry(world, event_id: int, school: str, people: list[int], coaches: list[int] = (),
                     status: str = "approved") -> int:
    return await insert_entry(event_id, world.orgs[school], people, coaches, status=status)


def results_doc(entries: list[tuple[int | str, int | None, str | None]], *, status: str = "final",
                tiers=(("gold", "金牌"), ("silver", "银牌"), ("bronze", "铜牌"), ("first", "一等奖"))) -> dict:
    """A jineng.results/1 document: (entry id, rank, award tier code) per entry."""
    awarded = {}
    for entry, _, award in entries:
        if award:
            awarded.setdefault(award, []).append(str(entry))
    return {
        "format": "jineng.results/1",
        "event": "E01",
        "status": "final",
        "scheme": {"id": "s1", "total": "100", "criteria": [
            {"id": "A", "max": "100", "aspects": [{"id": "A1", "kind": "measurement", "max": "100"}]}],
            "rounding": {"aspect": None, "criterion": None, "total": {"places": 2, "mode": "half_up"}},
            "display_places": 2},
        "entries": [
            {"entry": str(entry), "eligible": True, "withdrawn": False, "status": "final", "total": f"{90 - i}.00",
             "criteria": {},
             "rank": rank, **({"award": award} if award else {})}
            for i, (entry, rank, award) in enumerate(entries)
        ],
        "ranking": {"mode": "shared", "status": "final"},
        "awards": {"status": status, "eligible_count": len(entries),
                   "tiers": [{"code": c, "name": n, "kind": "top_k", "basis": "top_k 1",
                              "awarded": awarded.get(c, [])} for c, n in tiers]},
    }


def xlsx(rows: list[list], headers=("身份证号", "姓名", "职业编码", "工种/职业方向", "等级", "认定日期")) -> bytes:
    """A skill-level certificate sheet: ``headers`` then ``rows``, the ID column stored as text."""
    return workbook([list(headers), *rows], text_columns=[0])


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def squash(text: str) -> str:
    return "".join(text.split())
