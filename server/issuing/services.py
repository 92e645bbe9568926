"""Issuing rules: certificates for people on record, signed, numbered, linked, audited; status changes;
who may see and download what.

Three ways in, one way to make a certificate (:func:`_issue`):

* :func:`issue_skill_level` — one 职业技能等级证书 (organizer);
* :func:`issue_from_spreadsheet` — a .xlsx of assessment passes (等级认定), validated row by row and
  written all or nothing;
* :func:`issue_from_results` — an event's results (``jineng.results/1``): award certificates for awarded
  entries, and, by the event's promotion rules and each member's current level, skill-level certificates
  that the award certificate links to. Judging will call the same function with its parsed results.

Every certificate: a 证书编号 from an atomic counter row (year and level agree with the signed fields), a
random ``cert_id`` and ``status_index``, a verification code, the record signed with the active key, the
skill level or award added to the person's graduate record, and an audit entry (the audit chain is the
hash-chained issuance log). Status changes (revoke, suspend, reinstate, supersede) are keyed by the
certificate (``cert_id`` or row id), never by a QR string, and are audited.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import hashlib
import hmac
import io
import os
import re
from dataclasses import dataclass, field
from typing import Any

import msgspec

from certificates import (
    AwardCode,
    CertKind,
    NumberError,
    RecordError,
    RecordTooLarge,
    format_award_number,
    format_cert_id,
    format_skill_number,
    id_match_tag,
    issue_record,
    mask_resident_id,
    names_equal,
    new_cert_id,
    new_status_index,
    normalize_name,
    parse_cert_id,
    sign_record,
    signed_facts,
    split_qr_text,
)
from certificates.batch import render_async, render_zip
from certificates.envelope import parse_envelope
from certificates.keys import ISSUE_TZ
from certificates.numbering import PROVINCE_CODES
from certificates.pdf import CertificateView
from certificates.record import decode_record
from scoring import InvalidPolicy, promote
from scoring.model import Entry as ScoringEntry
from scoring.model import Member as ScoringMember
from scoring.promotion import PromotionRule
from scoring.results_format import ResultsDocument, decode_results, standings_from_results
from server import locks
from server.access import can_manage_competition
from server.audit.services import record
from server.catalog import services as catalog
from server.config import get_settings
from server.db import lock_key, write_transaction
from server.errors import Conflict, Forbidden, InvalidInput, NotFound, join_path, refusal
from server.issuing import keyring
from server.issuing.codes import (
    PEOPLE_AWARD,
    award_code,
    chinese_date,
    edition_text,
    format_verification_code,
    new_verification_code,
)
from server.issuing.schemas import (
    BatchOut,
    CertificateOut,
    CertificatePage,
    LinkOut,
    PromotionOut,
    ResultsIssueIn,
    SkillLevelIssueIn,
    SkippedOut,
    SupersedeIn,
)
from server.issuing.tables import Certificate, CertificateBatch, CertificateLabel
from server.organizations.tables import Organization
from server.people import resident_id as rid
from server.people.tables import Person
from server.principal import Principal
from server.skill_levels import LEVEL_NAMES, parse_level
from server.statemachine import StateMachine, Transition

STAFF_ROLES = ("organizer",)
TITLES = {"skill_level": "职业技能等级证书", "award": "获奖证书"}
ID_TYPE = "居民身份证"
_GROUPS = {"student": "学生组", "worker": "职工组"}
_TRACKS = {"secondary": "中职", "higher": "高职", "technical": "技工院校"}
ZIP_WORKERS = max(1, min(4, os.cpu_count() or 1))
# Issuing transactions take this PostgreSQL advisory lock first. Numbers are safe without it (atomic counter
# rows), but a batch takes several counter rows and then the audit chain's lock; without one lock taken
# first, two batches could each hold what the other waits for (a deadlock).


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def beijing_today() -> _dt.date:
    """Certificates are dated in Beijing time (the key windows use the same calendar)."""
    return _dt.datetime.now(ISSUE_TZ).date()


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _list(text: str | None) -> list[str]:
    return msgspec.json.decode(text or "[]", type=list[str])


def id_match_pepper() -> bytes:
    """The key of holder ID tags, derived from the server secret (separate from people's HMAC key)."""
    return hmac.new(get_settings().secret.encode(), b"jineng-issuing-id-match-v1", hashlib.sha256).digest()


# --- who may do what ------------------------------------------------------------------------------

async def _issuer(principal: Principal | None, issuer_id: int, field: str = "issuer_id") -> dict:
    row = await Organization.select().where(Organization.id == issuer_id).first()
    if row is None:
        raise InvalidInput(f"Organization {issuer_id} does not exist.", code="issuer_not_found", field=field)
    if principal is not None and not principal.covers_path(row["path"], *STAFF_ROLES):
        raise Forbidden("You can only issue certificates in the name of organizations you organize for.",
                        code="issuer_out_of_scope", field=field)
    return row


async def _may_manage(principal: Principal | None, row: dict) -> bool:
    if principal is None or principal.covers_path(row["issuer_path"], *STAFF_ROLES):
        return True
    return await can_manage_competition(principal, row["competition"])


def _may_read(principal: Principal, row: dict) -> bool:
    if principal.person_id is not None and principal.person_id == row["person"]:
        return True
    if row["school_id"] in principal.school_ids():
        return True
    if principal.covers_path(row["issuer_path"], *STAFF_ROLES):
        return True
    if row["school_path"] and principal.covers_path(row["school_path"], *STAFF_ROLES):
        return True
    return row["competition"] is not None and "organizer" in principal.competition_roles(row["competition"])


def _read_condition(principal: Principal):
    """The certificates a principal may list (None: all)."""
    if principal.is_admin:
        return None
    condition = None

    def either(cond):
        nonlocal condition
        condition = cond if condition is None else condition | cond

    for path in principal.scope_paths(*STAFF_ROLES):
        either(Certificate.issuer.path.like(path + "%"))
        either(Certificate.person.school.path.like(path + "%"))
    schools = list(principal.school_ids())
    if schools:
        either(Certificate.person.school.is_in(schools))
    competitions = [g.competition_id for g in principal.grants if g.role == "organizer" and g.competition_id]
    if competitions:
        either(Certificate.competition.is_in(competitions))
    if principal.person_id is not None:
        either(Certificate.person == principal.person_id)
    if condition is None:
        raise Forbidden("Your roles do not include access to certificates.", code="forbidden")
    return condition


# --- reading rows ---------------------------------------------------------------------------------

def _select():
    return Certificate.select(
        Certificate.all_columns(),
        Certificate.issuer.path.as_alias("issuer_path"),
        Certificate.person.school.as_alias("school_id"),
        Certificate.person.school.path.as_alias("school_path"),
    )


def _where_ref(ref: str):
    """A certificate by row id (digits), cert_id (``1a2b3c4d-5e6f7a8b`` or 16 hex digits) or 证书编号."""
    text = ref.strip().lower()
    if re.fullmatch(r"[0-9a-f]{8}-?[0-9a-f]{8}", text):
        return Certificate.cert_id == text.replace("-", "")
    if re.fullmatch(r"\d{1,12}", text):
        return Certificate.id == int(text)
    if re.fullmatch(r"[ys]\d{21}|jn\d{16}", text):
        return Certificate.number == text.upper()
    return None


async def _fetch(ref: str | int) -> dict | None:
    condition = Certificate.id == ref if isinstance(ref, int) else _where_ref(ref)
    if condition is None:
        return None
    return await _select().where(condition).first()


async def readable(principal: Principal, ref: str | int) -> dict:
    row = await _fetch(ref)
    # a certificate outside the caller's scope is reported as absent: no existence oracle
    if row is None or not _may_read(principal, row):
        raise NotFound("No such certificate.", code="certificate_not_found")
    return row


async def manageable(principal: Principal | None, ref: str | int) -> dict:
    row = await _fetch(ref)
    if row is None:
        raise NotFound("No such certificate.", code="certificate_not_found")
    if principal is not None and not await _may_manage(principal, row):
        if _may_read(principal, row):
            raise Forbidden("Only organizers of the issuing body change a certificate.", code="not_issuer")
        raise NotFound("No such certificate.", code="certificate_not_found")
    return row


async def _links(rows: list[dict]) -> tuple[dict[int, LinkOut], dict[int, LinkOut]]:
    """(links by row id for every linked certificate, award that promoted by promoted row id)."""
    ids = {r[k] for r in rows for k in ("superseded_by", "supersedes", "promotion_certificate") if r[k]}
    own = [r["id"] for r in rows]
    links: dict[int, LinkOut] = {}
    promoted_by: dict[int, LinkOut] = {}
    columns = (Certificate.id, Certificate.cert_id, Certificate.number, Certificate.status,
               Certificate.promotion_certificate)
    if ids:
        for r in await Certificate.select(*columns).where(Certificate.id.is_in(list(ids))):
            links[r["id"]] = LinkOut(id=r["id"], cert_id=format_cert_id(bytes.fromhex(r["cert_id"])),
                                     number=r["number"], status=r["status"])
    if own:
        for r in await Certificate.select(*columns).where(Certificate.promotion_certificate.is_in(own)):
            promoted_by[r["promotion_certificate"]] = LinkOut(
                id=r["id"], cert_id=format_cert_id(bytes.fromhex(r["cert_id"])), number=r["number"],
                status=r["status"])
    return links, promoted_by


def _out(row: dict, links: dict[int, LinkOut], promoted_by: dict[int, LinkOut]) -> CertificateOut:
    return CertificateOut(
        id=row["id"], cert_id=format_cert_id(bytes.fromhex(row["cert_id"])), kind=row["kind"],
        title=TITLES[row["kind"]], number=row["number"],
        verification_code=format_verification_code(row["verification_code"]), person_id=row["person"],
        name=row["name"], masked_id=row["masked_id"], occupation_code=row["occupation_code"],
        occupation_name=row["occupation_name"], work_type=row["work_type"], level=row["level"],
        level_name=row["level_name"], issuer_id=row["issuer"], issuer_name=row["issuer_name"],
        issued_on=row["issued_on"], assessed_on=row["assessed_on"], status=row["status"],
        status_reason=row["status_reason"], status_changed_at=row["status_changed_at"], qr_text=row["qr_text"],
        kid=row["kid"], record_digest=row["record_digest"], source=row["source"], batch_id=row["batch"],
        created_at=row["created_at"], competition_id=row["competition"], competition_name=row["competition_name"],
        edition=row["edition"], organizers=_list(row["organizers"]), event_id=row["event"],
        group_name=row["group_name"], award_tier=row["award_tier"], members=_list(row["members"]),
        coaches=_list(row["coaches"]), entry_id=row["entry"], rank=row["rank"],
        superseded_by=links.get(row["superseded_by"]) if row["superseded_by"] else None,
        supersedes=links.get(row["supersedes"]) if row["supersedes"] else None,
        promotion_certificate=links.get(row["promotion_certificate"]) if row["promotion_certificate"] else None,
        promoted_by=promoted_by.get(row["id"]),
    )


async def to_out(rows: list[dict]) -> list[CertificateOut]:
    links, promoted_by = await _links(rows)
    return [_out(r, links, promoted_by) for r in rows]


async def get_certificate(principal: Principal, ref: str | int) -> CertificateOut:
    return (await to_out([await readable(principal, ref)]))[0]


async def list_certificates(
    principal: Principal, *, kind: str | None = None, status: str | None = None, person_id: int | None = None,
    batch_id: int | None = None, q: str | None = None, limit: int = 50, offset: int = 0,
) -> CertificatePage:
    conditions = []
    scope = _read_condition(principal)
    if scope is not None:
        conditions.append(scope)
    if kind:
        conditions.append(Certificate.kind == kind)
    if status:
        conditions.append(Certificate.status == status)
    if person_id is not None:
        conditions.append(Certificate.person == person_id)
    if batch_id is not None:
        conditions.append(Certificate.batch == batch_id)
    if q:
        text = q.strip()
        conditions.append(Certificate.name.like(f"%{text}%") | (Certificate.number == text.upper()))
    query, count = _select(), Certificate.count()
    for cond in conditions:
        query, count = query.where(cond), count.where(cond)
    rows = await query.order_by(Certificate.id, ascending=False).limit(limit).offset(offset)
    return CertificatePage(items=await to_out(rows), total=await count, limit=limit, offset=offset)


async def my_certificates(principal: Principal) -> list[CertificateOut]:
    """A graduate's own certificates, newest first (an account without a person record has none)."""
    if principal.person_id is None:
        return []
    rows = await _select().where(Certificate.person == principal.person_id).order_by(Certificate.id, ascending=False)
    return await to_out(rows)


# --- people and occupations -----------------------------------------------------------------------

async def _person(person_id: int | None, resident_id: str | None, field_prefix: str = "") -> dict:
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


async def person_by_resident_id(value: str, field: str = "resident_id") -> dict | None:
    try:
        number = rid.validate(value)
    except rid.ResidentIdError as exc:
        raise InvalidInput(str(exc), code="invalid_resident_id", field=field) from None
    tag = rid.keyed_digest(number, get_settings().secret)
    return await Person.select().where((Person.resident_id_hmac == tag) | (Person.resident_id == number)).first()


def _check_name(given: str, person: dict, field: str = "name") -> None:
    if not names_equal(given, person["name"]):
        raise InvalidInput("The name does not match the person's record.", code="name_mismatch", field=field)


def issue_date(given: _dt.date | None, field: str = "issued_on") -> _dt.date:
    today = beijing_today()
    day = given or today
    if day > today:
        raise InvalidInput("The issue date is in the future.", code="future_date", field=field)
    if day.year < 2000:
        raise InvalidInput("The issue date is before 2000.", code="date_out_of_range", field=field)
    return day


async def current_level(person_id: int, occupation_code: str) -> int | None:
    """The highest skill level (smallest number) the person holds in an occupation: the graduate record's
    skill levels and any valid skill-level certificate issued here."""
    from server.people.tables import SkillLevel

    levels = [r["level"] for r in await SkillLevel.select(SkillLevel.level).where(
        (SkillLevel.person == person_id) & (SkillLevel.occupation_code == occupation_code))]
    levels += [r["level"] for r in await Certificate.select(Certificate.level).where(
        (Certificate.person == person_id) & (Certificate.kind == "skill_level")
        & (Certificate.occupation_code == occupation_code) & (Certificate.status == "valid"))]
    return min(levels) if levels else None


async def _holds_certificate(person_id: int, code: str, work_type: str, level: int) -> dict | None:
    return await Certificate.select(Certificate.number).where(
        (Certificate.person == person_id) & (Certificate.kind == "skill_level")
        & (Certificate.occupation_code == code) & (Certificate.work_type == work_type)
        & (Certificate.level == level) & (Certificate.status.is_in(["valid", "suspended"]))
    ).first()


# --- numbering ------------------------------------------------------------------------------------

def _numbering_settings() -> tuple[str, str, str | None, str | None]:
    """(issuer type Y/S, 4-digit organization code, site override, province override) from the environment:
    JINENG_CERT_ISSUER_TYPE (default S), JINENG_CERT_ORG_CODE (default 0000: registered at provincial level),
    JINENG_CERT_SITE (default: the issuing organization's id), JINENG_CERT_PROVINCE (default: the issuing
    organization's region)."""
    return (os.environ.get("JINENG_CERT_ISSUER_TYPE", "S"), os.environ.get("JINENG_CERT_ORG_CODE", "0000"),
            os.environ.get("JINENG_CERT_SITE"), os.environ.get("JINENG_CERT_PROVINCE"))


async def _province(issuer: dict) -> str:
    _, _, _, configured = _numbering_settings()
    if configured:
        return configured
    ids = [int(x) for x in issuer["path"].strip("/").split("/") if x.isdigit()] or [issuer["id"]]
    rows = {r["id"]: r["region_code"] for r in await Organization.select(
        Organization.id, Organization.region_code).where(Organization.id.is_in(ids))}
    for org_id in reversed(ids):
        code = rows.get(org_id)
        if code and code[:2] in PROVINCE_CODES:
            return code[:2]
    raise InvalidInput(f"{issuer['name']} has no region code, so its certificate numbers have no province; set "
                       "the organization's region code or JINENG_CERT_PROVINCE.", code="issuer_without_province",
                       field="issuer_id")


def _sequence_ok(value: int, scope: str) -> int:
    if value > 999_999:
        raise Conflict(f"The certificate numbers of {scope} are used up (999999 a year and level).",
                       code="number_space_exhausted")
    return value


async def skill_number(issuer: dict, year: int, level: int) -> str:
    issuer_type, org_code, site, _ = _numbering_settings()
    province = await _province(issuer)
    try:
        prefix = format_skill_number(issuer_type, org_code, province, site or issuer["id"] % 1_000_000, year,
                                     level, 0)[:16]
        sequence = _sequence_ok(await keyring.allocate(f"num:{prefix}"), prefix)
        return format_skill_number(issuer_type, org_code, province, site or issuer["id"] % 1_000_000, year, level,
                                   sequence)
    except NumberError as exc:
        raise Conflict(f"The certificate number cannot be formed: {exc}", code="numbering_misconfigured") from None


async def award_number(competition_id: int, year: int, award: AwardCode) -> str:
    prefix = format_award_number(year, competition_id % 1_000_000, award, 0)[:12]
    sequence = _sequence_ok(await keyring.allocate(f"num:{prefix}"), prefix)
    return format_award_number(year, competition_id % 1_000_000, award, sequence)


# --- labels (display names of signed codes) --------------------------------------------------------

async def _label(category: str, ref: str, name: str, code: str | None = None) -> str:
    row = await CertificateLabel.select(CertificateLabel.code).where(
        (CertificateLabel.category == category) & (CertificateLabel.ref == ref)).first()
    if row is not None:
        return row["code"]
    if code is None:
        code = str(await keyring.allocate(f"label:{category}"))
    await CertificateLabel.insert(CertificateLabel(category=category, code=code, ref=ref, name=name,
                                                   created_at=_now())).on_conflict(
        target=(CertificateLabel.category, CertificateLabel.ref), action="DO NOTHING")
    row = await CertificateLabel.select(CertificateLabel.code).where(
        (CertificateLabel.category == category) & (CertificateLabel.ref == ref)).first()
    return row["code"]


# --- making one certificate -----------------------------------------------------------------------

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


async def _issue(principal: Principal | None, draft: Draft, batch_id: int | None) -> dict:
    """Number, sign, store and audit one certificate; runs inside the caller's ``write_transaction``."""
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
    issuer_code = await _label("issuer", f"org:{issuer['id']}", issuer["name"], code=str(issuer["id"]))
    if draft.occupation_code:
        await _label("occupation", draft.occupation_code, draft.occupation_name, code=draft.occupation_code)
    work_type_code = 0
    if draft.work_type:
        work_type_code = int(await _label("work_type", draft.work_type_ref or f"wt:{draft.work_type}",
                                          draft.work_type))
    cert_id = await _unused(Certificate.cert_id, lambda: new_cert_id().hex())
    status_index = await _unused(Certificate.status_index, new_status_index)
    code = await _unused(Certificate.verification_code, new_verification_code)
    holder_tag = id_match_tag(id_match_pepper(), person["resident_id"]).hex()
    masked = mask_resident_id(person["resident_id"])
    full = {
        "format": "jineng-certificate/1", "kind": draft.kind, "cert_id": cert_id, "number": number,
        "person_id": person["id"], "name": name, "masked_id": masked, "holder_id_tag": holder_tag,
        "id_type": ID_TYPE, "photo_sha256": None,
        "occupation_code": draft.occupation_code, "occupation_name": draft.occupation_name,
        "work_type": draft.work_type, "work_type_code": work_type_code, "level": draft.level,
        "level_name": level_name, "issuer_id": issuer["id"], "issuer_name": issuer["name"],
        "issued_on": draft.issued_on.isoformat(),
        "assessed_on": draft.assessed_on.isoformat() if draft.assessed_on else None,
        "competition_id": draft.competition["id"] if draft.competition else None,
        "competition_name": draft.competition["name"] if draft.competition else "",
        "edition": draft.competition["edition"] if draft.competition else None,
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
        level=draft.level, level_name=level_name,
        competition=draft.competition["id"] if draft.competition else None,
        competition_name=draft.competition["name"] if draft.competition else "",
        edition=draft.competition["edition"] if draft.competition else None, organizers=_json(draft.organizers),
        event=draft.event["id"] if draft.event else None, group_name=draft.group_name, award_tier=draft.award_tier,
        members=_json(draft.members), coaches=_json(draft.coaches), entry=draft.entry, rank=draft.rank,
        issuer=issuer["id"], issuer_name=issuer["name"], issued_on=draft.issued_on, assessed_on=draft.assessed_on,
        status="valid", status_reason="", status_changed_at=None,
        supersedes=draft.supersedes["id"] if draft.supersedes else None,
        promotion_certificate=draft.promotion_certificate, status_index=status_index,
        record_digest=signed.record_digest.hex(), record_json=_json(full), qr_text=qr_text, kid=kid,
        batch=batch_id, source=draft.source, created_by=principal.user_id if principal else None,
        created_at=_now(),
    )).returning(Certificate.id)
    row_id = inserted[0]["id"]
    await record(principal, action="certificate.issued", object_type="certificate",
                 object_id=format_cert_id(bytes.fromhex(cert_id)),
                 after={"id": row_id, "kind": draft.kind, "number": number, "person_id": person["id"],
                        "name": name, "masked_id": masked, "level": draft.level, "level_name": level_name,
                        "occupation_code": draft.occupation_code, "work_type": draft.work_type,
                        "issuer_id": issuer["id"], "issued_on": draft.issued_on.isoformat(), "kid": kid,
                        "record_digest": signed.record_digest.hex(), "status_index": status_index,
                        "batch_id": batch_id, "source": draft.source,
                        "supersedes": draft.supersedes["number"] if draft.supersedes else None,
                        "promotion_certificate": draft.promotion_certificate})
    return {"id": row_id, "number": number, "cert_id": cert_id}


