"""Graduate-record rules: one person per resident ID, school-scoped access, masked IDs.

Who sees what: administrators and organizers whose region holds the school see full IDs; a school
coordinator sees and edits only their own school's people, with masked IDs; a graduate sees only their own
record. Everyone else is refused.

The graduate record also holds skill levels (职业技能等级) and competition awards. Organizers in scope (and
the issuing/results domains, calling ``record_skill_level``/``record_award`` with their own principal or
``None`` for the system) add them; coordinators and graduates read them.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timezone

from server.audit.services import record
from server.catalog import services as catalog
from server.config import get_settings
from server.db import write_transaction
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.organizations.tables import Organization
from server.people import resident_id as rid
from server.people.schemas import (
    AwardIn,
    AwardOut,
    PersonDetailOut,
    PersonIn,
    PersonOut,
    PersonPage,
    PersonPatch,
    SkillLevelIn,
    SkillLevelOut,
)
from server.people.tables import AwardRecord, Person, SkillLevel
from server.principal import Principal
from server.skill_levels import level_name

STAFF_ROLES = ("organizer",)


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def school_row(school_id: int) -> dict:
    row = await Organization.select().where(Organization.id == school_id).first()
    if row is None or row["kind"] != "school":
        raise InvalidInput(f"School {school_id} does not exist.", code="school_not_found", field="school_id")
    return row


def sees_full_id(principal: Principal, school_path: str) -> bool:
    return principal.covers_path(school_path, *STAFF_ROLES)


def may_read(principal: Principal, person: dict) -> bool:
    if principal.person_id is not None and principal.person_id == person["id"]:
        return True
    if person["school"] in principal.school_ids():
        return True
    return principal.covers_path(person["school_path"], *STAFF_ROLES)


def may_write_school(principal: Principal, school: dict) -> bool:
    return school["id"] in principal.school_ids() or principal.covers_path(school["path"], *STAFF_ROLES)


def to_out(principal: Principal, row: dict) -> PersonOut:
    full = sees_full_id(principal, row["school_path"])
    return PersonOut(
        id=row["id"], name=row["name"], gender=row["gender"],
        resident_id=row["resident_id"] if full else rid.mask(row["resident_id"]), resident_id_masked=not full,
        birth_date=row["birth_date"].isoformat(), status=row["status"], school_id=row["school"],
        school_name=row["school_name"], major_code=row["major_code"], major_name=row["major_name"],
        enrollment_year=row["enrollment_year"], graduation_year=row["graduation_year"],
    )


def skill_level_out(row: dict) -> SkillLevelOut:
    return SkillLevelOut(
        id=row["id"], occupation_code=row["occupation_code"], occupation_name=row["occupation_name"],
        work_type=row["work_type"], level=row["level"], level_name=level_name(row["level"]),
        source_kind=row["source_kind"], source=row["source"], obtained_on=row["obtained_on"],
    )


def award_out(row: dict) -> AwardOut:
    return AwardOut(
        id=row["id"], competition_level=row["competition_level"], competition_name=row["competition_name"],
        year=row["year"], occupation_code=row["occupation_code"], work_type=row["work_type"],
        event_name=row["event_name"], award=row["award"], rank=row["rank"], source=row["source"],
    )


async def to_detail(principal: Principal, row: dict) -> PersonDetailOut:
    base = to_out(principal, row)
    levels = await SkillLevel.select().where(SkillLevel.person == row["id"]).order_by(SkillLevel.obtained_on)
    awards = await AwardRecord.select().where(AwardRecord.person == row["id"]).order_by(AwardRecord.year)
    return PersonDetailOut(
        **{f: getattr(base, f) for f in base.__struct_fields__},
        skill_levels=[skill_level_out(r) for r in levels],
        awards=[award_out(r) for r in awards],
    )


def person_select():
    return Person.select(
        Person.all_columns(),
        Person.school.path.as_alias("school_path"),
        Person.school.name.as_alias("school_name"),
    )


async def fetch(person_id: int) -> dict | None:
    return await person_select().where(Person.id == person_id).first()


def validated_resident_id(value: str, field: str = "resident_id") -> str:
    try:
        return rid.validate(value)
    except rid.ResidentIdError as exc:
        raise InvalidInput(str(exc), code="invalid_resident_id", field=field) from None


def name_problem(name: str) -> str | None:
    """Why a person's name cannot be stored, or None. Control and format characters (category Cc/Cf) are
    refused: no certificate can be signed for such a name, and they broke every spreadsheet export."""
    if not name.strip():
        return "The name is empty."
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        return "The name contains control or invisible characters."
    return None


def check_name(name: str | None, field: str = "name") -> None:
    if name is None:
        return
    problem = name_problem(name)
    if problem:
        raise InvalidInput(problem, code="invalid_name", field=field)


def check_years(enrollment: int | None, graduation: int | None) -> None:
    if enrollment is not None and graduation is not None and graduation < enrollment:
        raise InvalidInput("The graduation year is before the enrollment year.", code="invalid_years",
                           field="graduation_year")


def on_record(principal: Principal | None, existing: dict, school_id: int) -> tuple[str, str]:
    """(code, message) for a resident ID that is already on record (``existing``: its person row with
    ``school_path`` and ``school_name``), as the caller registering it at ``school_id`` may hear it.

    One person per resident ID keeps the data consistent (eligibility, awards, certificates all hang on
    that one record), so a second registration of an ID is refused; and the refusal tells the caller only
    what they may read anyway. The caller's own school: the record (``person_exists``). A record the
    caller may read at another school (organizers of the region, admins, the system):
    ``person_exists_elsewhere`` with its school. Any other record: ``resident_id_unavailable``, the same
    words wherever the record is, without its school, name, id or anything else of it, and pointing to
    the organizer, who sees every school of the region and can move the record. (That the ID cannot be
    registered is the one bit a unique key cannot hide from whoever may write records; hiding it too would
    take a second record of the same person, which is the inconsistency the key exists to prevent.)"""
    if existing["school"] == school_id:
        return "person_exists", (f"Already on your school's roster as {existing['name']} "
                                 f"(person {existing['id']}).")
    if principal is None or may_read(principal, existing):
        return "person_exists_elsewhere", (
            f"On record at {existing['school_name']} as {existing['name']} (person {existing['id']}): move "
            "that record to this school instead of registering the person again.")
    return "resident_id_unavailable", (
        "This resident ID cannot be registered at your school. If the student has moved to your school, ask "
        "your organizer to transfer their record.")


async def insert_person(principal: Principal | None, data: PersonIn, school: dict) -> int:
    """Insert inside the caller's write transaction (used by the API, Excel import and the demo)."""
    resident_id = validated_resident_id(data.resident_id)
    check_name(data.name)
    check_years(data.enrollment_year, data.graduation_year)
    existing = await person_select().where(Person.resident_id == resident_id).first()
    if existing is not None:
        code, message = on_record(principal, existing, school["id"])
        raise Conflict(message, code=code, field="resident_id")
    rows = await Person.insert(
        Person(
            name=data.name.strip(), gender=rid.gender_of(resident_id), resident_id=resident_id,
            resident_id_hmac=rid.keyed_digest(resident_id, get_settings().secret),
            birth_date=rid.birth_date(resident_id), status=data.status, school=school["id"],
            major_code=data.major_code, major_name=data.major_name, enrollment_year=data.enrollment_year,
            graduation_year=data.graduation_year, phone=data.phone, created_at=_now(), updated_at=_now(),
        )
    ).returning(Person.id)
    person_id = rows[0]["id"]
    await record(principal, action="person.created", object_type="person", object_id=person_id,
                 after={"name": data.name, "resident_id": rid.mask(resident_id), "school_id": school["id"],
                        "status": data.status})
    return person_id


