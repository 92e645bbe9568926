"""Signing keys as the server uses them: the key store, the verification URL prefix, display names, and
the root-signed documents verifiers download (key set, status list).

* The key store is ``certificates.KeyStore`` in ``Settings.keys_dir`` (``JINENG_KEYS_DIR``). When no store
  exists yet, :func:`ensure_keys` creates one (root key + first signing key) — what ``jineng keys generate``
  does — so a fresh ``jineng serve`` or demo can issue at once. A store that exists but has no active key
  (retired or compromised) is never silently replaced: issuing then fails with ``no_signing_key``.
* Display names of the codes in signed records (issuer, occupation, work type/event) live in
  ``certificate_label`` and are published inside the signed key set, so offline and in-browser verifiers
  can show them.
* The published key set and status list are kept in ``published_document`` so every worker serves the same
  document with a monotonic sequence; they are rebuilt when what they describe changed or half their
  validity has passed.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import hashlib
import logging
import os
import secrets
from pathlib import Path

import msgspec

from certificates import CertStatus, KeySet, KeyStore, KeyStoreError, build_status_list
from certificates.envelope import normalize_url_prefix
from certificates.keys import canonical_json
from server import locks
from server.config import get_settings
from server.db import lock_key, write_transaction
from server.errors import Conflict
from server.issuing.clock import now as _now
from server.issuing.tables import (
    Certificate,
    CertificateCounter,
    CertificateLabel,
    PublishedDocument,
)

log = logging.getLogger("jineng.issuing")

KEYSET_VALID_FOR = _dt.timedelta(days=7)
STATUS_LIST_VALID_FOR = _dt.timedelta(days=1)
_STATUS_CODES = {"revoked": CertStatus.REVOKED, "suspended": CertStatus.SUSPENDED,
                 "superseded": CertStatus.SUPERSEDED}

_store: KeyStore | None = None
_override: KeyStore | None = None


def keystore() -> KeyStore:
    """The process's key store object (private keys are cached in it)."""
    global _store
    if _override is not None:
        return _override
    directory = Path(get_settings().keys_dir)
    if _store is None or Path(_store.directory) != directory:
        _store = KeyStore(directory)
    return _store


def use_keystore(store: KeyStore | None) -> None:
    """Point the server at another key store (tests; ``None`` goes back to the configured one)."""
    global _override
    _override = store


def ensure_keys() -> KeyStore:
    """The key store, created (root + signing key) if none exists yet."""
    store = keystore()
    if not store.exists():
        info = store.generate()
        log.warning("no certificate key store at %s: created one (signing key kid %s); back up root.pem",
                    store.directory, info.kid)
    return store


def signing_store() -> KeyStore:
    """The key store with an active signing key, or ``Conflict(no_signing_key)``."""
    store = ensure_keys()
    try:
        if store.active_key() is None:
            raise KeyStoreError("no active key")
    except KeyStoreError:
        raise Conflict("No active certificate signing key: run `jineng keys rotate` first.",
                       code="no_signing_key") from None
    return store


def url_prefix() -> str:
    """The QR URL prefix: ``JINENG_VERIFY_URL_PREFIX`` or the public URL + ``/C/``, upper case."""
    configured = os.environ.get("JINENG_VERIFY_URL_PREFIX") or (get_settings().public_url + "/C/")
    try:
        return normalize_url_prefix(configured)
    except ValueError as exc:
        raise Conflict(f"The verification URL cannot go into a QR code: {exc}", code="bad_verify_url") from None


# --- display names --------------------------------------------------------------------------------

async def label_names() -> dict[str, dict[str, str]]:
    """{"issuer": {"12": "…"}, "occupation": {"6-31-01-03": "电工"}, "work_type": {"3": "电焊工"}}."""
    names: dict[str, dict[str, str]] = {}
    for row in await CertificateLabel.select(CertificateLabel.category, CertificateLabel.code,
                                             CertificateLabel.name).order_by(CertificateLabel.id):
        names.setdefault(row["category"], {})[row["code"]] = row["name"]
    return names


