"""Count the SQL a piece of code sends: ``async with count_queries() as log: await client.get(...)``.

Every Piccolo query ends in the engine's ``run_querystring`` (queries built with ``select()``, ``raw()``,
``insert()`` …) or ``run_ddl`` (plain SQL strings); both are wrapped on the engine's class for the duration
of the block, so the count is the same on SQLite and PostgreSQL. Transactions are counted apart
(``log.transactions``: outermost ``engine.transaction()`` blocks, each one ``BEGIN`` and one ``COMMIT`` or
``ROLLBACK`` more on the wire). Only queries made by the task that opened the block and the tasks it starts
are counted (a context variable), not those of background tasks that happen to run meanwhile.
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from piccolo.engine import engine_finder

_LOG: contextvars.ContextVar[QueryLog | None] = contextvars.ContextVar("query_log", default=None)


@dataclass
class QueryLog:
    queries: list[str] = field(default_factory=list)
    transactions: int = 0

    @property
    def count(self) -> int:
        return len(self.queries)

    def __str__(self) -> str:
        lines = [f"{self.count} queries, {self.transactions} transaction(s):"]
        lines += [f"  {i}. {' '.join(q.split())[:300]}" for i, q in enumerate(self.queries, 1)]
        return "\n".join(lines)


@asynccontextmanager
async def count_queries() -> AsyncIterator[QueryLog]:
    engine = engine_finder()
    cls = type(engine)
    run_querystring, run_ddl, transaction = cls.run_querystring, cls.run_ddl, cls.transaction

    async def counted_querystring(self, querystring, *args, **kwargs):
        log = _LOG.get()
        if log is not None:
            log.queries.append(str(querystring))
        return await run_querystring(self, querystring, *args, **kwargs)

    async def counted_ddl(self, ddl, *args, **kwargs):
        log = _LOG.get()
        if log is not None:
            log.queries.append(ddl)
        return await run_ddl(self, ddl, *args, **kwargs)

    def counted_transaction(self, *args, **kwargs):
        log = _LOG.get()
        if log is not None and self.current_transaction.get() is None:
            log.transactions += 1
        return transaction(self, *args, **kwargs)

    wrappers = {"run_querystring": counted_querystring, "run_ddl": counted_ddl, "transaction": counted_transaction}
    own = {name: cls.__dict__[name] for name in wrappers if name in cls.__dict__}
    log = QueryLog()
    token = _LOG.set(log)
    for name, wrapper in wrappers.items():
        setattr(cls, name, wrapper)
    try:
        yield log
    finally:
        for name in wrappers:  # put back exactly what was there (or inherit again)
            if name in own:
                setattr(cls, name, own[name])
            else:
                delattr(cls, name)
        _LOG.reset(token)
