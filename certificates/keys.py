"""Signing keys, in one import: the key store, the published key set, and key states.

Three modules, one idea each:

* :mod:`certificates.keystore` — the root key and signing keys on disk (:class:`KeyStore`, layout, file
  modes, passphrase, lock) and the operations that change key states (generate, rotate, retire,
  compromise, publish);
* :mod:`certificates.keyset` — the root-signed key set verifiers download (:class:`KeySet`,
  :func:`load_root_public_key`, the signed display ``names``) and the detached-signature helpers every
  root-signed document uses (:func:`canonical_json`, :func:`sign_detached`, :func:`verify_detached`);
* :mod:`certificates.keystates` — what a key vouches for: :class:`KeyState`, the Beijing-date windows of
  :class:`TrustedKey`, ``kid`` and fingerprint.

This module re-exports their public names, so ``from certificates.keys import …`` keeps working.
"""

from __future__ import annotations

from .keyset import (
    KEYSET_DOMAIN,
    KeySet,
    KeySetDocument,
    KeySetError,
    SignedKeySet,
    canonical_json,
    load_root_public_key,
    sign_detached,
    verify_detached,
)
from .keystates import (
    BACKDATE_GRACE,
    FUTURE_TOLERANCE,
    ISSUE_TZ,
    KeyState,
    PublishedKey,
    TrustedKey,
    UtcDatetime,
    fingerprint_of,
    kid_of,
)
from .keystore import DEFAULT_KEYS_DIR, KEYS_DIR_ENV, PASSPHRASE_ENV, KeyInfo, KeyStore, KeyStoreError

__all__ = [
    "BACKDATE_GRACE",
    "DEFAULT_KEYS_DIR",
    "FUTURE_TOLERANCE",
    "ISSUE_TZ",
    "KEYSET_DOMAIN",
    "KEYS_DIR_ENV",
    "PASSPHRASE_ENV",
    "KeyInfo",
    "KeySet",
    "KeySetDocument",
    "KeySetError",
    "KeyState",
    "KeyStore",
    "KeyStoreError",
    "PublishedKey",
    "SignedKeySet",
    "TrustedKey",
    "UtcDatetime",
    "canonical_json",
    "fingerprint_of",
    "kid_of",
    "load_root_public_key",
    "sign_detached",
    "verify_detached",
]
