"""Verification of a certificate QR text: signature, key validity at issue, number cross-check, status.

:func:`verify` never raises for any ``qr_text``; every outcome is a :class:`VerificationResult` whose
``state`` is one of :class:`VerificationState`. Order of checks, cheapest and least trusting first:

1. size cap, URL shape, canonical Base32, envelope version  → ``malformed`` / ``unsupported_version``
2. strict, canonical MessagePack decoding of the body         → ``malformed`` (trailing bytes land here)
3. kid lookup and Ed25519 over the domain-separated message, trying every key sharing the kid
                                                              → ``unknown_key`` / ``invalid_signature``
4. record rules on the now-trusted data: NFC name, level, number ↔ issue year/level
                                                              → ``malformed`` (``detail`` = number_mismatch …)
5. key state and window at the issue date (retired, compromised, issuance log)
                                                              → ``key_not_valid_at_issue``
6. status (online source, else signed status list)            → ``revoked`` / ``suspended`` / ``superseded``
   or, when nothing fresh is known, ``valid_status_unknown``

Green (``valid``) needs all of it: a good signature, a key valid at issue, a fresh key set, and a status that
is known and good. Signed facts are only returned once the signature and key check out; they are display
strings built from the signed record (plus names published in the signed key set).
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Container
from typing import Any, Literal

import msgspec

from .envelope import EnvelopeError, normalize_url_prefix, parse_envelope, split_qr_text
from .keyset import KeySet
from .keystates import TrustedKey, UtcDatetime
from .names import AWARD_NAMES, CERTIFICATE_TITLES, LEVEL_NAMES
from .numbering import CertKind
from .privacy import expand_masked_id
from .record import CertRecord, RecordError, check_record, decode_record, format_cert_id, format_occupation
from .status import CertStatus, StatusInfo, StatusList, StatusSource

__all__ = [
    "KeyReport",
    "SignedFacts",
    "VerificationResult",
    "VerificationState",
    "signed_facts",
    "verify",
]


class VerificationState(str, enum.Enum):
    """Every possible verdict. Only VALID is green."""

    VALID = "valid"
    VALID_STATUS_UNKNOWN = "valid_status_unknown"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    SUPERSEDED = "superseded"
    INVALID_SIGNATURE = "invalid_signature"
    UNKNOWN_KEY = "unknown_key"
    KEY_NOT_VALID_AT_ISSUE = "key_not_valid_at_issue"
    MALFORMED = "malformed"
    UNSUPPORTED_VERSION = "unsupported_version"


class SignedFacts(msgspec.Struct, kw_only=True, frozen=True):
    """The signed record as display strings (and the codes behind them)."""

    kind: Literal["skill_level", "award"]
    title: str  # 证书名称
    cert_id: str
    number: str
    name: str
    masked_id: str
    occupation_code: str
    occupation: str
    work_type_code: int
    work_type: str
    level_code: int
    level: str
    issued_on: _dt.date
    issuer_code: int
    issuer: str
    status_index: int
    record_digest: str


class KeyReport(msgspec.Struct, kw_only=True, frozen=True):
    """Which key signed, and its state in the key set used."""

    kid: str
    fingerprint: str
    state: str
    active_from: UtcDatetime
    retired_at: UtcDatetime | None = None
    compromised_at: UtcDatetime | None = None


class VerificationResult(msgspec.Struct, kw_only=True, frozen=True):
    """Outcome of :func:`verify`. ``valid`` is True exactly when ``state`` is VALID."""

    state: VerificationState
    valid: bool
    reason: str | None = None
    detail: str | None = None  # stable sub-code, e.g. number_mismatch, non_canonical
    facts: SignedFacts | None = None
    key: KeyReport | None = None
    status: StatusInfo | None = None
    url_prefix: str | None = None
    warnings: list[str] = []
    checked_at: UtcDatetime

    def to_json(self) -> bytes:
        """JSON for APIs and ``jineng verify --json``."""
        return msgspec.json.encode(self)


def signed_facts(record: CertRecord, keyset: KeySet | None = None, issue_date: _dt.date | None = None) -> SignedFacts:
    """Display strings for a record; code names come from the key set's signed ``names`` when present."""
    names = keyset.names if keyset is not None else {}
    occupation_code = format_occupation(record.occupation)
    occupation_name = names.get("occupation", {}).get(occupation_code) if record.occupation else None
    skill = record.kind == CertKind.SKILL_LEVEL
    kind = "skill_level" if skill else "award"
    work_type = "--" if record.work_type == 0 else names.get("work_type", {}).get(str(record.work_type), str(record.work_type))
    return SignedFacts(
        kind=kind,
        title=CERTIFICATE_TITLES[kind],
        cert_id=format_cert_id(record.cert_id),
        number=record.number,
        name=record.name,
        masked_id=expand_masked_id(record.masked_id),
        occupation_code=occupation_code,
        occupation=f"{occupation_code} {occupation_name}" if occupation_name else occupation_code,
        work_type_code=record.work_type,
        work_type=work_type,
        level_code=record.level,
        level=(LEVEL_NAMES if skill else AWARD_NAMES)[record.level],
        issued_on=issue_date or record.issue_date,
        issuer_code=record.issuer,
        issuer=names.get("issuer", {}).get(str(record.issuer), str(record.issuer)),
        status_index=record.status_index,
        # Groups of 8 hex digits keep digit runs short, so public output never looks like an ID number.
        record_digest=record.record_digest.hex("-", -4),
    )


