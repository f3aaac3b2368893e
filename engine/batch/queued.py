"""A batch whose rows run as queue jobs on `replycrew worker`s: submit it, follow it, cancel it.

The same face as the in-process BatchRunner (`run`, `resume`, `cancel`, progress callbacks), so
Slack, REST and the CLI use either. Progress comes from the store (done / failed / total, rows
per second, ETA), never from a worker: any process can follow any batch, and none of them needs
an LLM key — the workers draft the rows.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

from engine.batch.queue import BatchQueue, finish_if_complete
from engine.batch.record import BatchRecord
from engine.batch.rows import BatchMeta, BatchProgress, BatchRow
from engine.batch.runner import ProgressCallback
from engine.cache.store import Store
from engine.errors import StoreUnavailable
from engine.models import BatchReport, new_request_id

__all__ = ["QueueBatchRunner"]

log = logging.getLogger(__name__)

POLL_S = 0.5


class QueueBatchRunner:
    """One batch on the queue; `cancel()` aborts its queued rows and stops running ones at their next step."""

    def __init__(self, store: Store, queue: BatchQueue, *, batch_id: str | None = None,
                 on_progress: ProgressCallback | None = None, poll_s: float = POLL_S,
                 cancelled_by: str = "api") -> None:
        self.store = store
        self.queue = queue
        self.batch_id = batch_id or f"batch_{new_request_id()}"
        self.record = BatchRecord(store, self.batch_id)
        self.on_progress = on_progress
        self.poll_s = poll_s
        self.cancelled_by = cancelled_by
        self._cancel = asyncio.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Cancel the batch (done by the follow loop, which owns the store connection)."""
        self._cancel.set()

    async def submit(self, rows: Iterable[BatchRow], *, scope: str, max_concurrent: int = 10,
                     context: Mapping[str, Any] | None = None) -> BatchMeta:
        """Keep the rows in the store and enqueue the batch job; returns at once."""
        inputs = list(rows)
        meta = BatchMeta(batch_id=self.batch_id, scope=scope, total=len(inputs),
                         max_concurrent=max(1, max_concurrent), context=dict(context or {}))
        await self.record.save(meta, inputs)
        await self.queue.submit(self.batch_id)
        return meta

    async def run(self, rows: Iterable[BatchRow], *, scope: str, max_concurrent: int = 10,
                  context: Mapping[str, Any] | None = None) -> BatchReport:
        """Submit the rows and follow them to the report."""
        await self.submit(rows, scope=scope, max_concurrent=max_concurrent, context=context)
        return await self.follow()

    async def resume(self) -> BatchReport:
        """Run the rows without an outcome again (a cancelled or interrupted batch) and follow it."""
        meta = await self.record.meta()
        if meta.status != "running" or await self.record.cancelled_by():
            await self.record.set_status("running", meta)
        await self.queue.submit(self.batch_id)
        return await self.follow()

    async def follow(self) -> BatchReport:
        """Report progress from the store until every row has an outcome or the batch is cancelled."""
        started = time.perf_counter()
        first = (await self.record.counts()).done
        cancel_sent = False
        reported: tuple[int, int, str] | None = None
        while True:
            try:
                if self._cancel.is_set() and not cancel_sent:
                    await self.queue.cancel(self.store, self.batch_id, by=self.cancelled_by)
                    cancel_sent = True
                meta = await self.record.meta()
                counts = await self.record.counts()
            except StoreUnavailable as exc:  # Redis restarting: the batch resumes with it
                log.warning("batch %s: cannot read progress (%s); trying again", self.batch_id, exc)
                await asyncio.sleep(max(self.poll_s, 1.0))
                continue
            state = (counts.done, counts.failed, meta.status)
            if state != reported:  # a poll that saw nothing new is no progress (Slack edits cost budget)
                reported = state
                self._report(meta, counts.done, counts.failed, first=first, started=started)
            if meta.status == "running" and counts.done >= meta.total:
                await finish_if_complete(self.record, meta)  # the last row's worker died before it could
                continue
            if meta.status != "running":
                return await self.record.report()
            await asyncio.sleep(self.poll_s)

    def _report(self, meta: BatchMeta, done: int, failed: int, *, first: int, started: float) -> None:
        if self.on_progress is None:
            return
        seconds = time.perf_counter() - started
        rate = (done - first) / seconds if seconds > 0 and done > first else 0.0
        eta = (meta.total - done) / rate if rate > 0 else None
        try:
            self.on_progress(BatchProgress(
                batch_id=self.batch_id, done=done, failed=failed, total=meta.total, resumed=first,
                elapsed_s=seconds, throughput=rate, eta_s=eta,
                cancelled=meta.status == "cancelled" or self.cancelled))
        except Exception:  # a broken progress display must not stop following
            log.exception("batch progress callback failed")
