"""Live sockets and the scoreboard's refetch endpoint.

``/live/events/{id}/scoreboard`` (public) sends the board at once and after every burst of changes;
``/live/events/{id}/console`` (judging officials of the competition, checked on connect) sends every
change as a notice. A client that reconnects passes ``?since=<last seq>``: it gets the notices it missed,
or ``{"what": "refetch_all"}`` when this worker no longer remembers them. The server sends
``{"what": "ping"}`` every heartbeat; a client that sends nothing (a pong, anything) for two heartbeats
is closed, so dead sockets do not pile up.
"""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import msgspec
from litestar import Request, WebSocket, get, websocket
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath, FromQuery, QueryParameter

from server.errors import DomainError, Forbidden, Unauthenticated
from server.guards import for_connection
from server.judging.context import context
from server.live import feeds
from server.live.hub import REFETCH_ALL, Channel, Hub, Listener
from server.params import PathId
from server.principal import Principal

CONSOLE_ROLES = {"chief_judge", "supervisor", "encryption_officer", "organizer"}
Since = Annotated[int | None, QueryParameter(ge=0, le=2**62)]


def heartbeat() -> float:
    return float(os.environ.get("JINENG_LIVE_HEARTBEAT", "20"))


def _hub(socket: WebSocket | Request) -> Hub:
    return socket.app.state.live_hub


async def _pump(socket: WebSocket, channel: Channel, listener: Listener, first: list[bytes]) -> None:
    hub = _hub(socket)
    beat = heartbeat()
    ping = msgspec.json.encode({"what": "ping"})

    async def send() -> None:
        for message in first:
            await socket.send_text(message.decode())
        while True:
            message = await listener.queue.get()
            await socket.send_text(message.decode())

    async def beats() -> None:
        while True:
            await asyncio.sleep(beat)
            listener.offer(ping)

    tasks = [asyncio.create_task(send()), asyncio.create_task(beats())]
    try:
        while True:
            message = await asyncio.wait_for(socket.receive(), timeout=2 * beat)
            if message["type"] == "websocket.disconnect":
                break
    except (asyncio.TimeoutError, WebSocketDisconnect):
        pass
    finally:
        for task in tasks:
            task.cancel()
        await hub.leave(channel, listener)
        if socket.connection_state != "disconnect":
            await socket.close(code=1001)


async def _checked(socket: WebSocket, event_id: int, principal: Principal | None):
    """The event's judging context, or the socket closed with 4000 + the refusal's status."""
    try:
        ctx = await context(principal, event_id)
        if principal is not None and not ctx.roles & CONSOLE_ROLES:
            raise Forbidden("The console is for the judging officials of this competition.",
                            code="judging_role_required")
        return ctx
    except DomainError as error:
        raise for_connection(socket, error) from None


@websocket("/live/events/{event_id:int}/scoreboard", opt={"public": True})
async def scoreboard_socket(socket: WebSocket, event_id: FromPath[PathId]) -> None:
    """The public live board of an event (codes only until the results are published)."""
    await _checked(socket, event_id, None)  # an unknown event is refused before accepting
    await socket.accept()
    hub = _hub(socket)
    channel, listener = await hub.join(feeds.scoreboard_channel(event_id), snapshot=feeds.scoreboard_message,
                                       event_id=event_id)
    await _pump(socket, channel, listener, [await feeds.scoreboard_message(event_id)])


@websocket("/live/events/{event_id:int}/console")
async def console_socket(socket: WebSocket, event_id: FromPath[PathId], since: FromQuery[Since] = None) -> None:
    """Every change of an event's judging, for its officials; ``since`` resumes after a reconnect."""
    principal = socket.scope.get("user")
    if not isinstance(principal, Principal):  # the app-wide guard refuses these already; never None here
        raise for_connection(socket, Unauthenticated("Sign in first."))
    await _checked(socket, event_id, principal)
    await socket.accept()
    hub = _hub(socket)
    channel, listener = await hub.join(feeds.console_channel(event_id))
    first: list[bytes] = []
    if since is not None:
        missed = hub.since(channel, since)
        first = [REFETCH_ALL] if missed is None else missed
    await _pump(socket, channel, listener, first)


@get("/api/live/events/{event_id:int}/scoreboard", opt={"public": True}, tags=["live"])
async def scoreboard_now(event_id: FromPath[PathId]) -> feeds.Scoreboard:
    """The public board as the live channel last said it (refetch after ``refetch_all``)."""
    await context(None, event_id)
    return await feeds.scoreboard(event_id)


ROUTES = [scoreboard_socket, console_socket, scoreboard_now]
