"""The signed certificate record (version 1): a positional msgspec Struct encoded as MessagePack.

Layout (MessagePack array, positions fixed; envelope version 0x01 means exactly this layout)::

    0  kind           1 = skill level (职业技能等级证书), 2 = award (获奖证书)
    1  cert_id        8 random bytes: the canonical internal id and the status key
    2  number         证书编号 (22-char skill number or 18-char "JN" award number)
    3  name           姓名, NFC-normalised
    4  masked_id      证件号码 masked, compact: "370*1234" (displayed as 370***********1234)
    5  occupation     occupation code of 国家职业分类大典 as an integer: 6-31-01-03 → 6310103 (0 = none)
    6  work_type      工种/职业方向 code, or for an award the 赛项 (event) code (0 = none, shown "--")
    7  level          skill level 1..5, or an AwardCode
    8  issued_on      发证日期 as days since 1970-01-01
    9  issuer         evaluator / organiser code (评价机构)
    10 status_index   random slot in the signed status list
    11 record_digest  16 bytes of SHA-256 over the full record the server stores (photo hash included)

Why codes instead of names, and 8 bytes of cert_id: the QR must stay at version ≤ 12 at level Q (296
alphanumeric characters). The envelope adds 67 bytes (version, kid, Ed25519 signature), the digest 18,
the number 23 and a dev URL prefix 24 characters; what is left is ~103 bytes of body. Chinese names of
occupations, events or organisations (3 bytes per character) cannot fit, so the record carries their codes
and the display names come from the signed key set (``names``) or, online, from the server. The masked ID
is compacted for the same reason. :data:`certificates.envelope.MAX_QR_VERSION` is enforced at signing time.

Decoding is strict: exact types (no str→int coercion, no bool for int), no extra or missing positions, no
trailing bytes, and the bytes must be the canonical encoding of the decoded record.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
import secrets
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from .numbering import AwardCode, CertKind, NumberError, SkillLevel, cross_check
from .privacy import compact_masked_id, normalize_name

__all__ = [
    "CERT_ID_BYTES",
    "STATUS_INDEX_LIMIT",
    "CertRecord",
    "RecordError",
    "check_record",
    "date_from_days",
    "days_from_date",
    "decode_record",
    "encode_record",
    "format_cert_id",
    "format_occupation",
    "issue_record",
    "new_cert_id",
    "new_status_index",
    "parse_cert_id",
    "parse_occupation",
    "record_digest",
]

CERT_ID_BYTES = 8
DIGEST_BYTES = 16
# Indices are drawn below this bound; the status list holds at least this many entries (herd privacy:
# W3C Bitstring Status List minimum). 2**17 still encodes as a 5-byte MessagePack uint32.
STATUS_INDEX_LIMIT = 131072

_EPOCH = _dt.date(1970, 1, 1)
# The number keeps two year digits, so the record accepts 2000-01-01 .. 2099-12-31 only.
_MIN_DAY = (_dt.date(2000, 1, 1) - _EPOCH).days
_MAX_DAY = (_dt.date(2099, 12, 31) - _EPOCH).days
_U32 = 2**32 - 1

_DIGEST_DOMAIN = b"JINENG-RECORD\x00v1"
_SKILL_LEVELS = frozenset(int(level) for level in SkillLevel)
_AWARD_CODES = frozenset(int(code) for code in AwardCode)

CertId = Annotated[bytes, msgspec.Meta(min_length=CERT_ID_BYTES, max_length=CERT_ID_BYTES)]
Digest = Annotated[bytes, msgspec.Meta(min_length=DIGEST_BYTES, max_length=DIGEST_BYTES)]


class RecordError(ValueError):
    """The record is well-typed but breaks a rule (unnormalised name, level out of range, number mismatch)."""

    def __init__(self, message: str, *, code: str = "invalid_record") -> None:
        super().__init__(message)
        self.code = code


class CertRecord(msgspec.Struct, array_like=True, forbid_unknown_fields=True, frozen=True):
    """The facts a certificate's QR code signs. See the module docstring for the layout."""

    kind: CertKind
    cert_id: CertId
    number: Annotated[str, msgspec.Meta(min_length=18, max_length=22, pattern=r"^[A-Z0-9]+$")]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    masked_id: Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Z]{3}\*[0-9A-Z]{4}$")]
    occupation: Annotated[int, msgspec.Meta(ge=0, le=89_999_999)]
    work_type: Annotated[int, msgspec.Meta(ge=0, le=_U32)]
    level: Annotated[int, msgspec.Meta(ge=1, le=99)]
    issued_on: Annotated[int, msgspec.Meta(ge=_MIN_DAY, le=_MAX_DAY)]
    issuer: Annotated[int, msgspec.Meta(ge=0, le=_U32)]
    status_index: Annotated[int, msgspec.Meta(ge=0, lt=STATUS_INDEX_LIMIT)]
    record_digest: Digest

    @property
    def issue_date(self) -> _dt.date:
        """发证日期 as a date."""
        return date_from_days(self.issued_on)


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(CertRecord)
_digest_encoder = msgspec.msgpack.Encoder(order="sorted")


