"""A CSV batch in Slack survives a restart (no row redone, none lost) and stops cleanly on Cancel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.batches.blocks import CANCEL_BATCH
from engine.batch.runner import BatchRunner
from engine.models import Result, StepEvent
from tests.batch_slack_helpers import (
    GatedReply,
    batch_harness,
    results_rows,
    share_file,
    thread_messages,
    until,
)
from tests.conftest import SAMPLES
from tests.fakes.slack_server import FakeSlack

BATCH = (SAMPLES / "batch.csv").read_bytes()
VALID_ROWS = 35


def _finished_runs(into: set[str]) -> Callable[[StepEvent | Result], None]:
    def listener(item: StepEvent | Result) -> None:
        if isinstance(item, Result):
            into.add(item.request_id)
    return listener


async def test_a_restart_mid_batch_resumes_without_redoing_or_losing_rows(data_dir: Path) -> None:
    before: set[str] = set()
    after: set[str] = set()
    async with FakeSlack() as fake:
        # Process A: 10 rows draft, then every reply step hangs until A is stopped.
        async with batch_harness(data_dir, fake=fake, reply=GatedReply(free=10),
                                 max_concurrent_requests=3) as one:
            one.engine.subscribe(_finished_runs(before))
            info = await share_file(one, "prospects.csv", BATCH)
            runner = BatchRunner(one.engine, batch_id=f"slack_{one.team_id}_{info['id']}")
            await until(lambda: len(before) >= 10)
            await until(lambda: runner.finished_count())
            checkpointed_by_a = await runner.finished_count()
        assert len(before) == 10  # the rows in flight were stopped, not finished

        # Process B: a new app on the same SQLite store resumes at start-up.
        async with batch_harness(data_dir, fake=fake) as two:
            two.engine.subscribe(_finished_runs(after))
            await until(lambda: any("Batch summary" in m.text for m in thread_messages(two)))
            await two.settle()
            messages = thread_messages(two)

    assert not before & after  # no finished row ran twice
    assert len(before | after) == VALID_ROWS  # and none was lost
    progress = messages[0]
    assert "Done: 35 drafted, 5 failed, of 40 rows" in progress.all_text  # the same message, edited
    resumed = [m for m in messages if "Resuming" in m.text]
    assert len(resumed) == 1 and f"{checkpointed_by_a} of 40 rows were already done" in resumed[0].text
    summary = messages[-1].all_text
    assert "Successful: 35" in summary and f"kept: {checkpointed_by_a}" in summary
    rows = results_rows(two)
    assert len(rows) == 41 and sum(1 for row in rows[1:] if row[6].strip()) == VALID_ROWS
    assert len(fake.calls_to("files.completeUploadExternal")) == 1


async def test_cancel_stops_the_batch_and_delivers_the_rows_done(data_dir: Path) -> None:
    reply = GatedReply(free=4)
    async with batch_harness(data_dir, reply=reply, max_concurrent_requests=2) as slack:
        info = await share_file(slack, "prospects.csv", BATCH)
        batch_id = f"slack_{slack.team_id}_{info['id']}"
        runner = BatchRunner(slack.engine, batch_id=batch_id)
        await until(lambda: reply.calls >= 6)  # 4 rows drafted, 2 waiting in flight
        progress = thread_messages(slack)[0]
        [button] = [e for b in progress.blocks if b["type"] == "actions" for e in b["elements"]]
        assert button["action_id"] == CANCEL_BATCH and button["value"] == batch_id
        response = await slack.click(CANCEL_BATCH, batch_id, message=progress)
        assert response.status == 200
        await until(lambda: "cancelled this batch" in thread_messages(slack)[0].all_text)
        reply.gate.set()  # the two rows in flight finish and are kept
        await slack.settle()

        assert await runner.status() == "cancelled"
        progress = thread_messages(slack)[0]
        assert f"Cancelled by <@{slack.user_id}>: 6 drafted, 0 failed, 34 not run" in progress.all_text
        assert not any(block["type"] == "actions" for block in progress.blocks)
        rows = results_rows(slack)
        status = [row[9] for row in rows[1:]]
        assert status[:6] == ["ok"] * 6 and set(status[6:]) == {"cancelled"} and len(status) == 40
        assert "Not run (cancelled): 34" in thread_messages(slack)[-1].all_text
        # A second click after the end says so privately.
        await slack.click(CANCEL_BATCH, batch_id, message=progress)
        await until(lambda: slack.fake.responses)
        assert "already finished" in slack.fake.responses[-1]["text"]
