"""Key states: what a signing key vouches for, on which issue dates.

States:

* **active** — signs; exactly one at a time (rotate replaces it).
* **retired** — no longer signs; verifies certificates whose issue date lies in its active window.
* **compromised(at T)** — verifies only certificates issued strictly before T's (Beijing) date, and, when
  the server supplies its issuance log, only those in the log.

Certificate issue dates are Beijing dates (UTC+8); key timestamps are UTC and are converted to Beijing dates
before comparing. A key's window starts :data:`BACKDATE_GRACE` before its ``active_from`` so a 发证日期 may be
the evaluation date shortly before signing.

Keys: ``kid`` = first 2 bytes of SHA-256(raw public key); it is short to save QR space, so different keys may
share a kid and verifiers try every key with that kid. The full identity of a key is its ``fingerprint``
(first 8 bytes of the same hash, hex).

:class:`PublishedKey` is a key as a key set describes it; :class:`TrustedKey` is one from a verified key set,
with its public key object loaded and its window computed once. The store (:mod:`certificates.keystore`) and
the published key set (:mod:`certificates.keyset`) build on these.
"""

from __future__ import annotations

import datetime as _dt
import enum
import hashlib
from dataclasses import dataclass
from typing import Annotated

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = [
    "BACKDATE_GRACE",
    "FUTURE_TOLERANCE",
    "ISSUE_TZ",
    "KeyState",
    "PublishedKey",
    "TrustedKey",
    "UtcDatetime",
    "fingerprint_of",
    "issue_day",
    "kid_of",
    "raw_public",
]

ISSUE_TZ = _dt.timezone(_dt.timedelta(hours=8), "CST")
BACKDATE_GRACE = _dt.timedelta(days=90)
# Verifier clocks drift and issue dates are whole days: tolerate one day in the future.
FUTURE_TOLERANCE = _dt.timedelta(days=1)


class KeyState(str, enum.Enum):
    """Lifecycle state of a signing key."""

    ACTIVE = "active"
    RETIRED = "retired"
    COMPROMISED = "compromised"


UtcDatetime = Annotated[_dt.datetime, msgspec.Meta(tz=True)]
Hex32 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]
Kid = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{4}$")]


class PublishedKey(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """One signing key as the published key set describes it."""

    kid: Kid
    public_key: Hex32
    state: KeyState
    active_from: UtcDatetime
    retired_at: UtcDatetime | None = None
    compromised_at: UtcDatetime | None = None


def kid_of(public_raw: bytes) -> bytes:
    """The 2-byte key id carried in envelopes."""
    return hashlib.sha256(public_raw).digest()[:2]


def fingerprint_of(public_raw: bytes) -> str:
    """The full identity of a key for people and files: 8 bytes of SHA-256, hex."""
    return hashlib.sha256(public_raw).digest()[:8].hex()


def raw_public(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def issue_day(value: _dt.datetime) -> _dt.date:
    """The Beijing date of a timestamp: the calendar certificates' issue dates are written in."""
    return value.astimezone(ISSUE_TZ).date()


@dataclass(frozen=True, slots=True)
class TrustedKey:
    """A key from a verified key set, with its public key object and window days computed once."""

    info: PublishedKey
    kid: bytes
    fingerprint: str
    public: Ed25519PublicKey
    earliest_issue: _dt.date  # first issue date it vouches for (active_from day − BACKDATE_GRACE)
    retired_day: _dt.date | None  # last issue date it vouches for, if retired
    compromised_day: _dt.date | None  # first issue date it no longer vouches for, if compromised

    @classmethod
    def from_published(cls, info: PublishedKey) -> TrustedKey:
        """Load the public key and precompute the Beijing-date window (this runs once per key set).

        Raises ``ValueError`` when the published kid is not the public key's (:class:`certificates.keyset.KeySet`
        reports it as a :class:`~certificates.keyset.KeySetError`).
        """
        raw = bytes.fromhex(info.public_key)
        kid = bytes.fromhex(info.kid)
        if kid_of(raw) != kid:
            raise ValueError(f"key {info.public_key[:16]}… does not have kid {info.kid}")
        return cls(
            info=info,
            kid=kid,
            fingerprint=fingerprint_of(raw),
            public=Ed25519PublicKey.from_public_bytes(raw),
            earliest_issue=issue_day(info.active_from) - BACKDATE_GRACE,
            retired_day=issue_day(info.retired_at) if info.retired_at else None,
            compromised_day=issue_day(info.compromised_at) if info.compromised_at else None,
        )

    def verify(self, signature: bytes, message: bytes) -> bool:
        """True when ``signature`` is this key's signature of ``message``."""
        try:
            self.public.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def window_problem(
        self, issued_on: _dt.date, now: _dt.datetime, in_issuance_log: bool | None = None
    ) -> str | None:
        """Why this key may not vouch for a certificate issued on ``issued_on``; None when it may.

        ``in_issuance_log`` says whether the certificate appears in the issuance log the server supplied
        (None: no log available). It only matters for a compromised key: a stolen key can back-date, so
        the log, when there is one, is what settles which certificates were really issued.
        """
        if issued_on < self.earliest_issue:
            return "certificate is dated before its signing key was in use"
        if issued_on > issue_day(now + FUTURE_TOLERANCE):
            return "certificate issue date is in the future"
        if self.info.state is KeyState.COMPROMISED:
            if self.compromised_day is None or issued_on >= self.compromised_day:
                return "signing key was compromised on or before the issue date"
            if in_issuance_log is False:
                return "signing key is compromised and the certificate is not in the issuance log"
        if self.retired_day is not None and issued_on > self.retired_day:
            return "signing key was already retired on the issue date"
        return None
