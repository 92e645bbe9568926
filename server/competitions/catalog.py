"""The bundled occupation catalog (国家职业分类大典 2022): reading the data file and keeping the table in step.

Where the catalog comes from: ``data/occupations.csv`` (built from shared/data/occupations.csv; see
``data/README.md``). How it reaches the database, and why two ways:

- a competitions migration inserts it, so a database is complete right after ``jineng db upgrade``
  (which ``jineng serve`` and ``jineng demo`` run first) and other domains can rely on the table;
- ``ensure_catalog()`` reloads it idempotently whenever the table holds fewer bundled rows than the file
  (a database emptied after migrating: the test suite empties every table before each test; restores of
  partial dumps; a newer data file). The catalog services (and the people and issuing domains) call it,
  so the catalog is there whenever someone asks for it.

``sync_catalog()`` upserts by (code, work_type): a bundled row updates in place, a local row an organizer
added earlier is taken over by the bundled one, nothing is ever deleted (events reference rows).
"""

from __future__ import annotations

import csv
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from pypinyin import Style, lazy_pinyin, load_phrases_dict

DATA_FILE = Path(__file__).parent / "data" / "occupations.csv"
CATALOG_LOCK = 0x4A4E_4F43  # advisory lock id: one catalog loader at a time across workers
LEVELS = (5, 4, 3, 2, 1)

# pypinyin reads 调 as "diao" in these occupation words; the trade reads "tiao" (装调 = 装配调试).
load_phrases_dict({
    "装调": [["zhuāng"], ["tiáo"]],
    "调酒": [["tiáo"], ["jiǔ"]],
})

_DIRECTION = re.compile(r"[（(][^）)]*[）)]")


def pinyin_initials(text: str) -> str:
    """Upper-case initials of the Chinese characters, e.g. 电工 → DG, 汽车维修工 → QCWXG.

    Bracketed remarks such as "（职业方向）" are left out; Latin letters and digits are kept as they are.
    """
    text = _DIRECTION.sub("", text)
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
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
    from server.accounts.services import actor_of
    from server.audit.services import record
    from server.competitions.tables import Occupation
    from server.db import lock_key, write_transaction

    inserted = updated = 0
    async with write_transaction():
        await lock_key(CATALOG_LOCK)
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
            await record(**actor_of(None), action="occupation.catalog_synced", object_type="occupation_catalog",
                         object_id="bundled", after={"inserted": inserted, "updated": updated,
                                                     "file_sha256": catalog_digest()})
    return {"inserted": inserted, "updated": updated, "rows": len(catalog_rows())}


async def ensure_catalog() -> None:
    """Load the bundled catalog when the table lacks bundled rows: an emptied table, or a newer data file
    with more rows (one cheap count otherwise; edits of existing rows need ``sync_catalog``)."""
    from server.competitions.tables import Occupation

    if await Occupation.count().where(Occupation.local == False) < len(catalog_rows()):  # noqa: E712
        await sync_catalog()
