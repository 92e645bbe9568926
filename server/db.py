"""Database plumbing shared by every domain: engine facts, ``write_transaction()``, error translation.

SQLite: WAL, a long busy timeout, every write transaction ``BEGIN IMMEDIATE`` and serialized by one
in-process lock (without it concurrent writers fail with "database is locked" and a failed BEGIN leaks a
connection thread). PostgreSQL: a pool opened and closed in the app lifespan; read-modify-write sections
take row locks or advisory locks through the helpers here.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Sequence

from piccolo.engine import engine_finder
from piccolo.engine.sqlite import TransactionType
from piccolo.querystring import QueryString
from piccolo.table import Table

from server import events
from server.errors import Conflict, InvalidInput

try:  # asyncpg is only needed on PostgreSQL
    from asyncpg.exceptions import (
        ForeignKeyViolationError,
        IntegrityConstraintViolationError,
        UniqueViolationError,
    )
except ImportError:  # pragma: no cover - the postgres extra is always installed
    IntegrityConstraintViolationError = UniqueViolationError = ForeignKeyViolationError = ()  # type: ignore

_SQLITE_WRITE_LOCK: asyncio.Lock | None = None
_LOCK_LOOP: asyncio.AbstractEventLoop | None = None


def engine():
    return engine_finder()


def engine_type() -> str:
    return engine().engine_type


def is_postgres() -> bool:
    return engine_type() == "postgres"


def _write_lock() -> asyncio.Lock:
    # One lock per event loop: tests run each case on a fresh loop, and a lock bound to a dead loop
    # would raise instead of serializing.
    global _SQLITE_WRITE_LOCK, _LOCK_LOOP
    loop = asyncio.get_running_loop()
    if _SQLITE_WRITE_LOCK is None or _LOCK_LOOP is not loop:
        _SQLITE_WRITE_LOCK = asyncio.Lock()
        _LOCK_LOOP = loop
    return _SQLITE_WRITE_LOCK


def translate_integrity_error(exc: BaseException) -> Exception | None:
    """Both drivers' unique/foreign-key violations become one domain error; anything else None."""
    message = str(exc)
    if isinstance(exc, sqlite3.IntegrityError):
        if "FOREIGN KEY" in message:
            return InvalidInput("A referenced record does not exist.", code="reference_not_found")
        return Conflict("This record already exists.", code="duplicate", extra={"constraint": message})
    if UniqueViolationError and isinstance(exc, UniqueViolationError):
        return Conflict("This record already exists.", code="duplicate",
                        extra={"constraint": getattr(exc, "constraint_name", None)})
    if ForeignKeyViolationError and isinstance(exc, ForeignKeyViolationError):
        return InvalidInput("A referenced record does not exist.", code="reference_not_found")
    if IntegrityConstraintViolationError and isinstance(exc, IntegrityConstraintViolationError):
        return Conflict("The change violates a database constraint.", code="constraint_violation")
    return None


@asynccontextmanager
async def write_transaction() -> AsyncIterator[object]:
    """The one way to change data: all or nothing, serialized where the engine needs it.

    Nested use joins the outer transaction (Piccolo's default), so services can call each other.
    Integrity errors of either driver surface as ``Conflict``/``InvalidInput``. Domain events queued
    inside (``server.events.queue``) are published after the outermost transaction commits.
    """
    db = engine()
    current = db.current_transaction.get()
    if current is not None:
        yield current
        return
    token = events.begin()
    committed = False
    try:
        if db.engine_type == "sqlite":
            async with _write_lock():
                async with db.transaction(transaction_type=TransactionType.immediate) as tx:
                    yield tx
        else:
            async with db.transaction() as tx:
                yield tx
        committed = True
    except Exception as exc:
        translated = translate_integrity_error(exc)
        if translated is not None:
            raise translated from exc
        raise
    finally:
        queued = events.end(token)
    if committed and queued:
        await events.publish(queued)


async def run_atomic(sql: str, *args) -> list[dict]:
    """Run one statement that changes data and is atomic on its own (``INSERT … ON CONFLICT DO UPDATE …
    RETURNING``, ``UPDATE … SET n = n + 1``): no transaction and no lock around it, ``{}`` placeholders.

    Outside a transaction it commits by itself; on SQLite it runs on the writer connection between
    transactions (so it never competes with the writer for the file lock). Inside ``write_transaction()`` it
    is part of it. Rows come back as dicts on both engines."""
    db = engine()
    querystring = QueryString(sql, *args)
    if db.engine_type == "sqlite":
        rows = await db.run_querystring(querystring, on_writer=True)
    else:
        rows = await db.run_querystring(querystring)
    return [dict(row) for row in rows]


async def lock_key(key: int) -> None:
    """Serialize a critical section across workers (PostgreSQL advisory lock, released at commit).

    On SQLite the in-process write lock plus BEGIN IMMEDIATE already serialize writers.
    """
    if is_postgres():
        await engine().run_ddl(f"SELECT pg_advisory_xact_lock({int(key)})")


# Both engines bind at most 32,766 parameters per statement (SQLite ≥ 3.32, PostgreSQL's 32,767): one
# INSERT of a draw's 30,000 seats is refused. A statement is built on the event loop (Piccolo compiles its
# parameters in Python), so each is kept to a few thousand values and the loop serves other requests
# between them.
MAX_PARAMETERS = 6_000


async def insert_rows(table: type[Table], rows: Sequence[Table]) -> None:
    """Insert ``rows`` (ORM objects) of ``table`` in multi-row INSERTs of at most ``MAX_PARAMETERS`` values."""
    per_statement = max(1, MAX_PARAMETERS // len(table._meta.columns))
    for start in range(0, len(rows), per_statement):
        await table.insert(*rows[start:start + per_statement])


async def bulk_insert(table: type[Table], columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                      returning: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Insert ``rows`` (tuples in ``columns`` order) without building an ORM object per row (which costs
    more than the database work for a large import), and return the ``returning`` columns of the new rows.
    Runs inside the caller's ``write_transaction()``; values go through the same driver adapters as ORM
    queries, so rows read back identically; columns not named take their database defaults.

    SQL does not promise that RETURNING follows the VALUES order, so callers that must pair new ids with
    their input return a distinguishing column too and match on it."""
    if not rows:
        return []
    names = ", ".join(f'"{c}"' for c in columns)
    placeholder = "(" + ", ".join(["{}"] * len(columns)) + ")"
    per_statement = max(1, MAX_PARAMETERS // len(columns))
    out: list[dict[str, Any]] = []
    back = ", ".join(f'"{c}"' for c in returning)
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        sql = (f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES ' + ", ".join([placeholder] * len(chunk))
               + (f" RETURNING {back}" if returning else ""))
        result = await table.raw(sql, *[v for row in chunk for v in row])
        if returning:
            out.extend(result)
    return out


async def prepare_engine() -> None:
    """Called in the app lifespan: open the connection pool (SQLite: long-lived readers and one writer
    with their pragmas and WAL, ``server.sqlite_engine``; PostgreSQL: asyncpg's pool)."""
    db = engine()
    if db.engine_type == "sqlite":
        await db.start_connection_pool()
    else:
        await db.start_connection_pool(min_size=2, max_size=20)


async def close_engine() -> None:
    await engine().close_connection_pool()


async def ping() -> bool:
    rows = await engine().run_ddl("SELECT 1 AS ok")
    return bool(rows) and rows[0]["ok"] == 1
