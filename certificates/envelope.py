"""The signed envelope and its QR text.

::

    envelope = ver (1 byte, 0x01) ‖ kid (2 bytes) ‖ body (MessagePack record) ‖ Ed25519 signature (64 bytes)
    signed   = b"JINENG-CERT\\x00v1" ‖ ver ‖ kid ‖ body
    QR text  = URL prefix (upper case, e.g. "HTTP://127.0.0.1:8000/C/") ‖ Base32(envelope)

The domain prefix stops a signature made for anything else (a key set, a status list) from being replayed as
a certificate; signing ``kid`` stops it being swapped. The version byte alone selects the algorithm
(Ed25519): nothing in the data can ask for another one, or for "none".

Base32 (RFC 4648, upper case, unpadded) keeps the whole URL inside the QR alphanumeric character set, so
the QR uses alphanumeric mode and any phone camera opens the verification page.

Parsing is strict and total: the input is capped before any work, Base32 must be canonical (decode then
re-encode gives the input back: no lower case, padding, spaces or non-zero pad bits), and every failure is an
:class:`EnvelopeError` with a stable ``code`` (``malformed`` or ``unsupported_version``).
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import os
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .keystates import TrustedKey
from .keystore import KeyStore
from .qr import MAX_QR_VERSION, min_version
from .record import CertRecord, encode_record

__all__ = [
    "DEFAULT_URL_PREFIX",
    "DOMAIN",
    "MAX_QR_TEXT",
    "MAX_QR_VERSION",
    "SIGNATURE_BYTES",
    "VERSION",
    "Envelope",
    "EnvelopeError",
    "RecordTooLarge",
    "b32decode_strict",
    "b32encode",
    "build_envelope",
    "make_qr_text",
    "normalize_url_prefix",
    "parse_envelope",
    "sign_record",
    "signed_message",
    "split_qr_text",
    "url_prefix_from_env",
]

VERSION = 1
DOMAIN = b"JINENG-CERT\x00v1"
KID_BYTES = 2
SIGNATURE_BYTES = 64
_HEADER = 1 + KID_BYTES
_MIN_ENVELOPE = _HEADER + 1 + SIGNATURE_BYTES  # a body is at least one byte

# Far above any real certificate (~300 characters) and far below anything costly to look at. Checked before
# any regex, decoding or allocation proportional to the input.
MAX_QR_TEXT = 2048

DEFAULT_URL_PREFIX = "HTTP://127.0.0.1:8000/C/"
URL_PREFIX_ENV = "JINENG_VERIFY_URL_PREFIX"

_B32_RE = re.compile(r"[A-Z2-7]+")
# A URL prefix: scheme, host, optional port, path segments, ending in "/". Only QR alphanumeric
# characters are allowed, so the whole text stays in alphanumeric mode.
_PREFIX_RE = re.compile(r"HTTPS?://[A-Z0-9.\-]+(?::[0-9]{1,5})?(?:/[A-Z0-9.\-]+)*/")


class EnvelopeError(ValueError):
    """Bad QR text or envelope. ``code`` is ``malformed`` or ``unsupported_version``."""

    def __init__(self, message: str, code: str = "malformed") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed (not yet verified) envelope."""

    version: int
    kid: bytes
    body: bytes
    signature: bytes

    @property
    def message(self) -> bytes:
        """The exact bytes the signature must cover."""
        return signed_message(self.kid, self.body, self.version)


def signed_message(kid: bytes, body: bytes, version: int = VERSION) -> bytes:
    """Domain-separated message: DOMAIN ‖ ver ‖ kid ‖ body."""
    return DOMAIN + bytes((version,)) + kid + body


def build_envelope(body: bytes, private_key: Ed25519PrivateKey, kid: bytes) -> bytes:
    """Sign ``body`` with ``private_key`` under ``kid`` and return the envelope bytes."""
    if len(kid) != KID_BYTES:
        raise ValueError("kid must be 2 bytes")
    if not body:
        raise ValueError("body must not be empty")
    signature = private_key.sign(signed_message(kid, body))
    return bytes((VERSION,)) + kid + body + signature


def parse_envelope(data: bytes) -> Envelope:
    """Split envelope bytes. The version is checked first, so any other version is ``unsupported_version``."""
    if not data:
        raise EnvelopeError("empty envelope")
    if data[0] != VERSION:
        raise EnvelopeError(f"unsupported envelope version {data[0]}", code="unsupported_version")
    if len(data) < _MIN_ENVELOPE:
        raise EnvelopeError("envelope too short")
    return Envelope(data[0], bytes(data[1:_HEADER]), bytes(data[_HEADER:-SIGNATURE_BYTES]), bytes(data[-SIGNATURE_BYTES:]))


def b32encode(data: bytes) -> str:
    """RFC 4648 Base32, upper case, without padding."""
    return base64.b32encode(data).decode("ascii").rstrip("=")


_B32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# RFC 4648 letters → the digits int(…, 32) understands, so decoding runs in C (base64.b32decode is pure
# Python and cost more than the Ed25519 check itself; see bench/bench_verify.py).
_B32_TO_INT_DIGITS = str.maketrans(_B32_ALPHABET, "0123456789abcdefghijklmnopqrstuv")


