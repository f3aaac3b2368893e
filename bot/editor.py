"""The one throttled Slack message editor: draft progress and batch progress both edit through it.

Slack allows about one update a second per message (chat.update is rate tier 3, ~50 a minute per
workspace), so edits asked for faster than `interval_s` are coalesced into one, made when the
interval has passed and showing the state at that moment (`render` is called then, not when the
edit was asked for). Edits land in the order they were made. `finish` is the last edit: an edit
still waiting is dropped (the final one supersedes it), one in flight lands first. A failed
intermediate edit is logged and skipped; the next shows the newer state anyway.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["Blocks", "ThrottledEditor"]

log = logging.getLogger(__name__)
Blocks = list[dict[str, Any]]


class ThrottledEditor:
    """Edits one Slack message at most once per `interval_s`, always with the latest state."""

    def __init__(self, client: AsyncWebClient, *, channel: str, render: Callable[[], tuple[Blocks, str]],
                 interval_s: float, ts: str | None = None, name: str = "message",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.channel = channel
        self.ts = ts
        self.interval_s = interval_s
        self.name = name
        self.calls = 0  # Web API calls made through this editor
        self.edits = 0  # chat.update calls among them
        self._render = render
        self._clock = clock
        self._opened = asyncio.Event()
        self._last_write = 0.0
        self._pending: asyncio.Task[None] | None = None
        self._writing = False
        self._finished = False
        self._lock = asyncio.Lock()

    def opened(self, *, ts: str, channel: str | None = None, counted: bool = True) -> None:
        """The message exists now (posted or first edited by the caller); throttling starts here."""
        self.ts = ts
        self.channel = channel or self.channel
        self.calls += 1 if counted else 0
        self._last_write = self._clock()
        self._opened.set()

    @property
    def finished(self) -> bool:
        return self._finished

    def request(self) -> None:
        """The state changed: schedule one edit (throttled, coalesced with others asked for meanwhile)."""
        if not self._finished and self._pending is None:
            self._pending = asyncio.create_task(self._flush(), name=f"edit-{self.name}")

    async def edit_now(self, blocks: Blocks, text: str) -> None:
        """Edit at once, in order with the throttled edits (raises what chat.update raises)."""
        await self._opened.wait()
        async with self._lock:
            assert self.ts is not None
            await self.client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=blocks)
            self.calls += 1
            self.edits += 1
            self._last_write = self._clock()

    async def _flush(self) -> None:
        try:
            await self._opened.wait()
            delay = self._last_write + self.interval_s - self._clock()
            if delay > 0:
                await asyncio.sleep(delay)
            if self._finished:
                return
            self._writing = True
            try:
                await self.edit_now(*self._render())
            except Exception:  # a lost progress edit must not sink the work; the next or final edit follows
                log.warning("progress edit of %s failed (%s/%s)", self.name, self.channel, self.ts, exc_info=True)
            finally:
                self._writing = False
        finally:
            self._pending = None

    def stop(self) -> None:
        """No more edits (the message could not be opened, or the process is stopping)."""
        self._finished = True
        if self._pending is not None:
            self._pending.cancel()

    async def finish(self, blocks: Blocks, text: str) -> None:
        """The last edit: drop a waiting edit, let one in flight land first (raises what chat.update raises)."""
        self._finished = True
        pending = self._pending
        if pending is not None:
            if self._writing:
                await asyncio.shield(pending)
            else:
                pending.cancel()
                await asyncio.gather(pending, return_exceptions=True)
        await self.edit_now(blocks, text)
