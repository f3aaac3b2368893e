"""The queue under faults, with a real redis-server and real `replycrew worker` processes.

The issue's Done-when: two workers with the fake OpenAI server as their LLM, a 240-row CSV
submitted with `replycrew batch` by a process that holds no LLM key, one worker SIGKILLed
mid-batch and a fresh one started: every row comes back exactly once, drafted by the LLM.
A poisoned row ends as that row's error after its retries, never blocking the batch; Redis
restarting mid-batch (appendonly yes) loses no row either.
"""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest

from bot.cli.batch import batch_id_for
from engine.batch.csv_io import read_batch_csv
from engine.batch.queue import BatchQueue, row_key
from engine.batch.queued import QueueBatchRunner
from engine.batch.record import BatchRecord
from engine.batch.rows import BatchMeta
from engine.cache.store import RedisStore
from engine.models import DraftRequest
from engine.settings import EngineSettings
from tests.conftest import free_port
from tests.fakes.openai_server import FakeOpenAI
from tests.queue_helpers import fresh_redis_db, queue_env, start_worker, thread_csv, until, workers

ROWS = 240


@pytest.mark.timeout(300)  # three worker start-ups (~10 s of CPU each) and 240 LLM rows
async def test_a_sigkilled_worker_loses_no_row_and_no_row_runs_into_the_results_twice(
        tmp_path: Path, redis_server: str) -> None:
    url = fresh_redis_db(redis_server)
    fake = await FakeOpenAI(latency=0.2).start()
    llm = {"OPENAI_API_KEY": "sk-test-worker", "OPENAI_BASE_URL": fake.base_url}
    worker_env = queue_env(tmp_path / "worker-data", url, **llm)
    cli_env = queue_env(tmp_path / "cli-data", url)  # the submitting command has no LLM key
    assert "OPENAI_API_KEY" not in cli_env and "OPENAI_BASE_URL" not in cli_env
    data = thread_csv(ROWS)
    (tmp_path / "in.csv").write_bytes(data)
    batch_id = batch_id_for(data, {"mode": "parallel", "use_templates": False})
    store = RedisStore(url)
    record = BatchRecord(store, batch_id)
    try:
        async with workers(worker_env, 2, concurrency=6) as (doomed, survivor):
            cli = await asyncio.create_subprocess_exec(
                *_replycrew("batch", "in.csv", "-o", "out.csv", "--no-progress"), cwd=tmp_path,
                env=cli_env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)

            async def a_quarter_done() -> bool:
                return (await record.counts()).done >= ROWS // 4

            await until(a_quarter_done, within=120)
            doomed.kill()  # SIGKILL: no drain, its rows in flight stay "active" in saq
            await doomed.process.wait()
            done_at_kill = (await record.counts()).done
            fresh = await start_worker(worker_env, concurrency=6)
            try:
                out, err = await asyncio.wait_for(cli.communicate(), timeout=200)
            finally:
                await fresh.stop()
            assert survivor.process.returncode is None  # the other worker never stopped
        assert cli.returncode == 0, err.decode()[-3000:]
        summary = dict(line.split("  ", 1) for line in out.decode().splitlines() if "  " in line)
        assert summary["successful"].strip() == str(ROWS) and summary["failed"].strip() == "0"

        rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_bytes().decode("utf-8-sig"))))
        assert len(rows) == ROWS
        for number, row in enumerate(rows, start=1):  # each row once, in input order, drafted by the LLM
            assert row["conversation_thread"].endswith(f"(ref {number})")
            assert row["status"] == "ok" and row["draft"]
            assert "reply=llm" in row["sources"] and "analysis=llm" in row["sources"]
        # Each row's outcome was written once: one progress line per row, never a second.
        log = await store.read_from(f"rc:batch:{batch_id}:log", 0)
        assert sorted(int(line.split(":")[0]) for line in log) == list(range(ROWS))
        # What was redone: the killed worker's rows in flight, swept and retried by saq (or
        # re-enqueued by the reconciler); their job records show a second attempt.
        queue = BatchQueue(EngineSettings(), dsn=url)
        await queue.connect()
        try:
            jobs = await queue.saq.jobs([row_key(batch_id, index) for index in range(ROWS)])
        finally:
            await queue.close()
        redone = sorted(job.kwargs["index"] for job in jobs if job is not None and job.attempts > 1)
        print(f"\nkilled at {done_at_kill}/{ROWS} rows done; redone after the kill: rows {redone}")
        assert 1 <= len(redone) <= 6, redone  # at most the killed worker's concurrency
        assert done_at_kill < ROWS
    finally:
        await store.close()
        await fake.close()


