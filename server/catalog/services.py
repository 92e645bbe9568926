"""The occupation catalog's rules: search, one lookup with one rule for work types, local entries.

The one rule for a work type (工种/职业方向) named with an occupation code, used by every domain (events,
skill levels on the graduate record, certificates) through :func:`find`:

- the (code, work type) row exists → that row;
- no work type given → the occupation's own row (work type "");
- the catalog lists work types for the code and the given one is not among them → refused
  (``unknown_work_type``, naming the known ones; an organizer can add a local entry);
- the catalog lists no work types for the code → the occupation's own row, and the work type stays the
  caller's text (the bundled data names work types only where a national standard defines them).

A level, when given, must be one the occupation (or work type) is certified at, if its levels are known.
"""

from __future__ import annotations

import re

from server.audit.services import record
from server.catalog.bundled import initials_of, parse_levels
from server.catalog.schemas import OccupationIn, OccupationOut
from server.catalog.tables import Occupation
from server.db import write_transaction
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.principal import Principal
from server.skill_levels import level_names

_LIKE_SPECIALS = re.compile(r"[%_\\]")


def occupation_out(row: dict) -> OccupationOut:
    return OccupationOut(
        id=row["id"], code=row["code"], name=row["name"], work_type=row["work_type"],
        major_group=row["major_group"], levels=parse_levels(row["levels"]), pinyin_initials=row["pinyin_initials"],
        edition="local" if row["local"] else "2022",
    )


async def search(q: str | None, limit: int = 50) -> list[OccupationOut]:
    """Search by 大典 code (prefix), name or work type (substring), or pinyin initials (电工 → "dg").

    Best matches first: exact code, exact name, exact initials, initials starting with the query, then the
    rest by code.
    """
    query = Occupation.select()
    term = _LIKE_SPECIALS.sub("", (q or "").strip())
    if term:
        condition = (
            Occupation.code.like(f"{term}%")
            | Occupation.name.like(f"%{term}%")
            | Occupation.work_type.like(f"%{term}%")
        )
        if term.isascii() and term.isalpha():
            condition = condition | Occupation.pinyin_initials.like(f"%{term.upper()}%")
        query = query.where(condition)
    rows = await query.order_by(Occupation.code).order_by(Occupation.work_type).limit(1000)
    upper = term.upper()

    def relevance(row: dict) -> tuple:
        initials = row["pinyin_initials"].split(" ")
        return (
            row["code"] != term,
            row["name"] != term and row["work_type"] != term,
            upper not in initials,
            not any(i.startswith(upper) for i in initials) if upper else True,
            row["code"],
            row["work_type"],
        )

    return [occupation_out(r) for r in sorted(rows, key=relevance)[:limit]]


async def row_by_id(occupation_id: int, field: str = "occupation_id") -> dict:
    row = await Occupation.select().where(Occupation.id == occupation_id).first()
    if row is None:
        raise InvalidInput(f"Occupation {occupation_id} is not in the catalog.", code="occupation_not_found",
                           field=field)
    return row


async def get(occupation_id: int) -> OccupationOut:
    row = await Occupation.select().where(Occupation.id == occupation_id).first()
    if row is None:
        raise NotFound(f"Occupation {occupation_id} is not in the catalog.", code="occupation_not_found")
    return occupation_out(row)


async def find(code: str, work_type: str = "", *, level: int | None = None, field: str = "occupation_code",
               work_type_field: str = "work_type", level_field: str = "level") -> dict:
    """The catalog row of ``code`` and ``work_type`` by the one rule above; ``level`` must be offered."""
    wanted = (work_type or "").strip()
    rows = await Occupation.select().where(Occupation.code == code).order_by(Occupation.id)
    if not rows:
        raise InvalidInput(f"Occupation {code} is not in the occupation catalog.", code="unknown_occupation",
                           field=field)
    row = next((r for r in rows if r["work_type"] == wanted), None)
    if row is None:
        listed = [r["work_type"] for r in rows if r["work_type"]]
        if wanted and listed:
            name = next((r["name"] for r in rows if not r["work_type"]), rows[0]["name"])
            raise InvalidInput(f"{name} has no work type “{wanted}” in the catalog (known: {'、'.join(listed)}).",
                               code="unknown_work_type", field=work_type_field, extra={"known": listed})
        row = next((r for r in rows if not r["work_type"]), rows[0])
    offered = parse_levels(row["levels"])
    if level is not None and offered and level not in offered:
        raise InvalidInput(f"{row['name']} is certified at {level_names(offered)} only.", code="level_not_offered",
                           field=level_field)
    return row


async def add_local(principal: Principal, data: OccupationIn) -> OccupationOut:
    """An organizer adds an occupation or work type the bundled catalog lacks (audit-logged)."""
    if not principal.has_role("admin", "organizer"):
        raise Forbidden("Only organizers add occupations to the catalog.", code="role_required")
    name, work_type = data.name.strip(), data.work_type.strip()
    if not name:
        raise InvalidInput("The occupation needs a name.", code="name_required", field="name")
    levels = sorted(set(data.levels), reverse=True)
    async with write_transaction():
        clash = await Occupation.select(Occupation.id, Occupation.name).where(
            (Occupation.code == data.code) & (Occupation.work_type == work_type)
        ).first()
        if clash is not None:
            raise Conflict(
                f"The catalog already has {data.code} {clash['name']}{' / ' + work_type if work_type else ''}.",
                code="occupation_exists", field="work_type" if work_type else "code",
                extra={"occupation_id": clash["id"]},
            )
        same_code = await Occupation.select(Occupation.name).where(
            (Occupation.code == data.code) & (Occupation.work_type == "")
        ).first()
        if same_code is not None and work_type and same_code["name"] != name:
            raise InvalidInput(
                f"Code {data.code} is {same_code['name']} in the catalog; a work type of it keeps that name.",
                code="occupation_name_mismatch", field="name",
            )
        rows = await Occupation.insert(Occupation(
            code=data.code, name=name, work_type=work_type, major_group=data.major_group.strip(),
            levels=",".join(str(x) for x in levels), pinyin_initials=initials_of(name, work_type), local=True,
            source=data.source.strip() or f"local entry by {principal.username}",
        )).returning(Occupation.id)
        occupation_id = rows[0]["id"]
        await record(principal, action="occupation.added", object_type="occupation",
                     object_id=occupation_id, after={"code": data.code, "name": name, "work_type": work_type,
                                                     "levels": levels, "local": True})
    return await get(occupation_id)
