"""A draft's progress message: the run's StepEvents become a few throttled edits of one Slack message.

Cost per draft, whatever the step timings: one call to open the message (chat.postMessage, or
chat.update when a draft is regenerated in place), at most one intermediate edit per finished
step, and the final edit. The throttling and ordering are `bot.editor.ThrottledEditor`'s (shared
with batch progress): intermediate edits are at least `min_interval_s` apart and show the latest
state; any still waiting when the run ends are dropped. A run that ends within `min_interval_s`
of the message appearing costs exactly two calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import progress_blocks
from bot.editor import Blocks, ThrottledEditor
from bot.ratelimit import TeamBudget
from engine.models import StepEvent

__all__ = ["ProgressMessage"]


class ProgressMessage:
    """One Slack message showing a run's progress, then its outcome."""

    def __init__(self, client: AsyncWebClient, *, channel: str, header: str, ts: str | None = None,
                 thread_ts: str | None = None, earlier: list[int] | None = None, min_interval_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, budget: TeamBudget | None = None) -> None:
        self.client = client
        self.thread_ts = thread_ts
        self.header = header
        self.earlier = earlier or []
        self.budget = budget
        self._steps: dict[str, StepEvent] = {}
        self.editor = ThrottledEditor(client, channel=channel, ts=ts, interval_s=min_interval_s, clock=clock,
                                      render=lambda: (self.blocks(), self.text), name=f"progress-{channel}",
                                      budget=budget, thread_ts=thread_ts)

    @property
    def ts(self) -> str | None:
        return self.editor.ts

    @property
    def channel(self) -> str:
        return self.editor.channel

    @property
    def calls(self) -> int:
        return self.editor.calls

    @property
    def edits(self) -> int:
        return self.editor.edits

    def blocks(self) -> Blocks:
        """The progress blocks for the current state."""
        return progress_blocks(header=self.header, steps=self._steps, earlier=self.earlier)

    @property
    def text(self) -> str:
        return self.header

    async def open(self) -> str:
        """Post the message (or turn an existing one into progress); returns its ts."""
        if self.editor.ts is None:
            if self.budget is not None:
                await self.budget.post(self.channel)
            response = await self.client.chat_postMessage(
                channel=self.channel, thread_ts=self.thread_ts, text=self.text, blocks=self.blocks(),
                unfurl_links=False, unfurl_media=False,
            )
            ts = str(response["ts"])
            self.editor.opened(ts=ts, channel=str(response.get("channel") or self.channel))
        else:
            ts = self.editor.ts
            if self.budget is not None:
                await self.budget.update(final=True)
            await self.client.chat_update(channel=self.channel, ts=ts, text=self.text, blocks=self.blocks())
            self.editor.edits += 1
            self.editor.opened(ts=ts)
        return ts

    def on_event(self, event: StepEvent) -> None:
        """Record a step event; a finished step schedules an edit (throttled, coalesced)."""
        self._steps[event.name] = event
        if event.status != "started":
            self.editor.request()

    def adopt(self, ts: str) -> str:
        """Take over a message already posted (a stream's anchor line) without editing it now: the next
        throttled edit shows the progress, the final edit the outcome. Returns its ts."""
        self.editor.opened(ts=ts, counted=False)
        self.editor.request()
        return ts

    def abandon(self) -> None:
        """Stop any scheduled edit: the message could not be opened."""
        self.editor.stop()

    async def finish(self, *, blocks: Blocks, text: str) -> str:
        """Replace the progress with the outcome (the draft, or an error); returns the ts it is in
        (a fresh message's when the progress message could not be edited)."""
        return await self.editor.finish(blocks, text)
