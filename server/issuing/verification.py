"""Public verification: the QR text checked against the key store and the live status in the database,
manual lookup, the holder ID check, with rate limits kept in the database (shared by every worker).

:func:`verify_text` runs ``certificates.verify`` twice: first without status (cheap, and it tells whether
the signature is good and which ``cert_id`` it signs), then with the status read from the database for that
``cert_id`` and with the issuance log (the certificate's presence here), so a certificate signed with a
compromised key only counts if this server really issued it. Bad input of any kind is a verdict
(``malformed``, ``unsupported_version`` …), never an error.

Nothing public carries a full resident ID or a hash of one: facts show the masked ID; the ID check answers
yes or no and never echoes the number; lookups by 证书编号 answer "not found" both for an unknown number and
for a wrong name, so they are no enumeration oracle.
"""

from __future__ import annotations

import datetime as _dt
import os
import secrets

from certificates import CertStatus, StatusInfo, VerificationState, id_matches, names_equal, verify
from certificates.names import CERTIFICATE_TITLES
from certificates.record import parse_cert_id
from server import locks
from server.audit.tables import AuditEntry
from server.db import lock_key, write_transaction
from server.errors import InvalidInput, NotFound, RateLimited
from server.issuing import keyring
from server.issuing.clock import now as _now
from server.issuing.codes import edition_text, normalize_verification_code
from server.issuing.holders import id_match_pepper
from server.issuing.rows import json_list
from server.issuing.schemas import (
    IdMatchIn,
    IdMatchOut,
    LookupIn,
    RegistryDetails,
    RegistryLink,
    StatusOut,
    VerifyOut,
)
from server.issuing.tables import Certificate, VerifyAttempt

# --- verdicts -------------------------------------------------------------------------------------

async def _status_info(row: dict) -> StatusInfo:
    status = row["status"]
    if status == "revoked":
        return StatusInfo.revoked(row["status_reason"] or None)
    if status == "suspended":
        return StatusInfo.suspended(row["status_reason"] or None)
    if status == "superseded":
        new = None
        if row["superseded_by"]:
            new = await Certificate.select(Certificate.cert_id, Certificate.number).where(
                Certificate.id == row["superseded_by"]).first()
        return StatusInfo.superseded(bytes.fromhex(new["cert_id"]) if new else None, new["number"] if new else None)
    return StatusInfo(status=CertStatus.VALID, as_of=_now())


async def _link(cert_pk: int | None) -> RegistryLink | None:
    if not cert_pk:
        return None
    row = await Certificate.select(Certificate.number, Certificate.kind, Certificate.level_name,
                                   Certificate.status).where(Certificate.id == cert_pk).first()
    if row is None:
        return None
    return RegistryLink(number=row["number"], title=CERTIFICATE_TITLES[row["kind"]], level=row["level_name"],
                        status=row["status"])


async def _registry(row: dict) -> RegistryDetails:
    promoted_by = await Certificate.select(Certificate.id).where(
        Certificate.promotion_certificate == row["id"]).first()
    return RegistryDetails(
        title=CERTIFICATE_TITLES[row["kind"]], occupation_name=row["occupation_name"], work_type=row["work_type"],
        competition=row["competition_name"], edition=edition_text(row["edition"]),
        organizers=json_list(row["organizers"]), event=row["work_type"] if row["kind"] == "award" else "",
        group=row["group_name"], award=row["level_name"] if row["kind"] == "award" else "",
        members=json_list(row["members"]), coaches=json_list(row["coaches"]),
        promotion=await _link(row["promotion_certificate"]),
        promoted_by=await _link(promoted_by["id"] if promoted_by else None),
    )


def _status_out(info: StatusInfo | None) -> StatusOut | None:
    if info is None:
        return None
    return StatusOut(status=info.status.value, reason=info.reason, replacement_number=info.replacement_number,
                     replacement_cert_id=info.replacement_id, as_of=info.as_of, source=info.source)


def _out(result, registry: RegistryDetails | None = None, warnings: list[str] | None = None) -> VerifyOut:
    return VerifyOut(
        state=result.state.value, valid=result.valid, green=result.state is VerificationState.VALID,
        reason=result.reason, detail=result.detail, checked_at=result.checked_at, facts=result.facts,
        key=result.key, status=_status_out(result.status), registry=registry,
        warnings=list(result.warnings) + (warnings or []),
    )


async def _in_audit_log(cert_id: str, digest_hex: str) -> bool:
    """Whether the audit chain (the issuance log) records this certificate's issuance with this digest."""
    return await AuditEntry.exists().where(
        (AuditEntry.action == "certificate.issued") & (AuditEntry.object_id == cert_id)
        & AuditEntry.after.like(f'%"record_digest":"{digest_hex}"%'))


async def verify_text(text: str | bytes) -> VerifyOut:
    """The verdict for a QR text (URL or bare Base32). Never raises for bad input."""
    keyset = await keyring.verification_keyset()
    try:
        prefix = keyring.url_prefix()
    except Exception:  # noqa: BLE001 - a misconfigured prefix only loses the wrong-host warning
        prefix = None
    first = verify(text, keyset, expected_prefix=prefix)
    if first.facts is None:
        return _out(first)
    cert_id = parse_cert_id(first.facts.cert_id)
    row = await Certificate.select().where(Certificate.cert_id == cert_id.hex()).first()
    status: StatusInfo | None = None
    warnings: list[str] = []
    if row is not None and row["record_digest"] == first.facts.record_digest.replace("-", ""):
        status = await _status_info(row)
    elif row is not None:
        warnings.append("the registry's record of this certificate does not match the signed record")
    in_log = status is not None
    if in_log and first.key is not None and first.key.state == "compromised":
        # a stolen key could also have been used to plant rows: the hash-chained audit log must hold the issuance
        in_log = await _in_audit_log(first.facts.cert_id, row["record_digest"])
        if not in_log:
            status = None
            warnings.append("the certificate is not in the issuance log")
    log = {cert_id} if in_log else set()
    result = verify(text, keyset, lambda _cid: status, issuance_log=log, now=first.checked_at,
                    expected_prefix=prefix)
    registry = await _registry(row) if status is not None and result.facts is not None else None
    return _out(result, registry, warnings)


