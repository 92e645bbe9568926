"""The first way in: one 职业技能等级证书 for a person on record, by an organizer of the issuing body.

The person is found by id or resident ID and the name must match the record; the occupation, work type
and level must be in the catalog (:func:`server.catalog.services.find`); a person holds a level of an
occupation and work type once (a valid or suspended certificate refuses another, 409).
"""

from __future__ import annotations

from server import locks
from server.catalog import services as catalog
from server.db import lock_key, write_transaction
from server.errors import Conflict, InvalidInput
from server.issuing.clock import issue_date
from server.issuing.holders import check_name, find_person, holds_certificate
from server.issuing.issuance import Draft, close_batch, issue, new_batch, record_skill_level
from server.issuing.reads import certificate_out
from server.issuing.schemas import CertificateOut, SkillLevelIssueIn
from server.issuing.scope import issuer_for
from server.principal import Principal


async def issue_skill_level(principal: Principal | None, data: SkillLevelIssueIn) -> CertificateOut:
    issuer = await issuer_for(principal, data.issuer_id)
    person = await find_person(data.person_id, data.resident_id)
    check_name(data.name, person)
    occ = await catalog.find(data.occupation_code, data.work_type, level=data.level)
    issued_on = issue_date(data.issued_on)
    if data.assessed_on is not None and data.assessed_on > issued_on:
        raise InvalidInput("The assessment date is after the issue date.", code="assessed_after_issue",
                           field="assessed_on")
    draft = Draft(kind="skill_level", person=person, issuer=issuer, issued_on=issued_on, level=data.level,
                  occupation_code=occ["code"], occupation_name=occ["name"], work_type=data.work_type,
                  assessed_on=data.assessed_on, source="single")
    async with write_transaction():
        await lock_key(locks.certificate_numbers())
        held = await holds_certificate(person["id"], occ["code"], data.work_type, data.level)
        if held is not None:
            raise Conflict(f"This person already holds this level: certificate {held['number']}.",
                           code="certificate_exists", field="level")
        batch_id = await new_batch(principal, "single", issuer)
        made = await issue(principal, draft, batch_id)
        await record_skill_level(draft, made["number"], "certificate")
        await close_batch(principal, batch_id, 1, "single", issuer)
    return await certificate_out(made["id"])
