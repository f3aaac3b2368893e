"""Socket Mode in the fake Slack: a client that connects gets `hello`; envelopes go out, acks come back.

https://docs.slack.dev/apis/events-api/using-socket-mode : apps.connections.open hands out a
WebSocket URL; each envelope carries an envelope_id the app must ack.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

__all__ = ["SlackSocket"]


class SlackSocket:
    """The Socket Mode half of FakeSlack (mixed in)."""

    socket_acks: list[dict[str, Any]]
    _sockets: list[web.WebSocketResponse]
    _pending_acks: dict[str, asyncio.Future[dict[str, Any]]]

    async def _notify(self) -> None:
        raise NotImplementedError

    async def wait_for(self, predicate: Callable[[Any], bool], *, within: float = 10.0) -> None:
        raise NotImplementedError

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await self._notify()
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": "A0TEST"}})
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                ack = json.loads(frame.data)
                self.socket_acks.append(ack)
                future = self._pending_acks.pop(str(ack.get("envelope_id")), None)
                if future is not None and not future.done():
                    future.set_result(ack)
        finally:
            self._sockets.remove(ws)
        return ws

    async def wait_for_socket(self, *, within: float = 10.0) -> None:
        """Wait until a Socket Mode client is connected."""
        await self.wait_for(lambda f: bool(f._sockets), within=within)

    async def socket_send(self, payload: dict[str, Any], *, kind: str = "slash_commands",
                          within: float = 10.0) -> dict[str, Any]:
        """Deliver one Socket Mode envelope to the connected client and return its ack."""
        envelope_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending_acks[envelope_id] = future
        await self._sockets[0].send_json({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                          "accepts_response_payload": kind != "events_api",
                                          "retry_attempt": 0, "retry_reason": ""})
        return await asyncio.wait_for(future, within)