async def _record_skill_level(draft: Draft, number: str, source_kind: str) -> None:
    """Add the level to the person's graduate record unless it is already there."""
    from server.people.schemas import SkillLevelIn
    from server.people.services import record_skill_level
    from server.people.tables import SkillLevel

    if await SkillLevel.exists().where(
        (SkillLevel.person == draft.person["id"]) & (SkillLevel.occupation_code == draft.occupation_code)
        & (SkillLevel.work_type == draft.work_type) & (SkillLevel.level == draft.level)
    ):
        return
    obtained = min(draft.issued_on, _now().date())
    await record_skill_level(None, draft.person["id"], SkillLevelIn(
        occupation_code=draft.occupation_code, level=draft.level, obtained_on=obtained, work_type=draft.work_type,
        source_kind=source_kind, source=number))


async def _record_award(draft: Draft, number: str) -> None:
    from server.people.schemas import AwardIn
    from server.people.services import record_award
    from server.people.tables import AwardRecord

    if not draft.occupation_code or draft.competition is None:
        return  # the graduate record keys awards by occupation; an event without one is not recorded there
    if draft.entry is not None and await AwardRecord.exists().where(
        (AwardRecord.person == draft.person["id"]) & (AwardRecord.entry_id == draft.entry)
    ):
        return  # publishing the results already recorded it
    await record_award(None, draft.person["id"], AwardIn(
        competition_level=draft.competition["level"], competition_name=draft.competition["name"],
        year=draft.issued_on.year, occupation_code=draft.occupation_code,
        award=PEOPLE_AWARD.get(AwardCode(draft.level), "other"),
        work_type=(draft.event or {}).get("work_type") or "", event_name=(draft.event or {}).get("name", "")[:200],
        rank=draft.rank, source=number, entry_id=draft.entry))


