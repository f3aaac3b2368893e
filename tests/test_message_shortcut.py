"""A rep uses the "Draft reply" shortcut on a message holding a pasted thread (or mentions the bot)."""

from __future__ import annotations

from pathlib import Path

from tests.slack_helpers import slack_harness

THREAD = (
    "Rep (Casey Nguyen): Hi Chen, great meeting you at the Logistics Expo. Numbers for your fleet?\n"
    "Chen Wei: Yes please. Price per vehicle per month, hardware bundled in, 36-month term, 40 vans.\n"
    "&gt; quoted: <mailto:chen@jadestone.example|chen@jadestone.example>"
)


async def test_shortcut_drafts_into_the_message_thread(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        response = await slack.message_shortcut(THREAD, ts="1700000000.000100")
        assert response.status == 200
        await slack.settle()
        [message] = slack.fake.messages_in(slack.channel_id)
        assert message.thread_ts == "1700000000.000100"
        assert "Hi Chen," in message.all_text
        assert [b["action_id"] for b in message.blocks if b["type"] == "actions"
                for b in b["elements"]] == ["approve_draft", "regenerate_draft", "edit_draft"]
        record = (await slack.runtime.drafts.load(
            slack.team_id, message.blocks[-2]["elements"][0]["value"]))
        assert record is not None and record.trigger == "shortcut"
        assert record.thread_ts == "1700000000.000100"
        # Slack's escaping was undone before the thread reached the engine.
        assert "> quoted: chen@jadestone.example" in record.request.conversation_thread
        assert not slack.fake.invalid


async def test_shortcut_inside_a_thread_stays_in_that_thread(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        await slack.message_shortcut(THREAD, ts="1700000000.000300", thread_ts="1700000000.000100")
        await slack.settle()
        [message] = slack.fake.messages_in(slack.channel_id)
        assert message.thread_ts == "1700000000.000100"


async def test_shortcut_on_a_message_without_a_thread_explains(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        await slack.message_shortcut("lunch?")
        await slack.settle()
        assert not slack.fake.calls_to("chat.postMessage")
        [answer] = slack.fake.responses
        assert "doesn't look like a conversation" in answer["text"]
        assert answer["response_type"] == "ephemeral"


async def test_shortcut_again_on_the_same_message_points_to_the_draft(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        await slack.message_shortcut(THREAD, ts="1700000000.000100")
        await slack.message_shortcut(THREAD, ts="1700000000.000100")  # a new trigger, same message
        await slack.settle()
        await slack.fake.wait_for(lambda fake: bool(fake.responses))
        assert len(slack.fake.messages_in(slack.channel_id)) == 1
        assert "already in its thread" in slack.fake.responses[-1]["text"]


async def test_global_shortcut_opens_the_form(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        await slack.global_shortcut()
        [call] = slack.fake.calls_to("views.open")
        assert call.args["view"]["callback_id"] == "draft_modal" and call.error is None


async def test_mention_with_a_thread_drafts_in_its_thread(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        event = {"type": "app_mention", "user": slack.user_id, "channel": slack.channel_id,
                 "ts": "1700000000.000500", "thread_ts": "1700000000.000100",
                 "text": f"<@{slack.fake.bot_user_id}> {THREAD}"}
        response = await slack.event(event)
        assert response.status == 200
        await slack.settle()
        [message] = slack.fake.messages_in(slack.channel_id)
        assert message.thread_ts == "1700000000.000100" and "Hi Chen," in message.all_text
