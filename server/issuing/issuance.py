"""Making one certificate, the one way every way in ends: a :class:`Draft` numbered, signed, stored and
audited (:func:`issue`), then recorded on the graduate record (:func:`record_skill_level`,
:func:`record_award`), inside a batch (:func:`new_batch`, :func:`close_batch`).

Every certificate gets a 证书编号 (:mod:`server.issuing.numbering`: year and level agree with the signed
fields), a random ``cert_id`` and ``status_index``, a verification code, codes for its issuer, occupation
and work type with their display names (:func:`server.issuing.keyring.label_code`), the record signed with
the active key, and an audit entry (the audit chain is the hash-chained issuance log, which verification
consults for certificates signed with a compromised key). Everything here runs inside the caller's
``write_transaction``, after ``lock_key(locks.certificate_numbers())`` (see :mod:`server.locks`: a batch
takes several counter rows and then the audit chain's lock, so the numbers' lock is taken first).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import msgspec

from certificates import (
    AwardCode,
    CertKind,
    RecordError,
    RecordTooLarge,
    id_match_tag,
    issue_record,
    mask_resident_id,
    new_cert_id,
    new_status_index,
    normalize_name,
    sign_record,
    split_qr_text,
)
from certificates.envelope import parse_envelope
from server.audit.services import record
from server.errors import Conflict, InvalidInput
from server.issuing import keyring
from server.issuing.clock import now
from server.issuing.codes import PEOPLE_AWARD, new_verification_code
from server.issuing.holders import id_match_pepper
from server.issuing.numbering import award_number, skill_number
from server.issuing.rows import cert_id_text, json_text
from server.issuing.tables import Certificate, CertificateBatch
from server.people.schemas import AwardIn, SkillLevelIn
from server.people.services import record_award as record_award_on_file
from server.people.services import record_skill_level as record_level_on_file
from server.people.tables import AwardRecord, SkillLevel
from server.principal import Principal
from server.skill_levels import LEVEL_NAMES

ID_TYPE = "居民身份证"


@dataclass
class Draft:
    """Everything a certificate needs before it is numbered and signed."""

    kind: str
    person: dict
    issuer: dict
    issued_on: _dt.date
    level: int  # skill level, or AwardCode
    occupation_code: str = ""
    occupation_name: str = ""
    work_type: str = ""  # 工种, or the event's name for an award
    work_type_ref: str = ""  # what the work-type code stands for
    assessed_on: _dt.date | None = None
    competition: dict | None = None
    organizers: list[str] = field(default_factory=list)
    event: dict | None = None
    group_name: str = ""
    award_tier: str = ""
    members: list[str] = field(default_factory=list)
    coaches: list[str] = field(default_factory=list)
    entry: int | None = None
    rank: int | None = None
    source: str = "single"
    supersedes: dict | None = None
    promotion_certificate: int | None = None


async def _unused(column, make, attempts: int = 64):
    for _ in range(attempts):
        value = make()
        if not await Certificate.exists().where(column == value):
            return value
    raise Conflict("Could not draw an unused random value; try again.", code="random_exhausted")


async def issue(principal: Principal | None, draft: Draft, batch_id: int | None) -> dict:
    """Number, sign, store and audit one certificate; ``{"id", "number", "cert_id"}`` of the new row."""
    person, issuer = draft.person, draft.issuer
    name = normalize_name(person["name"])
    store = keyring.signing_store()
    kind = CertKind.SKILL_LEVEL if draft.kind == "skill_level" else CertKind.AWARD
    if kind == CertKind.SKILL_LEVEL:
        number = await skill_number(issuer, draft.issued_on.year, draft.level)
        level_name = LEVEL_NAMES[draft.level]
    else:
        number = await award_number(draft.competition["id"], draft.issued_on.year, AwardCode(draft.level))
        level_name = AwardCode(draft.level).label
    issuer_code = await keyring.label_code("issuer", f"org:{issuer['id']}", issuer["name"], code=str(issuer["id"]))
    if draft.occupation_code:
        await keyring.label_code("occupation", draft.occupation_code, draft.occupation_name,
                                 code=draft.occupation_code)
    work_type_code = 0
    if draft.work_type:
        work_type_code = int(await keyring.label_code("work_type", draft.work_type_ref or f"wt:{draft.work_type}",
                                                      draft.work_type))
    cert_id = await _unused(Certificate.cert_id, lambda: new_cert_id().hex())
    status_index = await _unused(Certificate.status_index, new_status_index)
    code = await _unused(Certificate.verification_code, new_verification_code)
    holder_tag = id_match_tag(id_match_pepper(), person["resident_id"]).hex()
    masked = mask_resident_id(person["resident_id"])
    competition = draft.competition or {}
    full = {
        "format": "jineng-certificate/1", "kind": draft.kind, "cert_id": cert_id, "number": number,
        "person_id": person["id"], "name": name, "masked_id": masked, "holder_id_tag": holder_tag,
        "id_type": ID_TYPE, "photo_sha256": None,
        "occupation_code": draft.occupation_code, "occupation_name": draft.occupation_name,
        "work_type": draft.work_type, "work_type_code": work_type_code, "level": draft.level,
        "level_name": level_name, "issuer_id": issuer["id"], "issuer_name": issuer["name"],
        "issued_on": draft.issued_on.isoformat(),
        "assessed_on": draft.assessed_on.isoformat() if draft.assessed_on else None,
        "competition_id": competition.get("id"), "competition_name": competition.get("name", ""),
        "edition": competition.get("edition"),
        "organizers": draft.organizers, "event_id": draft.event["id"] if draft.event else None,
        "group_name": draft.group_name, "award_tier": draft.award_tier, "members": draft.members,
        "coaches": draft.coaches, "entry_id": draft.entry, "rank": draft.rank,
        "verification_code": code, "status_index": status_index,
        "supersedes": draft.supersedes["cert_id"] if draft.supersedes else None,
    }
    try:
        signed = issue_record(
            kind=kind, number=number, name=name, resident_id=person["resident_id"],
            occupation=draft.occupation_code or 0, work_type=work_type_code, level=draft.level,
            issued_on=draft.issued_on, issuer=int(issuer_code), full_record=full,
            cert_id=bytes.fromhex(cert_id), status_index=status_index,
        )
        _, qr_text = sign_record(signed, store, url_prefix=keyring.url_prefix())
    except RecordTooLarge as exc:
        raise InvalidInput(f"The certificate does not fit a printable QR code: {exc}", code="record_too_large",
                           field="name") from None
    except RecordError as exc:
        raise InvalidInput(f"{person['name']!r} cannot be signed: {exc}", code=exc.code, field="name") from None
    except msgspec.ValidationError as exc:
        raise InvalidInput(f"The certificate record is invalid: {exc}", code="invalid_record") from None
    except ValueError as exc:  # the signing key may not vouch for this issue date
        raise InvalidInput(f"The active signing key cannot sign a certificate dated {draft.issued_on}: {exc}",
                           code="issue_date_outside_key_window", field="issued_on") from None
    kid = parse_envelope(split_qr_text(qr_text)[1]).kid.hex()
    inserted = await Certificate.insert(Certificate(
        kind=draft.kind, cert_id=cert_id, number=number, verification_code=code, person=person["id"], name=name,
        masked_id=masked, holder_id_tag=holder_tag, occupation_code=draft.occupation_code,
        occupation_name=draft.occupation_name, work_type=draft.work_type, work_type_code=work_type_code,
        level=draft.level, level_name=level_name, competition=competition.get("id"),
        competition_name=competition.get("name", ""), edition=competition.get("edition"),
        organizers=json_text(draft.organizers), event=draft.event["id"] if draft.event else None,
        group_name=draft.group_name, award_tier=draft.award_tier, members=json_text(draft.members),
        coaches=json_text(draft.coaches), entry=draft.entry, rank=draft.rank,
        issuer=issuer["id"], issuer_name=issuer["name"], issued_on=draft.issued_on, assessed_on=draft.assessed_on,
        status="valid", status_reason="", status_changed_at=None,
        supersedes=draft.supersedes["id"] if draft.supersedes else None,
        promotion_certificate=draft.promotion_certificate, status_index=status_index,
        record_digest=signed.record_digest.hex(), record_json=json_text(full), qr_text=qr_text, kid=kid,
        batch=batch_id, source=draft.source, created_by=principal.user_id if principal else None,
        created_at=now(),
    )).returning(Certificate.id)
    row_id = inserted[0]["id"]
    await record(principal, action="certificate.issued", object_type="certificate",
                 object_id=cert_id_text(cert_id),
                 after={"id": row_id, "kind": draft.kind, "number": number, "person_id": person["id"],
                        "name": name, "masked_id": masked, "level": draft.level, "level_name": level_name,
                        "occupation_code": draft.occupation_code, "work_type": draft.work_type,
                        "issuer_id": issuer["id"], "issued_on": draft.issued_on.isoformat(), "kid": kid,
                        "record_digest": signed.record_digest.hex(), "status_index": status_index,
                        "batch_id": batch_id, "source": draft.source,
                        "supersedes": draft.supersedes["number"] if draft.supersedes else None,
                        "promotion_certificate": draft.promotion_certificate})
    return {"id": row_id, "number": number, "cert_id": cert_id}


# --- the graduate record --------------------------------------------------------------------------

async def record_skill_level(draft: Draft, number: str, source_kind: str) -> None:
    """Add the level to the person's graduate record unless it is already there."""
    if await SkillLevel.exists().where(
        (SkillLevel.person == draft.person["id"]) & (SkillLevel.occupation_code == draft.occupation_code)
        & (SkillLevel.work_type == draft.work_type) & (SkillLevel.level == draft.level)
    ):
        return
    obtained = min(draft.issued_on, now().date())
    await record_level_on_file(None, draft.person["id"], SkillLevelIn(
        occupation_code=draft.occupation_code, level=draft.level, obtained_on=obtained, work_type=draft.work_type,
        source_kind=source_kind, source=number))


