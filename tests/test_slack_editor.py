"""The one throttled editor behind draft and batch progress: interval kept, latest state shown, order kept."""

from __future__ import annotations

import asyncio

from slack_sdk.web.async_client import AsyncWebClient

from bot.batches.progress import BatchProgressMessage
from bot.editor import Blocks, ThrottledEditor
from bot.progress import ProgressMessage
from tests.fakes.slack_server import FakeSlack


def _section(text: str) -> Blocks:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


async def test_requests_inside_the_interval_coalesce_and_the_final_edit_is_last() -> None:
    async with FakeSlack() as fake:
        client = AsyncWebClient(token=fake.token, base_url=fake.url)
        posted = await client.chat_postMessage(channel="C1", text="start")
        state = {"n": 0}
        editor = ThrottledEditor(client, channel="C1", interval_s=0.3,
                                 render=lambda: (_section(f"step {state['n']}"), f"step {state['n']}"))
        editor.opened(ts=str(posted["ts"]))
        for n in range(1, 6):  # five changes inside one interval
            state["n"] = n
            editor.request()
            await asyncio.sleep(0.01)
        await fake.wait_for(lambda f: len(f.calls_to("chat.update")) == 1)
        assert "step 5" in fake.message("C1", str(posted["ts"])).all_text  # rendered when sent: the latest
        state["n"] = 6
        editor.request()  # waits out the interval; finish drops it
        await editor.finish(_section("done"), "done")
        await asyncio.sleep(0.4)
        assert len(fake.calls_to("chat.update")) == 2 and editor.edits == 2
        assert fake.message("C1", str(posted["ts"])).all_text.startswith("done")
        editor.request()  # after finish: nothing more
        await asyncio.sleep(0.05)
        assert len(fake.calls_to("chat.update")) == 2


async def test_draft_and_batch_progress_share_it() -> None:
    async with FakeSlack() as fake:
        client = AsyncWebClient(token=fake.token, base_url=fake.url)
        draft = ProgressMessage(client, channel="C1", header="Drafting")
        batch = BatchProgressMessage(client, channel="C1", ts="1.0", header="Batch", total=1, batch_id="b",
                                     interval_s=1.0)
        assert isinstance(draft.editor, ThrottledEditor) and isinstance(batch.editor, ThrottledEditor)
        await draft.open()
        assert draft.ts is not None and draft.calls == 1 and draft.edits == 0


async def test_stop_during_an_edit_in_flight_never_cancels_the_final_edit() -> None:
    """A batch stops its progress (stop) while a progress edit waits out a 429, then finishes: the
    final state still lands, and the caller is not cancelled by the edit stop() interrupted."""
    from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler

    async with FakeSlack() as fake:
        client = AsyncWebClient(token=fake.token, base_url=fake.url,
                                retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)])
        posted = await client.chat_postMessage(channel="C1", text="start")
        editor = ThrottledEditor(client, channel="C1", interval_s=0.0,
                                 render=lambda: (_section("100%"), "100%"))
        editor.opened(ts=str(posted["ts"]))
        fake.saturate("chat.update", seconds=0.5, retry_after=1)
        editor.request()
        await fake.wait_for(lambda f: bool(f.budgets.limited))  # the progress edit is in flight, retrying
        editor.stop()
        assert await editor.finish(_section("done"), "done") == str(posted["ts"])
        assert fake.message("C1", str(posted["ts"])).all_text.startswith("done")
