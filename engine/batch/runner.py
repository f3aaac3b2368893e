"""The in-process batch runner: many drafts at bounded concurrency, checkpointed, cancellable, resumable.

Used without Redis (`make run` stays one process) by `POST /batch`, `replycrew batch --local`
and Slack CSV uploads; with REDIS_URL the same rows run as queue jobs instead
(`engine.batch.queued`). Both draft each row with the one row function (`engine.batch.row`) and
keep the batch in the store (`engine.batch.record`): a process that dies mid-batch can `resume()`
without redoing or losing finished rows.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from engine.batch.keys import BATCH_TTL_S, RUNNING_PREFIX
from engine.batch.record import BatchRecord
from engine.batch.report import CANCELLED_ERROR, build_report
from engine.batch.row import draft_row
from engine.batch.rows import (
    BatchMeta,
    BatchProgress,
    BatchRow,
    BatchStatus,
    RowError,
    batch_of,
    row_request_id,
)
from engine.errors import ReplycrewError
from engine.metrics import record_batch_rows
from engine.models import BatchItem, BatchReport, new_request_id
from engine.workflow import Engine

__all__ = [
    "BATCH_TTL_S",
    "CANCELLED_ERROR",
    "BatchMeta",
    "BatchProgress",
    "BatchRow",
    "BatchRunner",
    "ProgressCallback",
    "RowError",
    "batch_of",
    "build_report",
    "freeze_long_lived",
    "resume_batch",
    "row_request_id",
    "run_batch",
    "unfinished_batches",
]

log = logging.getLogger(__name__)


ProgressCallback = Callable[[BatchProgress], None]
ItemCallback = Callable[[BatchItem], None]


class BatchRunner:
    """Runs one batch in this process. `cancel()` stops starting new rows; rows in flight finish."""

    def __init__(
        self, engine: Engine, *, batch_id: str | None = None, checkpoint: bool = True,
        on_progress: ProgressCallback | None = None, on_item: ItemCallback | None = None,
    ) -> None:
        self.engine = engine
        self.batch_id = batch_id or f"batch_{new_request_id()}"
        self.checkpoint = checkpoint
        self.on_progress = on_progress
        self.on_item = on_item
        self.record = BatchRecord(engine.store, self.batch_id)
        self._cancel = asyncio.Event()
        self._checkpoint_errors = 0

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Start no new rows; the report keeps every finished row."""
        self._cancel.set()

    async def status(self) -> BatchStatus | None:
        """The checkpointed status of this batch id (running, done, cancelled), or None."""
        meta = await self.record.find_meta()
        return None if meta is None else meta.status

    async def finished_count(self) -> int:
        """How many rows of this batch id are checkpointed as finished."""
        return (await self.record.counts()).done

    async def forget(self) -> None:
        """Delete every checkpoint of this batch id (before reusing the id for a fresh run)."""
        await self.record.forget()

    async def run(self, rows: Iterable[BatchRow], *, scope: str, max_concurrent: int = 10,
                  context: Mapping[str, Any] | None = None) -> BatchReport:
        """Run every row (input order kept in the report) and return the seed's metrics."""
        inputs = list(rows)
        meta = BatchMeta(batch_id=self.batch_id, scope=scope, total=len(inputs),
                         max_concurrent=max(1, max_concurrent), context=dict(context or {}))
        if self.checkpoint:
            await self._guard(self.record.save(meta, inputs), "its input")
        return await self._execute(meta, inputs, done={}, offset_ms=0)

    async def load_report(self) -> BatchReport:
        """The report of a checkpointed batch as it stands; rows not finished count as cancelled."""
        return await self.record.report()

    async def resume(self) -> BatchReport:
        """Finish a checkpointed batch: run only the rows that never finished."""
        meta = await self.record.meta()
        rows = await self.record.inputs(meta.total)
        done, offset_ms = await self.record.finished()
        meta = await self.mark_running(meta)
        log.info("resuming batch %s: %d of %d rows already finished", self.batch_id, len(done),
                 meta.total)
        return await self._execute(meta, rows, done=done, offset_ms=offset_ms)

    async def mark_running(self, meta: BatchMeta | None = None) -> BatchMeta:
        """Checkpoint the batch as running again (a resume of a done or cancelled batch)."""
        meta = meta or await self.record.meta()
        if meta.status != "running":
            meta = await self.record.set_status("running", meta)
        return meta

    async def _execute(self, meta: BatchMeta, rows: list[BatchRow], *, done: dict[int, BatchItem],
                       offset_ms: int) -> BatchReport:
        freeze_long_lived()
        resumed = len(done)
        pending = iter([index for index in range(len(rows)) if index not in done])
        started = time.perf_counter()
        finished_now = 0
        failed = sum(1 for item in done.values() if not item.ok)

        def elapsed_ms() -> int:
            return offset_ms + int((time.perf_counter() - started) * 1000)

        def report_progress() -> None:
            if self.on_progress is None:
                return
            seconds = time.perf_counter() - started
            rate = finished_now / seconds if seconds > 0 and finished_now else 0.0
            remaining = len(rows) - len(done)
            eta = remaining / rate if rate > 0 else None
            try:
                self.on_progress(BatchProgress(
                    batch_id=self.batch_id, done=len(done), failed=failed, total=len(rows),
                    resumed=resumed, elapsed_s=seconds, throughput=rate, eta_s=eta,
                    cancelled=self.cancelled))
            except Exception:  # a broken progress display must not stop the batch
                log.exception("batch progress callback failed")

        async def worker() -> None:
            nonlocal finished_now, failed
            while not self._cancel.is_set():
                index = next(pending, None)
                if index is None:
                    return
                if self.checkpoint and await self._cancelled_elsewhere():
                    self.cancel()
                    return
                item = await draft_row(self.engine, rows[index], batch_id=self.batch_id, index=index,
                                       scope=meta.scope)
                assert item is not None  # no stop check: rows in flight finish
                done[index] = item
                finished_now += 1
                failed += 0 if item.ok else 1
                record_batch_rows(ok=int(item.ok), failed=int(not item.ok))
                if self.checkpoint:
                    await self._guard(self.record.record(item, elapsed_ms=elapsed_ms()), "a row")
                if self.on_item is not None:
                    try:
                        self.on_item(item)
                    except Exception:  # a consumer's bug must not stop the batch
                        log.exception("batch item callback failed")
                report_progress()

        report_progress()
        limit = min(meta.max_concurrent, self.engine.settings.max_concurrent_requests)
        workers = [asyncio.create_task(worker()) for _ in range(max(1, min(limit, len(rows))))]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for task in workers:
                task.cancel()  # the process is going away: finished rows are already checkpointed
            raise
        total_ms = elapsed_ms()
        items = [done.get(index) or BatchItem(index=index, ok=False, error=CANCELLED_ERROR)
                 for index in range(len(rows))]
        status: BatchStatus = "cancelled" if len(done) < len(rows) else "done"
        if self.checkpoint:
            await self._guard(self.record.set_status(status, replace(meta, status="running")),
                              "its status")
        return build_report(self.batch_id, items, total_ms=total_ms, resumed=resumed,
                            max_concurrent=limit, status=status,
                            checkpoint_errors=self._checkpoint_errors)

    async def _cancelled_elsewhere(self) -> bool:
        # DELETE /batches/{id} may reach another serving process: the mark in the store stops us.
        try:
            return await self.record.cancelled_by() is not None
        except ReplycrewError:
            return False

    async def _guard(self, write: Any, what: str) -> None:
        # A store outage costs resumability, never the batch itself.
        try:
            await write
        except ReplycrewError as exc:
            self._checkpoint_errors += 1
            log.warning("batch %s: checkpointing %s failed: %s", self.batch_id, what, exc)