async def _new_batch(principal: Principal | None, kind: str, issuer: dict, *, event_id: int | None = None,
                     filename: str = "") -> int:
    rows = await CertificateBatch.insert(CertificateBatch(
        kind=kind, issuer=issuer["id"], event=event_id, filename=filename[:200], certificate_count=0,
        created_by=principal.user_id if principal else None, created_at=_now(),
    )).returning(CertificateBatch.id)
    return rows[0]["id"]


async def _close_batch(principal: Principal | None, batch_id: int, count: int, kind: str, issuer: dict) -> None:
    await CertificateBatch.update({CertificateBatch.certificate_count: count}).where(CertificateBatch.id == batch_id)
    await record(principal, action="certificate_batch.issued", object_type="certificate_batch",
                 object_id=batch_id, after={"kind": kind, "issuer_id": issuer["id"], "certificates": count})


async def _batch_out(batch_id: int, *, dry_run: bool = False, promotions=(), skipped=(), rows=None) -> BatchOut:
    batch = await CertificateBatch.select().where(CertificateBatch.id == batch_id).first()
    certs = await _select().where(Certificate.batch == batch_id).order_by(Certificate.id)
    return BatchOut(id=batch_id, kind=batch["kind"], issuer_id=batch["issuer"], event_id=batch["event"],
                    certificate_count=batch["certificate_count"], dry_run=dry_run, created_at=batch["created_at"],
                    certificates=await to_out(certs), promotions=list(promotions), skipped=list(skipped), rows=rows)


