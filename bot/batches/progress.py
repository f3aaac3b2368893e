"""A batch's progress message: the runner's progress callbacks become throttled chat.update calls.

The throttling is `bot.editor.ThrottledEditor`'s (shared with draft progress): edits at least
`interval_s` apart, always the latest state, coalesced, so a batch finishing rows 40 times a
second still costs one edit per interval. Big batches edit less often (`edit_interval`). A failed
edit is logged and skipped; the next one shows the newer state anyway.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk.web.async_client import AsyncWebClient

from bot.batches.blocks import batch_progress_blocks
from bot.editor import Blocks, ThrottledEditor
from bot.ratelimit import TeamBudget
from engine.batch.runner import BatchProgress

__all__ = ["BatchProgressMessage", "edit_interval"]

log = logging.getLogger(__name__)


def edit_interval(total: int, *, base_s: float) -> float:
    """Seconds between edits: `base_s` up to 250 rows, one more step per 250 rows, at most 5x."""
    return base_s * min(5, 1 + total // 250)


class BatchProgressMessage:
    """One message in the file's thread showing a batch's progress, then its outcome."""

    def __init__(self, client: AsyncWebClient, *, channel: str, ts: str, header: str, total: int,
                 batch_id: str, interval_s: float, clock: Callable[[], float] = time.monotonic,
                 budget: TeamBudget | None = None, thread_ts: str | None = None) -> None:
        self.header = header
        self.total = total
        self.batch_id = batch_id
        self.notes: list[str] = []
        self.latest: BatchProgress | None = None
        self.editor = ThrottledEditor(client, channel=channel, ts=ts, interval_s=interval_s, clock=clock,
                                      render=lambda: (self.blocks(), self.header), name=f"batch-{batch_id}",
                                      budget=budget, thread_ts=thread_ts)
        self.editor.opened(ts=ts, counted=False)  # posted by the caller

    @property
    def edits(self) -> int:
        return self.editor.edits

    def blocks(self, *, final: str | None = None) -> Blocks:
        """The message's blocks for the latest state."""
        return batch_progress_blocks(header=self.header, progress=self.latest, total=self.total,
                                     batch_id=self.batch_id, notes=self.notes, final=final)

    def on_progress(self, progress: BatchProgress) -> None:
        """The runner's callback (sync, on the loop): remember the state, schedule one edit."""
        self.latest = progress
        self.editor.request()

    async def note(self, text: str) -> None:
        """Add a line under the bar (resumed, cancelling) and show it now."""
        self.notes.append(text)
        try:
            await self.editor.edit_now(self.blocks(), self.header)
        except Exception:
            log.warning("batch %s: progress note failed", self.batch_id, exc_info=True)

    async def finish(self, final: str) -> None:
        """The last edit: the outcome line instead of the header, no Cancel button."""
        try:
            await self.editor.finish(self.blocks(final=final), final)
        except Exception:
            log.warning("batch %s: final progress edit failed", self.batch_id, exc_info=True)

    def stop(self) -> None:
        """No more edits (the process is stopping; the batch resumes elsewhere)."""
        self.editor.stop()
