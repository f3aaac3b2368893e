"""Batches on the queue: the same report as in-process, cancel and resume, drain on SIGTERM, and the
`replycrew worker` / `replycrew batch` commands (real redis-server, real worker processes)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import signal
import sys
from pathlib import Path

from saq.job import Status

from engine.batch.csv_io import read_batch_csv
from engine.batch.keys import outcome_key
from engine.batch.queue import BatchQueue, row_key
from engine.batch.queued import QueueBatchRunner
from engine.batch.record import BatchRecord
from engine.batch.report import CANCELLED_ERROR
from engine.batch.rows import BatchMeta, BatchProgress
from engine.batch.runner import unfinished_batches
from engine.cache.store import RedisStore
from engine.models import BatchItem
from engine.settings import EngineSettings
from engine.workflow import Engine
from tests.fakes.openai_server import FakeOpenAI
from tests.queue_helpers import fresh_redis_db, queue_env, run_cli, start_worker, thread_csv, until, workers
from tests.test_batch_runner import sample_without_websites


async def _queue(url: str) -> BatchQueue:
    queue = BatchQueue(EngineSettings(_env_file=None), dsn=url)
    await queue.connect()
    return queue


async def test_a_batch_over_two_queue_workers_reports_like_one_in_process(tmp_path: Path,
                                                                          redis_server: str) -> None:
    url = fresh_redis_db(redis_server)
    store, queue = RedisStore(url), await _queue(url)
    seen: list[BatchProgress] = []
    try:
        async with workers(queue_env(tmp_path, url), 2, concurrency=3):
            runner = QueueBatchRunner(store, queue, on_progress=seen.append, poll_s=0.05)
            report = await runner.run(read_batch_csv(sample_without_websites()).items, scope="t",
                                      max_concurrent=4)
        assert (report.total_requests, report.successful_requests, report.failed_requests) == (40, 35, 5)
        assert [item.index for item in report.results] == list(range(40))
        assert [item.index for item in report.results if not item.ok] == [6, 14, 21, 29, 35]
        assert seen[-1].done == 40 and seen[-1].failed == 5
        assert [p.done for p in seen] == sorted(p.done for p in seen)  # progress never goes back
        assert report.metrics["status"] == "done"
        assert await unfinished_batches(Engine(EngineSettings(_env_file=None), store=store)) == []
    finally:
        await queue.close()
        await store.close()


async def test_a_cancelled_queued_batch_stops_and_resumes_only_its_unfinished_rows(
        tmp_path: Path, redis_server: str) -> None:
    url = fresh_redis_db(redis_server)
    fake = await FakeOpenAI(latency=0.3).start()
    env = queue_env(tmp_path, url, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=fake.base_url)
    store, queue = RedisStore(url), await _queue(url)
    batch = read_batch_csv(thread_csv(30))
    try:
        async with workers(env, 1, concurrency=2):
            first = QueueBatchRunner(store, queue, batch_id="batch_cancel", poll_s=0.05)

            def stop_early(progress: BatchProgress) -> None:
                if progress.done >= 4:
                    first.cancel()

            first.on_progress = stop_early
            cancelled = await first.run(batch.items, scope="t")
            assert cancelled.metrics["status"] == "cancelled"
            await asyncio.sleep(3)  # rows in flight stop at their next step; queued ones were aborted
            record = BatchRecord(store, "batch_cancel")
            after = await record.finished()
            kept = {index: item for index, item in after[0].items()}
            assert 4 <= len(kept) <= 4 + 2, sorted(kept)  # at most the worker's two rows in flight
            calls_before = len(fake.history)
            await asyncio.sleep(1.5)
            assert len(fake.history) == calls_before  # nothing drafts a cancelled batch

            seen: list[BatchProgress] = []
            second = QueueBatchRunner(store, queue, batch_id="batch_cancel", on_progress=seen.append,
                                      poll_s=0.05)
            report = await second.resume()
        assert report.successful_requests == 30 and report.metrics["status"] == "done"
        assert seen[0].resumed == len(kept)
        for index, item in kept.items():  # the first run's rows are kept as they were
            assert report.results[index].result == item.result
        assert not any(item.error == CANCELLED_ERROR for item in report.results)
    finally:
        await queue.close()
        await store.close()
        await fake.close()


async def test_sigterm_drains_the_rows_in_flight_before_the_worker_exits(tmp_path: Path,
                                                                         redis_server: str) -> None:
    url = fresh_redis_db(redis_server)
    fake = await FakeOpenAI(latency=1.0).start()
    env = queue_env(tmp_path, url, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=fake.base_url)
    store, queue = RedisStore(url), await _queue(url)
    try:
        worker = await start_worker(env, concurrency=2)
        runner = QueueBatchRunner(store, queue, batch_id="batch_drain")
        await runner.submit(read_batch_csv(thread_csv(8)).items, scope="t")
        await until(lambda: _calls(fake, 2), within=30)  # two rows are waiting on the LLM
        assert await worker.stop() == 0
        assert any("stopping: taking no new rows" in line for line in worker.lines)
        counts = await runner.record.counts()
        assert counts.done == 2 and counts.failed == 0  # both rows in flight finished, no new one began
        assert len({request.prompt for request in fake.history}) >= 2
    finally:
        await queue.close()
        await store.close()
        await fake.close()


async def _calls(fake: FakeOpenAI, count: int) -> bool:
    return len(fake.history) >= count


async def test_worker_without_redis_says_that_workers_need_it(tmp_path: Path) -> None:
    env = queue_env(tmp_path, "")
    env.pop("REDIS_URL")
    code, _, err = await run_cli(env, "worker", cwd=tmp_path, limit_s=60)
    assert code == 2
    assert "workers need Redis" in err and "REDIS_URL=redis://" in err
    assert "Traceback" not in err


async def test_ctrl_c_detaches_and_status_and_results_follow_up(tmp_path: Path, redis_server: str) -> None:
    url = fresh_redis_db(redis_server)
    env = queue_env(tmp_path / "data", url)
    (tmp_path / "in.csv").write_bytes(sample_without_websites())
    submit = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "batch", "in.csv", "-o", "out.csv", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert submit.stderr is not None
    line = await asyncio.wait_for(submit.stderr.readline(), timeout=60)
    while b"rows queued for the workers" not in line:  # no worker yet: nothing drafts
        line = await asyncio.wait_for(submit.stderr.readline(), timeout=60)
    found = re.search(r"batch (\S+): 40 rows queued", line.decode())
    assert found is not None, line
    batch_id = found.group(1)
    submit.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(submit.communicate(), timeout=30)
    assert submit.returncode == 0
    assert f"replycrew batch status {batch_id}" in err.decode()
    assert f"replycrew batch results {batch_id} -o out.csv" in err.decode()

    code, out, _ = await run_cli(env, "batch", "status", batch_id, cwd=tmp_path)
    assert code == 3 and f"batch {batch_id}: running, 0 of 40 rows finished" in out
    async with workers(env, 1, concurrency=4):
        async def done() -> bool:
            return (await run_cli(env, "batch", "status", batch_id, cwd=tmp_path))[0] == 0

        await until(done, within=60, every=0.5)
    code, out, _ = await run_cli(env, "batch", "results", batch_id, "-o", "out.csv", cwd=tmp_path)
    assert code == 0 and "done, 40 of 40 rows finished (5 failed)" in out
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_bytes().decode("utf-8-sig"))))
    assert len(rows) == 40 and [row["status"] for row in rows].count("ok") == 35
    assert rows[14]["error"].startswith("channel: unsupported channel 'fax'")


async def test_the_reconciler_enqueues_rows_without_a_job_and_gives_up_on_spent_ones(
        redis_server: str) -> None:
    url = fresh_redis_db(redis_server)
    store, queue = RedisStore(url), await _queue(url)
    try:
        record = BatchRecord(store, "batch_rec")
        rows = read_batch_csv(thread_csv(4)).items
        await record.save(BatchMeta(batch_id="batch_rec", scope="t", total=4, max_concurrent=2), rows)
        await record.record(BatchItem(index=0, ok=False, error="kept as it was"))
        # Row 2's job ran out of attempts without an outcome (swept each time); row 1 has a live job.
        spent = await queue.saq.enqueue("row", key=row_key("batch_rec", 2), batch_id="batch_rec", index=2,
                                        **queue.row_options())
        assert spent is not None
        spent.attempts = spent.retries
        await spent.finish(Status.ABORTED, error="swept")
        assert await queue.enqueue_row("batch_rec", 1)
        assert await queue.reconcile(store) == 1  # only row 3: row 1's job is live, row 0 has an outcome
        assert not await queue.enqueue_row("batch_rec", 3)  # now queued: a second enqueue is a no-op
        item = await record.outcome(2)
        assert item is not None and not item.ok and item.error is not None
        assert item.error.startswith("drafting failed after 4 attempts: each ended without a result (swept")
        assert (await record.outcome(0)) == BatchItem(index=0, ok=False, error="kept as it was")
        assert await queue.reconcile(store) == 0  # de-duplicated: nothing new to enqueue
        # Rows 1 and 3 got outcomes from a process that died before their progress lines: the
        # reconciler goes by the outcomes, so the batch is done, not running for ever.
        for index in (1, 3):
            item = BatchItem(index=index, ok=False, error="written, then the process died")
            await store.set(outcome_key("batch_rec", index),
                            json.dumps({"item": item.model_dump(mode="json"), "elapsed_ms": 5}))
        assert (await record.counts()).done == 2
        assert await queue.reconcile(store) == 0
        assert (await record.meta()).status == "done"
    finally:
        await queue.close()
        await store.close()


async def test_local_runs_in_this_process_even_with_redis_set(tmp_path: Path, redis_server: str) -> None:
    url = fresh_redis_db(redis_server)
    env = queue_env(tmp_path / "data", url)
    (tmp_path / "in.csv").write_bytes(sample_without_websites())
    code, out, err = await run_cli(env, "batch", "in.csv", "-o", "out.csv", "--local", "--no-progress",
                                   cwd=tmp_path)  # no worker runs: only --local can finish it
    assert code == 0, err
    assert "rows queued for the workers" not in err
    summary = dict(line.split("  ", 1) for line in out.splitlines() if "  " in line)
    assert summary["successful"].strip() == "35" and summary["failed"].strip() == "5"