def days_from_date(day: _dt.date) -> int:
    """Days since 1970-01-01."""
    if isinstance(day, _dt.datetime):
        # A datetime would silently carry a time zone question; make the caller choose the date.
        raise TypeError("pass a date, not a datetime")
    return (day - _EPOCH).days


def date_from_days(days: int) -> _dt.date:
    """Inverse of :func:`days_from_date`."""
    return _EPOCH + _dt.timedelta(days=days)


def new_cert_id() -> bytes:
    """A fresh random cert_id (64 bits). The server must still enforce uniqueness and retry on collision."""
    return secrets.token_bytes(CERT_ID_BYTES)


def new_status_index() -> int:
    """A uniformly random status-list slot, so neighbouring slots say nothing about each other."""
    return secrets.randbelow(STATUS_INDEX_LIMIT)


def format_cert_id(cert_id: bytes) -> str:
    """Display form ``1a2b3c4d-5e6f7a8b``: the dash keeps digit runs short (see privacy.contains_id_pattern)."""
    return cert_id.hex("-", -4)


def parse_cert_id(text: str) -> bytes:
    """Inverse of :func:`format_cert_id`; also accepts plain hex."""
    raw = bytes.fromhex(text.replace("-", ""))
    if len(raw) != CERT_ID_BYTES:
        raise ValueError(f"a cert_id is {CERT_ID_BYTES} bytes")
    return raw


_OCCUPATION_RE = re.compile(r"([1-8])-(\d{2})-(\d{2})-(\d{2})")


def parse_occupation(code: str | int) -> int:
    """国家职业分类大典 code ``6-31-01-03`` → ``6310103``; ints pass through after a range check; "" → 0."""
    if isinstance(code, int) and not isinstance(code, bool):
        if code == 0 or 1_000_000 <= code <= 8_999_999:
            return code
        raise RecordError(f"occupation code {code} is not a 7-digit 大典 code")
    if code in ("", "--"):
        return 0
    m = _OCCUPATION_RE.fullmatch(code) if isinstance(code, str) else None
    if m is None:
        raise RecordError(f"occupation code must look like 6-31-01-03, got {code!r}")
    return int("".join(m.groups()))


def format_occupation(code: int) -> str:
    """``6310103`` → ``6-31-01-03``; 0 → ``--`` (the form's "none" marker)."""
    if code == 0:
        return "--"
    s = str(code)
    return f"{s[0]}-{s[1:3]}-{s[3:5]}-{s[5:7]}" if len(s) == 7 else s


def record_digest(full_record: Mapping[str, Any]) -> bytes:
    """16-byte digest of the full record the server stores (photo hash, ID tag, names … included).

    Canonical bytes: MessagePack of the mapping with keys sorted at every level, after a domain prefix.
    Values must be plain data (str, int, bytes, bool, None, lists, dicts, date/datetime); the server should
    pass NFC-normalised strings so the digest is reproducible.
    """
    if not isinstance(full_record, Mapping):
        raise TypeError("full_record must be a mapping")
    data = _digest_encoder.encode(dict(full_record))
    return hashlib.sha256(_DIGEST_DOMAIN + data).digest()[:DIGEST_BYTES]


