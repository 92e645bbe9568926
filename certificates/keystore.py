"""The key store: the root key and the signing keys on disk, and the changes of their states.

Layout (directory from ``$JINENG_KEYS_DIR``, else ``./var/keys``; mode 0700)::

    root.pem                   root private key (Ed25519, PKCS#8 PEM, 0600): signs key sets and status lists
    signing/<fingerprint>.pem  signing private keys (0600), one per generated key
    keys.json                  metadata: root public key, key states and windows, last published sequence
    names.json                 display names published with the key set (issuer, occupation, …): the ones
                               given to ``keys publish --names`` or :meth:`KeyStore.publish` last
    .lock                      advisory lock held while the store changes

Private key files are created with ``os.open(..., 0o600)`` and encrypted when ``$JINENG_KEYS_PASSPHRASE`` is
set. In production the root key belongs on an offline machine; this store keeps it beside the signing keys
so a single-machine deployment works out of the box.

:meth:`KeyStore.generate`, :meth:`~KeyStore.rotate`, :meth:`~KeyStore.retire` and :meth:`~KeyStore.compromise`
move keys between the states of :mod:`certificates.keystates`; :meth:`KeyStore.publish` writes the next
root-signed key set of :mod:`certificates.keyset`.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .keyset import KEYSET_DOMAIN, KeySet, KeySetDocument, SignedKeySet, canonical_json, sign_detached
from .keystates import Hex32, KeyState, Kid, PublishedKey, UtcDatetime, fingerprint_of, kid_of, raw_public

try:  # POSIX advisory locks; on other systems the store is single-writer by convention.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "DEFAULT_KEYS_DIR",
    "KEYS_DIR_ENV",
    "PASSPHRASE_ENV",
    "KeyInfo",
    "KeyStore",
    "KeyStoreError",
]

KEYS_DIR_ENV = "JINENG_KEYS_DIR"
PASSPHRASE_ENV = "JINENG_KEYS_PASSPHRASE"
DEFAULT_KEYS_DIR = Path("var") / "keys"

_FORMAT_STORE = "jineng-keystore/1"


class KeyStoreError(RuntimeError):
    """A key store operation that cannot be done (no store, ambiguous key, wrong state …)."""



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


def _utc(value: _dt.datetime | None) -> _dt.datetime:
    if value is None:
        return _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    if value.tzinfo is None:
        raise ValueError("timestamps must be time-zone aware")
    return value.astimezone(_dt.UTC).replace(microsecond=0)


def _clean_names(names: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    return {str(c): {str(k): str(v) for k, v in m.items()} for c, m in names.items()}


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
            if fingerprint_of(raw_public(key.public_key())) != info.fingerprint:
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
        raw = raw_public(key.public_key())
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
                meta = _StoreMetadata(root_public_key=raw_public(root.public_key()).hex())
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
        with self._locked():
            _write_atomic(self.directory / self.NAMES, canonical_json(_clean_names(names)))

    def _root_private(self) -> Ed25519PrivateKey:
        key = _load_private(self.directory / self.ROOT)
        if raw_public(key.public_key()) != self.root_public_key():
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
        """Build the next root-signed key set document (JSON bytes); its sequence is one more than the last.

        ``names`` (display names of record codes) default to the stored ones; names given here are stored
        too, so the store's own :meth:`keyset` (what ``jineng verify`` uses without ``--keyset``) shows the
        names verifiers were last given.
        """
        now = _utc(now)
        with self._locked():
            meta = self._metadata()
            meta.published_sequence += 1
            published = self.names() if names is None else _clean_names(names)
            doc = KeySetDocument(
                sequence=meta.published_sequence, issued_at=now, next_update=now + valid_for,
                root_public_key=meta.root_public_key, keys=[k.published() for k in meta.keys], names=published,
            )
            signature = self.sign_with_root(KEYSET_DOMAIN, canonical_json(doc))
            if names is not None and published != self.names():
                _write_atomic(self.directory / self.NAMES, canonical_json(published))
            self._save(meta)
        signed = SignedKeySet(keyset=doc, signature=signature)
        return msgspec.json.format(canonical_json(signed), indent=2) + b"\n"
