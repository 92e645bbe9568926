"""Piccolo's SQLite engine with long-lived connections: a few readers and one writer, opened in the app
lifespan like the PostgreSQL pool.

Piccolo's ``SQLiteEngine`` opens a new connection for every query outside a transaction — a thread, a
file open, its pragmas, a close: 2.5–3 ms a query against ~0.05 ms on a connection that stays open, and
most of a read route's time. This subclass keeps the same semantics with connections that stay open:

- queries outside a transaction run on one of ``readers`` connections (WAL lets readers work beside the
  writer; each sees the last committed state);
- transactions (``write_transaction()``'s ``BEGIN IMMEDIATE`` and any other) run on the one writer
  connection, handed out one transaction at a time, so ``BEGIN IMMEDIATE`` never waits on another
  connection of this process and a failed ``BEGIN`` cannot leak a connection;
- pragmas are set once per connection (foreign keys, busy timeout, ``synchronous=NORMAL``, which is
  durable under WAL except for the last commits on power loss), not before every query;
- each connection is a plain ``sqlite3`` connection served by its own thread, and a query is one
  hand-off to that thread (execute and fetch together), never blocking the event loop.

Before :meth:`start_connection_pool` (CLI commands, migrations at start-up) and after
:meth:`close_connection_pool`, the engine behaves exactly like Piccolo's.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional, Sequence

from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType


class _Connection:
    """One sqlite3 connection and the one thread that uses it."""

    def __init__(self, connection_kwargs: dict[str, Any]) -> None:
        self._kwargs = {**connection_kwargs, "check_same_thread": False}
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jineng-sqlite")
        self._db: sqlite3.Connection | None = None

    def _open(self) -> None:
        self._db = sqlite3.connect(**self._kwargs)
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA synchronous = NORMAL")

    def _query(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        cursor = self._db.execute(sql, args)  # type: ignore[union-attr]
        try:
            if cursor.description is None:
                return []
            names = [c[0] for c in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    async def open(self) -> "_Connection":
        await asyncio.get_running_loop().run_in_executor(self._thread, self._open)
        return self

    async def run(self, sql: str, args: Optional[Sequence[Any]] = None) -> list[dict[str, Any]]:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._query, sql, args or ())

    async def execute(self, sql: str) -> list[dict[str, Any]]:
        """The name Piccolo's savepoints call."""
        return await self.run(sql)

    @property
    def in_transaction(self) -> bool:
        return self._db is not None and self._db.in_transaction

    async def close(self) -> None:
        if self._db is not None:
            await asyncio.get_running_loop().run_in_executor(self._thread, self._db.close)
            self._db = None
        self._thread.shutdown(wait=False)


class _Pool:
    def __init__(self, readers: list[_Connection], writer: _Connection) -> None:
        self.all = [*readers, writer]
        self.readers: asyncio.Queue[_Connection] = asyncio.Queue()
        for connection in readers:
            self.readers.put_nowait(connection)
        self.writer: asyncio.Queue[_Connection] = asyncio.Queue()
        self.writer.put_nowait(writer)


class PooledTransaction(SQLiteTransaction):
    """A transaction on the engine's writer connection (while its pool is open)."""

    async def get_connection(self):
        pool = self.engine._pool
        if pool is None:
            return await super().get_connection()
        self._pool = pool
        return await pool.writer.get()

    async def __aenter__(self):
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            await self.begin()
        except BaseException:
            await self._release()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def _release(self) -> None:
        if isinstance(self.connection, _Connection):
            if self.connection.in_transaction:  # never hand on a connection with a transaction open
                await self.connection.run("ROLLBACK")
            self._pool.writer.put_nowait(self.connection)
        else:
            await self.connection.close()

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            await self._release()
            self.engine.current_transaction.reset(self.context)
        return exception is None


class PooledSQLiteEngine(SQLiteEngine):
    __slots__ = ("_pool",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pool: _Pool | None = None

    async def start_connection_pool(self, readers: int = 4) -> None:
        if self._pool is not None:
            return
        kwargs = self.connection_kwargs
        opened = [await _Connection(kwargs).open() for _ in range(readers + 1)]
        await opened[-1].run("PRAGMA journal_mode = WAL")  # a property of the database file, set once
        self._pool = _Pool(opened[:-1], opened[-1])

    async def close_connection_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            for connection in pool.all:
                await connection.close()

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred,
                    allow_nested: bool = True) -> SQLiteTransaction:
        return PooledTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def run_querystring(self, querystring, in_pool: bool = False, *, on_writer: bool = False):
        """``on_writer``: a statement that writes outside a transaction (``server.db.run_atomic``) runs on
        the writer connection, handed out between transactions, instead of on a reader."""
        pool = self._pool
        if not on_writer or pool is None or self.current_transaction.get() is not None:
            return await super().run_querystring(querystring, in_pool)
        query, args = querystring.compile_string(engine_type=self.engine_type)
        connection = await pool.writer.get()
        try:
            return await connection.run(query, args)
        finally:
            pool.writer.put_nowait(connection)

    async def _run_in_new_connection(self, query: str, args: Optional[list[Any]] = None,
                                     query_type: str = "generic", table=None):
        pool = self._pool
        if pool is None:
            return await super()._run_in_new_connection(query, args, query_type, table)
        connection = await pool.readers.get()
        try:
            return await connection.run(query, args)
        finally:
            pool.readers.put_nowait(connection)

    async def _run_in_existing_connection(self, connection, query: str, args: Optional[list[Any]] = None,
                                          query_type: str = "generic", table=None):
        if isinstance(connection, _Connection):  # pragmas were set when it opened
            return await connection.run(query, args)
        return await super()._run_in_existing_connection(connection, query, args, query_type, table)