def encode_record(record: CertRecord) -> bytes:
    """The canonical MessagePack body that goes into the envelope."""
    return _encoder.encode(record)


def decode_record(body: bytes, *, check: bool = True) -> CertRecord:
    """Strictly decode a body. Raises msgspec errors / ValueError on bad input, RecordError on rule breaks.

    ``check=False`` stops after types and canonical form; the verifier runs :func:`check_record` only once
    the signature is known good, so its reasons talk about signed data.
    """
    record = _decoder.decode(body)
    # One byte string, one record: reject e.g. a str8 header where a fixstr fits. Only the issuer could
    # produce such bytes (the signature covers them), but a second spelling of a record is never useful.
    if _encoder.encode(record) != body:
        raise RecordError("record is not canonically encoded", code="non_canonical")
    if check:
        check_record(record)
    return record


def check_record(record: CertRecord, issue_date: _dt.date | None = None) -> None:
    """Rules beyond types: normalised name, level range per kind, number format and cross-check.

    ``issue_date`` may be passed when the caller already computed ``record.issue_date``.
    """
    name = record.name
    if not unicodedata.is_normalized("NFC", name) or name.strip() != name:
        raise RecordError("name is not NFC-normalised", code="name_not_normalised")
    # isprintable() is a fast C check that already excludes every control and format character; only
    # names it flags (e.g. with private-use characters) need the per-character look.
    if not name.isprintable() and any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        # Control and format characters (zero-width, RTL overrides) can disguise a name. Unassigned and
        # private-use code points stay allowed: rare name characters may be newer than Python's Unicode
        # tables, and legacy GB18030 data maps some of them to the private-use area.
        raise RecordError("name contains control or invisible characters", code="name_not_normalised")
    if record.occupation != 0 and not 1_000_000 <= record.occupation <= 8_999_999:
        raise RecordError("occupation is not a 7-digit 大典 code")
    if record.kind == CertKind.SKILL_LEVEL:
        if record.level not in _SKILL_LEVELS:
            raise RecordError(f"skill level must be 1..5, got {record.level}")
    elif record.level not in _AWARD_CODES:
        raise RecordError(f"unknown award code {record.level}")
    try:
        cross_check(record.number, record.kind, record.level, issue_date or record.issue_date)
    except NumberError as exc:
        raise RecordError(f"certificate number disagrees with the signed record: {exc}", code="number_mismatch") from None


def issue_record(
    *,
    kind: CertKind | int,
    number: str,
    name: str,
    resident_id: str,
    occupation: str | int,
    work_type: int,
    level: int,
    issued_on: _dt.date,
    issuer: int,
    full_record: Mapping[str, Any],
    cert_id: bytes | None = None,
    status_index: int | None = None,
) -> CertRecord:
    """Build and check the record to sign from the server's data.

    The full ID number goes in only to be masked; it never reaches the record. ``full_record`` is what the
    server stores for this certificate (it should include the photo hash) and is digested, not embedded.
    A fresh random cert_id and status_index are drawn unless given (the server must keep both unique).
    Raises :class:`RecordError` (or msgspec.ValidationError) when something does not fit the format.
    """
    record = CertRecord(
        kind=CertKind(kind),
        cert_id=new_cert_id() if cert_id is None else cert_id,
        number=number,
        name=normalize_name(name),
        masked_id=compact_masked_id(resident_id),
        occupation=parse_occupation(occupation),
        work_type=work_type,
        level=int(level),
        issued_on=days_from_date(issued_on),
        issuer=issuer,
        status_index=new_status_index() if status_index is None else status_index,
        record_digest=record_digest(full_record),
    )
    # Struct construction does not validate constraints; a round trip through the strict decoder does.
    return decode_record(encode_record(record))
