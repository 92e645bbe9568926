"""Signing keys: a file-based key store, key states, and the published, root-signed key set.

Key store layout (directory from ``$JINENG_KEYS_DIR``, else ``./var/keys``; mode 0700)::

    root.pem                   root private key (Ed25519, PKCS#8 PEM, 0600): signs key sets and status lists
    signing/<fingerprint>.pem  signing private keys (0600), one per generated key
    keys.json                  metadata: root public key, key states and windows, last published sequence
    names.json                 optional display names published with the key set (issuer, occupation, …)
    .lock                      advisory lock held while the store changes

Private key files are created with ``os.open(..., 0o600)`` and encrypted when ``$JINENG_KEYS_PASSPHRASE`` is
set. In production the root key belongs on an offline machine; this store keeps it beside the signing keys
so a single-machine deployment works out of the box.

Keys: ``kid`` = first 2 bytes of SHA-256(raw public key); it is short to save QR space, so different keys may
share a kid and verifiers try every key with that kid. The full identity of a key is its ``fingerprint``
(first 8 bytes of the same hash, hex).

States:

* **active** — signs; exactly one at a time (rotate replaces it).
* **retired** — no longer signs; verifies certificates whose issue date lies in its active window.
* **compromised(at T)** — verifies only certificates issued strictly before T's (Beijing) date, and, when
  the server supplies its issuance log, only those in the log.

Certificate issue dates are Beijing dates (UTC+8); key timestamps are UTC and are converted to Beijing dates
before comparing. A key's window starts :data:`BACKDATE_GRACE` before its ``active_from`` so a 发证日期 may be
the evaluation date shortly before signing.

The published key set is canonical JSON (sorted keys) with a monotonic ``sequence``, ``issued_at`` and
``next_update``, signed by the root key over ``b"JINENG-KEYSET\\x00v1" ‖ canonical bytes``. :meth:`KeySet.load`
verifies the signature against a pinned root key and refuses a sequence lower than a cached one (rollback).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as _dt
import enum
import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

try:  # POSIX advisory locks; on other systems the store is single-writer by convention.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "BACKDATE_GRACE",
    "ISSUE_TZ",
    "KEYS_DIR_ENV",
    "KeyInfo",
    "KeySet",
    "KeySetError",
    "KeyState",
    "KeyStore",
    "KeyStoreError",
    "PublishedKey",
    "TrustedKey",
    "fingerprint_of",
    "kid_of",
    "load_root_public_key",
    "sign_detached",
    "verify_detached",
]

KEYS_DIR_ENV = "JINENG_KEYS_DIR"
PASSPHRASE_ENV = "JINENG_KEYS_PASSPHRASE"
DEFAULT_KEYS_DIR = Path("var") / "keys"
ISSUE_TZ = _dt.timezone(_dt.timedelta(hours=8), "CST")
BACKDATE_GRACE = _dt.timedelta(days=90)
# Verifier clocks drift and issue dates are whole days: tolerate one day in the future.
FUTURE_TOLERANCE = _dt.timedelta(days=1)
KEYSET_DOMAIN = b"JINENG-KEYSET\x00v1"

_FORMAT_STORE = "jineng-keystore/1"
_FORMAT_KEYSET = "jineng-keyset/1"


class KeyStoreError(RuntimeError):
    """A key store operation that cannot be done (no store, ambiguous key, wrong state …)."""


class KeySetError(ValueError):
    """A published key set that must not be trusted. ``code``: malformed, bad_signature, rollback, root_mismatch."""

    def __init__(self, message: str, code: str = "malformed") -> None:
        super().__init__(message)
        self.code = code


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


class KeyInfo(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """One signing key as the store records it (adds the private key file and creation time)."""

    fingerprint: Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{16}$")]
    kid: Kid
    public_key: Hex32
    file: str
    state: KeyState
    created_at: UtcDatetime
    active_from: UtcDatetime
    retired_at: UtcDatetime | None = None
    compromised_at: UtcDatetime | None = None

    def published(self) -> PublishedKey:
        """The public part of this key for the key set document."""
        return PublishedKey(
            kid=self.kid, public_key=self.public_key, state=self.state, active_from=self.active_from,
            retired_at=self.retired_at, compromised_at=self.compromised_at,
        )


class _StoreMetadata(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    format: Literal["jineng-keystore/1"] = _FORMAT_STORE
    root_public_key: Hex32
    published_sequence: Annotated[int, msgspec.Meta(ge=0)] = 0
    keys: list[KeyInfo] = []


class KeySetDocument(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """The signed content of a published key set."""

    format: Literal["jineng-keyset/1"] = _FORMAT_KEYSET
    sequence: Annotated[int, msgspec.Meta(ge=1, le=2**53)]
    issued_at: UtcDatetime
    next_update: UtcDatetime
    root_public_key: Hex32
    keys: list[PublishedKey]
    # Display names for codes in the signed record: {"issuer": {"137": "…"}, "occupation": {"6-31-01-03": "电工"},
    # "work_type": {"12": "…"}}. Signed together with the keys, so offline verifiers can show them.
    names: dict[str, dict[str, str]] = {}


class _SignedKeySet(msgspec.Struct, forbid_unknown_fields=True):
    keyset: KeySetDocument
    signature: str


# --------------------------------------------------------------------------------------------------- helpers


def kid_of(public_raw: bytes) -> bytes:
    """The 2-byte key id carried in envelopes."""
    return hashlib.sha256(public_raw).digest()[:2]


def fingerprint_of(public_raw: bytes) -> str:
    """The full identity of a key for people and files: 8 bytes of SHA-256, hex."""
    return hashlib.sha256(public_raw).digest()[:8].hex()


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _utc(value: _dt.datetime | None) -> _dt.datetime:
    if value is None:
        return _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    if value.tzinfo is None:
        raise ValueError("timestamps must be time-zone aware")
    return value.astimezone(_dt.UTC).replace(microsecond=0)


def _issue_day(value: _dt.datetime) -> _dt.date:
    """The Beijing date of a timestamp: the calendar certificates' issue dates are written in."""
    return value.astimezone(ISSUE_TZ).date()