async def create(principal: Principal, data: PersonIn) -> PersonOut:
    school = await school_row(data.school_id)
    if not may_write_school(principal, school):
        raise Forbidden("You can only register people of your own school.", code="other_school")
    async with write_transaction():
        person_id = await insert_person(principal, data, school)
    return await to_detail(principal, await fetch(person_id))


async def readable(principal: Principal, person_id: int) -> dict:
    """The person row if the caller may see it; another school's person is reported as absent, not
    forbidden: no existence oracle across schools."""
    row = await fetch(person_id)
    if row is None or not may_read(principal, row):
        raise NotFound("No such person.", code="person_not_found")
    return row


async def get(principal: Principal, person_id: int) -> PersonDetailOut:
    return await to_detail(principal, await readable(principal, person_id))


async def update(principal: Principal, person_id: int, data: PersonPatch) -> PersonDetailOut:
    row = await readable(principal, person_id)
    school = await school_row(row["school"])
    if not may_write_school(principal, school):
        raise Forbidden("You can only change people of your own school.", code="other_school")
    check_name(data.name)
    changes = {k: v for k, v in msgspec_to_dict(data).items() if v is not None}
    check_years(changes.get("enrollment_year", row["enrollment_year"]),
                changes.get("graduation_year", row["graduation_year"]))
    if changes:
        async with write_transaction():
            await Person.update({**{getattr(Person, k): v for k, v in changes.items()}, Person.updated_at: _now()}).where(
                Person.id == person_id
            )
            await record(principal, action="person.updated", object_type="person", object_id=person_id,
                         before={k: row[k] for k in changes}, after=changes)
    return await to_detail(principal, await fetch(person_id))


