"""Graduate-record rules: one person per resident ID, school-scoped access, masked IDs.

Who sees what: administrators and organizers whose region holds the school see full IDs; a school
coordinator sees and edits only their own school's people, with masked IDs; a graduate sees only their own
record. Everyone else is refused.
"""

from __future__ import annotations

from datetime import datetime, timezone

from server.accounts.principal import Principal
from server.accounts.services import actor_of
from server.audit.services import record
from server.config import get_settings
from server.db import write_transaction
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.organizations.tables import Organization
from server.people import resident_id as rid
from server.people.schemas import PersonIn, PersonOut, PersonPage, PersonPatch
from server.people.tables import Person

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


def _select():
    return Person.select(
        Person.all_columns(),
        Person.school.path.as_alias("school_path"),
        Person.school.name.as_alias("school_name"),
    )


async def fetch(person_id: int) -> dict | None:
    return await _select().where(Person.id == person_id).first()


def validated_resident_id(value: str, field: str = "resident_id") -> str:
    try:
        return rid.validate(value)
    except rid.ResidentIdError as exc:
        raise InvalidInput(str(exc), code="invalid_resident_id", field=field) from None


def check_years(enrollment: int | None, graduation: int | None) -> None:
    if enrollment is not None and graduation is not None and graduation < enrollment:
        raise InvalidInput("The graduation year is before the enrollment year.", code="invalid_years",
                           field="graduation_year")


async def insert_person(principal: Principal | None, data: PersonIn, school: dict) -> int:
    """Insert inside the caller's write transaction (used by the API, Excel import and the demo)."""
    resident_id = validated_resident_id(data.resident_id)
    check_years(data.enrollment_year, data.graduation_year)
    if await Person.exists().where(Person.resident_id == resident_id):
        raise Conflict("A person with this resident ID is already on record.", code="person_exists",
                       field="resident_id")
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
    await record(**actor_of(principal), action="person.created", object_type="person", object_id=person_id,
                 after={"name": data.name, "resident_id": rid.mask(resident_id), "school_id": school["id"],
                        "status": data.status})
    return person_id


async def create(principal: Principal, data: PersonIn) -> PersonOut:
    school = await school_row(data.school_id)
    if not may_write_school(principal, school):
        raise Forbidden("You can only register people of your own school.", code="other_school")
    async with write_transaction():
        person_id = await insert_person(principal, data, school)
    return to_out(principal, await fetch(person_id))


async def get(principal: Principal, person_id: int) -> PersonOut:
    row = await fetch(person_id)
    # another school's person is reported as absent, not forbidden: no existence oracle across schools
    if row is None or not may_read(principal, row):
        raise NotFound("No such person.", code="person_not_found")
    return to_out(principal, row)


async def update(principal: Principal, person_id: int, data: PersonPatch) -> PersonOut:
    row = await fetch(person_id)
    if row is None or not may_read(principal, row):
        raise NotFound("No such person.", code="person_not_found")
    school = await school_row(row["school"])
    if not may_write_school(principal, school):
        raise Forbidden("You can only change people of your own school.", code="other_school")
    changes = {k: v for k, v in msgspec_to_dict(data).items() if v is not None}
    check_years(changes.get("enrollment_year", row["enrollment_year"]),
                changes.get("graduation_year", row["graduation_year"]))
    if changes:
        async with write_transaction():
            await Person.update({**{getattr(Person, k): v for k, v in changes.items()}, Person.updated_at: _now()}).where(
                Person.id == person_id
            )
            await record(**actor_of(principal), action="person.updated", object_type="person", object_id=person_id,
                         before={k: row[k] for k in changes}, after=changes)
    return to_out(principal, await fetch(person_id))


def msgspec_to_dict(struct) -> dict:
    return {f: getattr(struct, f) for f in struct.__struct_fields__}


async def search(
    principal: Principal, *, school_id: int | None, q: str | None, status: str | None, limit: int, offset: int
) -> PersonPage:
    query = _select()
    count = Person.count()
    conditions = []
    if school_id is not None:
        school = await school_row(school_id)
        if not (school_id in principal.school_ids() or principal.covers_path(school["path"], *STAFF_ROLES)):
            raise Forbidden("You can only list people of your own school.", code="other_school")
        conditions.append(Person.school == school_id)
    elif not principal.is_admin:
        # restrict to what the caller may see: own schools, or schools inside organizer scopes
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
        conditions.append(scope)
    if q:
        conditions.append(Person.name.like(f"%{q}%"))
    if status:
        conditions.append(Person.status == status)
    for cond in conditions:
        query = query.where(cond)
        count = count.where(cond)
    rows = await query.order_by(Person.id).limit(limit).offset(offset)
    return PersonPage(items=[to_out(principal, r) for r in rows], total=await count, limit=limit, offset=offset)