async def record_award(draft: Draft, number: str) -> None:
    """Add the award to the person's graduate record unless publishing the results already did."""
    if not draft.occupation_code or draft.competition is None:
        return  # the graduate record keys awards by occupation; an event without one is not recorded there
    if draft.entry is not None and await AwardRecord.exists().where(
        (AwardRecord.person == draft.person["id"]) & (AwardRecord.entry_id == draft.entry)
    ):
        return  # publishing the results already recorded it
    await record_award_on_file(None, draft.person["id"], AwardIn(
        competition_level=draft.competition["level"], competition_name=draft.competition["name"],
        year=draft.issued_on.year, occupation_code=draft.occupation_code,
        award=PEOPLE_AWARD.get(AwardCode(draft.level), "other"),
        work_type=(draft.event or {}).get("work_type") or "", event_name=(draft.event or {}).get("name", "")[:200],
        rank=draft.rank, source=number, entry_id=draft.entry))


# --- batches --------------------------------------------------------------------------------------

async def new_batch(principal: Principal | None, kind: str, issuer: dict, *, event_id: int | None = None,
                    filename: str = "") -> int:
    """A new batch row (every issuance belongs to one); its count is set by :func:`close_batch`."""
    rows = await CertificateBatch.insert(CertificateBatch(
        kind=kind, issuer=issuer["id"], event=event_id, filename=filename[:200], certificate_count=0,
        created_by=principal.user_id if principal else None, created_at=now(),
    )).returning(CertificateBatch.id)
    return rows[0]["id"]


async def close_batch(principal: Principal | None, batch_id: int, count: int, kind: str, issuer: dict) -> None:
    """Set the batch's certificate count and audit the batch."""
    await CertificateBatch.update({CertificateBatch.certificate_count: count}).where(CertificateBatch.id == batch_id)
    await record(principal, action="certificate_batch.issued", object_type="certificate_batch",
                 object_id=batch_id, after={"kind": kind, "issuer_id": issuer["id"], "certificates": count})
