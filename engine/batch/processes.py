"""Run a batch in child processes, so the caller's event loop (Slack acks, REST) stays responsive.

The crew steps spend several ms of CPU each on the event loop (crewai's own machinery); a batch of
50 rows in flight keeps a loop busy most of the time, which would delay Slack's 3-second acks.
So big batches run in `python -m engine.batch.processes`: the parent checkpoints the input in the
shared store (`BatchRunner.prepare`), each child resumes its shard of it (`BatchRunner.resume`:
the unfinished rows whose index is its shard modulo the shard count), and the parent reads the
report back from the checkpoints (input order). crewai's per-row CPU holds the GIL, so one child
per core (for batches big enough to repay a child's start-up) is what uses the machine.

A child's start-up (import crewai and sentence-transformers, build the engine and its crews, load
the embedding model) is ~10 s of CPU. Children start while the parent is still checkpointing the
input and wait for their batch; a server can also start them ahead (`prewarm_workers`), as it keeps
its own crews warm: each serves one batch, and the next batch's are started once it ends.

Pipe protocol (JSON lines): parent -> child stdin: `{"settings": {...}, "max_concurrent": c}`,
then `{"batch_id": "...", "shard": [i, n], "max_concurrent": c}` (or `cancel`: exit without
running), then `cancel` to stop starting rows (closing stdin cancels too). child -> parent stdout:
`{"type": "ready"}`, one `{"type": "row", "index": i, "ok": bool}` per finished row, then
`{"type": "done"}`.
The store must be one all processes open from the settings (the SQLite file under DATA_DIR or Redis).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TextIO

from engine.batch.runner import BatchProgress, BatchRow, BatchRunner, ProgressCallback
from engine.errors import ReplycrewError
from engine.models import BatchItem, BatchReport
from engine.settings import EngineSettings
from engine.workflow import Engine

__all__ = ["MIN_ROWS_PER_WORKER", "ProcessBatchRunner", "prewarm_workers", "stop_prewarmed",
           "waiting_workers", "worker_count"]

log = logging.getLogger(__name__)

# A child costs ~3-5 s of CPU to start (crewai's import, crews, the embedding model); below this
# many rows per child a second child costs more than it saves.
MIN_ROWS_PER_WORKER = 100


def worker_count(pending: int, *, cores: int | None = None) -> int:
    """How many child processes a batch of `pending` rows gets: one per core, if it repays them."""
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, pending // MIN_ROWS_PER_WORKER))


class _Child:
    """One child process and what it has reported."""

    def __init__(self, process: asyncio.subprocess.Process, *, key: str, capacity: int) -> None:
        self.process = process
        self.key = key            # the settings it was started with
        self.capacity = capacity  # the concurrency it was warmed for
        self.finished = False

    @classmethod
    async def start(cls, settings: EngineSettings, *, capacity: int) -> _Child:
        """Start one child; it warms up and waits for its batch."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "engine.batch.processes", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        key = settings.model_dump_json()
        child = cls(process, key=key, capacity=capacity)
        child.send(json.dumps({"settings": json.loads(key), "max_concurrent": capacity}))
        return child

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    def send(self, line: str) -> None:
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            with contextlib.suppress(ConnectionError, RuntimeError):
                self.process.stdin.write(line.encode() + b"\n")


_prewarmed: list[_Child] = []