def msgspec_to_dict(struct) -> dict:
    return {f: getattr(struct, f) for f in struct.__struct_fields__}


def scope_condition(principal: Principal):
    """A where-condition limiting people to those the caller may see (None for administrators)."""
    if principal.is_admin:
        return None
    scope = None
    for path in principal.scope_paths(*STAFF_ROLES):
        cond = Person.school.path.like(path + "%")
        scope = cond if scope is None else scope | cond
    own = list(principal.school_ids())
    if own:
        cond = Person.school.is_in(own)
        scope = cond if scope is None else scope | cond
    if principal.person_id is not None:
        cond = Person.id == principal.person_id
        scope = cond if scope is None else scope | cond
    if scope is None:
        raise Forbidden("Your roles do not include access to people records.", code="forbidden")
    return scope


async def list_conditions(principal: Principal, *, school_id: int | None, q: str | None, status: str | None) -> list:
    conditions = []
    if school_id is not None:
        school = await school_row(school_id)
        if not (school_id in principal.school_ids() or principal.covers_path(school["path"], *STAFF_ROLES)):
            raise Forbidden("You can only list people of your own school.", code="other_school")
        conditions.append(Person.school == school_id)
    else:
        scope = scope_condition(principal)
        if scope is not None:
            conditions.append(scope)
    if q:
        conditions.append(Person.name.like(f"%{q}%"))
    if status:
        conditions.append(Person.status == status)
    return conditions


async def search(
    principal: Principal, *, school_id: int | None, q: str | None, status: str | None, limit: int, offset: int
) -> PersonPage:
    query = person_select()
    count = Person.count()
    for cond in await list_conditions(principal, school_id=school_id, q=q, status=status):
        query = query.where(cond)
        count = count.where(cond)
    rows = await query.order_by(Person.id).limit(limit).offset(offset)
    return PersonPage(items=[to_out(principal, r) for r in rows], total=await count, limit=limit, offset=offset)


# --- skill levels held and awards won -------------------------------------------------------------

def _require_staff(principal: Principal | None, row: dict, what: str) -> None:
    if principal is not None and not principal.covers_path(row["school_path"], *STAFF_ROLES):
        raise Forbidden(f"Only organizers in the school's region record {what}.", code="staff_only")