async def test_a_poisoned_row_ends_as_its_error_after_retries_and_never_blocks_the_batch(
        tmp_path: Path, redis_server: str) -> None:
    url = fresh_redis_db(redis_server)
    env = queue_env(tmp_path / "data", url, BATCH_ROW_RETRIES="3")  # offline engine: no LLM
    store = RedisStore(url)
    record = BatchRecord(store, "batch_poisoned")
    rows = [DraftRequest(conversation_thread=f"Prospect: can you send pricing for {n} seats?",
                         channel="email") for n in range(1, 13)]
    await record.save(BatchMeta(batch_id="batch_poisoned", scope="t", total=len(rows), max_concurrent=4),
                      list(rows))
    # Row 5's stored input is garbage (a half-written value, a version skew): every attempt fails.
    await store.set("rc:batch:batch_poisoned:in:000005", '{"request": {"conversation_thread": ')
    queue = BatchQueue(EngineSettings(), dsn=url)
    await queue.connect()
    try:
        async with workers(env, 1, concurrency=4):
            await queue.submit("batch_poisoned")

            async def finished() -> bool:
                meta = await record.meta()
                return meta.status == "done"

            await until(finished, within=90)
        job = await queue.job(row_key("batch_poisoned", 5))
    finally:
        await queue.close()
    report = await record.report()
    assert report.successful_requests == 11 and report.failed_requests == 1
    poisoned = report.results[5]
    assert not poisoned.ok and poisoned.error is not None
    assert poisoned.error.startswith("drafting failed after 4 attempts:")  # 1 try + 3 retries
    assert job is not None and job.attempts == 4
    assert all(item.ok for n, item in enumerate(report.results) if n != 5)
    await store.close()


def _replycrew(*args: str) -> list[str]:
    import sys

    return [sys.executable, "-m", "bot.cli", *args]


@pytest.mark.timeout(240)
async def test_redis_restarting_mid_batch_resumes_and_every_row_is_recorded_once(tmp_path: Path) -> None:
    # Its own redis-server with the README's settings (appendonly yes): restarted mid-batch.
    port = free_port()
    workdir = tmp_path / "redis"
    workdir.mkdir()
    redis_args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                  "--appendonly", "yes", "--maxmemory-policy", "noeviction", "--dir", str(workdir)]
    server = await _redis(redis_args)
    url = f"redis://127.0.0.1:{port}/0"
    fake = await FakeOpenAI(latency=0.3).start()
    env = queue_env(tmp_path / "data", url, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=fake.base_url)
    store = RedisStore(url)
    try:
        await until(store.ping, within=10)
        queue = BatchQueue(EngineSettings(_env_file=None), dsn=url)
        await queue.connect()
        async with workers(env, 1, concurrency=4):
            runner = QueueBatchRunner(store, queue, batch_id="batch_restart", poll_s=0.1)
            follow = asyncio.create_task(runner.run(read_batch_csv(thread_csv(60)).items, scope="t"))

            async def some_done() -> bool:
                return (await runner.record.counts()).done >= 12

            await until(some_done, within=90)
            server.terminate()  # a clean restart: Redis writes its append-only file, then stops
            await asyncio.wait_for(server.wait(), timeout=30)
            await asyncio.sleep(2)  # the workers and the follower see Redis gone
            server = await _redis(redis_args)
            report = await asyncio.wait_for(follow, timeout=150)
        await queue.close()
        assert report.successful_requests == 60 and report.metrics["status"] == "done"
        log = await store.read_from("rc:batch:batch_restart:log", 0)
        assert sorted(int(line.split(":")[0]) for line in log) == list(range(60))  # once each
    finally:
        await store.close()
        await fake.close()
        server.terminate()
        await asyncio.wait_for(server.wait(), timeout=30)


async def _redis(args: list[str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.DEVNULL)