# --- rate limits ----------------------------------------------------------------------------------

def _limit(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def limits() -> dict[str, int]:
    """Rate limits (environment overrides): lookups per address and window, failed lookups per address
    and window, ID checks per address per hour, failed ID checks per certificate per day."""
    return {
        "lookup_window": _limit("JINENG_VERIFY_WINDOW", 600),
        "lookups": _limit("JINENG_VERIFY_LOOKUPS", 30),
        "lookup_failures": _limit("JINENG_VERIFY_LOOKUP_FAILURES", 10),
        "id_checks": _limit("JINENG_ID_MATCH_ATTEMPTS", 10),
        "id_failures_per_certificate": _limit("JINENG_ID_MATCH_FAILURES", 5),
    }


async def _admit(kind: str, remote: str, subject: str, checks: list[tuple[str, str, int, int]]) -> int:
    """Count recent attempts and record this one (as a failure until :func:`_succeeded`); 429 when over.

    ``checks``: (column, value, limit, window seconds) — count attempts of ``kind`` whose column equals value
    within the window; ``failures`` in the column name counts only unsuccessful ones.
    """
    now = _now()
    async with write_transaction():
        await lock_key(locks.rate_limit(kind, remote))
        for column, value, limit, window in checks:
            since = now - _dt.timedelta(seconds=window)
            column_name, _, only_failures = column.partition(":")
            query = VerifyAttempt.count().where(
                (VerifyAttempt.kind == kind) & (getattr(VerifyAttempt, column_name) == value)
                & (VerifyAttempt.at > since))
            if only_failures:
                query = query.where(VerifyAttempt.success == False)  # noqa: E712
            if await query >= limit:
                raise RateLimited("Too many verification requests. Wait a while and try again.",
                                  code=f"{kind}_rate_limited", extra={"retry_after_seconds": window})
        rows = await VerifyAttempt.insert(VerifyAttempt(kind=kind, remote=remote[:64], subject=subject,
                                                        success=False, at=now)).returning(VerifyAttempt.id)
        if secrets.randbelow(50) == 0:  # keep the table small: counts look back one day at most
            await VerifyAttempt.delete().where(VerifyAttempt.at < now - _dt.timedelta(days=2))
    return rows[0]["id"]


async def _succeeded(attempt_id: int) -> None:
    async with write_transaction():
        await VerifyAttempt.update({VerifyAttempt.success: True}).where(VerifyAttempt.id == attempt_id)


# --- manual lookup and the holder check -----------------------------------------------------------

async def lookup(data: LookupIn, remote: str) -> VerifyOut:
    """By the verification code, or by 证书编号 + name. Unknown number and wrong name look the same."""
    code = normalize_verification_code(data.code) if data.code else None
    if data.code and code is None:
        raise InvalidInput("This is not a verification code (12 characters and a check character).",
                           code="invalid_verification_code", field="code")
    if code is None and not (data.number and data.name):
        raise InvalidInput("Give the certificate number and the holder's name, or the verification code.",
                           code="lookup_incomplete", field="number" if not data.number else "name")
    lim = limits()
    window = lim["lookup_window"]
    attempt = await _admit("lookup", remote, "", [("remote", remote, lim["lookups"], window),
                                                  ("remote:failures", remote, lim["lookup_failures"], window)])
    row = None
    if code is not None:
        row = await Certificate.select(Certificate.qr_text).where(Certificate.verification_code == code).first()
    else:
        number = "".join(data.number.split()).upper()
        row = await Certificate.select(Certificate.qr_text, Certificate.name).where(
            Certificate.number == number).first()
        if row is not None and not names_equal(data.name, row["name"]):
            row = None
    if row is None:
        raise NotFound("No certificate matches these details.", code="certificate_not_found")
    await _succeeded(attempt)
    out = await verify_text(row["qr_text"])
    out.qr = row["qr_text"]
    return out


async def id_match(data: IdMatchIn, remote: str) -> IdMatchOut:
    """Whether a full ID number is the holder's: HMAC comparison in constant time, rate-limited per address
    and per certificate; the number is neither stored nor echoed."""
    result = await verify_text(data.qr)
    if result.facts is None:
        raise InvalidInput("The certificate does not verify, so there is no holder to compare with.",
                           code="certificate_not_verifiable", field="qr")
    cert_hex = parse_cert_id(result.facts.cert_id).hex()
    row = await Certificate.select(Certificate.holder_id_tag).where(Certificate.cert_id == cert_hex).first()
    if row is None:
        raise NotFound("This certificate is not in the registry.", code="certificate_not_found")
    lim = limits()
    attempt = await _admit("id_match", remote, cert_hex, [
        ("remote", remote, lim["id_checks"], 3600),
        ("subject:failures", cert_hex, lim["id_failures_per_certificate"], 86400),
    ])
    match = id_matches(id_match_pepper(), data.resident_id, bytes.fromhex(row["holder_id_tag"]))
    if match:
        await _succeeded(attempt)
        return IdMatchOut(match=True, message="The ID number belongs to the certificate holder.")
    return IdMatchOut(match=False, message="The ID number does not belong to the certificate holder.")
