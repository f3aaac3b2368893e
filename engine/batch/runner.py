"""The one batch runner: many drafts at bounded concurrency, checkpointed, cancellable, resumable.

Shared by `POST /batch`, `replycrew batch` and Slack CSV uploads. Rows are DraftRequests or
per-row errors (`RowError`); an invalid or failing row gets its own error and never sinks the
batch. Every finished row is checkpointed in the engine's store, so a process that dies mid-batch
can `resume()` without redoing or losing finished rows.

Store keys (values are JSON; they expire after BATCH_TTL_S):

    rc:batch:{id}:meta          scope, total, max_concurrent, status, caller context
    rc:batch:{id}:in:{index}    one input row: a DraftRequest, or why the row cannot run
    rc:batch:{id}:out:{index}   one finished row: its BatchItem and the batch time it finished at
    rc:batch-running:{id}     the meta again, while the batch is unfinished (found on restart)
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from engine import keys
from engine.batch.report import CANCELLED_ERROR, build_report
from engine.batch.rows import (
    BatchMeta,
    BatchProgress,
    BatchRow,
    BatchStatus,
    RowError,
    batch_of,
    parse_finished,
    row_from_json,
    row_request_id,
    row_to_json,
)
from engine.errors import BatchNotFound, ReplycrewError
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

BATCH_TTL_S = 7 * 24 * 3600  # a week: long enough to resume after a weekend's outage
RUNNING_PREFIX = keys.BATCH_RUNNING


ProgressCallback = Callable[[BatchProgress], None]
ItemCallback = Callable[[BatchItem], None]


class BatchRunner:
    """Runs one batch. `cancel()` stops starting new rows; rows in flight finish and are kept."""

    def __init__(
        self, engine: Engine, *, batch_id: str | None = None, checkpoint: bool = True,
        on_progress: ProgressCallback | None = None, on_item: ItemCallback | None = None,
    ) -> None:
        self.engine = engine
        self.batch_id = batch_id or f"batch_{new_request_id()}"
        self.checkpoint = checkpoint
        self.on_progress = on_progress
        self.on_item = on_item
        self._cancel = asyncio.Event()
        self._prefix = f"{keys.BATCH}{self.batch_id}:"
        self._checkpoint_errors = 0

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Start no new rows; the report keeps every finished row."""
        self._cancel.set()

    async def status(self) -> BatchStatus | None:
        """The checkpointed status of this batch id (running, done, cancelled), or None."""
        raw = await self.engine.store.get(self._prefix + "meta")
        return None if raw is None else BatchMeta.from_json(raw).status

    async def finished_count(self) -> int:
        """How many rows of this batch id are checkpointed as finished."""
        return sum([1 async for _ in self.engine.store.scan(self._prefix + "out:")])

    async def forget(self) -> None:
        """Delete every checkpoint of this batch id (before reusing the id for a fresh run)."""
        keys = [key async for key, _ in self.engine.store.scan(self._prefix)]
        for key in keys:
            await self.engine.store.delete(key)
        await self.engine.store.delete(RUNNING_PREFIX + self.batch_id)

    async def run(self, rows: Iterable[BatchRow], *, scope: str, max_concurrent: int = 10,
                  context: Mapping[str, Any] | None = None) -> BatchReport:
        """Run every row (input order kept in the report) and return the seed's metrics."""
        inputs = list(rows)
        meta = BatchMeta(batch_id=self.batch_id, scope=scope, total=len(inputs),
                         max_concurrent=max(1, max_concurrent), context=dict(context or {}))
        if self.checkpoint:
            await self._save_inputs(meta, inputs)
        return await self._execute(meta, inputs, done={}, offset_ms=0)

    async def prepare(self, rows: Iterable[BatchRow], *, scope: str, max_concurrent: int = 10,
                      context: Mapping[str, Any] | None = None) -> BatchMeta:
        """Checkpoint a batch's input without running it (`resume()`, here or elsewhere, runs it)."""
        inputs = list(rows)
        meta = BatchMeta(batch_id=self.batch_id, scope=scope, total=len(inputs),
                         max_concurrent=max(1, max_concurrent), context=dict(context or {}))
        await self._save_inputs(meta, inputs)
        return meta

    async def load_report(self) -> BatchReport:
        """The report of a checkpointed batch as it stands; rows not finished count as cancelled."""
        meta = await self._meta()
        done, elapsed = await self._finished()
        items = [done.get(index) or BatchItem(index=index, ok=False, error=CANCELLED_ERROR)
                 for index in range(meta.total)]
        return build_report(self.batch_id, items, total_ms=elapsed, max_concurrent=meta.max_concurrent,
                            status=meta.status)

    async def _meta(self) -> BatchMeta:
        raw = await self.engine.store.get(self._prefix + "meta")
        if raw is None:
            raise BatchNotFound(f"no batch {self.batch_id!r} in the {self.engine.store.name} store; "
                                "it may have expired or never been checkpointed — start it again")
        return BatchMeta.from_json(raw)

    async def _finished(self) -> tuple[dict[int, BatchItem], int]:
        values = [value async for _, value in self.engine.store.scan(self._prefix + "out:")]
        # Parsing 1,000 finished rows takes a few hundred ms of CPU: not on the event loop.
        return await asyncio.to_thread(parse_finished, values)

    async def resume(self, *, shard: tuple[int, int] | None = None,
                     max_concurrent: int | None = None) -> BatchReport:
        """Finish a checkpointed batch: run only the rows that never finished.

        `shard=(i, n)` runs only the unfinished rows whose index is i modulo n, at `max_concurrent`
        (one of n processes sharing the batch); the batch's status is then left to whoever
        started the n shards (`mark_running`, `finish`)."""
        meta = await self._meta()
        inputs: list[BatchRow | None] = [None] * meta.total
        async for key, value in self.engine.store.scan(self._prefix + "in:"):
            index = int(key.rsplit(":", 1)[1])
            if 0 <= index < meta.total:
                inputs[index] = row_from_json(value)
        done, offset_ms = await self._finished()
        rows = [row if row is not None else RowError("the row's input was lost from the store")
                for row in inputs]
        if shard is None:
            meta = await self.mark_running(meta)
        log.info("resuming batch %s: %d of %d rows already finished", self.batch_id, len(done),
                 meta.total)
        if max_concurrent is not None:
            meta = replace(meta, max_concurrent=max(1, max_concurrent))
        return await self._execute(meta, rows, done=done, offset_ms=offset_ms, shard=shard)

    async def mark_running(self, meta: BatchMeta | None = None) -> BatchMeta:
        """Checkpoint the batch as running again (a resume of a done or cancelled batch)."""
        meta = meta or await self._meta()
        if meta.status != "running":
            meta = replace(meta, status="running")
            await self._put(self._prefix + "meta", meta.to_json())
        return meta

    async def finish(self) -> BatchStatus:
        """Checkpoint the final status from the finished rows (after shards ran elsewhere)."""
        meta = await self._meta()
        finished = await self.finished_count()
        status: BatchStatus = "cancelled" if finished < meta.total else "done"
        await self._finish(meta, status)
        return status

    async def _execute(self, meta: BatchMeta, rows: list[BatchRow], *, done: dict[int, BatchItem],
                       offset_ms: int, shard: tuple[int, int] | None = None) -> BatchReport:
        freeze_long_lived()
        resumed = len(done)
        part, parts = shard or (0, 1)
        pending = iter([index for index in range(len(rows))
                        if index not in done and index % parts == part])
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
                item = await self._run_row(index, rows[index], scope=meta.scope)
                done[index] = item
                finished_now += 1
                failed += 0 if item.ok else 1
                record_batch_rows(ok=int(item.ok), failed=int(not item.ok))
                await self._checkpoint(item, elapsed_ms())
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
        if shard is None:  # a shard's batch is finished by whoever started the shards
            await self._finish(meta, status)
        return build_report(self.batch_id, items, total_ms=total_ms, resumed=resumed,
                            max_concurrent=limit, status=status,
                            checkpoint_errors=self._checkpoint_errors)

    async def _run_row(self, index: int, row: BatchRow, *, scope: str) -> BatchItem:
        if isinstance(row, RowError):
            return BatchItem(index=index, ok=False, error=row.message)
        try:
            result = await self.engine.run(row, scope=scope,
                                           request_id=row_request_id(self.batch_id, index))
        except asyncio.CancelledError:
            raise
        except ReplycrewError as exc:
            return BatchItem(index=index, ok=False, error=str(exc))
        except Exception as exc:  # one failing row never fails the batch
            log.exception("batch %s row %d failed", self.batch_id, index)
            return BatchItem(index=index, ok=False,
                             error=f"drafting failed: {exc or type(exc).__name__}")
        return BatchItem(index=index, ok=True, result=result)

    async def _save_inputs(self, meta: BatchMeta, rows: list[BatchRow]) -> None:
        await self._put(self._prefix + "meta", meta.to_json())
        await self._put(RUNNING_PREFIX + self.batch_id, meta.to_json())
        for index, row in enumerate(rows):
            await self._put(f"{self._prefix}in:{index:06d}", row_to_json(row))
            if index % 64 == 63:
                await asyncio.sleep(0)  # a 1,000-row save must not stall the event loop

    async def _checkpoint(self, item: BatchItem, elapsed_ms: int) -> None:
        if self.checkpoint:
            value = json.dumps({"item": item.model_dump(mode="json"), "elapsed_ms": elapsed_ms})
            await self._put(f"{self._prefix}out:{item.index:06d}", value)

    async def _finish(self, meta: BatchMeta, status: BatchStatus) -> None:
        if not self.checkpoint:
            return
        await self._put(self._prefix + "meta",
                        replace(meta, status=status).to_json())
        try:
            await self.engine.store.delete(RUNNING_PREFIX + self.batch_id)
        except ReplycrewError as exc:
            log.warning("batch %s: could not clear its running mark: %s", self.batch_id, exc)

    async def _put(self, key: str, value: str) -> None:
        # A store outage costs resumability, never the batch itself.
        try:
            await self.engine.store.set(key, value, ttl=BATCH_TTL_S)
        except ReplycrewError as exc:
            self._checkpoint_errors += 1
            log.warning("batch %s: checkpoint %s failed: %s", self.batch_id, key, exc)


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
    metas = [BatchMeta.from_json(value)
             async for _, value in engine.store.scan(RUNNING_PREFIX)]
    return sorted(metas, key=lambda meta: meta.created)


def freeze_long_lived() -> None:
    """Take every object alive now out of the cyclic collector's scans (`gc.freeze`)."""
    # crewai, torch and transformers leave millions of long-lived objects; a full collection walks
    # them all, and a batch allocates enough to trigger one every few hundred rows: 300 ms with the
    # event loop stopped. What is alive when a batch starts (modules, the engine, pooled crews) lives
    # on; frozen objects are still freed by reference counting, only their cycles are never collected.
    gc.freeze()
