"""The one throttled Slack message editor: draft progress and batch progress both edit through it.

Slack allows about one update a second per message (chat.update is rate tier 3, ~50 a minute per
workspace), so edits asked for faster than `interval_s` are coalesced into one, made when the
interval has passed and showing the state at that moment (`render` is called then, not when the
edit was asked for). Edits land in the order they were made. `finish` is the last edit: an edit
still waiting is dropped (the final one supersedes it), one in flight lands first. A failed
intermediate edit is logged and skipped; the next shows the newer state anyway.

Every call draws on the workspace's shared budget (bot/ratelimit.py): an intermediate edit that
would have to wait past its interval for a slot is skipped; the final edit always waits for one.
The final state is guaranteed: rate limited past the SDK's own retries, it keeps trying (honouring
Retry-After) for `final_patience_s`; if the message cannot be edited any more (deleted, too old) or
the patience runs out, the final state is posted as a fresh message instead, never left on
"Drafting…". `finish` returns the ts the final state ended up in.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ratelimit import TeamBudget

__all__ = ["Blocks", "ThrottledEditor"]

log = logging.getLogger(__name__)
Blocks = list[dict[str, Any]]
# Slack's answers meaning "this message cannot be edited (any more)": post the final state fresh.
_UNEDITABLE = {"message_not_found", "cant_update_message", "edit_window_closed"}
_RATELIMITED = "ratelimited"


class ThrottledEditor:
    """Edits one Slack message at most once per `interval_s`, always with the latest state."""

    def __init__(self, client: AsyncWebClient, *, channel: str, render: Callable[[], tuple[Blocks, str]],
                 interval_s: float, ts: str | None = None, name: str = "message",
                 clock: Callable[[], float] = time.monotonic, budget: TeamBudget | None = None,
                 thread_ts: str | None = None, final_patience_s: float = 600.0) -> None:
        self.client = client
        self.channel = channel
        self.ts = ts
        self.thread_ts = thread_ts  # where a fresh final message goes when the edit cannot land
        self.budget = budget
        self.final_patience_s = final_patience_s
        self.rate_limited = 0  # 429s that reached us past the SDK's retries
        self.reposted = False  # the final state went out as a fresh message
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
        """Edit at once (waiting for a budget slot), in order with the throttled edits (raises what
        chat.update raises)."""
        await self._opened.wait()
        if self.budget is not None:
            await self.budget.update(final=True)
        await self._update(blocks, text)

    async def _update(self, blocks: Blocks, text: str) -> None:
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
            if self.budget is not None and not await self.budget.update(final=False, horizon_s=self.interval_s):
                return  # the workspace is busy: skip this one, the next or final edit shows newer state
            self._writing = True
            try:
                await self._update(*self._render())
            except Exception:  # a lost progress edit must not sink the work; the next or final edit follows
                log.warning("progress edit of %s failed (%s/%s)", self.name, self.channel, self.ts, exc_info=True)
            finally:
                self._writing = False
        finally:
            self._pending = None

    def stop(self) -> None:
        """No more edits (the message could not be opened, or the process is stopping)."""
        self._finished = True
        # An edit already on the wire lands (cancelling it mid-request would make finish()'s wait on
        # it raise CancelledError in the caller: the batch's delivery then died silently).
        if self._pending is not None and not self._writing:
            self._pending.cancel()

    async def finish(self, blocks: Blocks, text: str) -> str:
        """The last edit: drop a waiting edit, let one in flight land first, then make sure the final
        state reaches Slack (see the module docstring); returns its message's ts. Raises what Slack
        answers only for faults a retry cannot fix (invalid blocks, channel gone, token revoked)."""
        self._finished = True
        pending = self._pending
        if pending is not None:
            if not self._writing:
                pending.cancel()
            # gather, not await: a pending edit that stop() cancelled must not cancel the caller too.
            await asyncio.gather(asyncio.shield(pending), return_exceptions=True)
        await self._opened.wait()
        deadline = self._clock() + self.final_patience_s
        while True:
            try:
                await self.edit_now(blocks, text)
                assert self.ts is not None
                return self.ts
            except SlackApiError as exc:
                error = str(exc.response.get("error") or "")
                if error == _RATELIMITED and self._clock() < deadline:
                    self.rate_limited += 1
                    await asyncio.sleep(_retry_after(exc))
                    continue
                if error not in _UNEDITABLE and error != _RATELIMITED:
                    raise
                log.warning("final edit of %s failed (%s): posting it fresh", self.name, error)
                return await self._post_fresh(blocks, text)

    async def _post_fresh(self, blocks: Blocks, text: str) -> str:
        if self.budget is not None:
            await self.budget.post(self.channel)
        response = await self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, text=text,
                                                      blocks=blocks, unfurl_links=False, unfurl_media=False)
        self.calls += 1
        self.reposted = True
        self.ts = str(response["ts"])
        return self.ts


def _retry_after(exc: SlackApiError) -> float:
    """Slack's Retry-After (whole seconds), at least one second."""
    try:
        return max(1.0, float(exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after", 1))))
    except (TypeError, ValueError, AttributeError):
        return 1.0
