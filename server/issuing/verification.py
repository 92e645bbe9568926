"""Public verification: the QR text checked against the key store and the live status in the database,
manual lookup, the holder ID check, with rate limits kept in the database (shared by every worker).

:func:`verify_text` reads the row of the ``cert_id`` the envelope names (one query: status, registry details,
linked certificates, the labels version of the cached key set), then runs ``certificates.verify`` once with
that status and the issuance log (the certificate's presence here), so a certificate signed with a
compromised key only counts if this server really issued it. Bad input of any kind is a verdict
(``malformed``, ``unsupported_version`` …), never an error. Plain verification is not rate-limited: it is
one indexed read and one signature check, and it is no oracle (only a signed record gets facts).

Nothing public carries a full resident ID or a hash of one: facts show the masked ID; the ID check answers
yes or no and never echoes the number; lookups by 证书编号 answer "not found" both for an unknown number and
for a wrong name, so they are no enumeration oracle.
"""

from __future__ import annotations

import datetime as _dt
import os
import secrets
import time

import msgspec

from certificates import (
    CertStatus,
    StatusInfo,
    VerificationState,
    id_matches,
    names_equal,
    verify,
)
from certificates.envelope import parse_envelope, split_qr_text
from certificates.names import CERTIFICATE_TITLES
from certificates.record import decode_record, format_cert_id, parse_cert_id
from server.audit.tables import AuditEntry
from server.config import get_settings
from server.db import run_atomic
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
from server.issuing.tables import Certificate

# --- verdicts -------------------------------------------------------------------------------------
#
# One read answers a scan: the certificate's status, what the registry adds to the signed facts, the
# replacement of a superseded certificate, the linked certificates (an award's promotion, the award that
# promoted a skill level) and the labels version that keeps the cached key set fresh, all by cert_id.

_STATUS_SQL = f"""
SELECT {keyring.LABELS_VERSION_SQL} AS labels_version,
       c.id, c.kind, c.status, c.status_reason, c.status_changed_at, c.record_digest, c.occupation_name,
       c.work_type, c.competition_name, c.edition, c.organizers, c.group_name, c.level_name, c.members,
       c.coaches,
       s.cert_id AS replacement_cert_id, s.number AS replacement_number,
       p.number AS p_number, p.kind AS p_kind, p.level_name AS p_level, p.status AS p_status,
       b.number AS b_number, b.kind AS b_kind, b.level_name AS b_level, b.status AS b_status
FROM (SELECT 1 AS one) AS one
LEFT JOIN certificate c ON c.cert_id = {{}}
LEFT JOIN certificate s ON s.id = c.superseded_by
LEFT JOIN certificate p ON p.id = c.promotion_certificate
LEFT JOIN certificate b ON c.kind = 'skill_level'
     AND b.id = (SELECT max(x.id) FROM certificate x WHERE x.promotion_certificate = c.id)
"""


def _signed_ids(text: str | bytes) -> tuple[bytes, bytes, bytes] | None:
    """(kid, cert_id, record digest) as the envelope states them, before any signature check — only to
    know which row to read; the verdict comes from ``certificates.verify``. None when it does not parse
    (the verdict then needs no status)."""
    try:
        envelope = parse_envelope(split_qr_text(text)[1])
        record = decode_record(envelope.body, check=False)
    except Exception:  # noqa: BLE001 - any bad input: verify() names it
        return None
    return envelope.kid, record.cert_id, record.record_digest


def _instant(value) -> _dt.datetime | None:
    if value is None or isinstance(value, _dt.datetime):
        return value
    return _dt.datetime.fromisoformat(value)  # raw SQL on SQLite returns the stored text


def _status_info(row: dict) -> StatusInfo:
    status = row["status"]
    if status == "revoked":
        return StatusInfo.revoked(row["status_reason"] or None)
    if status == "suspended":
        return StatusInfo.suspended(row["status_reason"] or None)
    if status == "superseded":
        new = row["replacement_cert_id"]
        return StatusInfo.superseded(bytes.fromhex(new) if new else None, row["replacement_number"])
    return StatusInfo(status=CertStatus.VALID, as_of=_now())


