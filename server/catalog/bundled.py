"""The bundled occupation catalog (国家职业分类大典 2022): the data file, pinyin initials, and loading.

The catalog comes from ``data/occupations.csv`` (see ``data/README.md``) and reaches the database by
migration (``server/catalog/piccolo_migrations``), so a database is complete right after ``jineng db
upgrade`` and no lookup ever has to check whether it is loaded. A newer data file ships with a new
migration that calls :func:`sync_catalog` again.

:func:`sync_catalog` upserts by (code, work_type): a bundled row updates in place, a local row an
organizer added earlier is taken over by the bundled one, nothing is ever deleted (events reference rows).

pypinyin is imported where initials are computed (loading and local entries), not at start-up: its
dictionaries are large and a serving process rarely needs them.
"""

from __future__ import annotations

import csv
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from server import locks
from server.audit.services import record
from server.catalog.tables import Occupation
from server.db import lock_key, write_transaction

DATA_FILE = Path(__file__).parent / "data" / "occupations.csv"
LEVELS = (5, 4, 3, 2, 1)

# pypinyin reads 调 as "diao" in these occupation words; the trade reads "tiao" (装调 = 装配调试).
_PHRASES = {
    "装调": [["zhuāng"], ["tiáo"]],
    "调酒": [["tiáo"], ["jiǔ"]],
}

_DIRECTION = re.compile(r"[（(][^）)]*[）)]")


@lru_cache(maxsize=1)
def _pinyin():
    from pypinyin import Style, lazy_pinyin, load_phrases_dict

    load_phrases_dict(_PHRASES)
    return lambda text: lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")


def pinyin_initials(text: str) -> str:
    """Upper-case initials of the Chinese characters, e.g. 电工 → DG, 汽车维修工 → QCWXG.

    Bracketed remarks such as "（职业方向）" are left out; Latin letters and digits are kept as they are.
    """
    text = _DIRECTION.sub("", text)
    letters = _pinyin()(text)
    return "".join(ch for ch in "".join(letters).upper() if ch.isascii() and ch.isalnum())


def initials_of(name: str, work_type: str) -> str:
    """What the search matches on: the occupation's initials, then the work type's (space separated)."""
    parts = [pinyin_initials(name)]
    if work_type:
        parts.append(pinyin_initials(work_type))
    return " ".join(p for p in parts if p)[:60]  # the column's width


def parse_levels(text: str) -> list[int]:
    """'5,4,3' → [5, 4, 3]; '' (levels not confirmed by a standard) → []."""
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if part:
            level = int(part)
            if level not in LEVELS:
                raise ValueError(f"skill level {level} is not one of 5..1")
            out.append(level)
    return out


@lru_cache(maxsize=1)
def catalog_rows() -> tuple[dict[str, str], ...]:
    """The bundled rows with the table's column names (``levels`` normalized, initials computed)."""
    rows = []
    with open(DATA_FILE, encoding="utf-8") as fh:
        for raw in csv.DictReader(fh):
            name, work_type = raw["name"].strip(), (raw["work_type"] or "").strip()
            levels = ",".join(str(x) for x in parse_levels(raw["levels"]))
            rows.append({
                "code": raw["code"].strip(),
                "name": name,
                "work_type": work_type,
                "major_group": (raw["major_group"] or "").strip(),
                "levels": levels,
                "pinyin_initials": initials_of(name, work_type),
                "source": "; ".join(x for x in ((raw["source"] or "").strip(), (raw["notes"] or "").strip()) if x),
            })
    return tuple(rows)


def catalog_digest() -> str:
    return hashlib.sha256(DATA_FILE.read_bytes()).hexdigest()


async def sync_catalog() -> dict[str, int]:
    """Bring the occupation table in step with the bundled file; returns counts. Audit-logged when it
    changed anything."""
    inserted = updated = 0
    async with write_transaction():
        await lock_key(locks.occupation_catalog())
        existing = {
            (r["code"], r["work_type"]): r
            for r in await Occupation.select(
                Occupation.id, Occupation.code, Occupation.work_type, Occupation.name, Occupation.major_group,
                Occupation.levels, Occupation.pinyin_initials, Occupation.local, Occupation.source,
            )
        }
        fresh = []
        for row in catalog_rows():
            current = existing.get((row["code"], row["work_type"]))
            if current is None:
                fresh.append(Occupation(**row, local=False))
                continue
            changes = {k: v for k, v in row.items() if current[k] != v}
            if current["local"]:
                changes["local"] = False
            if changes:
                await Occupation.update({getattr(Occupation, k): v for k, v in changes.items()}).where(
                    Occupation.id == current["id"]
                )
                updated += 1
        if fresh:
            await Occupation.insert(*fresh)
            inserted = len(fresh)
        if inserted or updated:
            await record(None, action="occupation.catalog_synced", object_type="occupation_catalog",
                         object_id="bundled", after={"inserted": inserted, "updated": updated,
                                                     "file_sha256": catalog_digest()})
    return {"inserted": inserted, "updated": updated, "rows": len(catalog_rows())}
