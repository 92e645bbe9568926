"""Certificate rows as the issuing services read them: one select (with the issuer's and the school's
organization paths, which the scope rules need), lookup by any reference a person may type, the shown form
of a stored ``cert_id``, and the JSON list columns (organizers, members, coaches).
"""

from __future__ import annotations

import re

import msgspec

from certificates import format_cert_id
from server.issuing.tables import Certificate


def select():
    """``Certificate`` rows with ``issuer_path``, ``school_id`` and ``school_path``."""
    return Certificate.select(
        Certificate.all_columns(),
        Certificate.issuer.path.as_alias("issuer_path"),
        Certificate.person.school.as_alias("school_id"),
        Certificate.person.school.path.as_alias("school_path"),
    )


def where_ref(ref: str):
    """A certificate by row id (digits), cert_id (``1a2b3c4d-5e6f7a8b`` or 16 hex digits) or 证书编号."""
    text = ref.strip().lower()
    if re.fullmatch(r"[0-9a-f]{8}-?[0-9a-f]{8}", text):
        return Certificate.cert_id == text.replace("-", "")
    if re.fullmatch(r"\d{1,12}", text):
        return Certificate.id == int(text)
    if re.fullmatch(r"[ys]\d{21}|jn\d{16}", text):
        return Certificate.number == text.upper()
    return None


async def fetch(ref: str | int) -> dict | None:
    """The row (as :func:`select` reads it) of a row id or a typed reference; None when there is none."""
    condition = Certificate.id == ref if isinstance(ref, int) else where_ref(ref)
    if condition is None:
        return None
    return await select().where(condition).first()


def cert_id_text(stored: str) -> str:
    """A stored ``cert_id`` (16 hex digits) as shown and audited: ``1a2b3c4d-5e6f7a8b``."""
    return format_cert_id(bytes.fromhex(stored))


def json_text(value: object) -> str:
    """The stored JSON text of a list column (or of the full record)."""
    return msgspec.json.encode(value).decode()


def json_list(text: str | None) -> list[str]:
    """A list column's value (empty when unset)."""
    return msgspec.json.decode(text or "[]", type=list[str])