def _link(row: dict, prefix: str) -> RegistryLink | None:
    if row[f"{prefix}_number"] is None:
        return None
    return RegistryLink(number=row[f"{prefix}_number"], title=CERTIFICATE_TITLES[row[f"{prefix}_kind"]],
                        level=row[f"{prefix}_level"], status=row[f"{prefix}_status"])


def _registry(row: dict) -> RegistryDetails:
    award = row["kind"] == "award"
    return RegistryDetails(
        title=CERTIFICATE_TITLES[row["kind"]], occupation_name=row["occupation_name"], work_type=row["work_type"],
        competition=row["competition_name"], edition=edition_text(row["edition"]),
        organizers=json_list(row["organizers"]), event=row["work_type"] if award else "",
        group=row["group_name"], award=row["level_name"] if award else "",
        members=json_list(row["members"]), coaches=json_list(row["coaches"]),
        promotion=_link(row, "p"), promoted_by=_link(row, "b"),
    )


def _status_out(info: StatusInfo | None, changed_at: _dt.datetime | None) -> StatusOut | None:
    if info is None:
        return None
    return StatusOut(status=info.status.value, reason=info.reason, replacement_number=info.replacement_number,
                     replacement_cert_id=info.replacement_id, as_of=info.as_of, source=info.source,
                     changed_at=None if info.status is CertStatus.VALID else changed_at)


def _out(result, registry: RegistryDetails | None = None, warnings: list[str] | None = None,
         changed_at: _dt.datetime | None = None) -> VerifyOut:
    return VerifyOut(
        state=result.state.value, valid=result.valid, green=result.state is VerificationState.VALID,
        reason=result.reason, detail=result.detail, checked_at=result.checked_at, facts=result.facts,
        key=result.key, status=_status_out(result.status, changed_at), registry=registry,
        warnings=list(result.warnings) + (warnings or []),
    )


async def _in_audit_log(cert_id: str, digest_hex: str) -> bool:
    """Whether the audit chain (the issuance log) records this certificate's issuance with this digest."""
    return await AuditEntry.exists().where(
        (AuditEntry.action == "certificate.issued") & (AuditEntry.object_id == cert_id)
        & AuditEntry.after.like(f'%"record_digest":"{digest_hex}"%'))


_prefix_cache: tuple[str, str | None] | None = None


def _expected_prefix() -> str | None:
    """The configured QR URL prefix (normalized once per configured value); None when it is unusable,
    which only loses the wrong-host warning."""
    global _prefix_cache
    configured = os.environ.get("JINENG_VERIFY_URL_PREFIX") or get_settings().public_url
    if _prefix_cache is None or _prefix_cache[0] != configured:
        try:
            prefix = keyring.url_prefix()
        except Exception:  # noqa: BLE001
            prefix = None
        _prefix_cache = (configured, prefix)
    return _prefix_cache[1]


async def verify_text(text: str | bytes) -> VerifyOut:
    """The verdict for a QR text (URL or bare Base32). Never raises for bad input.

    One signature check and at most one query: the row of the cert_id the envelope names is read first
    (status, registry details, labels version), then ``certificates.verify`` decides with that status.
    A certificate of a compromised key also needs its issuance in the audit log (one more query)."""
    prefix = _expected_prefix()
    ids = _signed_ids(text)
    if ids is None:  # malformed or unsupported: no status can matter
        return _out(verify(text, await keyring.verification_keyset(), expected_prefix=prefix))
    kid, cert_id, digest = ids
    rows = await Certificate.raw(_STATUS_SQL, cert_id.hex())
    row = rows[0]
    keyset = await keyring.verification_keyset(row["labels_version"])
    status: StatusInfo | None = None
    warnings: list[str] = []
    if row["id"] is not None and row["record_digest"] == digest.hex():
        status = _status_info(row)
    elif row["id"] is not None:
        warnings.append("the registry's record of this certificate does not match the signed record")
    in_log = status is not None
    if in_log and any(k.info.compromised_at is not None for k in keyset.candidates(kid)):
        # a stolen key could also have been used to plant rows: the hash-chained audit log must hold the issuance
        in_log = await _in_audit_log(format_cert_id(cert_id), row["record_digest"])
        if not in_log:
            status = None
            warnings.append("the certificate is not in the issuance log")
    result = verify(text, keyset, lambda _cid: status, issuance_log={cert_id} if in_log else set(),
                    expected_prefix=prefix)
    if result.key is None:  # the signature did not hold: nothing from the registry
        return _out(result)
    registry = _registry(row) if status is not None and result.facts is not None else None
    return _out(result, registry, warnings, _instant(row["status_changed_at"]))


