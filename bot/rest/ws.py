"""`GET /ws/{client_id}`: live StepEvents and Results over a WebSocket, plus a hub others publish to.

Who sees what: a run started over REST is tracked with its caller's scope (and, optionally, the
`X-Client-Id` of the socket that should follow it); its events go only to sockets of that scope
(and that client id). Runs the REST API did not start (Slack, CLI) are shown only when the API
is open (no API_KEYS, loopback), where there is one tenant. `broadcast(app, message)` sends any
JSON message (live metrics, say) to every socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from bot.rest.auth import API_SCOPE_KEY
from engine.batch.runner import batch_of
from engine.models import Result, StepEvent
from engine.workflow import Engine

__all__ = ["CLIENT_ID_HEADER", "WS_HUB", "WebSocketHub", "broadcast", "setup_ws", "tracked", "ws_handler"]

log = logging.getLogger(__name__)
CLIENT_ID_HEADER = "X-Client-Id"
_QUEUE_SIZE = 1000  # per socket; a client that falls this far behind is dropped, not waited for


@dataclass(eq=False)
class _Client:
    client_id: str
    scope: str
    socket: web.WebSocketResponse
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(_QUEUE_SIZE))


@dataclass(frozen=True)
class _Route:
    scope: str
    client_id: str | None


class WebSocketHub:
    """Fans engine events and other messages out to connected WebSocket clients."""

    def __init__(self, *, open_api: bool) -> None:
        self.open_api = open_api
        self._clients: set[_Client] = set()
        self._routes: dict[str, _Route] = {}
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def attach(self, engine: Engine) -> None:
        """Start forwarding the engine's StepEvents and Results."""
        self._unsubscribe = engine.subscribe(self._on_engine_item)

    def detach(self) -> None:
        """Stop forwarding (on server shutdown)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    async def close_all(self) -> None:
        """Close every socket (server shutdown would otherwise wait for clients to leave)."""
        for client in list(self._clients):
            await client.socket.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")

    def track(self, key: str, *, scope: str, client_id: str | None = None) -> None:
        """Route the events of a request id (or a batch id: all its rows) to `scope`'s sockets."""
        self._routes[key] = _Route(scope=scope, client_id=client_id or None)

    def untrack(self, key: str) -> None:
        """Forget a finished run or batch."""
        self._routes.pop(key, None)

    def broadcast(self, message: dict[str, Any], *, scope: str | None = None) -> int:
        """Send a JSON message to every socket (of `scope`, when given); returns how many got it."""
        text = json.dumps(message, default=str)
        return sum(self._offer(client, text) for client in list(self._clients)
                   if scope is None or client.scope == scope)

    def _on_engine_item(self, item: StepEvent | Result) -> None:
        if not self._clients:
            return
        route = self._routes.get(item.request_id)
        if route is None:
            batch_id = batch_of(item.request_id)
            route = self._routes.get(batch_id) if batch_id else None
        if route is None and not self.open_api:
            return  # not started over REST and several tenants may be connected: show no one
        text = item.model_dump_json()
        for client in list(self._clients):
            if route is not None and (client.scope != route.scope or
                                      (route.client_id and client.client_id != route.client_id)):
                continue
            self._offer(client, text)

    def _offer(self, client: _Client, text: str) -> bool:
        try:
            client.queue.put_nowait(text)
        except asyncio.QueueFull:
            log.warning("websocket client %s fell behind; dropping a message", client.client_id)
            return False
        return True

    async def serve(self, request: web.Request) -> web.WebSocketResponse:
        """Hold one socket open: send queued messages, answer pings, until either side closes."""
        client_id = request.match_info["client_id"]
        socket = web.WebSocketResponse(heartbeat=30.0, max_msg_size=64 * 1024)
        await socket.prepare(request)
        client = _Client(client_id=client_id, scope=request[API_SCOPE_KEY], socket=socket)
        self._clients.add(client)
        sender = asyncio.create_task(self._send(socket, client))
        try:
            await socket.send_json({"type": "hello", "client_id": client_id})
            async for message in socket:
                if message.type == WSMsgType.TEXT and _is_ping(message.data):
                    await socket.send_json({"type": "pong"})
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            self._clients.discard(client)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
        return socket

    async def _send(self, socket: web.WebSocketResponse, client: _Client) -> None:
        while not socket.closed:
            text = await client.queue.get()
            try:
                await socket.send_str(text)
            except (ConnectionResetError, RuntimeError):
                return  # the client went away; serve() cleans up


def _is_ping(data: str) -> bool:
    if data.strip() == "ping":
        return True
    try:
        body = json.loads(data)
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("type") == "ping"


WS_HUB = web.AppKey("ws_hub", WebSocketHub)


async def ws_handler(request: web.Request) -> web.WebSocketResponse:
    """GET /ws/{client_id}: live StepEvents and Results (and whatever else is broadcast)."""
    return await request.app[WS_HUB].serve(request)


def broadcast(app: web.Application, message: dict[str, Any], *, scope: str | None = None) -> int:
    """Send a JSON message to the app's WebSocket clients (e.g. live metrics); returns how many."""
    hub = app.get(WS_HUB)
    return hub.broadcast(message, scope=scope) if hub is not None else 0


def setup_ws(app: web.Application, engine: Engine, *, open_api: bool) -> WebSocketHub:
    """Create the hub, route `/ws/{client_id}`, and follow the engine while the app runs."""
    hub = WebSocketHub(open_api=open_api)
    hub.attach(engine)
    app[WS_HUB] = hub

    async def _close(_: web.Application) -> None:
        await hub.close_all()

    async def _stop(_: web.Application) -> None:
        hub.detach()

    app.on_shutdown.append(_close)
    app.on_cleanup.append(_stop)
    app.router.add_get("/ws/{client_id}", ws_handler)
    return hub


@contextlib.contextmanager
def tracked(request: web.Request, key: str) -> Iterator[None]:
    """Route a run's (or batch's) events to the REST caller's sockets while its request runs."""
    hub = request.app[WS_HUB]
    hub.track(key, scope=request[API_SCOPE_KEY], client_id=request.headers.get(CLIENT_ID_HEADER))
    try:
        yield
    finally:
        hub.untrack(key)
