"""A saq worker that drafts batch rows: what `replycrew worker` runs, one process per core.

It builds and warms the engine (crews, the embedding model) before it takes a job, reconciles
once at start-up and every minute after (a cron job saq runs on one worker at a time), and on
SIGTERM or SIGINT stops taking jobs and lets the rows in flight finish (drains) before it exits.
A row job drafts with the one row function (`engine.batch.row`) and writes the row's outcome once
to the store (`engine.batch.record`), so a job saq runs twice (saq#277: a job can be swept while
it runs) records one outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from saq import CronJob, Worker
from saq.job import Job
from saq.types import Context

from engine.batch.queue import BATCH_JOB, PAGE_ROWS, RECONCILE_JOB, ROW_JOB, BatchQueue, finish_if_complete
from engine.batch.record import BatchRecord
from engine.batch.row import draft_row, failed_item
from engine.batch.runner import freeze_long_lived
from engine.metrics import BATCH_ROWS_ACTIVE, record_batch_rows, record_row_job
from engine.migrate import migrate_store
from engine.models import BatchItem, StepEvent
from engine.settings import EngineSettings
from engine.workflow import Engine

__all__ = ["BatchWorker", "warm_engine"]

log = logging.getLogger(__name__)

DEQUEUE_TIMEOUT_S = 1.0


class _DrainingWorker(Worker[Context]):
    """saq's Worker, without its signal handlers (saq's stop cancels the rows in flight at once),
    and with a drain: once `draining` is set, no slot takes another job."""

    SIGNALS = []  # noqa: RUF012  (saq reads this attribute; ours are installed by BatchWorker.run)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.draining = asyncio.Event()
        self._never = asyncio.Event()

    async def process(self) -> bool:
        if self.draining.is_set():
            await self._never.wait()  # an idle slot waits here until stop() cancels it
            return False
        return await super().process()


async def warm_engine(engine: Engine, concurrency: int) -> None:
    """What the first rows would otherwise wait for: crews for each step, the embedding model."""
    for step in (engine.backends.profile, engine.backends.analysis, engine.backends.reply):
        prebuild = getattr(getattr(step, "pool", None), "prebuild", None)
        if prebuild is not None:
            prebuild(concurrency)
            await asyncio.sleep(0)
    analyses = getattr(engine.caches.analyses, "inner", engine.caches.analyses)
    start = getattr(analyses, "start", None)
    if start is not None:
        await start()


class BatchWorker:
    """One worker process: an engine, the queue, and saq's Worker running our three jobs."""

    def __init__(self, settings: EngineSettings, *, concurrency: int,
                 build: Callable[[EngineSettings], Engine] | None = None) -> None:
        self.settings = settings
        self.concurrency = max(1, concurrency)
        self.queue = BatchQueue(settings)
        self._build = build
        self.engine: Engine | None = None
        self.ready = asyncio.Event()
        self._worker: _DrainingWorker | None = None
        self._stopping = asyncio.Event()
        self.on_stop: Callable[[], None] | None = None  # told when a drain starts (the CLI says so)

    # ---- jobs ------------------------------------------------------------------------------

    async def batch_job(self, ctx: Context, *, batch_id: str) -> str:
        """Enqueue the batch's rows without an outcome, a page at a time (beating the heartbeat)."""
        engine = self._engine()
        record = BatchRecord(engine.store, batch_id)
        meta = await record.find_meta()
        if meta is None or meta.status != "running":
            return "not running"
        finished = await record.finished_indices()
        pending = [index for index in range(meta.total) if index not in finished]
        for start in range(0, len(pending), PAGE_ROWS):
            if await record.cancelled_by():
                return "cancelled"
            await self.queue.enqueue_rows(batch_id, pending[start:start + PAGE_ROWS])
            await ctx["job"].update(progress=min(1.0, (start + PAGE_ROWS) / max(1, len(pending))))
        if not pending:
            await finish_if_complete(record, meta)
        return f"{len(pending)} rows enqueued"

    async def row_job(self, ctx: Context, *, batch_id: str, index: int) -> str:
        """Draft one row and record its outcome once; an exception before the last attempt retries."""
        engine = self._engine()
        job: Job = ctx["job"]
        record = BatchRecord(engine.store, batch_id)
        if await record.outcome(index) is not None:
            record_row_job("duplicate")
            return "already recorded"
        meta = await record.find_meta()
        if meta is None:
            return "the batch is gone from the store"
        if meta.status == "cancelled" or await record.cancelled_by():
            record_row_job("cancelled")
            return "cancelled"
        last = job.attempts >= job.retries

        last_beat = time.monotonic()

        async def on_step(event: StepEvent) -> None:
            # The heartbeat, as steps finish: at most once a second (each beat is a read and a
            # write of the job record; ~1 ms of CPU, measured in perf/bench_batch.py).
            nonlocal last_beat
            if event.status != "started" and time.monotonic() - last_beat >= 1.0:
                last_beat = time.monotonic()
                await job.update()

        async def stop() -> bool:
            return await record.cancelled_by() is not None

        beating = asyncio.create_task(self._beat(job))
        BATCH_ROWS_ACTIVE.inc()
        try:
            row = await record.input(index)  # an unreadable stored row raises: retried, then its error
            item: BatchItem | None = await draft_row(
                engine, row, batch_id=batch_id, index=index, scope=meta.scope, on_step=on_step,
                stop=stop, last_attempt=last)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not last:
                record_row_job("retried")
                raise
            log.exception("batch %s row %d failed on its last attempt", batch_id, index)
            item = failed_item(index, exc, attempts=job.attempts)
        finally:
            BATCH_ROWS_ACTIVE.dec()
            beating.cancel()
        if item is None:
            record_row_job("cancelled")
            return "cancelled"
        written = await record.record(item)
        if written is None:
            record_row_job("duplicate")
            return "already recorded"
        record_row_job("recorded")
        record_batch_rows(ok=int(item.ok), failed=int(not item.ok))
        if written >= meta.total:
            await finish_if_complete(record)
        return "ok" if item.ok else "error"

    async def reconcile_job(self, ctx: Context) -> int:
        """Re-enqueue rows that have no outcome and no live job (every minute, on one worker)."""
        return await self.queue.reconcile(self._engine().store)

    async def _beat(self, job: Job) -> None:
        # Steps can wait on an LLM for longer than a heartbeat: beat on a clock too, so only a dead
        # (or frozen) worker misses it. A row that hangs is ended by its timeout instead.
        interval = max(1.0, self.settings.batch_row_heartbeat_s / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                await job.update()
            except Exception as exc:  # Redis away for a moment: the next beat may get through
                log.warning("heartbeat of %s failed: %s", job.key, exc)

    def _engine(self) -> Engine:
        assert self.engine is not None, "the worker's engine is built before it takes jobs"
        return self.engine

    # ---- running -----------------------------------------------------------------------------

    async def start_engine(self) -> Engine:
        """Build and warm the engine (before the first job is taken)."""
        if self._build is None:
            from engine.build import build_engine

            self._build = build_engine
        engine = self._build(self.settings)
        await migrate_store(engine.store)  # as `replycrew serve` does: older releases' keys, renamed once
        # crewai runs flow steps (and sync LLM calls) through asyncio.to_thread: a thread per call
        # that may be in flight, or rows queue behind the default executor's few threads.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=3 * self.concurrency + 4, thread_name_prefix="replycrew-llm"))
        await warm_engine(engine, self.concurrency)
        freeze_long_lived()
        self.engine = engine
        return engine

    def stop(self) -> None:
        """Stop taking jobs; rows in flight finish (what SIGTERM does)."""
        if not self._stopping.is_set() and self.on_stop is not None:
            self.on_stop()
        self._stopping.set()

    async def run(self, *, install_signals: bool = True,
                  on_ready: Callable[[], Awaitable[None]] | None = None) -> None:
        """Warm up, take jobs until stop() (or SIGTERM/SIGINT), then drain and return."""
        engine = await self.start_engine()
        await self.queue.connect()
        loop = asyncio.get_running_loop()
        if install_signals:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, self.stop)
        worker = _DrainingWorker(
            self.queue.saq,
            functions=[(BATCH_JOB, self.batch_job), (ROW_JOB, self.row_job),
                       (RECONCILE_JOB, self.reconcile_job)],
            concurrency=self.concurrency,
            cron_jobs=[CronJob(self.reconcile_job, cron="* * * * *", timeout=120, ttl=600)],
            timers={"sweep": self.settings.batch_sweep_s},
            # Idle slots wake every second, so a drain never waits on a blocking dequeue.
            dequeue_timeout=DEQUEUE_TIMEOUT_S,
            # saq's stop then cancels what is left at once: _drain has already waited for the rows.
            shutdown_grace_period_s=None,
        )
        self._worker = worker
        started = asyncio.create_task(worker.start())
        try:
            reconciled = await self.queue.reconcile(engine.store)
            if reconciled:
                log.info("start-up reconcile: %d rows re-enqueued", reconciled)
            self.ready.set()
            if on_ready is not None:
                await on_ready()
            await self._stopping.wait()
            await self._drain(worker)
        finally:
            await worker.stop()
            started.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await started
            if install_signals:
                for signum in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(signum)
            await self.queue.close()
            await engine.store.close()

    async def _drain(self, worker: _DrainingWorker) -> None:
        """No new jobs; wait for the rows in flight (up to a row's timeout)."""
        worker.draining.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.batch_row_timeout_s
        await asyncio.sleep(DEQUEUE_TIMEOUT_S + 0.2)  # a dequeue under way may still hand over a job
        log.info("draining: %d rows in flight", len(worker.job_task_contexts))
        while worker.job_task_contexts and loop.time() < deadline:  # noqa: ASYNC110  (saq sets no event as a job ends)
            await asyncio.sleep(0.2)

    def info(self) -> dict[str, Any]:
        return {"concurrency": self.concurrency, "ready": self.ready.is_set()}
