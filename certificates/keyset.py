"""The published key set: a root-signed document listing every signing key, and how verifiers load it.

The key set is canonical JSON (sorted keys) with a monotonic ``sequence``, ``issued_at`` and ``next_update``,
signed by the root key over ``b"JINENG-KEYSET\\x00v1" ‖ canonical bytes``. :meth:`KeySet.load` verifies the
signature against a pinned root key and refuses a sequence lower than a cached one (rollback).

Besides the keys (with their states, :mod:`certificates.keystates`) the document carries ``names``: display
names for the codes in signed records, ``{"issuer": {"137": "…"}, "occupation": {"6-31-01-03": "电工"},
"work_type": {"12": "…"}}``. They are signed together with the keys, so an offline verifier can show them
(:meth:`KeySet.display_name`).

The detached-signature helpers here (:func:`canonical_json`, :func:`sign_detached`, :func:`verify_detached`)
serve every root-signed document: key sets and status lists (:mod:`certificates.status`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .keystates import Hex32, PublishedKey, TrustedKey, UtcDatetime, raw_public

__all__ = [
    "KEYSET_DOMAIN",
    "KeySet",
    "KeySetDocument",
    "KeySetError",
    "SignedKeySet",
    "canonical_json",
    "load_root_public_key",
    "open_signed",
    "sign_detached",
    "verify_detached",
]

KEYSET_DOMAIN = b"JINENG-KEYSET\x00v1"
_FORMAT_KEYSET = "jineng-keyset/1"


class KeySetError(ValueError):
    """A published key set that must not be trusted. ``code``: malformed, bad_signature, rollback, root_mismatch."""

    def __init__(self, message: str, code: str = "malformed") -> None:
        super().__init__(message)
        self.code = code


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


class SignedKeySet(msgspec.Struct, forbid_unknown_fields=True):
    """The published file: the key set document and the root's detached signature over its canonical form."""

    keyset: KeySetDocument
    signature: str


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


Signed = TypeVar("Signed")


def open_signed(
    data: bytes | str,
    wrapper: type[Signed],
    *,
    root_public_key: bytes,
    domain: bytes,
    max_bytes: int,
    what: str,
    error: type[ValueError],
    min_sequence: int | None = None,
) -> Any:
    """The verified content of a root-signed document (key set, status list), or ``error(message, code)``.

    Steps, cheapest first: size cap, strict decoding into ``wrapper`` (a Struct with the content as its
    first field and ``signature``), the root's signature over the canonical content, and no ``sequence``
    below ``min_sequence`` (rollback). ``what`` names the document in messages.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise error(f"{what} document too large")
    try:
        signed = msgspec.json.decode(data, type=wrapper)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise error(f"{what} is malformed: {exc}") from None
    doc = getattr(signed, wrapper.__struct_fields__[0])
    if not verify_detached(root_public_key, domain, canonical_json(doc), signed.signature):
        raise error(f"{what} signature does not verify against the pinned root key", "bad_signature")
    if min_sequence is not None and doc.sequence < min_sequence:
        raise error(f"{what} sequence {doc.sequence} is older than the cached {min_sequence} (rollback)", "rollback")
    return doc


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
            return raw_public(key)
        text = data.decode("ascii").strip()
    else:
        text = value.decode("ascii") if isinstance(value, bytes) else value
    raw = bytes.fromhex(text.strip())
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes (64 hex characters)")
    return raw


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
            try:
                trusted = TrustedKey.from_published(info)
            except ValueError as exc:
                raise KeySetError(str(exc)) from None
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
        doc: KeySetDocument = open_signed(
            data, SignedKeySet, root_public_key=root_public_key, domain=KEYSET_DOMAIN, max_bytes=4 * 1024 * 1024,
            what="key set", error=KeySetError, min_sequence=min_sequence,
        )
        if bytes.fromhex(doc.root_public_key) != root_public_key:
            raise KeySetError("key set names a different root key", "root_mismatch")
        return cls(
            doc.keys, sequence=doc.sequence, issued_at=doc.issued_at, next_update=doc.next_update,
            names=doc.names, root_public_key=root_public_key,
        )

