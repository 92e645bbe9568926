"""Wiring the live layer into the app: the channels plugin, the hub, and the bridge from committed
domain events to channel notices. ``server.app`` calls :func:`plugin_and_lifespan`; no domain imports
the live layer."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from litestar import Litestar
from litestar.channels import ChannelsPlugin

from server import events
from server.db import is_postgres
from server.live import feeds
from server.live.hub import Hub, make_plugin


def plugin_and_lifespan() -> tuple[ChannelsPlugin, object]:
    plugin = make_plugin(postgres=is_postgres())

    @asynccontextmanager
    async def live_lifespan(app: Litestar) -> AsyncIterator[None]:
        hub = Hub(plugin)
        app.state.live_hub = hub

        def forward(event: events.DomainEvent) -> None:
            for channel, notice in feeds.notices(event):
                plugin.publish(notice, channel)  # queued: the request never waits for the fan-out

        unsubscribe = events.subscribe(forward)
        try:
            yield
        finally:
            unsubscribe()

    return plugin, live_lifespan