async def label_code(category: str, ref: str, name: str, code: str | None = None) -> str:
    """The code a signed record uses for ``ref`` (an organization, occupation, work type or event) in
    ``category``, registered with its display name on first use; a new code is the category's next counter
    value unless ``code`` is given. Call inside ``write_transaction``."""
    row = await CertificateLabel.select(CertificateLabel.code).where(
        (CertificateLabel.category == category) & (CertificateLabel.ref == ref)).first()
    if row is not None:
        return row["code"]
    if code is None:
        code = str(await allocate(f"label:{category}"))
    await _bump_labels_version()
    await CertificateLabel.insert(CertificateLabel(category=category, code=code, ref=ref, name=name,
                                                   created_at=_now())).on_conflict(
        target=(CertificateLabel.category, CertificateLabel.ref), action="DO NOTHING")
    row = await CertificateLabel.select(CertificateLabel.code).where(
        (CertificateLabel.category == category) & (CertificateLabel.ref == ref)).first()
    return row["code"]


# --- the key set the server verifies with ---------------------------------------------------------
#
# Kept in memory and rebuilt only when what it is made of changes: the key store's keys (a file, which the
# store re-reads when its modification time changes, so a rotation by `jineng keys` or another worker is
# seen at once) and the display names in ``certificate_label``. Names are only ever added, each insertion
# bumping the ``labels`` counter in the same transaction; readers compare that one number (public
# verification reads it in the same query as the certificate's status), so a name another worker added is
# used from the next request on, with no TTL to wait out and no query when nothing changed. The counter
# starts at a random value, so a database restored or emptied and refilled never matches an old number.

LABELS_SCOPE = "labels"
LABELS_VERSION_SQL = "(SELECT value FROM certificate_counter WHERE scope = 'labels')"
_ASK = object()


class _CachedKeySet(msgspec.Struct, frozen=True):
    store: object
    keys: tuple
    labels_version: int | None
    keyset: KeySet


_keyset_cache: _CachedKeySet | None = None


async def _bump_labels_version() -> None:
    await CertificateCounter.insert(CertificateCounter(scope=LABELS_SCOPE, value=secrets.randbits(48))).on_conflict(
        target=CertificateCounter.scope, action="DO NOTHING")
    await CertificateCounter.update({CertificateCounter.value: CertificateCounter.value + 1}).where(
        CertificateCounter.scope == LABELS_SCOPE)


async def labels_version() -> int | None:
    rows = await CertificateCounter.select(CertificateCounter.value).where(CertificateCounter.scope == LABELS_SCOPE)
    return int(rows[0]["value"]) if rows else None


async def verification_keyset(labels_version_now: int | None | object = _ASK) -> KeySet:
    """Every key of the store (active, retired, compromised) with the current display names.

    ``labels_version_now``: the ``labels`` counter as the caller just read it (``LABELS_VERSION_SQL`` in its
    own query); without it the counter is read here (one small query)."""
    global _keyset_cache
    store = ensure_keys()
    keys = tuple(store.list_keys())
    version = await labels_version() if labels_version_now is _ASK else labels_version_now
    cached = _keyset_cache
    if cached is not None and cached.store is store and cached.keys == keys and cached.labels_version == version:
        return cached.keyset
    # the counter first, then the names: a name added in between only makes the next request reload again
    version = await labels_version()
    names = await label_names()
    keyset = KeySet([k.published() for k in keys], names=names, root_public_key=store.root_public_key())
    _keyset_cache = _CachedKeySet(store, keys, version, keyset)
    return keyset


# --- counters -------------------------------------------------------------------------------------