def _key_report(key: TrustedKey) -> KeyReport:
    info = key.info
    return KeyReport(
        kid=info.kid, fingerprint=key.fingerprint, state=info.state.value, active_from=info.active_from,
        retired_at=info.retired_at, compromised_at=info.compromised_at,
    )


_STATUS_STATES = {
    CertStatus.REVOKED: VerificationState.REVOKED,
    CertStatus.SUSPENDED: VerificationState.SUSPENDED,
    CertStatus.SUPERSEDED: VerificationState.SUPERSEDED,
}
_STATUS_REASONS = {
    CertStatus.REVOKED: "certificate has been revoked",
    CertStatus.SUSPENDED: "certificate is suspended",
    CertStatus.SUPERSEDED: "certificate has been replaced by a corrected one",
}
_DECODE_ERRORS = (msgspec.DecodeError, msgspec.ValidationError, RecordError, ValueError, TypeError, OverflowError, RecursionError)


def verify(
    qr_text: str | bytes,
    keyset: KeySet,
    status_source: StatusSource | None = None,
    *,
    status_list: StatusList | None = None,
    now: _dt.datetime | None = None,
    issuance_log: Container[bytes] | None = None,
    expected_prefix: str | None = None,
) -> VerificationResult:
    """Verify QR text (URL or bare Base32 payload) against a key set. Never raises for bad input.

    ``status_source`` answers online by cert_id; when it has no answer the ``status_list`` (offline, signed)
    is asked. ``issuance_log`` (cert_ids and/or record digests the server really issued) settles which
    certificates of a compromised key still count. ``expected_prefix`` only adds a warning when the QR
    points elsewhere: the signature, not the host, is what is checked.
    """
    if now is None:
        now = _dt.datetime.now(_dt.UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=_dt.UTC)
    try:
        return _verify(qr_text, keyset, status_source, status_list, now, issuance_log, expected_prefix)
    except Exception:  # noqa: BLE001 — the contract is "never raises"; a bug must still not turn green
        return VerificationResult(
            state=VerificationState.MALFORMED, valid=False, reason="could not be verified (internal error)",
            checked_at=now,
        )


def _fail(state: VerificationState, reason: str, now: _dt.datetime, **extra: Any) -> VerificationResult:
    return VerificationResult(state=state, valid=False, reason=reason, checked_at=now, **extra)