# --- (a) one skill-level certificate --------------------------------------------------------------

async def issue_skill_level(principal: Principal | None, data: SkillLevelIssueIn) -> CertificateOut:
    issuer = await _issuer(principal, data.issuer_id)
    person = await _person(data.person_id, data.resident_id)
    _check_name(data.name, person)
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
        held = await _holds_certificate(person["id"], occ["code"], data.work_type, data.level)
        if held is not None:
            raise Conflict(f"This person already holds this level: certificate {held['number']}.",
                           code="certificate_exists", field="level")
        batch_id = await _new_batch(principal, "single", issuer)
        made = await _issue(principal, draft, batch_id)
        await _record_skill_level(draft, made["number"], "certificate")
        await _close_batch(principal, batch_id, 1, "single", issuer)
    return (await to_out([await _fetch(made["id"])]))[0]


# --- (b) a spreadsheet of assessment passes -------------------------------------------------------

def pass_columns():
    from server.spreadsheets import Column

    return [
        Column("resident_id", "身份证号", required=True, width=22, note="18-character resident ID (text, not a number)"),
        Column("name", "姓名", required=True, note="as on the person's record"),
        Column("occupation_code", "职业编码", required=True, width=14, note="国家职业分类大典 code, e.g. 6-31-01-03"),
        Column("work_type", "工种/职业方向", width=16, note="empty when the occupation has none"),
        Column("level", "等级", required=True, width=14, note="1-5, 三级 or 三级/高级工"),
        Column("assessed_on", "认定日期", required=True, width=14, note="date of the pass, e.g. 2026-11-20"),
    ]