# --- rate limits ----------------------------------------------------------------------------------
#
# Shared by every worker through the database, and each check is one atomic statement: an upsert of a
# counter per (kind, subject, fixed window) that adds this attempt and returns the totals, with no read
# before it and no lock (``server.db.run_atomic``). Every attempt counts as a failure until it succeeds
# (then one more statement takes it back), so a burst of concurrent guesses cannot all pass the failure
# limit. A fixed window lets at most twice a limit through around a window boundary.

_BUMP_SQL = ("INSERT INTO rate_counter (bucket, hits, failures, expires) VALUES {rows} "
             "ON CONFLICT (bucket) DO UPDATE SET hits = rate_counter.hits + 1, "
             "failures = rate_counter.failures + excluded.failures "
             "RETURNING bucket, hits, failures")


class _Check(msgspec.Struct, frozen=True):
    subject: str
    window: int
    max_hits: int | None = None  # every attempt in the window
    max_failures: int | None = None  # attempts that did not succeed (this one counts until it does)


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


async def _admit(kind: str, checks: list[_Check]) -> list[str]:
    """Count this attempt in every check's window (one statement); 429 when a check is over its limit.
    Returns the buckets holding this attempt as a failure, for :func:`_succeeded`."""
    now = int(time.time())
    buckets: dict[str, _Check] = {}
    args: list = []
    for check in checks:
        start = now - now % check.window
        bucket = f"{kind}|{check.window}|{start}|{check.subject}"[:200]
        buckets[bucket] = check
        args += [bucket, 1 if check.max_failures is not None else 0, start + check.window]
    rows = await run_atomic(_BUMP_SQL.format(rows=", ".join(["({}, 1, {}, {})"] * len(buckets))), *args)
    if secrets.randbelow(100) == 0:  # keep the table small
        await run_atomic("DELETE FROM rate_counter WHERE expires < {}", now)
    for row in rows:
        check = buckets[row["bucket"]]
        if (check.max_hits is not None and row["hits"] > check.max_hits) or (
                check.max_failures is not None and row["failures"] > check.max_failures):
            wait = max(1, int(row["bucket"].split("|")[2]) + check.window - now)
            raise RateLimited("Too many verification requests. Wait a while and try again.",
                              code=f"{kind}_rate_limited", extra={"retry_after_seconds": wait})
    return [b for b, c in buckets.items() if c.max_failures is not None]


async def _succeeded(buckets: list[str]) -> None:
    if buckets:
        await run_atomic("UPDATE rate_counter SET failures = failures - 1 WHERE bucket IN ("
                         + ", ".join(["{}"] * len(buckets)) + ")", *buckets)


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
    attempt = await _admit("lookup", [_Check(remote, lim["lookup_window"], max_hits=lim["lookups"],
                                             max_failures=lim["lookup_failures"])])
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
    attempt = await _admit("id_match", [_Check(remote, 3600, max_hits=lim["id_checks"]),
                                        _Check(cert_hex, 86400, max_failures=lim["id_failures_per_certificate"])])
    match = id_matches(id_match_pepper(), data.resident_id, bytes.fromhex(row["holder_id_tag"]))
    if match:
        await _succeeded(attempt)
        return IdMatchOut(match=True, message="The ID number belongs to the certificate holder.")
    return IdMatchOut(match=False, message="The ID number does not belong to the certificate holder.")
