"""Signed checkpoints of the audit chain: what a database writer cannot recompute.

The hash chain (``server.audit.services``) shows an edited, deleted or reordered entry, but whoever can
write the database can also rewrite an entry and recompute every later hash and the head. A checkpoint
anchors the chain outside the database: an Ed25519 signature over (entry number, its hash, the time),
made with the *audit key*, which lives beside the certificate keys and never in the database.

Layout (``$JINENG_AUDIT_DIR``, else ``$JINENG_KEYS_DIR/audit``; mode 0700)::

    audit-key.pem       the audit signing key (Ed25519, PKCS#8 PEM, 0600; encrypted when
                        $JINENG_KEYS_PASSPHRASE is set), made on first use; a different key from the
                        certificate signing keys and the root key
    checkpoints.jsonl   every checkpoint, one JSON line each, only ever appended to (O_APPEND, 0600)

Each checkpoint is also stored in the ``audit_checkpoint`` table for reading; ``verify`` trusts neither
copy blindly: a line or row counts only with a valid signature by the audit key, and a row without a
valid signature is itself a finding (a forgery attempt).

When: after the commit of every ``JINENG_AUDIT_CHECKPOINT_EVERY``-th entry (default 1000), on demand
(``jineng audit checkpoint``) and wherever :func:`write_checkpoint` is called (e.g. at start-up).
``jineng audit verify`` then checks the chain against every checkpoint: a rewritten chain no longer has
a checkpointed entry's hash, and a chain cut short (or restored from an older backup) ends before a
checkpointed entry. Entries after the newest checkpoint are protected by the chain alone until the next
checkpoint; keep a copy of the file elsewhere (it holds no secret) for an anchor the server's own disk
cannot lose either.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from server.audit.tables import AuditCheckpoint, AuditHead
from server.config import get_settings
from server.db import write_transaction

try:
    import fcntl
except ImportError:  # pragma: no cover - POSIX only
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("jineng.audit")

FORMAT = "jineng-audit-checkpoint/1"
KEY_FILE = "audit-key.pem"
LOG_FILE = "checkpoints.jsonl"
DEFAULT_EVERY = 1000


class Checkpoint(msgspec.Struct, frozen=True):
    seq: int
    hash: str
    at: str
    public_key: str  # hex, raw Ed25519
    signature: str  # hex
    format: str = FORMAT


class Anchor(msgspec.Struct):
    """What :func:`load` found: checkpoints with a valid signature, and the problems of the others."""

    public_key: str | None
    valid: list[Checkpoint]
    problems: list[str]


def audit_dir() -> Path:
    configured = os.environ.get("JINENG_AUDIT_DIR")
    return Path(configured) if configured else Path(get_settings().keys_dir) / "audit"


def every() -> int:
    try:
        return max(1, int(os.environ.get("JINENG_AUDIT_CHECKPOINT_EVERY", DEFAULT_EVERY)))
    except ValueError:
        return DEFAULT_EVERY


def signed_bytes(seq: int, digest: str, at: str, public_key: str) -> bytes:
    """The exact bytes a checkpoint signs (domain-separated, canonical JSON)."""
    return FORMAT.encode() + b"\n" + msgspec.json.encode(
        {"at": at, "hash": digest, "public_key": public_key, "seq": int(seq)})


# --- the key ----------------------------------------------------------------------------------------

def _passphrase() -> bytes | None:
    value = os.environ.get("JINENG_KEYS_PASSPHRASE")
    return value.encode() if value else None


def _raw_public(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def _read_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=_passphrase())
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} is not an Ed25519 key")
    return key


def signing_key() -> Ed25519PrivateKey:
    """The audit key, made (0600, never overwritten) when the directory has none yet."""
    directory = audit_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / KEY_FILE
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        encryption = (serialization.BestAvailableEncryption(_passphrase()) if _passphrase()
                      else serialization.NoEncryption())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it first
            return _read_key(path)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        log.warning("made the audit checkpoint key %s (public key %s); back it up with the certificate keys",
                    path, _raw_public(key.public_key()))
        return key
    return _read_key(path)


def public_key() -> Ed25519PublicKey | None:
    """The audit key's public half, or None when no key was ever made."""
    path = audit_dir() / KEY_FILE
    return _read_key(path).public_key() if path.exists() else None


# --- writing ----------------------------------------------------------------------------------------

@contextlib.contextmanager
def _locked(fd: int) -> Iterator[None]:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)