async def allocate(scope: str) -> int:
    """The next value of a counter (1, 2, …): atomic on both engines; call inside ``write_transaction``."""
    await CertificateCounter.insert(CertificateCounter(scope=scope, value=0)).on_conflict(
        target=CertificateCounter.scope, action="DO NOTHING"
    )
    rows = await CertificateCounter.update(
        {CertificateCounter.value: CertificateCounter.value + 1}
    ).where(CertificateCounter.scope == scope).returning(CertificateCounter.value)
    return int(rows[0]["value"])


# --- published documents --------------------------------------------------------------------------

def _digest(value: object) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def _fresh(row: dict | None, source: str, now: _dt.datetime) -> bool:
    if row is None or row["source_digest"] != source:
        return False
    half = (row["next_update"] - row["issued_at"]) / 2
    return now < row["issued_at"] + half


async def _store_document(kind: str, sequence: int, body: bytes, source: str, issued_at: _dt.datetime,
                          next_update: _dt.datetime) -> bytes:
    """Keep the newest document (by sequence); a slower worker never replaces a newer one."""
    async with write_transaction():
        await lock_key(locks.keyset_publication())
        row = await PublishedDocument.select().where(PublishedDocument.kind == kind).first()
        if row is None:
            await PublishedDocument.insert(PublishedDocument(
                kind=kind, sequence=sequence, body=body.decode("utf-8"), source_digest=source, issued_at=issued_at,
                next_update=next_update))
        elif int(row["sequence"]) < sequence:
            await PublishedDocument.update({
                PublishedDocument.sequence: sequence, PublishedDocument.body: body.decode("utf-8"),
                PublishedDocument.source_digest: source, PublishedDocument.issued_at: issued_at,
                PublishedDocument.next_update: next_update,
            }).where(PublishedDocument.kind == kind)
        else:
            return row["body"].encode("utf-8")
    return body


class _DocumentHead(msgspec.Struct):
    """What the stored row repeats of a published document (key set or status list)."""

    sequence: int
    issued_at: _dt.datetime
    next_update: _dt.datetime


class _SignedHead(msgspec.Struct):
    keyset: _DocumentHead


async def published_keyset() -> bytes:
    """The root-signed key set (``jineng-keyset/1``) with every key and the display names."""
    store = ensure_keys()
    names = await label_names()
    source = _digest({"keys": [k.published() for k in store.list_keys()], "names": names,
                      "root": store.root_public_key().hex()})
    row = await PublishedDocument.select().where(PublishedDocument.kind == "keyset").first()
    if _fresh(row, source, _now()):
        return row["body"].encode("utf-8")
    body = await asyncio.to_thread(store.publish, valid_for=KEYSET_VALID_FOR, names=names)
    head = msgspec.json.decode(body, type=_SignedHead).keyset
    return await _store_document("keyset", head.sequence, body, source, head.issued_at, head.next_update)


class _SignedStatusHead(msgspec.Struct):
    status_list: _DocumentHead


async def published_status_list() -> bytes:
    """The root-signed status list: 2 bits per ``status_index`` (valid, revoked, suspended, superseded)."""
    store = ensure_keys()
    rows = await Certificate.select(Certificate.status_index, Certificate.status).where(
        Certificate.status != "valid"
    ).order_by(Certificate.status_index)
    entries = {int(r["status_index"]): _STATUS_CODES[r["status"]] for r in rows if r["status"] in _STATUS_CODES}
    source = _digest(sorted((i, s.value) for i, s in entries.items()))
    row = await PublishedDocument.select().where(PublishedDocument.kind == "status_list").first()
    now = _now()
    if _fresh(row, source, now):
        return row["body"].encode("utf-8")
    async with write_transaction():
        sequence = await allocate("doc:status_list")
    body = await asyncio.to_thread(build_status_list, entries, keystore=store, sequence=sequence, now=now,
                                   valid_for=STATUS_LIST_VALID_FOR)
    head = msgspec.json.decode(body, type=_SignedStatusHead).status_list
    return await _store_document("status_list", sequence, body, source, head.issued_at, head.next_update)
