"""LISTEN/NOTIFY across PostgreSQL workers with the app's own pool for publishing.

Litestar's ``AsyncPgChannelsBackend`` opens a new connection for every publish; under marking load that
is a connection handshake per notice. This keeps its listening side (one dedicated connection that
LISTENs) and publishes through the engine's asyncpg pool instead.
"""

from __future__ import annotations

from typing import Iterable

import asyncpg
from litestar.channels.backends.asyncpg import AsyncPgChannelsBackend

from server.config import get_settings
from server.db import engine


class PooledAsyncPgChannelsBackend(AsyncPgChannelsBackend):
    def __init__(self) -> None:
        super().__init__(make_connection=lambda: asyncpg.connect(get_settings().database_url))

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        text = data.decode("utf-8")
        async with engine().pool.acquire() as connection:
            for channel in channels:
                await connection.execute("SELECT pg_notify($1, $2)", channel, text)
