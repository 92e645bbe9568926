"""A certificate's status after issue: revoke (permanent), suspend, reinstate, and supersede (a corrected
certificate replaces this one).

Every change goes through :data:`CERTIFICATE_STATUS` (:class:`server.statemachine.StateMachine`: a
transition table and a conditional ``UPDATE … WHERE status = <the status read>``), so of two concurrent
changes of one certificate exactly one succeeds and the other gets a 409 ``status_changed``. Changes are
keyed by the certificate (``cert_id``, row id or 证书编号), never by a QR string, and audited with the reason.
"""

from __future__ import annotations

from server import locks
from server.audit.services import record
from server.catalog import services as catalog
from server.competitions.tables import Competition, Event
from server.db import lock_key, write_transaction
from server.errors import Conflict, InvalidInput
from server.issuing.clock import issue_date, now
from server.issuing.codes import award_code
from server.issuing.holders import holds_certificate
from server.issuing.issuance import Draft, close_batch, issue, new_batch, record_skill_level
from server.issuing.reads import certificate_out
from server.issuing.rows import cert_id_text, json_list
from server.issuing.schemas import CertificateOut, SupersedeIn
from server.issuing.scope import manageable
from server.issuing.tables import Certificate
from server.organizations.tables import Organization
from server.people.tables import Person
from server.principal import Principal
from server.statemachine import StateMachine, Transition

CERTIFICATE_STATUS = StateMachine("certificate", Certificate, [
    Transition("revoke", ("valid", "suspended"), "revoked"),
    Transition("suspend", ("valid",), "suspended"),
    Transition("reinstate", ("suspended",), "valid"),
    Transition("supersede", ("valid", "suspended"), "superseded"),
], refused_code="status_transition_invalid", stale_code="status_changed")
_AUDIT_ACTIONS = {"revoke": "certificate.revoked", "suspend": "certificate.suspended",
                  "reinstate": "certificate.reinstated"}


async def change_status(principal: Principal | None, ref: str | int, action: str, reason: str) -> CertificateOut:
    """Revoke (permanent), suspend or reinstate a certificate; audited with the reason. Of two concurrent
    changes of one certificate exactly one succeeds (the state machine's conditional update)."""
    row = await manageable(principal, ref)
    CERTIFICATE_STATUS.check(action, row["status"])
    async with write_transaction():
        step = await CERTIFICATE_STATUS.apply(row["id"], action, row["status"], {
            Certificate.status_reason: "" if action == "reinstate" else reason,
            Certificate.status_changed_at: now(),
        })
        await record(principal, action=_AUDIT_ACTIONS[action], object_type="certificate",
                     object_id=cert_id_text(row["cert_id"]),
                     before={"status": row["status"], "number": row["number"]},
                     after={"status": step.target, "number": row["number"]}, reason=reason)
    return await certificate_out(row["id"])


async def _corrected_skill_level(row: dict, data: SupersedeIn, person: dict, issuer: dict, day) -> Draft:
    if data.award is not None or data.coaches is not None:
        raise InvalidInput("A skill-level certificate has no award or coaches.", code="field_not_applicable",
                           field="award" if data.award is not None else "coaches")
    code = data.occupation_code or row["occupation_code"]
    work_type = row["work_type"] if data.work_type is None else data.work_type
    level = data.level or row["level"]
    occ = await catalog.find(code, work_type, level=level)
    return Draft(kind="skill_level", person=person, issuer=issuer, issued_on=day, level=level,
                 occupation_code=occ["code"], occupation_name=occ["name"], work_type=work_type,
                 assessed_on=row["assessed_on"], source="supersede", supersedes=row)


async def _corrected_award(row: dict, data: SupersedeIn, person: dict, issuer: dict, day) -> Draft:
    if data.level is not None or data.occupation_code is not None or data.work_type is not None:
        raise InvalidInput("An award certificate's level, occupation and event come from the results.",
                           code="field_not_applicable", field="level")
    level = row["level"]
    if data.award is not None:
        new_code = award_code(data.award, data.award)
        if new_code is None:
            raise InvalidInput(f"“{data.award}” is not a certificate award.", code="unknown_award", field="award")
        level = int(new_code)
    competition = await Competition.select().where(Competition.id == row["competition"]).first()
    event = await Event.select().where(Event.id == row["event"]).first() if row["event"] else None
    if competition is None:
        raise Conflict("The competition of this award no longer exists.", code="competition_missing")
    return Draft(kind="award", person=person, issuer=issuer, issued_on=day, level=level,
                 occupation_code=row["occupation_code"], occupation_name=row["occupation_name"],
                 work_type=row["work_type"], work_type_ref=f"event:{row['event']}" if row["event"] else "",
                 competition=competition, organizers=json_list(row["organizers"]), event=event,
                 group_name=row["group_name"], award_tier=data.award or row["award_tier"],
                 members=json_list(row["members"]),
                 coaches=list(data.coaches) if data.coaches is not None else json_list(row["coaches"]),
                 entry=row["entry"], rank=row["rank"], source="supersede", supersedes=row,
                 promotion_certificate=row["promotion_certificate"])


async def supersede(principal: Principal | None, ref: str | int, data: SupersedeIn) -> CertificateOut:
    """Issue a corrected certificate that replaces this one; the old one points to the new."""
    row = await manageable(principal, ref)
    CERTIFICATE_STATUS.check("supersede", row["status"])
    person = await Person.select().where(Person.id == row["person"]).first()
    issuer = await Organization.select().where(Organization.id == row["issuer"]).first()
    day = issue_date(data.issued_on)
    corrected = _corrected_skill_level if row["kind"] == "skill_level" else _corrected_award
    draft = await corrected(row, data, person, issuer, day)
    async with write_transaction():
        await lock_key(locks.certificate_numbers())
        if draft.kind == "skill_level":
            held = await holds_certificate(person["id"], draft.occupation_code, draft.work_type, draft.level)
            if held is not None and held["number"] != row["number"]:
                raise Conflict(f"This person already holds the corrected level: certificate {held['number']}.",
                               code="certificate_exists", field="level")
        # the old one steps aside first (the one-award-per-entry index counts certificates not superseded)
        await CERTIFICATE_STATUS.apply(row["id"], "supersede", row["status"], {
            Certificate.status_reason: data.reason, Certificate.status_changed_at: now()})
        batch_id = await new_batch(principal, "supersede", issuer,
                                   event_id=row["event"] if row["kind"] == "award" else None)
        made = await issue(principal, draft, batch_id)
        await Certificate.update({Certificate.superseded_by: made["id"]}).where(Certificate.id == row["id"])
        # an award that promoted the old certificate now points at its replacement
        await Certificate.update({Certificate.promotion_certificate: made["id"]}).where(
            Certificate.promotion_certificate == row["id"])
        if draft.kind == "skill_level":
            await record_skill_level(draft, made["number"], "certificate")
        await record(principal, action="certificate.superseded", object_type="certificate",
                     object_id=cert_id_text(row["cert_id"]),
                     before={"status": row["status"], "number": row["number"]},
                     after={"status": "superseded", "superseded_by": made["number"],
                            "superseded_by_cert_id": cert_id_text(made["cert_id"])},
                     reason=data.reason)
        await close_batch(principal, batch_id, 1, "supersede", issuer)
    return await certificate_out(made["id"])