def passes_template() -> bytes:
    from server.spreadsheets import build_template

    return build_template(
        "职业技能等级认定结果 — assessment passes for skill-level certificates", pass_columns(),
        instructions=[
            "One row per person who passed. The person must be on record; the name must match the record.",
            "The whole file is issued or nothing is: fix every reported row and upload again.",
        ],
        examples=[["370881200703010011", "张三", "6-31-01-03", "", "三级/高级工", "2026-11-20"]],
    )


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def _parse_date(text: str | None) -> _dt.date | None:
    if not text:
        return None
    value = text.strip()
    if "T" in value:
        value = value.split("T", 1)[0]
    for fmt in _DATE_FORMATS:
        try:
            return _dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


async def issue_from_spreadsheet(principal: Principal | None, content: bytes, *, issuer_id: int,
                                 issued_on: _dt.date | None = None, filename: str = "",
                                 dry_run: bool = False) -> BatchOut:
    """Skill-level certificates for every row of a passes spreadsheet: all rows valid, or nothing."""
    from server.spreadsheets import ErrorList, read_sheet, resident_id_cell

    issuer = await _issuer(principal, issuer_id)
    day = issue_date(issued_on)
    columns = pass_columns()
    sheet = await asyncio.to_thread(read_sheet, content, columns, what="passes spreadsheet")
    errors = ErrorList(sheet, columns)
    drafts: list[tuple[int, Draft]] = []
    seen: dict[tuple, int] = {}
    for row in sheet.rows:
        values = row.values
        try:
            number = resident_id_cell(row, "resident_id")
        except ValueError as exc:
            errors.add(row.row, "resident_id", "resident_id_rounded", str(exc))
            continue
        if not number:
            errors.add(row.row, "resident_id", "required", "The resident ID is missing.")
            continue
        try:
            person = await person_by_resident_id(number)
        except InvalidInput as exc:
            errors.add(row.row, "resident_id", exc.code, exc.detail)
            continue
        if person is None:
            errors.add(row.row, "resident_id", "person_not_found", "Nobody with this resident ID is on record.")
            continue
        name = values.get("name") or ""
        if not name:
            errors.add(row.row, "name", "required", "The name is missing.")
        elif not names_equal(name, person["name"]):
            errors.add(row.row, "name", "name_mismatch",
                       f"The name “{name}” does not match the record of this resident ID.")
        level = parse_level(values.get("level"))
        if level is None:
            errors.add(row.row, "level", "invalid_level",
                       f"“{values.get('level') or ''}” is not a skill level (1-5, 三级, 三级/高级工).")
        work_type = (values.get("work_type") or "").strip()
        if work_type in ("--", "—", "-"):
            work_type = ""
        code = (values.get("occupation_code") or "").strip()
        occ = None
        if not code:
            errors.add(row.row, "occupation_code", "required", "The occupation code is missing.")
        else:
            try:
                occ = await catalog.find(code, work_type, level=level)
            except InvalidInput as exc:
                key = {"work_type": "work_type", "level": "level"}.get(exc.field or "", "occupation_code")
                errors.add(row.row, key, exc.code, exc.detail)
        assessed = _parse_date(values.get("assessed_on"))
        if assessed is None:
            errors.add(row.row, "assessed_on", "invalid_date",
                       f"“{values.get('assessed_on') or ''}” is not a date (e.g. 2026-11-20).")
        elif assessed > day:
            errors.add(row.row, "assessed_on", "assessed_after_issue",
                       f"The assessment date {assessed} is after the issue date {day}.")
        if occ is None or level is None or assessed is None or not names_equal(name or "", person["name"]):
            continue
        key = (person["id"], occ["code"], work_type, level)
        if key in seen:
            errors.add(row.row, "resident_id", "duplicate_row", f"Row {seen[key]} already has this pass.")
            continue
        seen[key] = row.row
        held = await _holds_certificate(person["id"], occ["code"], work_type, level)
        if held is not None:
            errors.add(row.row, "level", "certificate_exists",
                       f"This person already holds this level: certificate {held['number']}.")
            continue
        drafts.append((row.row, Draft(kind="skill_level", person=person, issuer=issuer, issued_on=day, level=level,
                                      occupation_code=occ["code"], occupation_name=occ["name"], work_type=work_type,
                                      assessed_on=assessed, source="spreadsheet")))
    errors.raise_if_any(len(sheet.rows), "passes spreadsheet")
    if dry_run:
        return BatchOut(id=None, kind="spreadsheet", issuer_id=issuer["id"], event_id=None,
                        certificate_count=len(drafts), dry_run=True, created_at=None, rows=len(sheet.rows))
    async with write_transaction():
        await lock_key(locks.certificate_numbers())
        batch_id = await _new_batch(principal, "spreadsheet", issuer, filename=filename)
        for row_number, draft in drafts:
            try:
                made = await _issue(principal, draft, batch_id)
            except InvalidInput as exc:  # a signing problem of one row still names the row
                raise InvalidInput(f"Row {row_number}: {exc.detail} Nothing was issued.", code="import_invalid",
                                   errors=[{"row": row_number, "column": sheet.letters.get(exc.field or "name"),
                                            "field": exc.field, "code": exc.code, "message": exc.detail}]) from None
            await _record_skill_level(draft, made["number"], "certificate")
        await _close_batch(principal, batch_id, len(drafts), "spreadsheet", issuer)
    return await _batch_out(batch_id, rows=len(sheet.rows))


