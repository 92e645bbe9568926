"""The live hub: channels across workers (Litestar Channels), and fan-out to this worker's sockets.

Transport: Litestar's ``ChannelsPlugin`` with the memory backend in one process (SQLite) and the asyncpg
LISTEN/NOTIFY backend on PostgreSQL, so a notice published by one worker reaches every worker. Notices
are small ("what changed", the event, its sequence number); NOTIFY carries at most ~8 KB and keeps no
history, so each worker keeps the recent notices of the channels its sockets watch (``RECENT``).

Fan-out: each socket has a bounded queue (``QUEUE``). A viewer that cannot keep up never slows anyone:
when its queue is full it is emptied and the viewer is told to refetch everything. Scoreboard channels
are coalesced: many notices within ``COALESCE`` seconds become one snapshot, built once per worker and
sent to every viewer of the event.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Awaitable, Callable

import msgspec
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend

from server.live.pg_backend import PooledAsyncPgChannelsBackend

log = logging.getLogger("jineng.live")

QUEUE = 64  # messages waiting for one socket before it is told to refetch everything
RECENT = 512  # notices kept per channel for clients that reconnect
COALESCE = 0.1  # seconds: scoreboard notices within this window become one snapshot
LINGER = 300.0  # seconds a channel nobody watches keeps listening (reconnects catch up from it)
REFETCH_ALL = msgspec.json.encode({"what": "refetch_all"})


@dataclass(eq=False)
class Listener:
    """One socket's view of a channel."""

    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE))
    overflowed: bool = False

    def offer(self, message: bytes) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:  # too slow: drop what it has not read, tell it to start over
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(REFETCH_ALL)
            self.overflowed = True


Snapshot = Callable[[int], Awaitable[bytes]]  # event id → the message to send every viewer


@dataclass(eq=False)
class Channel:
    name: str
    listeners: set[Listener] = field(default_factory=set)
    recent: deque = field(default_factory=lambda: deque(maxlen=RECENT))  # (seq, message)
    subscription: object = None
    task: asyncio.Task | None = None
    # scoreboard channels: coalescing state
    snapshot: Snapshot | None = None
    event_id: int = 0
    dirty: asyncio.Event = field(default_factory=asyncio.Event)
    last: bytes | None = None
    closing: asyncio.TimerHandle | None = None


class Hub:
    def __init__(self, plugin: ChannelsPlugin) -> None:
        self.plugin = plugin
        self.channels: dict[str, Channel] = {}
        self._lock = asyncio.Lock()

    async def join(self, name: str, *, snapshot: Snapshot | None = None, event_id: int = 0) -> tuple[Channel, Listener]:
        async with self._lock:
            channel = self.channels.get(name)
            if channel is None:
                channel = Channel(name, snapshot=snapshot, event_id=event_id)
                channel.subscription = await self.plugin.subscribe(name)
                channel.task = asyncio.create_task(self._receive(channel))
                self.channels[name] = channel
            if channel.closing is not None:
                channel.closing.cancel()
                channel.closing = None
            listener = Listener()
            channel.listeners.add(listener)
            return channel, listener

    async def leave(self, channel: Channel, listener: Listener) -> None:
        """A socket leaves; a channel nobody watches lingers a while, so a reconnect can catch up."""
        async with self._lock:
            channel.listeners.discard(listener)
            if channel.listeners or channel.closing is not None:
                return
            channel.closing = asyncio.get_running_loop().call_later(
                LINGER, lambda: asyncio.ensure_future(self._close(channel)))

    async def _close(self, channel: Channel) -> None:
        async with self._lock:
            channel.closing = None
            if channel.listeners or self.channels.get(channel.name) is not channel:
                return
            self.channels.pop(channel.name, None)
            if channel.task is not None:
                channel.task.cancel()
            await self.plugin.unsubscribe(channel.subscription, channel.name)

    async def _receive(self, channel: Channel) -> None:
        flusher = asyncio.create_task(self._flush(channel)) if channel.snapshot else None
        try:
            async for payload in channel.subscription.iter_events():
                notice = msgspec.json.decode(payload)
                channel.recent.append((notice.get("seq", 0), payload))
                if channel.snapshot is None:
                    for listener in list(channel.listeners):
                        listener.offer(payload)
                else:
                    channel.dirty.set()
        except asyncio.CancelledError:
            pass
        finally:
            if flusher is not None:
                flusher.cancel()

    async def _flush(self, channel: Channel) -> None:
        while True:
            await channel.dirty.wait()
            await asyncio.sleep(COALESCE)
            channel.dirty.clear()
            try:
                channel.last = await channel.snapshot(channel.event_id)
            except Exception:  # a snapshot that fails must not end the channel
                log.exception("live snapshot of %s failed", channel.name)
                continue
            for listener in list(channel.listeners):
                listener.offer(channel.last)

    def since(self, channel: Channel, seq: int) -> list[bytes] | None:
        """The notices after ``seq``, or None when some are older than this worker remembers."""
        recent = list(channel.recent)
        if not recent or recent[0][0] > seq + 1:
            return None
        return [payload for s, payload in recent if s > seq]


def make_plugin(postgres: bool) -> ChannelsPlugin:
    backend = PooledAsyncPgChannelsBackend() if postgres else MemoryChannelsBackend()
    return ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True)