def _sign_and_append(seq: int, digest: str) -> Checkpoint:
    key = signing_key()
    at = datetime.now(timezone.utc).isoformat(timespec="microseconds")
    public = _raw_public(key.public_key())
    signature = key.sign(signed_bytes(seq, digest, at, public)).hex()
    checkpoint = Checkpoint(seq=seq, hash=digest, at=at, public_key=public, signature=signature)
    line = msgspec.json.encode(checkpoint) + b"\n"
    fd = os.open(audit_dir() / LOG_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        with _locked(fd):
            os.write(fd, line)  # one write of one line: workers appending at once never interleave
            os.fsync(fd)
    finally:
        os.close(fd)
    return checkpoint


async def write_checkpoint() -> Checkpoint | None:
    """Sign the committed chain head, append it to the file and store a copy in the database. None when
    the chain is empty. Call it outside a write transaction: it signs what has been committed."""
    head = await AuditHead.select().where(AuditHead.name == "main").first()
    if head is None:
        return None
    checkpoint = await asyncio.to_thread(_sign_and_append, int(head["seq"]), head["hash"])
    async with write_transaction():
        await AuditCheckpoint.insert(AuditCheckpoint(
            seq=checkpoint.seq, hash=checkpoint.hash, at=checkpoint.at, public_key=checkpoint.public_key,
            signature=checkpoint.signature))
    return checkpoint


async def checkpoint_after_commit(seq: int) -> None:
    """The periodic checkpoint (an after-commit subscriber calls this for every ``every()``-th entry):
    a failure is logged, never raised, since the entry has committed already."""
    try:
        await write_checkpoint()
    except Exception:
        log.exception("could not write the audit checkpoint after entry %s", seq)


# --- reading ----------------------------------------------------------------------------------------

def _valid(checkpoint: Checkpoint, key: Ed25519PublicKey, public: str) -> bool:
    if checkpoint.format != FORMAT or checkpoint.public_key != public:
        return False
    try:
        key.verify(bytes.fromhex(checkpoint.signature),
                   signed_bytes(checkpoint.seq, checkpoint.hash, checkpoint.at, checkpoint.public_key))
    except (InvalidSignature, ValueError):
        return False
    return True


def _file_checkpoints() -> tuple[list[tuple[int, Checkpoint | None]], bool]:
    """(line number, checkpoint or None when unreadable) of every line of the file; and whether it exists."""
    path = audit_dir() / LOG_FILE
    if not path.exists():
        return [], False
    out: list[tuple[int, Checkpoint | None]] = []
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append((number, msgspec.json.decode(line, type=Checkpoint)))
        except msgspec.MsgspecError:
            out.append((number, None))
    return out, True


async def load() -> Anchor:
    """Every checkpoint of the file and of the database, each kept only with a valid signature."""
    key = await asyncio.to_thread(public_key)
    lines, file_exists = await asyncio.to_thread(_file_checkpoints)
    rows = await AuditCheckpoint.select().order_by(AuditCheckpoint.id)
    problems: list[str] = []
    if key is None:
        if lines or rows:
            problems.append(f"there are checkpoints but no audit key in {audit_dir()}: they cannot be checked")
        return Anchor(public_key=None, valid=[], problems=problems)
    public = _raw_public(key)
    valid: dict[tuple[int, str, str], Checkpoint] = {}
    for number, checkpoint in lines:
        if checkpoint is None or not _valid(checkpoint, key, public):
            problems.append(f"line {number} of {audit_dir() / LOG_FILE} is not a checkpoint signed by the audit key")
            continue
        valid[(checkpoint.seq, checkpoint.hash, checkpoint.at)] = checkpoint
    for row in rows:
        checkpoint = Checkpoint(seq=int(row["seq"]), hash=row["hash"], at=row["at"],
                                public_key=row["public_key"], signature=row["signature"])
        if not _valid(checkpoint, key, public):
            problems.append(f"the database holds a checkpoint of entry {checkpoint.seq} that the audit key did "
                            "not sign (forged)")
            continue
        valid.setdefault((checkpoint.seq, checkpoint.hash, checkpoint.at), checkpoint)
    if rows and not file_exists:
        problems.append(f"the checkpoint file {audit_dir() / LOG_FILE} is missing (only the database's copy was "
                        "checked)")
    return Anchor(public_key=public, valid=sorted(valid.values(), key=lambda c: (c.seq, c.at)),
                  problems=problems)
