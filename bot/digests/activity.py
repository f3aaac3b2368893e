"""What digests need beyond the draft records: each run's intent and the batch runs of a channel.

Store layout:

    rc:digest-intent:{request_id}            the analysed intent of one workflow run (plain text, 35-day TTL)
    rc:digest-batches:{team}:{channel}       append-only log of batch runs posted in a channel (JSON)
    rc:digest-sent:{team}:{channel}:{at}     the exactly-once lock of one scheduled digest (8-day TTL)
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from engine import keys
from engine.cache.store import Store
from engine.models import BatchReport, Result, StepEvent
from engine.workflow import Engine

__all__ = ["IntentIndex", "batch_runs", "record_batch_run"]

log = logging.getLogger(__name__)
_INTENT_TTL_S = 35 * 24 * 3600  # longer than the longest digest or stats window


class IntentIndex:
    """Remembers each run's intent by request id, so a digest can name its channel's top intents."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._tasks: set[asyncio.Task[Any]] = set()

    def attach(self, engine: Engine) -> Callable[[], None]:
        """Follow `engine`'s results; returns an unsubscribe."""
        return engine.subscribe(self._on_item)

    def _on_item(self, item: StepEvent | Result) -> None:
        if not isinstance(item, Result) or item.analysis is None:
            return
        task = asyncio.get_running_loop().create_task(
            self.store.set(f"{keys.DIGEST_INTENT}{item.request_id}", item.analysis.intent, ttl=_INTENT_TTL_S))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:  # the store was away: lose one label
            log.warning("could not record an intent: %s", task.exception())

    async def flush(self) -> None:
        """Wait for pending writes (tests, shutdown)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def intent(self, request_id: str) -> str | None:
        """The intent recorded for a run, if any."""
        return await self.store.get(f"{keys.DIGEST_INTENT}{request_id}")


async def record_batch_run(store: Store, *, team_id: str, channel_id: str, report: BatchReport) -> None:
    """Note a batch run posted in a channel (call it from the Slack CSV handler when a batch ends)."""
    entry = {"at": time.time(), "batch_id": report.batch_id, "total": report.total_requests,
             "ok": report.successful_requests, "failed": report.failed_requests,
             "ms": report.total_processing_ms}
    await store.append(f"{keys.DIGEST_BATCHES}{team_id}:{channel_id}", json.dumps(entry))


async def batch_runs(store: Store, *, team_id: str, channel_id: str, since: float,
                     until: float) -> list[dict[str, Any]]:
    """A channel's batch runs that finished in [since, until)."""
    runs = []
    for raw in await store.read_from(f"{keys.DIGEST_BATCHES}{team_id}:{channel_id}", 0):
        entry = json.loads(raw)
        if since <= float(entry.get("at", 0)) < until:
            runs.append(entry)
    return runs