async def prewarm_workers(settings: EngineSettings, *, workers: int | None = None,
                          wait: bool = False) -> int:
    """Start batch children now (a server's start-up) so the next batch skips their start-up.

    Up to `workers` (default: one per core) wait, each warmed for its share of
    MAX_CONCURRENT_REQUESTS; `wait=True` returns once they are warm. Returns how many wait."""
    count = workers or worker_count(MIN_ROWS_PER_WORKER * 64)
    _prewarmed[:] = [child for child in _prewarmed if child.alive]
    key = settings.model_dump_json()
    waiting = [child for child in _prewarmed if child.key == key]
    capacity = max(1, -(-settings.max_concurrent_requests // count))
    started = [await _Child.start(settings, capacity=capacity) for _ in range(count - len(waiting))]
    _prewarmed.extend(started)
    for child in started if wait else []:
        assert child.process.stdout is not None
        await child.process.stdout.readline()  # its {"type": "ready"} (or EOF if it failed)
    return len(waiting) + len(started)


def waiting_workers() -> int:
    """How many pre-warmed children are waiting for a batch."""
    return sum(1 for child in _prewarmed if child.alive)


async def stop_prewarmed() -> None:
    """End the children waiting for a batch (a server's shutdown)."""
    children, _prewarmed[:] = list(_prewarmed), []
    for child in children:
        child.send("cancel")
        if child.process.stdin is not None:
            child.process.stdin.close()
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            await asyncio.wait_for(child.process.wait(), timeout=10)


def _take_prewarmed(key: str, *, count: int, capacity: int) -> list[_Child]:
    taken: list[_Child] = []
    for child in list(_prewarmed):
        if len(taken) < count and child.alive and child.key == key and child.capacity >= capacity:
            _prewarmed.remove(child)
            taken.append(child)
    return taken


class ProcessBatchRunner:
    """A BatchRunner whose rows run in child processes; same `run`, `resume`, `cancel` and progress.

    `workers=None` picks `worker_count(rows pending)`; the batch's max_concurrent is split between them.
    """

    def __init__(self, engine: Engine, *, batch_id: str | None = None,
                 on_progress: ProgressCallback | None = None, workers: int | None = None) -> None:
        self.local = BatchRunner(engine, batch_id=batch_id)  # checkpoints and reports, no rows
        self.batch_id = self.local.batch_id
        self.on_progress = on_progress
        self.workers = workers
        self._children: list[_Child] = []
        self._shares: list[int] = []
        self._cancelled = False
        self._rewarm = False
        self.prewarmed_used = 0  # of the last run's children, how many had been started ahead

    def cancel(self) -> None:
        """Start no new rows; rows in flight finish and are kept."""
        self._cancelled = True
        for child in self._children:
            child.send("cancel")

    async def run(self, rows: Iterable[BatchRow], *, scope: str, max_concurrent: int = 10,
                  context: Mapping[str, Any] | None = None) -> BatchReport:
        """Checkpoint the rows, run them in child processes, return the report."""
        inputs = list(rows)
        shards = self.workers or worker_count(len(inputs))
        await self._spawn(shards, max_concurrent=max_concurrent)  # they start while we checkpoint
        try:
            await self.local.prepare(inputs, scope=scope, max_concurrent=max_concurrent,
                                     context=context)
        except BaseException:
            self._kill()
            raise
        return await self._drive(done=0, failed=0, total=len(inputs))

    async def resume(self) -> BatchReport:
        """Run (in child processes) every row of a checkpointed batch that has not finished."""
        meta = await self.local.mark_running()
        finished, _ = await self.local._finished()
        pending = meta.total - len(finished)
        await self._spawn(self.workers or worker_count(pending), max_concurrent=meta.max_concurrent)
        failed = sum(1 for item in finished.values() if not item.ok)
        return await self._drive(done=len(finished), failed=failed, total=meta.total)

    async def _spawn(self, shards: int, *, max_concurrent: int) -> None:
        settings = self.local.engine.settings
        concurrency = max(1, min(max_concurrent, settings.max_concurrent_requests))
        shards = max(1, min(shards, concurrency))
        # Each shard's part of the concurrency: together they keep max_concurrent rows in flight.
        self._shares = [concurrency // shards + (1 if shard < concurrency % shards else 0)
                        for shard in range(shards)]
        children = _take_prewarmed(settings.model_dump_json(), count=shards,
                                   capacity=self._shares[0])
        self.prewarmed_used = len(children)
        self._rewarm = bool(children)  # a server that pre-warms gets the next batch's ready too
        while len(children) < shards:
            children.append(await _Child.start(settings, capacity=self._shares[len(children)]))
        self._children = children

    def _kill(self) -> None:
        for child in self._children:
            with contextlib.suppress(ProcessLookupError):
                child.process.kill()  # the caller went away: no child may outlive it
        self._children = []

    async def _drive(self, *, done: int, failed: int, total: int) -> BatchReport:
        resumed = done
        started = time.perf_counter()

        def report_progress() -> None:
            if self.on_progress is None:
                return
            seconds = time.perf_counter() - started
            now = done - resumed
            rate = now / seconds if seconds > 0 and now else 0.0
            eta = (total - done) / rate if rate > 0 else None
            try:
                self.on_progress(BatchProgress(
                    batch_id=self.batch_id, done=done, failed=failed, total=total, resumed=resumed,
                    elapsed_s=seconds, throughput=rate, eta_s=eta, cancelled=self._cancelled))
            except Exception:  # a broken progress display must not stop the batch
                log.exception("batch progress callback failed")

        async def read(child: _Child) -> None:
            nonlocal done, failed
            assert child.process.stdout is not None
            while line := await child.process.stdout.readline():
                try:
                    message = json.loads(line)
                except ValueError:
                    log.warning("batch worker wrote a stray line: %r", line[:200])
                    continue
                kind = message.get("type")
                if kind == "row":
                    done += 1
                    failed += 0 if message.get("ok") else 1
                    report_progress()
                elif kind == "done":
                    child.finished = True
                    if child.process.stdin is not None:
                        child.process.stdin.close()  # lets the child's stdin reader, so the child, end

        children = self._children
        readers = [asyncio.create_task(read(child)) for child in children]
        try:
            report_progress()
            for shard, (child, share) in enumerate(zip(children, self._shares, strict=True)):
                child.send("cancel" if self._cancelled else json.dumps(
                    {"batch_id": self.batch_id, "shard": [shard, len(children)],
                     "max_concurrent": share}))
            await asyncio.gather(*readers)
            codes = [await child.process.wait() for child in children]
        except BaseException:
            for reader in readers:
                reader.cancel()
            self._kill()
            raise
        finally:
            self._children = []
        stopped = [code for child, code in zip(children, codes, strict=True) if not child.finished]
        if stopped:
            raise ReplycrewError(f"a batch worker stopped (exit code {stopped[0]}) before finishing; "
                                 f"finished rows are checkpointed: resume batch {self.batch_id}")
        await self.local.finish()
        report = await self.local.load_report()
        if self._rewarm:
            await prewarm_workers(self.local.engine.settings, workers=len(children))
        return report


async def _warm(engine: Engine, concurrency: int) -> None:
    """What the first rows would otherwise wait for: crews for each step, the embedding model.

    (Not loading the model up front was measured slower: rows then contend with its ~5 s load.)"""
    for step in (engine.backends.profile, engine.backends.analysis, engine.backends.reply):
        pool = getattr(step, "pool", None)
        prebuild = getattr(pool, "prebuild", None)
        if prebuild is not None:
            prebuild(concurrency)
            await asyncio.sleep(0)
    analyses = getattr(engine.caches.analyses, "inner", engine.caches.analyses)
    start = getattr(analyses, "start", None)
    if start is not None:
        await start()


async def _child_main(out: TextIO) -> int:
    hello = json.loads(await asyncio.to_thread(sys.stdin.readline))
    from engine.build import build_engine

    settings = EngineSettings.model_validate(hello["settings"])
    engine = build_engine(settings)
    concurrency = int(hello.get("max_concurrent") or settings.max_concurrent_requests)
    # crewai runs flow steps (and sync LLM calls) through asyncio.to_thread: give the default
    # executor a thread per call that may be in flight.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=3 * concurrency + 4))

    def say(message: dict[str, Any]) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    def on_item(item: BatchItem) -> None:
        say({"type": "row", "index": item.index, "ok": item.ok})

    try:
        await _warm(engine, concurrency)
        say({"type": "ready"})
        command = (await asyncio.to_thread(sys.stdin.readline)).strip()
        job = json.loads(command) if command.startswith("{") else None
        if job is not None:
            shard = job.get("shard")
            runner = BatchRunner(engine, batch_id=job["batch_id"], on_item=on_item)

            async def listen() -> None:
                while True:
                    line = await asyncio.to_thread(sys.stdin.readline)
                    if not line or line.strip() == "cancel":  # closed stdin: the parent is gone
                        runner.cancel()
                        return

            listener = asyncio.create_task(listen())
            try:
                await runner.resume(shard=(int(shard[0]), int(shard[1])) if shard else None,
                                    max_concurrent=min(concurrency, int(job["max_concurrent"])))
            finally:
                listener.cancel()
    finally:
        await engine.store.close()
    say({"type": "done"})
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # The protocol gets the real stdout; whatever libraries print (crewai's event bus, progress
    # bars) goes to stderr instead of corrupting it.
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    code = asyncio.run(_child_main(protocol))
    protocol.flush()
    os._exit(code)