# --- (c) an event's results: awards and promotions ------------------------------------------------

def _promotion_rules(text: str | None) -> list[PromotionRule]:
    if not text:
        return []
    try:
        data = msgspec.json.decode(text)
        if isinstance(data, dict):
            data = data.get("rules", data.get("promotion", []))
        return msgspec.convert(data, type=list[PromotionRule])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise InvalidInput(f"The event's promotion rules cannot be read: {exc}", code="promotion_rules_invalid",
                           field="promotion_rules") from None


async def _published_results(event_id: int) -> ResultsDocument:
    try:
        from server.results.tables import EventResults
    except ImportError:  # pragma: no cover
        EventResults = None
    row = None
    if EventResults is not None:
        row = await EventResults.select(EventResults.document).where(
            (EventResults.event == event_id) & (EventResults.status == "published")).first()
    if row is None:
        raise InvalidInput("The event has no published results; send the results document.",
                           code="results_required", field="results")
    return decode_results(row["document"])


def _entry_id(text: str) -> int | None:
    value = text.strip()
    # ASCII digits only: "²".isdigit() is True, but int("²") raises ValueError
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 12 else None


async def issue_from_results(principal: Principal | None, data: ResultsIssueIn) -> BatchOut:
    """Award certificates for the awarded entries of an event's results, and the skill-level certificates
    its promotion rules give (linked from the award certificate). Entries already certified are skipped,
    so the same results can be sent again (e.g. after an appeal added an award)."""
    from server.competitions.tables import Competition, CompetitionOrganizer, Event
    from server.registration.tables import Entry, EntryMember

    event = await Event.select(Event.all_columns(), Event.occupation.code.as_alias("occupation_code"),
                               Event.occupation.name.as_alias("occupation_name")).where(
        Event.id == data.event_id).first()
    if event is None:
        raise NotFound("No such event.", code="event_not_found")
    competition = await Competition.select().where(Competition.id == event["competition"]).first()
    if not await can_manage_competition(principal, competition["id"]):
        raise NotFound("No such event.", code="event_not_found")
    doc = data.results or await _published_results(event["id"])
    if doc.awards is None or doc.awards.status != "final":
        raise InvalidInput("The results have no final awards (provisional or blocked awards give no certificates).",
                           code="awards_not_final", field="results.awards.status")
    organizers = await CompetitionOrganizer.select(
        CompetitionOrganizer.organization.as_alias("org_id"), CompetitionOrganizer.organization.name.as_alias("name"),
        CompetitionOrganizer.role).where(CompetitionOrganizer.competition == competition["id"]).order_by(
        CompetitionOrganizer.id)
    if data.issuer_id is not None:
        issuer = await _issuer(principal, data.issuer_id)
    else:
        host = next((o for o in organizers if o["role"] == "host"), organizers[0] if organizers else None)
        if host is None:
            raise InvalidInput("The competition has no organizer to issue in the name of; give issuer_id.",
                               code="issuer_required", field="issuer_id")
        issuer = await _issuer(None, host["org_id"])
    day = issue_date(data.issued_on)
    tier_names = {t.code: t.name for t in doc.awards.tiers}

    problems: list[dict] = []
    awarded: list[dict] = []
    for i, e in enumerate(doc.entries):
        if not e.award or e.withdrawn:
            continue
        where = f"results.entries[{i}]"
        entry_id = _entry_id(e.entry)
        code = award_code(e.award, tier_names.get(e.award))
        if code is None:
            problems.append({"field": f"{where}.award", "entry": e.entry, "code": "unknown_award",
                             "message": f"The award “{e.award}” is not a certificate award (gold, first, 一等奖 …)."})
        if entry_id is None:
            problems.append({"field": f"{where}.entry", "entry": e.entry, "code": "invalid_entry_id",
                             "message": f"“{e.entry}” is not a registration entry id."})
            continue
        entry = await Entry.select().where(Entry.id == entry_id).first()
        if entry is None or entry["event"] != event["id"]:
            problems.append({"field": f"{where}.entry", "entry": e.entry, "code": "entry_not_in_event",
                             "message": f"Entry {entry_id} is not an entry of this event."})
            continue
        if entry["status"] != "approved":
            problems.append({"field": f"{where}.entry", "entry": e.entry, "code": "entry_not_approved",
                             "message": f"Entry {entry_id} is {entry['status']}, not approved."})
            continue
        members = await EntryMember.select(
            EntryMember.person, EntryMember.role, EntryMember.active, EntryMember.person.name.as_alias("name"),
        ).where(EntryMember.entry == entry_id).order_by(EntryMember.position, EntryMember.id)
        competitors = [m for m in members if m["role"] == "competitor" and m["active"]] or \
                      [m for m in members if m["role"] == "competitor"]
        if not competitors:
            problems.append({"field": f"{where}.entry", "entry": e.entry, "code": "entry_without_members",
                             "message": f"Entry {entry_id} has no competitors on record."})
            continue
        if code is not None:
            awarded.append({"entry_id": entry_id, "record": e, "award": code, "competitors": competitors,
                            "coaches": [m["name"] for m in members if m["role"] == "coach"]})
    if problems:
        raise refusal(problems, f"The results cannot be certified: {len(problems)} problem(s), the first",
                      code="results_invalid", after="Nothing was issued.")

    rules = _promotion_rules(event["promotion_rules"])
    occ_code = event["occupation_code"] or ""
    promotions: dict[tuple[int, int], Any] = {}
    if rules and occ_code:
        entries = []
        for a in awarded:
            members = [ScoringMember(id=str(m["person"]), name=m["name"],
                                     skill_level=await current_level(m["person"], occ_code)) for m in a["competitors"]]
            entries.append(ScoringEntry(id=a["record"].entry, members=members))
        try:
            result = promote(rules, competition_level=competition["level"], standings=standings_from_results(doc),
                             entries=entries)
        except InvalidPolicy as exc:
            raise refusal([{"field": join_path("promotion_rules", p.path), "code": p.code, "message": p.message}
                           for p in exc.problems], "The event's promotion rules are invalid",
                          code="promotion_rules_invalid") from None
        promotions = {(int(p.entry), int(p.person)): p for p in result}

    group = "".join(x for x in (_GROUPS.get(event["group"], ""),
                                f"（{_TRACKS[event['track']]}）" if event["track"] in _TRACKS else "") if x)
    organizer_names = [o["name"] for o in organizers]
    out_promotions: list[PromotionOut] = []
    skipped: list[SkippedOut] = []
    count = 0
    async with write_transaction():
        await lock_key(locks.certificate_numbers())
        batch_id = await _new_batch(principal, "results", issuer, event_id=event["id"])
        for a in awarded:
            member_names = [m["name"] for m in a["competitors"]]
            for m in a["competitors"]:
                person = await Person.select().where(Person.id == m["person"]).first()
                existing = await Certificate.select(Certificate.number).where(
                    (Certificate.entry == a["entry_id"]) & (Certificate.person == person["id"])
                    & (Certificate.kind == "award") & (Certificate.status != "superseded")).first()
                if existing is not None:
                    skipped.append(SkippedOut(entry_id=a["entry_id"], person_id=person["id"], code="already_issued",
                                              message=f"Award certificate {existing['number']} exists."))
                    continue
                promotion_id = None
                p = promotions.get((a["entry_id"], person["id"]))
                if p is not None:
                    out = PromotionOut(entry_id=a["entry_id"], person_id=person["id"], name=person["name"],
                                       status=p.status, reason=p.reason, current_level=p.current_level,
                                       target_level=p.target_level)
                    if p.status == "promoted":
                        promotion_id, out = await _promote(principal, out, person, issuer, event, day, batch_id)
                        count += promotion_id is not None
                    out_promotions.append(out)
                draft = Draft(
                    kind="award", person=person, issuer=issuer, issued_on=day, level=int(a["award"]),
                    occupation_code=occ_code, occupation_name=event["occupation_name"] or "",
                    work_type=event["name"], work_type_ref=f"event:{event['id']}", competition=competition,
                    organizers=organizer_names, event=event, group_name=group, award_tier=a["record"].award,
                    members=member_names, coaches=a["coaches"], entry=a["entry_id"], rank=a["record"].rank,
                    source="results", promotion_certificate=promotion_id)
                made = await _issue(principal, draft, batch_id)
                await _record_award(draft, made["number"])
                count += 1
        await _close_batch(principal, batch_id, count, "results", issuer)
    return await _batch_out(batch_id, promotions=out_promotions, skipped=skipped)


