"""Real `replycrew worker` and `replycrew batch` processes on a real Redis, for the queue's tests."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.conftest import SAMPLES

__all__ = ["Worker", "fresh_redis_db", "queue_env", "run_cli", "start_worker", "thread_csv", "until", "workers"]

_DBS = itertools.count(1)

# Keys that would hand a worker or the CLI a real service; the test sets what it means to use.
_STRIP = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT",
          "REDIS_URL", "REDIS_HOST")


def fresh_redis_db(redis_url: str) -> str:
    """A URL of an empty database of the session's redis-server (one per test: queues do not mix)."""
    base = redis_url.rsplit("/", 1)[0]
    url = f"{base}/{next(_DBS) % 16}"
    with redis.Redis.from_url(url) as client:
        client.flushdb()
    return url


def queue_env(data_dir: Path, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker or CLI process: Redis, fast sweeps, no LLM unless given."""
    env = {key: value for key, value in os.environ.items() if key not in _STRIP}
    env.update({"REDIS_URL": redis_url, "DATA_DIR": str(data_dir), "PYTHONIOENCODING": "utf-8",
                # A killed worker's rows are swept after heartbeat + sweep: seconds, not a minute.
                "BATCH_ROW_HEARTBEAT_S": "3", "BATCH_SWEEP_S": "2", "SEMANTIC_CACHE": "off"})
    env.update(extra)
    return env


@dataclass
class Worker:
    """One `replycrew worker` process and what it printed."""

    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task[None] | None = None

    async def read(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            text = line.decode(errors="replace").rstrip()
            self.lines.append(text)
            if text.startswith("worker ready"):
                self.ready.set()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), timeout=60)
        if self.reader is not None:
            await self.reader
        return code


async def start_worker(env: dict[str, str], *, concurrency: int = 4, wait: bool = True,
                       args: tuple[str, ...] = ()) -> Worker:
    """Start `replycrew worker`; by default return once it says it is ready (warmed up)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "worker", "--concurrency", str(concurrency), *args, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    worker = Worker(process)
    worker.reader = asyncio.create_task(worker.read())
    if wait:
        ready = asyncio.create_task(worker.ready.wait())
        await asyncio.wait([ready, worker.reader], timeout=90, return_when=asyncio.FIRST_COMPLETED)
        assert worker.ready.is_set(), "worker did not start:\n" + "\n".join(worker.lines[-30:])
    return worker


@asynccontextmanager
async def workers(env: dict[str, str], count: int, *, concurrency: int = 4) -> AsyncIterator[list[Worker]]:
    """`count` ready workers (started together), stopped (or reaped, if killed) at the end."""
    started = list(await asyncio.gather(*[start_worker(env, concurrency=concurrency) for _ in range(count)]))
    try:
        yield started
    finally:
        for worker in started:
            if worker.process.returncode is None:
                worker.process.send_signal(signal.SIGTERM)
        for worker in started:
            await asyncio.wait_for(worker.process.wait(), timeout=60)


async def run_cli(env: dict[str, str], *args: str, cwd: Path,
                  limit_s: float = 120) -> tuple[int, str, str]:
    """Run `replycrew ARGS` to its end; (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=limit_s)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def thread_csv(rows: int) -> bytes:
    """A CSV of `rows` distinct threads (sample threads, each tagged with its row number)."""
    threads = [json.loads(line) for line in (SAMPLES / "threads.jsonl").read_text().splitlines()]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["conversation_thread", "channel", "prospect_name"])
    for number in range(rows):
        item = threads[number % len(threads)]
        writer.writerow([f"{item['thread']}\n(ref {number + 1})", item["channel"], item["prospect_name"]])
    return out.getvalue().encode()


async def until(check: Callable[[], Awaitable[bool]], *, within: float = 60, every: float = 0.1) -> None:
    """Wait until `check()` is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(every)
