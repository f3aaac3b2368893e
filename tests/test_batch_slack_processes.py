"""Two app processes on one store: a running batch is not taken over, Cancel reaches its owner;
with Redis the rows run on queue workers while the app keeps the progress message."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from bot.batches.blocks import CANCEL_BATCH
from engine.batch.runner import BatchRunner
from engine.cache.store import RedisStore
from engine.settings import EngineSettings
from engine.steps import Backends
from engine.steps.offline import OfflineAnalysis, OfflineProfile, OfflineReply
from engine.workflow import Engine
from tests.batch_slack_helpers import GatedReply, batch_harness, results_rows, share_file, thread_messages, until
from tests.conftest import SAMPLES
from tests.fakes.slack_server import FakeSlack
from tests.queue_helpers import fresh_redis_db, queue_env, workers
from tests.slack_helpers import slack_harness

BATCH = (SAMPLES / "batch.csv").read_bytes()


async def test_cancel_pressed_on_another_process_stops_the_owner(data_dir: Path) -> None:
    reply_a, reply_b = GatedReply(free=4), GatedReply(free=0)
    async with FakeSlack() as fake, \
            batch_harness(data_dir, fake=fake, reply=reply_a, max_concurrent_requests=2) as one:
        info = await share_file(one, "prospects.csv", BATCH)
        batch_id = f"slack_{one.team_id}_{info['id']}"
        await until(lambda: reply_a.calls >= 6)
        # A second process starts on the same store while A's batch runs: it must not take it over.
        async with batch_harness(data_dir, fake=fake, reply=reply_b) as two:
            progress = thread_messages(one)[0]
            response = await two.click(CANCEL_BATCH, batch_id, message=progress)
            assert response.status == 200
            # A reads the cancel mark with its lease heartbeat.
            await until(lambda: "cancelled this batch" in thread_messages(one)[0].all_text)
            reply_a.gate.set()
            await until(lambda: any("Batch summary" in m.text for m in thread_messages(one)))
            assert reply_b.calls == 0  # B never ran a row of A's batch
        await one.settle()
        assert await BatchRunner(one.engine, batch_id=batch_id).status() == "cancelled"
        assert "34 not run" in thread_messages(one)[0].all_text
        assert len(results_rows(one)) == 41
        assert len(fake.calls_to("files.completeUploadExternal")) == 1


async def test_with_redis_a_slack_batch_runs_on_queue_workers_and_this_process_keeps_the_message(
        data_dir: Path, tmp_path: Path, redis_server: str) -> None:
    # REDIS_URL set: rows are queue jobs a `replycrew worker` drafts; the app that took the upload
    # holds the lease and edits the one progress message, but drafts no row itself.
    threads = [json.loads(line) for line in (SAMPLES / "threads.jsonl").read_text().splitlines()[:4]]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["conversation_thread", "channel", "prospect_name"])
    for item in threads:
        writer.writerow([item["thread"], item["channel"], item["prospect_name"]])
    url = fresh_redis_db(redis_server)
    engine = Engine(EngineSettings(_env_file=None, data_dir=data_dir, redis_url=url),
                    backends=Backends(profile=OfflineProfile(), analysis=OfflineAnalysis(),
                                      reply=OfflineReply()), store=RedisStore(url))
    async with workers(queue_env(tmp_path / "worker", url), 1, concurrency=2) as (worker,):
        async with slack_harness(data_dir, engine=engine, min_edit_interval_s=0.05, redis_url=url) as slack:
            seen: list[object] = []
            slack.engine.subscribe(seen.append)
            await share_file(slack, "four.csv", out.getvalue().encode())
            try:
                await until(lambda: any("Batch summary" in m.text for m in thread_messages(slack)), within=60)
            except TimeoutError as exc:
                raise AssertionError("\n".join([*(m.all_text for m in thread_messages(slack)),
                                                 *worker.lines[-40:],
                                                 str([call.method for call in slack.fake.calls])])) from exc
            await slack.settle()
            rows = results_rows(slack)
            assert len(rows) == 5 and all(row[3].strip() and row[6] == "ok" for row in rows[1:])
            assert not seen  # no row ran in this process: no engine result was published here
            assert "Done: 4 drafted, 0 failed, of 4 rows" in thread_messages(slack)[0].all_text
    await engine.store.close()
