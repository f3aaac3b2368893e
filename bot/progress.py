"""Turns a run's StepEvents into a few throttled chat.update calls on one Slack message.

Cost per draft, whatever the step timings: one call to open the message (chat.postMessage, or
chat.update when a draft is regenerated in place), at most one intermediate edit per finished
step, and the final edit. Intermediate edits are at least `min_interval_s` apart and always show
the latest state; any still waiting when the run ends are dropped, since the final edit supersedes
them. A run that ends within `min_interval_s` of the message appearing costs exactly two calls.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import progress_blocks
from engine.models import StepEvent

__all__ = ["ProgressMessage"]

log = logging.getLogger(__name__)
Blocks = list[dict[str, Any]]


class ProgressMessage:
    """One Slack message showing a run's progress, then its outcome."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        channel: str,
        header: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        earlier: list[int] | None = None,
        min_interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.channel = channel
        self.ts = ts
        self.thread_ts = thread_ts
        self.header = header
        self.earlier = earlier or []
        self.min_interval_s = min_interval_s
        self.calls = 0  # Web API calls this message cost
        self.edits = 0  # chat.update calls among them
        self._clock = clock
        self._steps: dict[str, StepEvent] = {}
        self._opened = asyncio.Event()
        self._last_write = 0.0
        self._pending: asyncio.Task[None] | None = None
        self._writing = False
        self._finished = False

    def blocks(self) -> Blocks:
        """The progress blocks for the current state."""
        return progress_blocks(header=self.header, steps=self._steps, earlier=self.earlier)

    @property
    def text(self) -> str:
        return self.header

    async def open(self) -> str:
        """Post the message (or turn an existing one into progress); returns its ts."""
        if self.ts is None:
            response = await self.client.chat_postMessage(
                channel=self.channel, thread_ts=self.thread_ts, text=self.text, blocks=self.blocks(),
                unfurl_links=False, unfurl_media=False,
            )
            self.ts = str(response["ts"])
            self.channel = str(response.get("channel") or self.channel)
        else:
            await self.client.chat_update(channel=self.channel, ts=self.ts, text=self.text,
                                          blocks=self.blocks())
            self.edits += 1
        self.calls += 1
        self._last_write = self._clock()
        self._opened.set()
        return self.ts

    def on_event(self, event: StepEvent) -> None:
        """Record a step event; a finished step schedules an edit (throttled, coalesced)."""
        self._steps[event.name] = event
        if event.status != "started" and not self._finished and self._pending is None:
            self._pending = asyncio.create_task(self._flush(), name=f"progress-{self.channel}")

    async def _flush(self) -> None:
        try:
            await self._opened.wait()
            delay = self._last_write + self.min_interval_s - self._clock()
            if delay > 0:
                await asyncio.sleep(delay)
            if self._finished:
                return
            self._writing = True
            try:
                await self._update(self.blocks(), self.text)
            except Exception:  # a lost progress edit must not sink the draft; the final edit follows
                log.warning("progress edit failed for %s/%s", self.channel, self.ts, exc_info=True)
            finally:
                self._writing = False
        finally:
            self._pending = None

    async def _update(self, blocks: Blocks, text: str) -> None:
        assert self.ts is not None
        await self.client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=blocks)
        self.calls += 1
        self.edits += 1
        self._last_write = self._clock()

    def abandon(self) -> None:
        """Stop any scheduled edit: the message could not be opened."""
        self._finished = True
        if self._pending is not None:
            self._pending.cancel()

    async def finish(self, *, blocks: Blocks, text: str) -> None:
        """Replace the progress with the outcome (the draft, or an error); the last edit."""
        self._finished = True
        pending = self._pending
        if pending is not None:
            if self._writing:
                await asyncio.shield(pending)  # let an edit in flight land first: keeps the order
            else:
                pending.cancel()
                await asyncio.gather(pending, return_exceptions=True)
        await self._opened.wait()
        await self._update(blocks, text)
