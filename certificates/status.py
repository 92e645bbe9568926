"""Certificate status: valid, revoked(reason), suspended, superseded(→ replacement), and where it comes from.

Online, the server answers for a cert_id through any callable matching :class:`StatusSource`; ``None`` means
"unknown" (lookup failed, not found), which a verifier must never show as green.

Offline, a verifier can hold a **signed status list**: a bitstring with 2 bits per ``status_index``
(0 valid, 1 revoked, 2 suspended, 3 superseded), at least 131 072 entries so one certificate's slot hides
among many (W3C Bitstring Status List herd-privacy minimum), gzip-compressed, base64 in a JSON document with
``sequence``, ``issued_at`` and ``next_update``, signed by the root key over
``b"JINENG-STATUS\\x00v1" ‖ canonical JSON``. Entry *i* sits in byte ``i // 4`` at bit offset
``6 - 2 * (i % 4)`` (most significant pair first).

A list says nothing about certificates issued on or after its own issue day (they may be newer than the
list), nor after ``next_update`` (stale): both give "unknown", never "valid" and never "revoked".

The server builds lists from its database; :func:`parse_status_entries` reads the plain
``STATUS_INDEX STATUS`` file that ``jineng keys status-list`` turns into one.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import enum
import gzip
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Literal, Protocol

import msgspec

from .keyset import canonical_json, open_signed
from .keystates import ISSUE_TZ, UtcDatetime
from .record import STATUS_INDEX_LIMIT, format_cert_id

if TYPE_CHECKING:
    from .keystore import KeyStore

__all__ = [
    "STATUS_DOMAIN",
    "STATUS_LIST_MIN_SIZE",
    "CertStatus",
    "StatusInfo",
    "StatusList",
    "StatusListError",
    "StatusSource",
    "build_status_list",
    "parse_status_entries",
]

STATUS_DOMAIN = b"JINENG-STATUS\x00v1"
STATUS_LIST_MIN_SIZE = STATUS_INDEX_LIMIT
_STATUS_LIST_MAX_SIZE = 2**24
_MAX_DOCUMENT = 8 * 1024 * 1024


class CertStatus(str, enum.Enum):
    """Lifecycle status of one certificate. The 2-bit list codes are the definition order."""

    VALID = "valid"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    SUPERSEDED = "superseded"


_CODES = (CertStatus.VALID, CertStatus.REVOKED, CertStatus.SUSPENDED, CertStatus.SUPERSEDED)
_CODE_OF = {status: code for code, status in enumerate(_CODES)}


class StatusInfo(msgspec.Struct, kw_only=True, frozen=True):
    """What is known about one certificate's status, and from where."""

    status: CertStatus
    reason: str | None = None  # revocation / suspension reason, for people
    replacement_id: str | None = None  # superseded: the new certificate's cert_id (display form)
    replacement_number: str | None = None  # superseded: the new 证书编号
    as_of: UtcDatetime | None = None  # when this status was true (status list: its issued_at)
    source: Literal["online", "status_list"] = "online"

    @classmethod
    def valid(cls) -> StatusInfo:
        """Good standing."""
        return cls(status=CertStatus.VALID)

    @classmethod
    def revoked(cls, reason: str | None = None) -> StatusInfo:
        """Permanently withdrawn (e.g. obtained by fraud)."""
        return cls(status=CertStatus.REVOKED, reason=reason)

    @classmethod
    def suspended(cls, reason: str | None = None) -> StatusInfo:
        """Temporarily not valid (e.g. under investigation); reinstating returns to valid."""
        return cls(status=CertStatus.SUSPENDED, reason=reason)

    @classmethod
    def superseded(cls, replacement_id: bytes | None = None, replacement_number: str | None = None) -> StatusInfo:
        """Replaced by a corrected certificate."""
        return cls(
            status=CertStatus.SUPERSEDED,
            replacement_id=format_cert_id(replacement_id) if replacement_id is not None else None,
            replacement_number=replacement_number,
        )


class StatusSource(Protocol):
    """Online status lookup by cert_id. Return None when the status is unknown; may raise (treated as unknown)."""

    def __call__(self, cert_id: bytes, /) -> StatusInfo | None: ...


class StatusListError(ValueError):
    """A status list document that must not be used. ``code``: malformed, bad_signature, rollback."""

    def __init__(self, message: str, code: str = "malformed") -> None:
        super().__init__(message)
        self.code = code


