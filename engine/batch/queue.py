"""The batch queue on saq (REDIS_URL): job settings, enqueueing rows, cancel and the reconciler.

One job per row, keyed `{batch_id}:{row}`, enqueued in pages by one batch job keyed `{batch_id}`
(never by an HTTP handler). saq de-duplicates on the key while a job is queued, active or waiting
to be retried, so enqueueing a row twice is harmless: that is what makes the reconciler safe.

saq settings and why (its defaults are a 10 s timeout, 1 attempt, no heartbeat, 600 s ttl):

- timeout BATCH_ROW_TIMEOUT_S (300 s, at least 180): three LLM steps of up to STEP_TIMEOUT_S.
- heartbeat BATCH_ROW_HEARTBEAT_S (30 s): the worker beats it every third of that and as each step
  starts and finishes; a SIGKILLed worker stops beating, so saq's sweep retries its rows after
  heartbeat + BATCH_SWEEP_S (saq#127: without a heartbeat a dead worker's job stays active).
- retries: BATCH_ROW_RETRIES + 1 attempts (saq counts attempts), exponential backoff from 2 s,
  jittered, at most 60 s; the last attempt records its error as the row's outcome.
- ttl JOB_TTL_S (2 days): finished job records outlive a day's batches; the store, not saq, is the
  record of a batch, so an expired job record loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from saq import Queue
from saq.job import Job, Status
from saq.queue.redis import RedisQueue

from engine.batch.keys import RUNNING_PREFIX
from engine.batch.record import BatchRecord
from engine.batch.rows import BatchMeta
from engine.cache.store import Store
from engine.models import BatchItem
from engine.settings import EngineSettings

__all__ = [
    "BATCH_JOB",
    "JOB_TTL_S",
    "PAGE_ROWS",
    "QUEUE_NAME",
    "RECONCILE_JOB",
    "ROW_JOB",
    "BatchQueue",
    "row_key",
]

log = logging.getLogger(__name__)

QUEUE_NAME = "replycrew-batches"
BATCH_JOB = "batch"          # enqueues a batch's rows, a page at a time
ROW_JOB = "row"              # drafts one row
RECONCILE_JOB = "reconcile"  # re-enqueues rows with no outcome and no live job
PAGE_ROWS = 100
JOB_TTL_S = 2 * 24 * 3600
RETRY_DELAY_S = 2.0
MAX_RETRY_DELAY_S = 60.0
BATCH_JOB_TIMEOUT_S = 600
REDIS_RETRY_S = 1.0


class _PatientQueue(RedisQueue):
    """saq's Redis queue, waiting a moment when Redis is away instead of failing each dequeue at once.

    saq's worker starts the next dequeue as soon as one fails: while Redis restarts, every job
    slot would spin at full CPU. The rows themselves resume afterwards (heartbeat, sweep, retry)."""

    async def dequeue(self, timeout: float = 0.0, poll_interval: float = 0.0) -> Job | None:  # noqa: ASYNC109  (saq's signature)
        try:
            return await super().dequeue(timeout=timeout, poll_interval=poll_interval)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            log.warning("the queue's Redis is unreachable (%s); trying again in %.0f s", exc, REDIS_RETRY_S)
            await asyncio.sleep(REDIS_RETRY_S)
            return None


def row_key(batch_id: str, index: int) -> str:
    """A row's job key: `{batch_id}:{row}` (the row's 0-based index)."""
    return f"{batch_id}:{index}"


class BatchQueue:
    """The saq queue of batch jobs, with the settings every job of ours is enqueued with."""

    def __init__(self, settings: EngineSettings, *, dsn: str | None = None) -> None:
        dsn = dsn or settings.redis_dsn
        if not dsn:
            raise ValueError("the batch queue needs Redis: set REDIS_URL (e.g. redis://localhost:6379/0)")
        self.settings = settings
        self.saq: Queue = _PatientQueue(aioredis.from_url(dsn), name=QUEUE_NAME)

    async def connect(self) -> None:
        await self.saq.connect()

    async def close(self) -> None:
        """Let go of Redis; a Redis that is already gone is no reason to fail a shutdown."""
        try:
            await self.saq.disconnect()
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            log.info("the queue's Redis went away before we let go of it: %s", exc)

    def row_options(self) -> dict[str, Any]:
        """saq job options of a row (see the module docstring for why each)."""
        return {"timeout": self.settings.batch_row_timeout_s,
                "heartbeat": self.settings.batch_row_heartbeat_s,
                "retries": self.settings.batch_row_retries + 1,
                "retry_delay": RETRY_DELAY_S, "retry_backoff": MAX_RETRY_DELAY_S, "ttl": JOB_TTL_S}

    async def submit(self, batch_id: str) -> bool:
        """Enqueue the batch job that enqueues the rows; False when it is already queued or running."""
        job = await self.saq.enqueue(
            BATCH_JOB, key=batch_id, batch_id=batch_id, timeout=BATCH_JOB_TIMEOUT_S,
            heartbeat=self.settings.batch_row_heartbeat_s, retries=self.settings.batch_row_retries + 1,
            retry_delay=RETRY_DELAY_S, retry_backoff=MAX_RETRY_DELAY_S, ttl=JOB_TTL_S)
        return job is not None

    async def enqueue_row(self, batch_id: str, index: int) -> bool:
        """Enqueue one row's job; False when that row already has a live job (queued, active, retrying)."""
        job = await self.saq.enqueue(ROW_JOB, key=row_key(batch_id, index), batch_id=batch_id,
                                     index=index, **self.row_options())
        return job is not None

    async def enqueue_rows(self, batch_id: str, indices: Iterable[int]) -> int:
        """Enqueue rows' jobs; how many were new."""
        return sum([await self.enqueue_row(batch_id, index) for index in indices])

    async def abort_queued(self, batch_id: str, indices: list[int]) -> int:
        """Abort the rows' jobs still waiting in the queue (running rows stop at their next step)."""
        aborted = 0
        for start in range(0, len(indices), PAGE_ROWS):
            keys = [row_key(batch_id, index) for index in indices[start:start + PAGE_ROWS]]
            for job in await self.saq.jobs(keys):
                if job is not None and job.status == Status.QUEUED:
                    await self.saq.abort(job, "the batch was cancelled")
                    aborted += 1
        return aborted

    async def cancel(self, store: Store, batch_id: str, *, by: str) -> None:
        """Cancel a batch: mark it in the store (rows check before each step), abort queued rows."""
        record = BatchRecord(store, batch_id)
        await record.cancel(by)
        meta = await record.find_meta()
        if meta is None:
            return
        finished = await record.finished_indices()
        await self.abort_queued(batch_id, [i for i in range(meta.total) if i not in finished])

    async def job(self, key: str) -> Job | None:
        return await self.saq.job(key)

    async def reconcile(self, store: Store) -> int:
        """Re-enqueue every running batch's rows that have no outcome and no live job; finish
        batches whose rows all have one. Returns how many row jobs were enqueued."""
        metas = [BatchMeta.from_json(value) async for _, value in store.scan(RUNNING_PREFIX)]
        enqueued = 0
        for meta in metas:
            record = BatchRecord(store, meta.batch_id)
            current = await record.find_meta()
            if current is None or current.status != "running" or await record.cancelled_by():
                continue
            # The outcomes themselves, not the progress log: a process that died between writing
            # a row's outcome and its log line must not leave the batch running for ever.
            finished, _ = await record.finished()
            missing = [index for index in range(current.total) if index not in finished]
            if not missing:
                await record.set_status("done", current)
                continue
            missing = await self._give_up_on_spent(record, missing)
            new = await self.enqueue_rows(meta.batch_id, missing)
            if new:
                log.info("reconciler: batch %s: %d rows without an outcome or a job re-enqueued",
                         meta.batch_id, new)
            enqueued += new
        return enqueued


    async def _give_up_on_spent(self, record: BatchRecord, indices: list[int]) -> list[int]:
        """Rows whose job saq ended without our outcome after its last attempt (swept: its worker
        died, or it hung past its timeout, every time) get that as their error, instead of being
        enqueued for ever; the other rows are returned to be (re-)enqueued."""
        again: list[int] = []
        for start in range(0, len(indices), PAGE_ROWS):
            page = indices[start:start + PAGE_ROWS]
            jobs = await self.saq.jobs(row_key(record.batch_id, index) for index in page)
            for index, job in zip(page, jobs, strict=True):
                if job is not None and job.status in (Status.ABORTED, Status.FAILED) and not job.retryable:
                    error = (f"drafting failed after {job.attempts} attempts: each ended without a result "
                             f"({job.error or job.status.value}; the worker stopped or the row ran past "
                             f"{job.timeout} s)")
                    await record.record(BatchItem(index=index, ok=False, error=error))
                else:
                    again.append(index)
        return again


async def finish_if_complete(record: BatchRecord, meta: BatchMeta | None = None) -> bool:
    """Mark the batch done when every row has an outcome (by whichever process wrote the last)."""
    meta = meta or await record.meta()
    if meta.status != "running":
        return False
    counts = await record.counts()
    if counts.done < meta.total:
        return False
    await record.set_status("done", meta)
    return True