def _verify(
    qr_text: str | bytes,
    keyset: KeySet,
    status_source: StatusSource | None,
    status_list: StatusList | None,
    now: _dt.datetime,
    issuance_log: Container[bytes] | None,
    expected_prefix: str | None,
) -> VerificationResult:
    try:
        prefix, data = split_qr_text(qr_text)
        envelope = parse_envelope(data)
    except EnvelopeError as exc:
        return _fail(VerificationState(exc.code), str(exc), now)
    url_prefix = prefix or None

    try:
        record = decode_record(envelope.body, check=False)
    except _DECODE_ERRORS as exc:
        detail = exc.code if isinstance(exc, RecordError) else "bad_record"
        return _fail(VerificationState.MALFORMED, "certificate data is malformed", now, detail=detail, url_prefix=url_prefix)

    candidates = keyset.candidates(envelope.kid)
    if not candidates:
        return _fail(VerificationState.UNKNOWN_KEY, f"no published key has kid {envelope.kid.hex()}", now, url_prefix=url_prefix)
    message = envelope.message
    key = next((k for k in candidates if k.verify(envelope.signature, message)), None)
    if key is None:
        return _fail(VerificationState.INVALID_SIGNATURE, "signature does not verify", now, url_prefix=url_prefix)
    key_report = _key_report(key)

    issue_date = record.issue_date
    try:
        check_record(record, issue_date)
    except RecordError as exc:
        return _fail(VerificationState.MALFORMED, str(exc), now, detail=exc.code, key=key_report, url_prefix=url_prefix)

    in_log = None if issuance_log is None else (record.cert_id in issuance_log or record.record_digest in issuance_log)
    problem = key.window_problem(issue_date, now, in_log)
    if problem is not None:
        return _fail(VerificationState.KEY_NOT_VALID_AT_ISSUE, problem, now, key=key_report, url_prefix=url_prefix)

    warnings: list[str] = []
    if expected_prefix is not None and prefix and prefix != normalize_url_prefix(expected_prefix):
        warnings.append(f"QR code points to {prefix}, not to the expected verification address")
    if key.info.compromised_at is not None:
        warnings.append("signing key was later compromised; accepted because issued before the compromise")
    keyset_stale = keyset.is_stale(now)
    if keyset_stale:
        warnings.append("key set is past its next_update; fetch a fresh one")

    status = _lookup_status(record, issue_date, status_source, status_list, now, warnings)
    facts = signed_facts(record, keyset, issue_date)

    if status is None:
        state, reason = VerificationState.VALID_STATUS_UNKNOWN, "signature is valid; current status is unknown"
    elif status.status is not CertStatus.VALID:
        state, reason = _STATUS_STATES[status.status], status.reason or _STATUS_REASONS[status.status]
    elif keyset_stale:
        state, reason = VerificationState.VALID_STATUS_UNKNOWN, "signature is valid; the key set is out of date"
    else:
        state, reason = VerificationState.VALID, None
    return VerificationResult(
        state=state, valid=state is VerificationState.VALID, reason=reason, facts=facts, key=key_report,
        status=status, url_prefix=url_prefix, warnings=warnings, checked_at=now,
    )


def _lookup_status(
    record: CertRecord,
    issue_date: _dt.date,
    status_source: StatusSource | None,
    status_list: StatusList | None,
    now: _dt.datetime,
    warnings: list[str],
) -> StatusInfo | None:
    status: StatusInfo | None = None
    if status_source is not None:
        try:
            answer = status_source(record.cert_id)
        except Exception:  # noqa: BLE001 — an unreachable status service means "unknown", not "error"
            answer = None
            warnings.append("online status lookup failed")
        status = answer if isinstance(answer, StatusInfo) else None
    if status is None and status_list is not None:
        status = status_list.lookup(record.status_index, issue_date, now)
        if status is None and status_list.is_stale(now):
            warnings.append("status list is past its next_update")
    return status