async def run_batch(engine: Engine, rows: Iterable[BatchRow], *, scope: str, max_concurrent: int = 10,
                    batch_id: str | None = None, checkpoint: bool = True,
                    on_progress: ProgressCallback | None = None) -> BatchReport:
    """Run a batch to its report (a BatchRunner without a handle to cancel it)."""
    runner = BatchRunner(engine, batch_id=batch_id, checkpoint=checkpoint, on_progress=on_progress)
    return await runner.run(rows, scope=scope, max_concurrent=max_concurrent)


async def resume_batch(engine: Engine, batch_id: str, *,
                       on_progress: ProgressCallback | None = None) -> BatchReport:
    """Finish a checkpointed batch, e.g. after a restart; raises BatchNotFound when unknown."""
    return await BatchRunner(engine, batch_id=batch_id, on_progress=on_progress).resume()


async def unfinished_batches(engine: Engine) -> list[BatchMeta]:
    """Batches that were running when their process stopped, oldest first (to resume on start-up)."""
    metas = [BatchMeta.from_json(value) async for _, value in engine.store.scan(RUNNING_PREFIX)]
    return sorted(metas, key=lambda meta: meta.created)


def freeze_long_lived() -> None:
    """Take every object alive now out of the cyclic collector's scans (`gc.freeze`)."""
    # crewai, torch and transformers leave millions of long-lived objects; a full collection walks
    # them all, and a batch allocates enough to trigger one every few hundred rows: 300 ms with the
    # event loop stopped. What is alive when a batch starts (modules, the engine, pooled crews) lives
    # on; frozen objects are still freed by reference counting, only their cycles are never collected.
    gc.freeze()
