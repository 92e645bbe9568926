"""Live tests drive WebSockets with Litestar's sync TestClient (its async client's websockets hang,
litestar #4200), so the judged event is prepared beforehand on its own event loop."""

from __future__ import annotations

import asyncio

import httpx

from server.app import create_app
from server.db import close_engine, prepare_engine
from tests.server.conftest import _truncate
from tests.server.factories import build_world
from tests.server.judging.support import Judged, drawn, make_judged_event, staffed


def prepare() -> Judged:
    async def run() -> Judged:
        await _truncate()
        await prepare_engine()
        try:
            transport = httpx.ASGITransport(app=create_app(), client=("127.0.0.1", 40001))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                world = await build_world()
                j = await staffed(client, await make_judged_event(client, world))
                await drawn(client, j)
                return j
        finally:
            await close_engine()

    return asyncio.run(run())


def receive_until(ws, predicate, limit: int = 50) -> dict:
    """Messages until one matches (pings and earlier boards are skipped)."""
    for _ in range(limit):
        message = ws.receive_json()
        if predicate(message):
            return message
    raise AssertionError("no matching message")