def canonical_json(obj: object) -> bytes:
    """Canonical JSON: sorted keys at every level, no whitespace (msgspec is deterministic otherwise)."""
    return msgspec.json.encode(obj, order="sorted")


def sign_detached(private_key: Ed25519PrivateKey, domain: bytes, payload: bytes) -> str:
    """Base64 Ed25519 signature over ``domain ‖ payload``."""
    return base64.b64encode(private_key.sign(domain + payload)).decode("ascii")


def verify_detached(public_raw: bytes, domain: bytes, payload: bytes, signature_b64: str) -> bool:
    """Check a :func:`sign_detached` signature; False on any problem."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, domain + payload)
    except (InvalidSignature, ValueError, binascii.Error, TypeError):
        return False
    return True


def load_root_public_key(value: str | bytes | Path) -> bytes:
    """A pinned root public key from 64 hex characters, raw 32 bytes, or a file holding hex or a PEM."""
    if isinstance(value, bytes) and len(value) == 32:
        return value
    text: str
    if isinstance(value, Path) or (isinstance(value, str) and os.path.exists(value)):
        data = Path(value).read_bytes()
        if b"-----BEGIN" in data:
            key = serialization.load_pem_public_key(data)
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("root key file is not an Ed25519 public key")
            return _raw_public(key)
        text = data.decode("ascii").strip()
    else:
        text = value.decode("ascii") if isinstance(value, bytes) else value
    raw = bytes.fromhex(text.strip())
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes (64 hex characters)")
    return raw


# ----------------------------------------------------------------------------------------------- verifying


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
        """Load the public key and precompute the Beijing-date window (this runs once per key set)."""
        raw = bytes.fromhex(info.public_key)
        kid = bytes.fromhex(info.kid)
        if kid_of(raw) != kid:
            raise KeySetError(f"key {info.public_key[:16]}… does not have kid {info.kid}")
        return cls(
            info=info,
            kid=kid,
            fingerprint=fingerprint_of(raw),
            public=Ed25519PublicKey.from_public_bytes(raw),
            earliest_issue=_issue_day(info.active_from) - BACKDATE_GRACE,
            retired_day=_issue_day(info.retired_at) if info.retired_at else None,
            compromised_day=_issue_day(info.compromised_at) if info.compromised_at else None,
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
        if issued_on > _issue_day(now + FUTURE_TOLERANCE):
            return "certificate issue date is in the future"
        if self.info.state is KeyState.COMPROMISED:
            if self.compromised_day is None or issued_on >= self.compromised_day:
                return "signing key was compromised on or before the issue date"
            if in_issuance_log is False:
                return "signing key is compromised and the certificate is not in the issuance log"
        if self.retired_day is not None and issued_on > self.retired_day:
            return "signing key was already retired on the issue date"
        return None


class KeySet:
    """The keys a verifier trusts, indexed by kid, with public key objects loaded once (see bench)."""

    __slots__ = ("_by_kid", "issued_at", "keys", "names", "next_update", "root_public_key", "sequence")

    def __init__(
        self,
        keys: Iterable[PublishedKey],
        *,
        sequence: int = 0,
        issued_at: _dt.datetime | None = None,
        next_update: _dt.datetime | None = None,
        names: Mapping[str, Mapping[str, str]] | None = None,
        root_public_key: bytes | None = None,
    ) -> None:
        self.keys: tuple[PublishedKey, ...] = tuple(keys)
        self.sequence = sequence
        self.issued_at = issued_at
        self.next_update = next_update
        self.names: dict[str, dict[str, str]] = {k: dict(v) for k, v in (names or {}).items()}
        self.root_public_key = root_public_key
        by_kid: dict[bytes, list[TrustedKey]] = {}
        for info in self.keys:
            trusted = TrustedKey.from_published(info)
            by_kid.setdefault(trusted.kid, []).append(trusted)
        self._by_kid = {kid: tuple(v) for kid, v in by_kid.items()}

    def candidates(self, kid: bytes) -> tuple[TrustedKey, ...]:
        """Every key with this kid (several keys may share one)."""
        return self._by_kid.get(kid, ())

    def is_stale(self, now: _dt.datetime) -> bool:
        """Past ``next_update``: a newer set may have marked a key compromised, so results are not green."""
        return self.next_update is not None and now > self.next_update

    def display_name(self, category: str, code: str) -> str | None:
        """The published display name of a code (issuer, occupation, work_type), if any."""
        return self.names.get(category, {}).get(code)

    @classmethod
    def load(
        cls,
        data: bytes | str,
        root_public_key: bytes,
        *,
        min_sequence: int | None = None,
    ) -> KeySet:
        """Verify a published key set document against the pinned root key.

        Rejects any tampering (the signature covers the canonical form of every field; unknown fields are
        refused rather than dropped), a document naming another root key, and a ``sequence`` lower than
        ``min_sequence`` (the last one this verifier accepted): an attacker must not replay an old set from
        before a key was marked compromised.
        """
        if isinstance(data, str):
            data = data.encode("utf-8")
        if len(data) > 4 * 1024 * 1024:
            raise KeySetError("key set document too large")
        try:
            signed = msgspec.json.decode(data, type=_SignedKeySet)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise KeySetError(f"key set document is malformed: {exc}") from None
        doc = signed.keyset
        if not verify_detached(root_public_key, KEYSET_DOMAIN, canonical_json(doc), signed.signature):
            raise KeySetError("key set signature does not verify against the pinned root key", "bad_signature")
        if bytes.fromhex(doc.root_public_key) != root_public_key:
            raise KeySetError("key set names a different root key", "root_mismatch")
        if min_sequence is not None and doc.sequence < min_sequence:
            raise KeySetError(
                f"key set sequence {doc.sequence} is older than the cached {min_sequence} (rollback)", "rollback"
            )
        return cls(
            doc.keys, sequence=doc.sequence, issued_at=doc.issued_at, next_update=doc.next_update,
            names=doc.names, root_public_key=root_public_key,
        )


# ------------------------------------------------------------------------------------------------ key store


def _write_private(path: Path, data: bytes) -> None:
    # O_EXCL: never overwrite a key; mode 0o600 at creation so the key is never readable by others, even
    # for an instant; fchmod in case the process umask is unusual.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _private_pem(key: Ed25519PrivateKey) -> bytes:
    passphrase = os.environ.get(PASSPHRASE_ENV)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def _load_private(path: Path) -> Ed25519PrivateKey:
    passphrase = os.environ.get(PASSPHRASE_ENV)
    key = serialization.load_pem_private_key(path.read_bytes(), passphrase.encode("utf-8") if passphrase else None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyStoreError(f"{path} is not an Ed25519 private key")
    return key


class KeyStore:
    """File-based store of the root key and signing keys. Safe to share between processes (file lock)."""

    METADATA = "keys.json"
    ROOT = "root.pem"
    NAMES = "names.json"
    SIGNING_DIR = "signing"

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory or os.environ.get(KEYS_DIR_ENV) or DEFAULT_KEYS_DIR)
        self._meta: _StoreMetadata | None = None
        self._meta_stamp: int | None = None
        self._private_cache: dict[str, Ed25519PrivateKey] = {}

    # -- reading

    @property
    def _meta_path(self) -> Path:
        return self.directory / self.METADATA

    def exists(self) -> bool:
        """True once :meth:`generate` has created the store."""
        return self._meta_path.is_file()

    def _metadata(self) -> _StoreMetadata:
        try:
            stamp = self._meta_path.stat().st_mtime_ns
        except FileNotFoundError:
            raise KeyStoreError(f"no key store at {self.directory} (run: jineng keys generate)") from None
        if self._meta is None or stamp != self._meta_stamp:
            # Another process may have rotated keys: reload whenever the file changed.
            self._meta = msgspec.json.decode(self._meta_path.read_bytes(), type=_StoreMetadata)
            self._meta_stamp = stamp
        return self._meta

    def list_keys(self) -> list[KeyInfo]:
        """All signing keys, oldest first."""
        return list(self._metadata().keys)

    def active_key(self) -> KeyInfo | None:
        """The one key that signs now, if any."""
        return next((k for k in self._metadata().keys if k.state is KeyState.ACTIVE), None)

    def root_public_key(self) -> bytes:
        """The raw root public key: what verifiers pin."""
        return bytes.fromhex(self._metadata().root_public_key)

    def find(self, ref: str) -> KeyInfo:
        """A key by fingerprint prefix or kid (4 hex). Ambiguous or unknown references raise."""
        ref = ref.strip().lower()
        if len(ref) < 4:
            raise KeyStoreError("give at least the 4 hex digits of a kid")
        matches = [k for k in self._metadata().keys if k.fingerprint.startswith(ref) or k.kid == ref]
        if not matches:
            raise KeyStoreError(f"no key matches {ref!r}")
        if len(matches) > 1:
            listed = ", ".join(k.fingerprint for k in matches)
            raise KeyStoreError(f"{ref!r} matches several keys ({listed}); give more of the fingerprint")
        return matches[0]

    def names(self) -> dict[str, dict[str, str]]:
        """Display names stored for publishing (empty when none)."""
        path = self.directory / self.NAMES
        if not path.is_file():
            return {}
        return msgspec.json.decode(path.read_bytes(), type=dict[str, dict[str, str]])

    def signer(self) -> tuple[bytes, Ed25519PrivateKey, KeyInfo]:
        """(kid, private key, info) of the active key; private keys are cached per store object."""
        info = self.active_key()
        if info is None:
            raise KeyStoreError("no active signing key (run: jineng keys rotate)")
        key = self._private_cache.get(info.fingerprint)
        if key is None:
            key = _load_private(self.directory / info.file)
            if fingerprint_of(_raw_public(key.public_key())) != info.fingerprint:
                raise KeyStoreError(f"{info.file} does not hold key {info.fingerprint}")
            self._private_cache[info.fingerprint] = key
        return bytes.fromhex(info.kid), key, info

    def keyset(self) -> KeySet:
        """All keys as a :class:`KeySet` straight from the store (for the server's own verification)."""
        meta = self._metadata()
        return KeySet(
            (k.published() for k in meta.keys), sequence=meta.published_sequence,
            names=self.names(), root_public_key=bytes.fromhex(meta.root_public_key),
        )

    # -- changing

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._ensure_dirs()
        fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            self._meta = None  # re-read under the lock
            yield
        finally:
            os.close(fd)

    def _ensure_dirs(self) -> None:
        for path in (self.directory, self.directory / self.SIGNING_DIR):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            # mkdir's mode is filtered by umask and ignored for existing directories: set it explicitly.
            os.chmod(path, 0o700)

    def _save(self, meta: _StoreMetadata) -> None:
        _write_atomic(self._meta_path, msgspec.json.format(msgspec.json.encode(meta), indent=2) + b"\n")
        self._meta = None

    def _new_signing_key(self, now: _dt.datetime) -> KeyInfo:
        key = Ed25519PrivateKey.generate()
        raw = _raw_public(key.public_key())
        fp = fingerprint_of(raw)
        rel = f"{self.SIGNING_DIR}/{fp}.pem"
        _write_private(self.directory / rel, _private_pem(key))
        self._private_cache[fp] = key
        return KeyInfo(
            fingerprint=fp, kid=kid_of(raw).hex(), public_key=raw.hex(), file=rel, state=KeyState.ACTIVE,
            created_at=now, active_from=now,
        )

    def generate(self, now: _dt.datetime | None = None) -> KeyInfo:
        """Create the root key and a first signing key if missing; return the active key. Idempotent."""
        now = _utc(now)
        with self._locked():
            if self.exists():
                meta = self._metadata()
            else:
                root = Ed25519PrivateKey.generate()
                _write_private(self.directory / self.ROOT, _private_pem(root))
                meta = _StoreMetadata(root_public_key=_raw_public(root.public_key()).hex())
            active = next((k for k in meta.keys if k.state is KeyState.ACTIVE), None)
            if active is None:
                active = self._new_signing_key(now)
                meta.keys.append(active)
            self._save(meta)
            return active

    def rotate(self, now: _dt.datetime | None = None) -> KeyInfo:
        """Make a new active signing key; the previous active key becomes retired. Returns the new key."""
        now = _utc(now)
        with self._locked():
            meta = self._metadata()
            meta.keys = [
                msgspec.structs.replace(k, state=KeyState.RETIRED, retired_at=now)
                if k.state is KeyState.ACTIVE
                else k
                for k in meta.keys
            ]
            new = self._new_signing_key(now)
            meta.keys.append(new)
            self._save(meta)
            return new

    def retire(self, ref: str, now: _dt.datetime | None = None) -> KeyInfo:
        """Retire a key (it keeps verifying what it signed). Retiring the active key stops signing."""
        now = _utc(now)
        with self._locked():
            meta = self._metadata()
            target = self.find(ref)
            if target.state is not KeyState.ACTIVE:
                raise KeyStoreError(f"key {target.fingerprint} is {target.state.value}, not active")
            updated = msgspec.structs.replace(target, state=KeyState.RETIRED, retired_at=now)
            meta.keys = [updated if k.fingerprint == target.fingerprint else k for k in meta.keys]
            self._save(meta)
            return updated

    def compromise(self, ref: str, at: _dt.datetime, now: _dt.datetime | None = None) -> KeyInfo:
        """Mark a key compromised from ``at``: certificates issued on or after that day stop verifying."""
        now = _utc(now)
        at = _utc(at)
        with self._locked():
            meta = self._metadata()
            target = self.find(ref)
            if target.state is KeyState.COMPROMISED and target.compromised_at is not None:
                at = min(at, target.compromised_at)  # a compromise time only ever moves earlier
            updated = msgspec.structs.replace(
                target, state=KeyState.COMPROMISED, compromised_at=at,
                retired_at=target.retired_at or min(now, max(at, target.active_from)),
            )
            meta.keys = [updated if k.fingerprint == target.fingerprint else k for k in meta.keys]
            self._private_cache.pop(target.fingerprint, None)
            self._save(meta)
            return updated

    def set_names(self, names: Mapping[str, Mapping[str, str]]) -> None:
        """Store display names to publish with the key set (replaces the previous ones)."""
        clean = {str(c): {str(k): str(v) for k, v in m.items()} for c, m in names.items()}
        with self._locked():
            _write_atomic(self.directory / self.NAMES, canonical_json(clean))

    def _root_private(self) -> Ed25519PrivateKey:
        key = _load_private(self.directory / self.ROOT)
        if _raw_public(key.public_key()) != self.root_public_key():
            raise KeyStoreError("root.pem does not match the root public key in keys.json")
        return key

    def sign_with_root(self, domain: bytes, payload: bytes) -> str:
        """Detached base64 root signature (used for key sets and status lists)."""
        return sign_detached(self._root_private(), domain, payload)

    def publish(
        self,
        now: _dt.datetime | None = None,
        valid_for: _dt.timedelta = _dt.timedelta(days=7),
        names: Mapping[str, Mapping[str, str]] | None = None,
    ) -> bytes:
        """Build the next root-signed key set document (JSON bytes); its sequence is one more than the last."""
        now = _utc(now)
        with self._locked():
            meta = self._metadata()
            meta.published_sequence += 1
            doc = KeySetDocument(
                sequence=meta.published_sequence, issued_at=now, next_update=now + valid_for,
                root_public_key=meta.root_public_key, keys=[k.published() for k in meta.keys],
                names={c: dict(m) for c, m in (self.names() if names is None else names).items()},
            )
            signature = self.sign_with_root(KEYSET_DOMAIN, canonical_json(doc))
            self._save(meta)
        signed = _SignedKeySet(keyset=doc, signature=signature)
        return msgspec.json.format(canonical_json(signed), indent=2) + b"\n"