def b32decode_strict(text: str) -> bytes:
    """Decode canonical unpadded upper-case Base32 or raise :class:`EnvelopeError`.

    Canonical means the only string that encodes these bytes (decoding then re-encoding gives ``text``
    back). For unpadded Base32 that is exactly: alphabet A–Z2–7 only, a length that some byte count
    produces (n mod 8 ∈ {0, 2, 4, 5, 7}), and zero pad bits in the last character. So no two QR texts carry
    the same envelope (the pretix trailing-data lesson).
    """
    if not text or _B32_RE.fullmatch(text) is None:
        raise EnvelopeError("payload is not upper-case unpadded Base32")
    if len(text) % 8 not in (0, 2, 4, 5, 7):
        raise EnvelopeError("Base32 payload has an impossible length")
    nbits = 5 * len(text)
    pad = nbits % 8
    value = int(text.translate(_B32_TO_INT_DIGITS), 32)
    if value & ((1 << pad) - 1):
        raise EnvelopeError("Base32 payload is not canonical (non-zero pad bits)")
    return (value >> pad).to_bytes(nbits // 8, "big")


def normalize_url_prefix(prefix: str) -> str:
    """Upper-case a verification URL prefix and check it stays in the QR alphanumeric set."""
    upper = prefix.strip().upper()
    if _PREFIX_RE.fullmatch(upper) is None:
        raise ValueError(
            "a verification URL prefix looks like HTTPS://HOST[:PORT]/PATH/ and uses only letters, digits, "
            f"'.', '-', ':' and '/': got {prefix!r}"
        )
    return upper


def url_prefix_from_env() -> str:
    """The configured prefix: $JINENG_VERIFY_URL_PREFIX, else the dev default."""
    return normalize_url_prefix(os.environ.get(URL_PREFIX_ENV) or DEFAULT_URL_PREFIX)


def make_qr_text(envelope: bytes, prefix: str | None = None) -> str:
    """The text the QR code carries: prefix ‖ Base32(envelope)."""
    return (url_prefix_from_env() if prefix is None else normalize_url_prefix(prefix)) + b32encode(envelope)


def split_qr_text(text: str | bytes) -> tuple[str, bytes]:
    """Split QR text into (URL prefix, envelope bytes). A bare Base32 payload is accepted with prefix "".

    The prefix is matched case-insensitively (scheme and host are case-insensitive, and a browser may
    lower-case them on the way to the server); the payload must be canonical Base32. The host is *not*
    checked here: the signature is what counts, and callers may warn about an unexpected host.
    """
    if isinstance(text, (bytes, bytearray)):
        if len(text) > MAX_QR_TEXT:
            raise EnvelopeError("input too long")
        try:
            text = bytes(text).decode("ascii")
        except UnicodeDecodeError:
            raise EnvelopeError("input is not ASCII") from None
    if not isinstance(text, str):
        raise EnvelopeError("input is not text")
    if len(text) > MAX_QR_TEXT:
        raise EnvelopeError("input too long")
    cut = text.rfind("/") + 1
    prefix, payload = text[:cut], text[cut:]
    return _checked_prefix(prefix), b32decode_strict(payload)


@functools.lru_cache(maxsize=64)
def _checked_prefix(prefix: str) -> str:
    # Cached: a deployment sees a handful of distinct prefixes, and exceptions are not cached, so junk
    # input costs the regex every time but never fills the cache.
    if not prefix:
        return ""
    # ASCII first: str.upper() maps some non-ASCII letters onto ASCII ones ("ß" → "SS").
    if not prefix.isascii() or _PREFIX_RE.fullmatch(prefix.upper()) is None:
        raise EnvelopeError("not a verification URL")
    return prefix.upper()


class RecordTooLarge(ValueError):
    """The signed record would need a QR code above :data:`MAX_QR_VERSION` at level Q."""


def sign_record(
    record: CertRecord,
    keystore: KeyStore,
    *,
    url_prefix: str | None = None,
    max_qr_version: int = MAX_QR_VERSION,
    now: _dt.datetime | None = None,
) -> tuple[bytes, str]:
    """Sign a record with the store's active key. Returns (envelope bytes, QR text).

    Refuses (``ValueError``) what would not verify or print well: a record the active key may not vouch for
    on its issue date, and a QR text needing more than ``max_qr_version`` at level Q (:class:`RecordTooLarge`).
    """
    kid, private_key, info = keystore.signer()
    problem = TrustedKey.from_published(info.published()).window_problem(record.issue_date, now or _dt.datetime.now(_dt.UTC))
    if problem is not None:
        raise ValueError(f"cannot sign: {problem}")
    envelope = build_envelope(encode_record(record), private_key, kid)
    text = make_qr_text(envelope, url_prefix)
    version = min_version(text)
    if version > max_qr_version:
        raise RecordTooLarge(
            f"QR text of {len(text)} characters needs version {version} at level Q (limit {max_qr_version}); "
            "shorten the name or the URL prefix"
        )
    return envelope, text
