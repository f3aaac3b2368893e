"""A batch's progress message: the runner's progress callbacks become throttled chat.update calls.

Edits are at least `interval_s` apart (Slack allows about one update a second per message, and
chat.update is rate tier 3, ~50 a minute per workspace), always show the latest state, and are
coalesced: a batch finishing rows 40 times a second still costs one edit per interval. Big
batches edit less often (`edit_interval`). A failed edit is logged and skipped; the next one
shows the newer state anyway.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.batches.blocks import batch_progress_blocks
from engine.batch.runner import BatchProgress

__all__ = ["BatchProgressMessage", "edit_interval"]

log = logging.getLogger(__name__)


def edit_interval(total: int, *, base_s: float) -> float:
    """Seconds between edits: `base_s` up to 250 rows, one more step per 250 rows, at most 5x."""
    return base_s * min(5, 1 + total // 250)


class BatchProgressMessage:
    """One message in the file's thread showing a batch's progress, then its outcome."""

    def __init__(self, client: AsyncWebClient, *, channel: str, ts: str, header: str, total: int,
                 batch_id: str, interval_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.channel = channel
        self.ts = ts
        self.header = header
        self.total = total
        self.batch_id = batch_id
        self.interval_s = interval_s
        self.edits = 0
        self.notes: list[str] = []
        self.latest: BatchProgress | None = None
        self._clock = clock
        self._last_write = clock()
        self._pending: asyncio.Task[None] | None = None
        self._finished = False
        self._lock = asyncio.Lock()  # edits land in the order they were made

    def blocks(self, *, final: str | None = None) -> list[dict[str, Any]]:
        """The message's blocks for the latest state."""
        return batch_progress_blocks(header=self.header, progress=self.latest, total=self.total,
                                     batch_id=self.batch_id, notes=self.notes, final=final)

    def on_progress(self, progress: BatchProgress) -> None:
        """The runner's callback (sync, on the loop): remember the state, schedule one edit."""
        self.latest = progress
        if not self._finished and self._pending is None:
            self._pending = asyncio.create_task(self._flush(), name=f"batch-progress-{self.batch_id}")

    async def _flush(self) -> None:
        try:
            delay = self._last_write + self.interval_s - self._clock()
            if delay > 0:
                await asyncio.sleep(delay)
            if not self._finished:
                await self._edit(self.blocks(), self.header)
        except Exception:  # a lost progress edit must not stop the batch; the next one catches up
            log.warning("batch %s: progress edit failed", self.batch_id, exc_info=True)
        finally:
            self._pending = None

    async def _edit(self, blocks: list[dict[str, Any]], text: str) -> None:
        async with self._lock:
            await self.client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=blocks)
            self.edits += 1
            self._last_write = self._clock()

    async def note(self, text: str) -> None:
        """Add a line under the bar (resumed, cancelling) and show it now."""
        self.notes.append(text)
        try:
            await self._edit(self.blocks(), self.header)
        except Exception:
            log.warning("batch %s: progress note failed", self.batch_id, exc_info=True)

    async def finish(self, final: str) -> None:
        """The last edit: the outcome line instead of the header, no Cancel button."""
        self._finished = True
        if self._pending is not None:
            self._pending.cancel()
            await asyncio.gather(self._pending, return_exceptions=True)
        try:
            await self._edit(self.blocks(final=final), final)
        except Exception:
            log.warning("batch %s: final progress edit failed", self.batch_id, exc_info=True)

    def stop(self) -> None:
        """No more edits (the process is stopping; the batch resumes elsewhere)."""
        self._finished = True
        if self._pending is not None:
            self._pending.cancel()