class StatusListDocument(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """The signed content of a status list."""

    format: Literal["jineng-status/1"] = "jineng-status/1"
    sequence: Annotated[int, msgspec.Meta(ge=1, le=2**53)]
    issued_at: UtcDatetime
    next_update: UtcDatetime
    size: Annotated[int, msgspec.Meta(ge=STATUS_LIST_MIN_SIZE, le=_STATUS_LIST_MAX_SIZE, multiple_of=4)]
    bits: Literal[2] = 2
    list: str  # base64(gzip(bitstring))


class _SignedStatusList(msgspec.Struct, forbid_unknown_fields=True):
    status_list: StatusListDocument
    signature: str


def _pack(entries: Mapping[int, CertStatus | int], size: int) -> bytes:
    bits = bytearray(size // 4)
    for index, status in entries.items():
        if not 0 <= index < size:
            raise ValueError(f"status index {index} outside the list (size {size})")
        code = _CODE_OF[status] if isinstance(status, CertStatus) else int(status)
        if not 0 <= code <= 3:
            raise ValueError(f"status code {code} is not 0..3")
        bits[index // 4] |= code << (6 - 2 * (index % 4))
    return bytes(bits)


def build_status_list(
    entries: Mapping[int, CertStatus | int],
    *,
    keystore: KeyStore,
    sequence: int,
    now: _dt.datetime | None = None,
    valid_for: _dt.timedelta = _dt.timedelta(days=1),
    size: int = STATUS_LIST_MIN_SIZE,
) -> bytes:
    """Build a root-signed status list (JSON bytes). ``entries`` maps status_index → status; others are valid.

    ``sequence`` must grow with every list the server publishes (verifiers refuse older ones).
    """
    issued_at = (now or _dt.datetime.now(_dt.UTC)).astimezone(_dt.UTC).replace(microsecond=0)
    # mtime=0: the same statuses always give the same bytes.
    packed = gzip.compress(_pack(entries, size), mtime=0)
    doc = StatusListDocument(
        sequence=sequence, issued_at=issued_at, next_update=issued_at + valid_for, size=size,
        list=base64.b64encode(packed).decode("ascii"),
    )
    signature = keystore.sign_with_root(STATUS_DOMAIN, canonical_json(doc))
    return canonical_json(_SignedStatusList(status_list=doc, signature=signature))


_STATUS_WORDS = {status.value: status for status in CertStatus}


def parse_status_entries(text: str, size: int = STATUS_LIST_MIN_SIZE) -> dict[int, CertStatus]:
    """``STATUS_INDEX STATUS`` lines (comma, tab or space between; ``#`` comments; an optional header line)
    → {status_index: status}. STATUS is valid, revoked, suspended or superseded. Errors name the line."""
    entries: dict[int, CertStatus] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].replace(",", " ").split()
        if not line or (number == 1 and line[0].lower() == "status_index"):
            continue
        if len(line) != 2 or not line[0].isdigit() or line[1].lower() not in _STATUS_WORDS:
            raise ValueError(f"line {number}: expected 'STATUS_INDEX STATUS' (STATUS: {', '.join(_STATUS_WORDS)}), "
                             f"got {raw.strip()!r}")
        index, status = int(line[0]), _STATUS_WORDS[line[1].lower()]
        if index >= size:
            raise ValueError(f"line {number}: status index {index} is outside the list (0 … {size - 1})")
        if entries.get(index, status) is not status:
            raise ValueError(f"line {number}: status index {index} is already {entries[index].value}")
        entries[index] = status
    return entries


class StatusList:
    """A verified status list, ready for lookups by status_index."""

    __slots__ = ("_bits", "issued_at", "next_update", "sequence", "size")

    def __init__(self, bits: bytes, *, sequence: int, issued_at: _dt.datetime, next_update: _dt.datetime) -> None:
        self._bits = bits
        self.size = len(bits) * 4
        self.sequence = sequence
        self.issued_at = issued_at
        self.next_update = next_update

    @classmethod
    def load(cls, data: bytes | str, root_public_key: bytes, *, min_sequence: int | None = None) -> StatusList:
        """Verify signature and freshness order, then decompress with a hard size cap (no gzip bombs)."""
        doc: StatusListDocument = open_signed(
            data, _SignedStatusList, root_public_key=root_public_key, domain=STATUS_DOMAIN, max_bytes=_MAX_DOCUMENT,
            what="status list", error=StatusListError, min_sequence=min_sequence,
        )
        expected = doc.size // 4
        try:
            packed = base64.b64decode(doc.list, validate=True)
            inflater = zlib.decompressobj(wbits=31)  # gzip framing only
            bits = inflater.decompress(packed, expected + 1)
            if len(bits) != expected or not inflater.eof or inflater.unconsumed_tail or inflater.unused_data:
                raise StatusListError("status list bitstring does not match its declared size")
        except (binascii.Error, zlib.error) as exc:
            raise StatusListError(f"status list bitstring is not valid gzip/base64: {exc}") from None
        return cls(bits, sequence=doc.sequence, issued_at=doc.issued_at, next_update=doc.next_update)

    def is_stale(self, now: _dt.datetime) -> bool:
        """Past next_update: the list may miss recent revocations."""
        return now > self.next_update

    def code_at(self, index: int) -> int:
        """Raw 2-bit code at ``index``."""
        return (self._bits[index // 4] >> (6 - 2 * (index % 4))) & 0b11

    def lookup(self, index: int, issued_on: _dt.date, now: _dt.datetime) -> StatusInfo | None:
        """Status of the certificate in slot ``index`` issued on ``issued_on``; None when the list cannot say."""
        if self.is_stale(now) or not 0 <= index < self.size:
            return None
        if issued_on >= self.issued_at.astimezone(ISSUE_TZ).date():
            # Possibly issued after this list was made: its slot reads "valid" by default, which would be a
            # claim the list cannot make (and must not read as revoked either).
            return None
        return StatusInfo(status=_CODES[self.code_at(index)], as_of=self.issued_at, source="status_list")