async def _promote(principal, out: PromotionOut, person: dict, issuer: dict, event: dict, day: _dt.date,
                   batch_id: int) -> tuple[int | None, PromotionOut]:
    level = out.target_level
    code, work_type = event["occupation_code"], event["work_type"] or ""
    try:
        occ = await catalog.find(code, work_type, level=level)
    except InvalidInput as exc:
        return None, msgspec.structs.replace(out, status="not_issued", reason=f"{out.reason}; {exc.detail}")
    held = await _holds_certificate(person["id"], code, work_type, level)
    if held is not None:
        return None, msgspec.structs.replace(out, status="not_issued",
                                             reason=f"{out.reason}; already holds certificate {held['number']}")
    draft = Draft(kind="skill_level", person=person, issuer=issuer, issued_on=day, level=level,
                  occupation_code=occ["code"], occupation_name=occ["name"], work_type=work_type, assessed_on=day,
                  source="promotion")
    made = await _issue(principal, draft, batch_id)
    await _record_skill_level(draft, made["number"], "promotion")
    return made["id"], msgspec.structs.replace(out, certificate_number=made["number"])


# --- batches --------------------------------------------------------------------------------------

async def get_batch(principal: Principal, batch_id: int) -> BatchOut:
    batch = await CertificateBatch.select(CertificateBatch.all_columns(),
                                          CertificateBatch.issuer.path.as_alias("issuer_path")).where(
        CertificateBatch.id == batch_id).first()
    if batch is None or not (principal.covers_path(batch["issuer_path"], *STAFF_ROLES) or principal.is_admin):
        raise NotFound("No such batch.", code="batch_not_found")
    return await _batch_out(batch_id)


# --- status ---------------------------------------------------------------------------------------

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
            Certificate.status_changed_at: _now(),
        })
        await record(principal, action=_AUDIT_ACTIONS[action], object_type="certificate",
                     object_id=format_cert_id(bytes.fromhex(row["cert_id"])),
                     before={"status": row["status"], "number": row["number"]},
                     after={"status": step.target, "number": row["number"]}, reason=reason)
    return (await to_out([await _fetch(row["id"])]))[0]


