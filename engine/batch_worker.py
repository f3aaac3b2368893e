"""Run a batch in a child process, so the caller's event loop (Slack acks, REST) stays responsive.

The crew steps spend ~35 ms of CPU each on the event loop (crewai's own flow machinery); a batch of
50 rows in flight keeps a loop busy most of the time, which would delay Slack's 3-second acks.
So big batches run in `python -m engine.batch_worker`: the parent checkpoints the input in the
shared store (`BatchRunner.prepare`), the child resumes it (`BatchRunner.resume`: every row not
finished), and the parent reads the report back from the checkpoints.

Pipe protocol (JSON lines): parent -> child stdin: `{"settings": {...}, "batch_id": "..."}`, then
`cancel` to stop starting rows; closing stdin cancels too. child -> parent stdout: one
`{"type": "progress", ...}` per finished row, then `{"type": "done"}`.
The store must be one both processes open from the settings (the SQLite file under DATA_DIR or Redis).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any, TextIO

from engine.batch import BatchProgress, BatchRow, BatchRunner, ProgressCallback
from engine.errors import ReplycrewError
from engine.models import BatchReport
from engine.settings import EngineSettings
from engine.workflow import Engine

__all__ = ["ProcessBatchRunner"]

log = logging.getLogger(__name__)


class ProcessBatchRunner:
    """A BatchRunner whose rows run in a child process; same `run`, `resume`, `cancel` and progress."""

    def __init__(self, engine: Engine, *, batch_id: str | None = None,
                 on_progress: ProgressCallback | None = None) -> None:
        self.local = BatchRunner(engine, batch_id=batch_id)  # checkpoints and reports, no rows
        self.batch_id = self.local.batch_id
        self.on_progress = on_progress
        self._child: asyncio.subprocess.Process | None = None
        self._cancelled = False

    def cancel(self) -> None:
        """Start no new rows; rows in flight finish and are kept."""
        self._cancelled = True
        if self._child is not None and self._child.stdin is not None:
            with contextlib.suppress(ConnectionError, RuntimeError):
                self._child.stdin.write(b"cancel\n")

    async def run(self, rows: Iterable[BatchRow], *, scope: str, max_concurrent: int = 10,
                  context: Mapping[str, Any] | None = None) -> BatchReport:
        """Checkpoint the rows, run them in a child process, return the report."""
        await self.local.prepare(rows, scope=scope, max_concurrent=max_concurrent, context=context)
        return await self.resume()

    async def resume(self) -> BatchReport:
        """Run (in a child process) every row of a checkpointed batch that has not finished."""
        settings = self.local.engine.settings
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "engine.batch_worker", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self._child = child
        assert child.stdin is not None and child.stdout is not None
        hello = {"settings": settings.model_dump(mode="json"), "batch_id": self.batch_id}
        child.stdin.write(json.dumps(hello).encode() + b"\n")
        if self._cancelled:
            child.stdin.write(b"cancel\n")
        finished = False
        try:
            while line := await child.stdout.readline():
                try:
                    message = json.loads(line)
                except ValueError:
                    log.warning("batch worker wrote a stray line: %r", line[:200])
                    continue
                if message.get("type") == "progress" and self.on_progress is not None:
                    self.on_progress(BatchProgress(**message["progress"]))
                if message.get("type") == "done":
                    finished = True
                    child.stdin.close()  # lets the child's stdin reader, and so the child, end
            code = await child.wait()
        except BaseException:
            child.kill()  # the caller went away: the child must not outlive it
            raise
        finally:
            self._child = None
        if not finished:
            raise ReplycrewError(f"the batch worker stopped (exit code {code}) before finishing; "
                                 f"finished rows are checkpointed: resume batch {self.batch_id}")
        return await self.local.load_report()


async def _child_main(out: TextIO) -> int:
    hello = json.loads(await asyncio.to_thread(sys.stdin.readline))
    from engine.build import build_engine

    settings = EngineSettings.model_validate(hello["settings"])
    engine = build_engine(settings)
    # crewai runs each flow step (the blocking LLM call too) through asyncio.to_thread: give the
    # default executor a thread per call that may be in flight.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=3 * settings.max_concurrent_requests + 4))
    def report(progress: BatchProgress) -> None:
        out.write(json.dumps({"type": "progress", "progress": asdict(progress)}) + "\n")
        out.flush()

    runner = BatchRunner(engine, batch_id=hello["batch_id"], on_progress=report)

    async def listen() -> None:
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line or line.strip() == "cancel":  # closed stdin: the parent is gone
                runner.cancel()
                return

    listener = asyncio.create_task(listen())
    try:
        await runner.resume()
    finally:
        listener.cancel()
        await engine.store.close()
    out.write(json.dumps({"type": "done"}) + "\n")
    out.flush()
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
