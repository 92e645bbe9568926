"""Audit tables. Values that enter the hash are stored as text so both engines hash the same bytes."""

from piccolo.columns import BigInt, Integer, Text, Varchar
from piccolo.table import Table


class AuditEntry(Table, tablename="audit_entry"):
    seq = BigInt(unique=True)
    at = Varchar(length=40)  # ISO-8601 UTC with microseconds
    actor_id = Integer(null=True, default=None)
    actor = Varchar(length=120)
    action = Varchar(length=80, index=True)
    object_type = Varchar(length=60, index=True)
    object_id = Varchar(length=80, index=True)
    before = Text(null=True, default=None)  # canonical JSON
    after = Text(null=True, default=None)  # canonical JSON
    reason = Text(default="")
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)


class AuditHead(Table, tablename="audit_head"):
    """The chain's tip, updated with every append: deleting the newest entries is then detectable too."""

    name = Varchar(length=20, unique=True)
    seq = BigInt()
    hash = Varchar(length=64)


class AuditCheckpoint(Table, tablename="audit_checkpoint"):
    """A signed statement "the chain's entry ``seq`` had hash ``hash``" (``server.audit.checkpoints``).

    This copy is for reading; the one that counts is the append-only file beside the audit key, outside
    the database. A database writer can delete these rows but cannot forge one: the signature is made
    with a key the database never holds."""

    seq = BigInt(index=True)
    hash = Varchar(length=64)
    at = Varchar(length=40)  # ISO-8601 UTC with microseconds, when the checkpoint was signed
    public_key = Varchar(length=64)  # hex of the raw Ed25519 public key that signed it
    signature = Varchar(length=128)  # hex
