"""The batch progress message: edits coalesce to the latest state, big batches edit less often."""

from __future__ import annotations

import asyncio

from slack_sdk.web.async_client import AsyncWebClient

from bot.batches.blocks import CANCEL_BATCH, progress_bar
from bot.batches.progress import BatchProgressMessage, edit_interval
from engine.batch.runner import BatchProgress
from tests.fakes.block_kit import validate_blocks
from tests.fakes.slack_server import FakeSlack


def _progress(done: int, *, failed: int = 0, total: int = 1000) -> BatchProgress:
    return BatchProgress(batch_id="b1", done=done, failed=failed, total=total, resumed=0,
                         elapsed_s=done / 10, throughput=10.0, eta_s=(total - done) / 10)


async def test_a_burst_of_progress_becomes_one_edit_showing_the_latest_state() -> None:
    async with FakeSlack() as fake:
        client = AsyncWebClient(token=fake.token, base_url=fake.url)
        posted = await client.chat_postMessage(channel="C1", text="batch")
        message = BatchProgressMessage(client, channel="C1", ts=str(posted["ts"]), header="Drafting",
                                       total=1000, batch_id="b1", interval_s=0.0)
        for done in range(1, 301):  # 300 rows finish before the loop gets to run the edit
            message.on_progress(_progress(done, failed=done // 10))
        await fake.wait_for(lambda f: bool(f.calls_to("chat.update")))
        await asyncio.sleep(0.05)
        [edit] = fake.calls_to("chat.update")
        text = fake.message("C1", str(posted["ts"])).all_text
        assert "*300* of *1,000* rows done · 30 failed · 10.0 rows/s · about 1 min 10 s left" in text
        assert progress_bar(300, 1000) in text
        buttons = [b for b in fake.message("C1", str(posted["ts"])).blocks if b["type"] == "actions"]
        assert buttons and buttons[0]["elements"][0]["action_id"] == CANCEL_BATCH
        await message.finish("Done")
        assert validate_blocks(fake.message("C1", str(posted["ts"])).blocks) is None
        assert not [b for b in fake.message("C1", str(posted["ts"])).blocks if b["type"] == "actions"]
        assert edit.error is None and message.edits == 2


def test_bigger_batches_edit_less_often() -> None:
    assert edit_interval(40, base_s=1.0) == 1.0
    assert edit_interval(1000, base_s=1.0) == 5.0
    assert edit_interval(100_000, base_s=1.0) == 5.0  # capped: a long batch still shows life
    assert progress_bar(0, 40).startswith("`░") and progress_bar(40, 40).endswith("100%")