async def supersede(principal: Principal | None, ref: str | int, data: SupersedeIn) -> CertificateOut:
    """Issue a corrected certificate that replaces this one; the old one points to the new."""
    row = await manageable(principal, ref)
    CERTIFICATE_STATUS.check("supersede", row["status"])
    person = await Person.select().where(Person.id == row["person"]).first()
    issuer = await Organization.select().where(Organization.id == row["issuer"]).first()
    day = issue_date(data.issued_on)
    if row["kind"] == "skill_level":
        if data.award is not None or data.coaches is not None:
            raise InvalidInput("A skill-level certificate has no award or coaches.", code="field_not_applicable",
                               field="award" if data.award is not None else "coaches")
        code = data.occupation_code or row["occupation_code"]
        work_type = row["work_type"] if data.work_type is None else data.work_type
        level = data.level or row["level"]
        occ = await catalog.find(code, work_type, level=level)
        draft = Draft(kind="skill_level", person=person, issuer=issuer, issued_on=day, level=level,
                      occupation_code=occ["code"], occupation_name=occ["name"], work_type=work_type,
                      assessed_on=row["assessed_on"], source="supersede", supersedes=row)
    else:
        if data.level is not None or data.occupation_code is not None or data.work_type is not None:
            raise InvalidInput("An award certificate's level, occupation and event come from the results.",
                               code="field_not_applicable", field="level")
        level = row["level"]
        if data.award is not None:
            new_code = award_code(data.award, data.award)
            if new_code is None:
                raise InvalidInput(f"“{data.award}” is not a certificate award.", code="unknown_award", field="award")
            level = int(new_code)
        from server.competitions.tables import Competition, Event

        competition = await Competition.select().where(Competition.id == row["competition"]).first()
        event = await Event.select().where(Event.id == row["event"]).first() if row["event"] else None
        if competition is None:
            raise Conflict("The competition of this award no longer exists.", code="competition_missing")
        draft = Draft(kind="award", person=person, issuer=issuer, issued_on=day, level=level,
                      occupation_code=row["occupation_code"], occupation_name=row["occupation_name"],
                      work_type=row["work_type"], work_type_ref=f"event:{row['event']}" if row["event"] else "",
                      competition=competition, organizers=_list(row["organizers"]), event=event,
                      group_name=row["group_name"], award_tier=data.award or row["award_tier"],
                      members=_list(row["members"]),
                      coaches=list(data.coaches) if data.coaches is not None else _list(row["coaches"]),
                      entry=row["entry"], rank=row["rank"], source="supersede", supersedes=row,
                      promotion_certificate=row["promotion_certificate"])
    async with write_transaction():
        await lock_key(locks.certificate_numbers())
        if draft.kind == "skill_level":
            held = await _holds_certificate(person["id"], draft.occupation_code, draft.work_type, draft.level)
            if held is not None and held["number"] != row["number"]:
                raise Conflict(f"This person already holds the corrected level: certificate {held['number']}.",
                               code="certificate_exists", field="level")
        # the old one steps aside first (the one-award-per-entry index counts certificates not superseded)
        await CERTIFICATE_STATUS.apply(row["id"], "supersede", row["status"], {
            Certificate.status_reason: data.reason, Certificate.status_changed_at: _now()})
        batch_id = await _new_batch(principal, "supersede", issuer,
                                    event_id=row["event"] if row["kind"] == "award" else None)
        made = await _issue(principal, draft, batch_id)
        await Certificate.update({Certificate.superseded_by: made["id"]}).where(Certificate.id == row["id"])
        # an award that promoted the old certificate now points at its replacement
        await Certificate.update({Certificate.promotion_certificate: made["id"]}).where(
            Certificate.promotion_certificate == row["id"])
        if draft.kind == "skill_level":
            await _record_skill_level(draft, made["number"], "certificate")
        await record(principal, action="certificate.superseded", object_type="certificate",
                     object_id=format_cert_id(bytes.fromhex(row["cert_id"])),
                     before={"status": row["status"], "number": row["number"]},
                     after={"status": "superseded", "superseded_by": made["number"],
                            "superseded_by_cert_id": format_cert_id(bytes.fromhex(made["cert_id"]))},
                     reason=data.reason)
        await _close_batch(principal, batch_id, 1, "supersede", issuer)
    return (await to_out([await _fetch(made["id"])]))[0]


# --- PDF ------------------------------------------------------------------------------------------

def stored_record(row: dict):
    """The signed record inside a stored certificate's QR text."""
    _, data = split_qr_text(row["qr_text"])
    return decode_record(parse_envelope(data).body)


async def certificate_view(row: dict) -> CertificateView:
    """What the PDF prints: the signed facts (from the stored, signed record, with the published names)
    and, for awards, the registry's competition details."""
    facts = signed_facts(stored_record(row), await keyring.verification_keyset())
    common = dict(certificate_number=facts.number, issue_date=chinese_date(facts.issued_on), issuer=facts.issuer,
                  qr_text=row["qr_text"], verification_code=format_verification_code(row["verification_code"]),
                  query_url=get_settings().public_url + "/verify/")
    if row["kind"] == "skill_level":
        return CertificateView(kind="skill_level", name=facts.name, id_type=ID_TYPE, id_number=facts.masked_id,
                               occupation=facts.occupation, work_type=facts.work_type, level=facts.level, **common)
    return CertificateView(kind="award", competition=row["competition_name"] or "--",
                           edition=edition_text(row["edition"]), organizers=tuple(_list(row["organizers"])),
                           event=facts.work_type, group=row["group_name"], award=facts.level,
                           members=tuple(_list(row["members"])) or (facts.name,), coaches=tuple(_list(row["coaches"])),
                           **common)


async def certificate_pdf(principal: Principal, ref: str | int) -> tuple[str, bytes]:
    """(file name, PDF) of one certificate, rendered off the event loop. Graduates get their own valid or
    suspended certificates only; organizers in scope any."""
    row = await readable(principal, ref)
    staff = await _may_manage(principal, row) or (
        row["school_path"] and principal.covers_path(row["school_path"], *STAFF_ROLES))
    if not staff and row["status"] in ("revoked", "superseded"):
        raise Conflict(f"This certificate is {row['status']}; it can no longer be downloaded.",
                       code=f"certificate_{row['status']}")
    pdf = await render_async(await certificate_view(row))
    return f"{row['number']}.pdf", pdf


async def batch_zip(principal: Principal, batch_id: int) -> tuple[str, bytes]:
    """A ZIP of one PDF per certificate of a batch, rendered by the process pool (off the event loop)."""
    batch = await get_batch(principal, batch_id)
    rows = await _select().where(Certificate.batch == batch.id).order_by(Certificate.id)
    if not rows:
        raise NotFound("The batch has no certificates.", code="batch_empty")
    views = [await certificate_view(r) for r in rows]
    buf = io.BytesIO()
    await asyncio.to_thread(render_zip, views, buf, workers=ZIP_WORKERS)
    return f"certificates-batch-{batch_id}.zip", buf.getvalue()


def cert_id_bytes(text: str) -> bytes | None:
    try:
        return parse_cert_id(text)
    except ValueError:
        return None
