"""The person a certificate is for: found on the graduate record by id or resident ID, the name checked
against the record, the levels already held, and the keyed tag of the holder's ID number.

The holder tag (``holder_id_tag``) lets the public ID check answer "is this the holder's number?" without
storing or publishing the number or an unkeyed hash of it; its key is derived from the server secret and
is separate from the people domain's key for resident IDs.
"""

from __future__ import annotations

import hashlib
import hmac

from certificates import names_equal
from server.config import get_settings
from server.errors import InvalidInput
from server.issuing.tables import Certificate
from server.people import resident_id as rid
from server.people.tables import Person, SkillLevel


def id_match_pepper() -> bytes:
    """The key of holder ID tags, derived from the server secret (separate from people's HMAC key)."""
    return hmac.new(get_settings().secret.encode(), b"jineng-issuing-id-match-v1", hashlib.sha256).digest()


async def person_by_resident_id(value: str, field: str = "resident_id") -> dict | None:
    """The person with this resident ID (422 when it is not a valid one), or None."""
    try:
        number = rid.validate(value)
    except rid.ResidentIdError as exc:
        raise InvalidInput(str(exc), code="invalid_resident_id", field=field) from None
    tag = rid.keyed_digest(number, get_settings().secret)
    return await Person.select().where((Person.resident_id_hmac == tag) | (Person.resident_id == number)).first()


async def find_person(person_id: int | None, resident_id: str | None, field_prefix: str = "") -> dict:
    """The person a request names by ``person_id`` or ``resident_id``; 422 when there is none."""
    if person_id is not None:
        row = await Person.select().where(Person.id == person_id).first()
        if row is None:
            raise InvalidInput(f"Person {person_id} is not on record.", code="person_not_found",
                               field=f"{field_prefix}person_id")
        return row
    if resident_id is None:
        raise InvalidInput("Give the person's id or resident ID.", code="person_required",
                           field=f"{field_prefix}resident_id")
    row = await person_by_resident_id(resident_id, f"{field_prefix}resident_id")
    if row is None:
        raise InvalidInput("Nobody with this resident ID is on record.", code="person_not_found",
                           field=f"{field_prefix}resident_id")
    return row


def check_name(given: str, person: dict, field: str = "name") -> None:
    """422 ``name_mismatch`` unless the name is the record's (compared as :func:`certificates.names_equal`)."""
    if not names_equal(given, person["name"]):
        raise InvalidInput("The name does not match the person's record.", code="name_mismatch", field=field)


async def current_level(person_id: int, occupation_code: str) -> int | None:
    """The highest skill level (smallest number) the person holds in an occupation: the graduate record's
    skill levels and any valid skill-level certificate issued here."""
    levels = [r["level"] for r in await SkillLevel.select(SkillLevel.level).where(
        (SkillLevel.person == person_id) & (SkillLevel.occupation_code == occupation_code))]
    levels += [r["level"] for r in await Certificate.select(Certificate.level).where(
        (Certificate.person == person_id) & (Certificate.kind == "skill_level")
        & (Certificate.occupation_code == occupation_code) & (Certificate.status == "valid"))]
    return min(levels) if levels else None


async def holds_certificate(person_id: int, code: str, work_type: str, level: int) -> dict | None:
    """The number of a valid or suspended skill-level certificate for this level, if the person has one."""
    return await Certificate.select(Certificate.number).where(
        (Certificate.person == person_id) & (Certificate.kind == "skill_level")
        & (Certificate.occupation_code == code) & (Certificate.work_type == work_type)
        & (Certificate.level == level) & (Certificate.status.is_in(["valid", "suspended"]))
    ).first()
