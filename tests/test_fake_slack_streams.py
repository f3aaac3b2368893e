"""The fake Slack keeps the streaming rules Slack documents (a lenient fake would hide our bugs)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_server import FakeSlack

TASK = {"type": "task_update", "id": "reply", "title": "Reply drafting", "status": "pending"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    yield server
    await server.close()


def _client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=fake.token, base_url=fake.url)


async def _error(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call  # type: ignore[misc]
    return str(caught.value.response["error"])


async def test_a_stream_must_be_a_thread_reply(fake: FakeSlack) -> None:
    client = _client(fake)
    assert await _error(client.api_call("chat.startStream", json={"channel": "D0DM"})) == "invalid_arguments"
    ok = await client.chat_startStream(channel="D0DM", thread_ts="1.000001")
    assert ok["ts"]


async def test_channel_streams_need_the_recipient(fake: FakeSlack) -> None:
    client = _client(fake)
    assert await _error(client.chat_startStream(channel="C0SALES", thread_ts="1.1")) == "missing_recipient_team_id"
    assert await _error(client.chat_startStream(channel="C0SALES", thread_ts="1.1",
                                                recipient_team_id="T0TEST")) == "missing_recipient_user_id"
    ok = await client.chat_startStream(channel="C0SALES", thread_ts="1.1", recipient_team_id="T0TEST",
                                       recipient_user_id="U0REP")
    assert ok["channel"] == "C0SALES"


async def test_a_stream_goes_only_where_the_bot_may_post(fake: FakeSlack) -> None:
    fake.add_channel("C0PRIVATE", kind="private", bot_member=False)
    client = _client(fake)
    refused = client.chat_startStream(channel="C0PRIVATE", thread_ts="1.1", recipient_team_id="T0TEST",
                                      recipient_user_id="U0REP")
    assert await _error(refused) == "channel_not_found"  # as chat.postMessage answers there


async def test_appends_after_a_stop_fail(fake: FakeSlack) -> None:
    client = _client(fake)
    stream = await client.chat_stream(channel="D0DM", thread_ts="1.1")
    await stream.append(chunks=[TASK])
    await stream.stop(chunks=[{**TASK, "status": "complete"}])
    assert stream.ts is not None
    later = client.chat_appendStream(channel="D0DM", ts=stream.ts, chunks=[TASK])
    assert await _error(later) == "message_not_in_streaming_state"
    again = client.chat_stopStream(channel="D0DM", ts=stream.ts)
    assert await _error(again) == "message_not_in_streaming_state"
    assert await _error(client.chat_appendStream(channel="D0DM", ts="9.9", markdown_text="x")) == "message_not_found"


async def test_blocks_are_validated_on_stop(fake: FakeSlack) -> None:
    client = _client(fake)
    stream = await client.chat_stream(channel="D0DM", thread_ts="1.1")
    await stream.append(chunks=[TASK])
    bad = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    assert await _error(stream.stop(blocks=bad)) == "invalid_blocks"
    assert fake.streaming.streams[("D0DM", str(stream.ts))].stopped is False  # still streaming


async def test_task_chunks_are_checked(fake: FakeSlack) -> None:
    client = _client(fake)
    wrong = [{**TASK, "status": "done"}]
    assert await _error(client.chat_startStream(channel="D0DM", thread_ts="1.1", chunks=wrong)) == "invalid_chunks"
    no_title = [{"type": "task_update", "id": "x", "status": "pending"}]
    assert await _error(client.chat_startStream(channel="D0DM", thread_ts="1.1",
                                                chunks=no_title)) == "invalid_chunks"
    ts = (await client.chat_startStream(channel="D0DM", thread_ts="1.1"))["ts"]
    assert await _error(client.chat_appendStream(channel="D0DM", ts=ts)) == "no_text"
    assert await _error(client.chat_appendStream(channel="D0DM", ts=ts, markdown_text="x" * 12_001)) == "msg_too_long"


async def test_suggested_prompts_are_at_most_four_with_title_and_message(fake: FakeSlack) -> None:
    client = _client(fake)
    five = [{"title": f"p{i}", "message": f"m{i}"} for i in range(5)]
    assert await _error(client.assistant_threads_setSuggestedPrompts(channel_id="D0DM", thread_ts="1.1",
                                                                     prompts=five)) == "invalid_arguments"
    half = [{"title": "p"}]
    assert await _error(client.assistant_threads_setSuggestedPrompts(channel_id="D0DM", thread_ts="1.1",
                                                                     prompts=half)) == "invalid_arguments"
    await client.assistant_threads_setSuggestedPrompts(channel_id="D0DM", thread_ts="1.1", prompts=five[:4])
    assert len(fake.streaming.prompts) == 1
