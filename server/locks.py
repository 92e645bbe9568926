"""Every advisory-lock id of the server, in one registry, and the order in which they are taken.

A lock serializes a read-then-write section across workers on PostgreSQL (``server.db.lock_key``: a
transaction-scoped ``pg_advisory_xact_lock``, released at commit). On SQLite the in-process write lock and
``BEGIN IMMEDIATE`` already serialize every writer, so these ids only matter on PostgreSQL.

Lock order — a transaction that needs several takes them in this order, never the reverse, so two
transactions cannot wait on each other (PostgreSQL would abort one with a deadlock):

1. ``competition(id)`` — a competition's lifecycle, its events, results and advancement into it;
2. ``entry_places(event, school)`` — one school's places in one event (quota, one entry per person);
3. ``judging_event(event)`` — an event's judging: the draw, every mark batch (versions, replays, the
   panels they complete, tickets), sign-offs, locks, decryption, re-check, appeals;
4. ``admin_grants()`` — removing admin grants (the last admin stays);
5. ``occupation_catalog()`` — loading the bundled occupation catalog;
6. ``certificate_numbers()`` — certificate and award numbering sequences;
7. ``keyset_publication()`` — publishing the signed key set and status list;
8. ``rate_limit(kind, key)`` — a rate-limit counter;
9. ``audit_chain(chain)`` — appending to the audit chain: always the last lock a transaction takes, so
   it is held for as short a time as possible (``server.audit.services.record``).

The ids are fixed: changing one is harmless for correctness only if every worker is upgraded at once.
Ranged ids (competition, judging) add the object id to a base far from the other constants; hashed ids
(places, rate limits) use the top bits of a SHA-256 so collisions only ever over-serialize.
"""

from __future__ import annotations

import hashlib

_AUDIT_CHAIN = 0x4A494E45  # "JINE"
_ADMIN_GRANTS = 0x41444D4E  # "ADMN"
_OCCUPATION_CATALOG = 0x4A4E4F43  # "JNOC"
_CERTIFICATE_NUMBERS = 0x4A4E4953  # "JNIS"
_KEYSET_PUBLICATION = 0x4A4E4B53  # "JNKS"
_COMPETITION_BASE = 0x434F4D50 << 20  # "COMP" + competition id
_JUDGING_BASE = 0x4A554447 << 20  # "JUDG" + event id


def _hashed(namespace: str, *parts: object) -> int:
    digest = hashlib.sha256(":".join(["jineng", namespace, *map(str, parts)]).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def competition(competition_id: int) -> int:
    return _COMPETITION_BASE + int(competition_id)


def entry_places(event_id: int, school_id: int) -> int:
    return _hashed("entry-places", event_id, school_id)


def judging_event(event_id: int) -> int:
    return _JUDGING_BASE + int(event_id)


def admin_grants() -> int:
    return _ADMIN_GRANTS


def occupation_catalog() -> int:
    return _OCCUPATION_CATALOG


def certificate_numbers() -> int:
    return _CERTIFICATE_NUMBERS


def keyset_publication() -> int:
    return _KEYSET_PUBLICATION


def rate_limit(kind: str, key: str) -> int:
    return _hashed("rate-limit", kind, key)


def audit_chain(chain: str = "main") -> int:
    return _AUDIT_CHAIN if chain == "main" else _hashed("audit-chain", chain)