async def record_skill_level(principal: Principal | None, person_id: int, data: SkillLevelIn) -> SkillLevelOut:
    """Add a skill level held. ``principal=None`` is the system (the issuing domain after a pass)."""
    row = await fetch(person_id)
    if row is None or (principal is not None and not may_read(principal, row)):
        raise NotFound("No such person.", code="person_not_found")
    _require_staff(principal, row, "skill levels")
    if data.source_kind == "certificate" and not data.source.strip():
        raise InvalidInput("Give the certificate number (证书编号) of a certificate-based level.",
                           code="certificate_number_required", field="source")
    if data.obtained_on > datetime.now(timezone.utc).date():
        raise InvalidInput("The date obtained is in the future.", code="future_date", field="obtained_on")
    occupation = await catalog.find(data.occupation_code, data.work_type, level=data.level)
    async with write_transaction():
        if await SkillLevel.exists().where(
            (SkillLevel.person == person_id) & (SkillLevel.occupation_code == data.occupation_code)
            & (SkillLevel.work_type == data.work_type) & (SkillLevel.level == data.level)
        ):
            raise Conflict("This person already holds this level in this occupation.", code="skill_level_exists",
                           field="level")
        inserted = await SkillLevel.insert(SkillLevel(
            person=person_id, occupation_code=data.occupation_code, occupation_name=occupation["name"],
            work_type=data.work_type, level=data.level, source_kind=data.source_kind, source=data.source.strip(),
            obtained_on=data.obtained_on, created_by=principal.user_id if principal else None, created_at=_now(),
        )).returning(SkillLevel.id)
        level_id = inserted[0]["id"]
        await record(principal, action="person.skill_level_added", object_type="person",
                     object_id=person_id, after={"skill_level_id": level_id, "occupation_code": data.occupation_code,
                                                 "work_type": data.work_type, "level": data.level,
                                                 "source_kind": data.source_kind, "source": data.source,
                                                 "obtained_on": data.obtained_on.isoformat()})
    return skill_level_out(await SkillLevel.select().where(SkillLevel.id == level_id).first())


async def remove_skill_level(principal: Principal, person_id: int, level_id: int, reason: str) -> None:
    row = await readable(principal, person_id)
    _require_staff(principal, row, "skill levels")
    level = await SkillLevel.select().where((SkillLevel.id == level_id) & (SkillLevel.person == person_id)).first()
    if level is None:
        raise NotFound("No such skill level on this person's record.", code="skill_level_not_found")
    async with write_transaction():
        await SkillLevel.delete().where(SkillLevel.id == level_id)
        await record(principal, action="person.skill_level_removed", object_type="person",
                     object_id=person_id, before=msgspec_to_dict(skill_level_out(level)) | {
                         "obtained_on": level["obtained_on"].isoformat()}, reason=reason)


async def record_award(principal: Principal | None, person_id: int, data: AwardIn) -> AwardOut:
    """Add an award won. ``principal=None`` is the system (results/issuing after publication)."""
    row = await fetch(person_id)
    if row is None or (principal is not None and not may_read(principal, row)):
        raise NotFound("No such person.", code="person_not_found")
    _require_staff(principal, row, "awards")
    await catalog.find(data.occupation_code, data.work_type)
    async with write_transaction():
        inserted = await AwardRecord.insert(AwardRecord(
            person=person_id, competition_level=data.competition_level, competition_name=data.competition_name,
            year=data.year, occupation_code=data.occupation_code, work_type=data.work_type,
            event_name=data.event_name, award=data.award, rank=data.rank, source=data.source,
            entry_id=data.entry_id, created_by=principal.user_id if principal else None, created_at=_now(),
        )).returning(AwardRecord.id)
        award_id = inserted[0]["id"]
        await record(principal, action="person.award_added", object_type="person", object_id=person_id,
                     after={"award_id": award_id, **msgspec_to_dict(data)})
    return award_out(await AwardRecord.select().where(AwardRecord.id == award_id).first())
