"""A rep drafts in the app's Messages tab: an agent thread with prompts, a status and a streamed task timeline."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from bot import agent_messages as words
from bot.messages import STEP_LABELS
from bot.thread_context import StoreThreadContext
from engine.models import Draft, DraftRequest, ProspectProfile, Source, ThreadAnalysis
from engine.steps.offline import OfflineReply
from tests.agent_helpers import DM_CHANNEL, AgentThread, buttons_of
from tests.batch_slack_helpers import batch_harness, results_rows, until
from tests.conftest import SAMPLES
from tests.fakes.openai_server import FakeOpenAI, fake_openai
from tests.slack_helpers import offline_engine, slack_harness

__all__ = ["fake_openai"]  # the fixture, used by name

THREAD = (
    "Rep (Jordan Lee): Hi Ana, worth a quick look at how we automate win-back journeys?\n"
    "Ana Ruiz: Maybe. What does it cost for 40 seats? We'd need it before Q3."
)


class DownReply(OfflineReply):
    """A reply backend whose LLM endpoint refuses every call."""

    source: Source = "llm"

    async def draft(self, request: DraftRequest, *, profile: ProspectProfile | None,
                    analysis: ThreadAnalysis | None, snippets: Sequence[str] = ()) -> Draft:
        raise ConnectionError("LLM endpoint refused the connection")


async def test_opening_a_thread_offers_the_three_prompts(data_dir: Path) -> None:
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        agent = AgentThread(slack)
        response = await agent.open()
        assert response.status == 200
        await slack.settle()
        [call] = slack.fake.streaming.prompts
        assert (call["channel_id"], call["thread_ts"]) == (DM_CHANNEL, agent.thread_ts)
        assert [p["title"] for p in call["prompts"]] == ["Draft a LinkedIn reply", "Draft an e-mail reply",
                                                         "Draft from a CSV"]
        assert agent.posted() == [words.GREETING]
        assert not [c for c in slack.fake.calls if c.error]


async def test_a_pasted_conversation_streams_three_tasks_and_stops_with_the_draft(data_dir: Path) -> None:
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        agent = AgentThread(slack)
        await agent.open()
        await agent.say(THREAD)
        await slack.settle()

        [status] = slack.fake.streaming.statuses
        assert status["status"] == words.STATUS_READING and status["thread_ts"] == agent.thread_ts
        [stream] = agent.streams()
        start = slack.fake.calls_to("chat.startStream")[0]
        assert start.args["task_display_mode"] == "timeline"
        assert slack.fake.calls.index(start) > slack.fake.calls.index(slack.fake.calls_to(
            "assistant.threads.setStatus")[0])  # the status shows while the stream is being started
        assert stream.stopped
        # Every task opens pending, and ends complete with where its result came from and how long it took.
        tasks = stream.tasks()
        assert set(tasks) == {"profile", "analysis", "reply"}
        for name, updates in tasks.items():
            assert updates[0]["status"] == "pending" and updates[0]["title"] == STEP_LABELS[name]
            assert updates[-1]["status"] == "complete"
        assert "offline" in tasks["reply"][-1]["details"] and " ms" in tasks["reply"][-1]["details"]
        # Stopped with the draft, its three buttons and Slack's feedback buttons, in that thread.
        assert buttons_of(stream.blocks) == ["approve_draft", "regenerate_draft", "edit_draft", "draft_feedback"]
        message = slack.fake.message(DM_CHANNEL, stream.ts)
        assert message.thread_ts == agent.thread_ts and "Hi Ana," in message.all_text
        assert not slack.fake.calls_to("chat.update")  # the whole draft without one Tier 3 edit
        assert not slack.fake.invalid
        [record] = [r async for r in slack.runtime.drafts.in_channel(slack.team_id, DM_CHANNEL)]
        assert (record.delivery, record.message_ts, record.thread_ts) == ("stream", stream.ts, agent.thread_ts)
        assert record.trigger == "agent" and record.status == "ready"


async def test_approve_on_a_streamed_draft_shows_the_approved_state(data_dir: Path) -> None:
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        agent = AgentThread(slack)
        await agent.say(THREAD)
        await slack.settle()
        [stream] = agent.streams()
        message = slack.fake.message(DM_CHANNEL, stream.ts)
        draft_id = next(e["value"] for b in message.blocks if b["type"] == "actions" for e in b["elements"])
        await slack.click("approve_draft", draft_id, message=message)
        await slack.settle()
        assert "Approved by <@U0REP>" in message.all_text and not buttons_of(message.blocks)
        record = await slack.runtime.drafts.load(slack.team_id, draft_id)
        assert record is not None and record.status == "approved"


async def test_follow_ups_write_new_versions_in_the_same_thread(data_dir: Path) -> None:
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        agent = AgentThread(slack)
        await agent.say(THREAD)
        await slack.settle()
        await agent.say("e-mail instead")
        await slack.settle()
        first, second = agent.streams()
        assert second.stopped and "Subject:" in slack.fake.message(DM_CHANNEL, second.ts).all_text
        # The earlier reply keeps its text but hands its buttons to the new one.
        old = slack.fake.message(DM_CHANNEL, first.ts)
        assert not buttons_of(old.blocks) and "version 2" in old.all_text
        assert "approve_draft" in buttons_of(slack.fake.message(DM_CHANNEL, second.ts).blocks)

        await agent.say("shorter")
        await slack.settle()
        assert len(agent.streams()) == 3
        [record] = [r async for r in slack.runtime.drafts.in_channel(slack.team_id, DM_CHANNEL)]
        assert [v.number for v in record.versions] == [1, 2, 3]
        assert [v.kind for v in record.versions] == ["drafted", "regenerated", "regenerated"]
        assert record.request.channel == "email" and record.request.instructions == ["shorter"]
        assert record.current is not None and record.current.channel == "email"
        # Offline there is no model to follow "shorter": said in the thread, never pretended.
        assert words.offline_ignored(["shorter"]) in agent.posted()
        assert [s["status"] for s in slack.fake.streaming.statuses] == [
            words.STATUS_READING, words.STATUS_REVISING, words.STATUS_REVISING]


async def test_a_failed_step_ends_its_task_in_error_with_the_reason(data_dir: Path) -> None:
    engine = offline_engine(data_dir, reply=DownReply())
    async with slack_harness(data_dir, engine=engine, slack_streaming=True) as slack:
        agent = AgentThread(slack)
        await agent.say(THREAD)
        await slack.settle()
        [stream] = agent.streams()
        status = stream.final_status()
        assert status == {"profile": "complete", "analysis": "complete", "reply": "error"}
        reply = stream.tasks()["reply"][-1]
        assert reply["details"].startswith("failed after") and "refused" in reply["details"]
        # The draft still lands (offline), with its buttons.
        assert "approve_draft" in buttons_of(stream.blocks)
    await engine.store.close()


async def test_text_that_is_no_conversation_gets_words_not_a_stream(data_dir: Path) -> None:
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        agent = AgentThread(slack)
        await agent.say("hello")
        await agent.say(words.SUGGESTED_PROMPTS[2][1])
        await slack.settle()
        assert not agent.streams() and not slack.fake.calls_to("chat.startStream")
        posted = agent.posted()
        assert len(posted) == 2 and posted[1] == words.FOLLOW_UP_HELP
        assert "conversation" in posted[0].lower()


async def test_the_email_prompt_drafts_an_email(data_dir: Path) -> None:
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        agent = AgentThread(slack)
        await agent.say(words.SUGGESTED_PROMPTS[1][1] + THREAD)
        await slack.settle()
        [stream] = agent.streams()
        assert "Subject:" in slack.fake.message(DM_CHANNEL, stream.ts).all_text
        [record] = [r async for r in slack.runtime.drafts.in_channel(slack.team_id, DM_CHANNEL)]
        assert record.request.conversation_thread == THREAD  # the prompt's words are not the prospect's


async def test_feedback_buttons_are_kept_on_the_draft(data_dir: Path) -> None:
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        agent = AgentThread(slack)
        await agent.say(THREAD)
        await slack.settle()
        [stream] = agent.streams()
        feedback = next(b for b in stream.blocks if b["type"] == "context_actions")["elements"][0]
        value = feedback["negative_button"]["value"]
        await slack.interaction({
            **slack._who(None, None), "type": "block_actions",
            "container": {"type": "message", "message_ts": stream.ts, "channel_id": DM_CHANNEL},
            "channel": {"id": DM_CHANNEL}, "response_url": slack.fake.response_url(),
            "actions": [{"type": "feedback_buttons", "action_id": "draft_feedback", "block_id": "draft_feedback",
                         "value": value, "action_ts": "1.0"}],
        })
        await slack.settle()
        draft_id = value.split(":", 1)[1]
        record = await slack.runtime.drafts.load(slack.team_id, draft_id)
        assert record is not None and record.feedback == {slack.user_id: "bad"}
        assert slack.fake.responses[-1]["text"] == words.FEEDBACK_THANKS


async def test_a_csv_shared_in_the_thread_runs_as_a_batch_there(data_dir: Path) -> None:
    async with batch_harness(data_dir, slack_streaming=True) as slack:
        agent = AgentThread(slack)
        await agent.open()
        info = slack.fake.add_file("leads.csv", (SAMPLES / "batch.csv").read_bytes(), channel=DM_CHANNEL,
                                   ts=agent.thread_ts)
        await agent.say("", files=[info])
        await slack.settle()
        # settle() can return while the batch still runs (seen in tests/test_csv_upload.py on main too).
        await until(lambda: slack.fake.calls_to("files.completeUploadExternal"), within=30)
        # The batch's progress stays an edited message in the thread; the results come back there.
        progress = [m for m in slack.fake.messages_in(DM_CHANNEL, thread_ts=agent.thread_ts)
                    if m.updates > 0]
        assert progress, "the batch progress message was not edited in the thread"
        [done] = slack.fake.calls_to("files.completeUploadExternal")
        assert (done.args["channel_id"], done.args["thread_ts"]) == (DM_CHANNEL, agent.thread_ts)
        assert len(results_rows(slack)) == 41  # header + the sample's 40 rows
        assert not agent.streams()


async def test_a_context_change_is_kept_in_our_store_without_slack_calls(data_dir: Path) -> None:
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        agent = AgentThread(slack)
        await agent.open()
        await slack.settle()
        before = len(slack.fake.calls)
        await slack.event({"type": "assistant_thread_context_changed", "assistant_thread": {
            "user_id": slack.user_id, "channel_id": DM_CHANNEL, "thread_ts": agent.thread_ts,
            "context": {"channel_id": "C0OTHER", "team_id": slack.team_id, "enterprise_id": None}},
            "event_ts": "1.0"})
        await slack.settle()
        assert slack.fake.calls[before:] == []  # Bolt's default store would chat.update + conversations.replies
        stored = await StoreThreadContext(slack.engine.store).find(channel_id=DM_CHANNEL, thread_ts=agent.thread_ts)
        assert stored is not None and stored.channel_id == "C0OTHER"


async def test_a_follow_up_reaches_the_model_as_the_reps_instruction(data_dir: Path,
                                                                      fake_openai: FakeOpenAI) -> None:
    async with slack_harness(data_dir, slack_streaming=True, openai_api_key="test-key",
                             openai_base_url=fake_openai.base_url, semantic_cache="off") as slack:
        agent = AgentThread(slack)
        await agent.say(THREAD)
        await slack.settle()
        first = fake_openai.requests_for("ReplyText")
        assert len(first) == 1 and "instructions for this version (follow them" in json.dumps(first[0].body)
        assert "in German" not in json.dumps(first[0].body)
        await agent.say("in German, and more formal")
        await slack.settle()
        replies = fake_openai.requests_for("ReplyText")
        assert len(replies) == 2  # a new version: the cached reply is bypassed
        assert "in German, and more formal" in json.dumps(replies[1].body, ensure_ascii=False)
        [_, second] = agent.streams()
        assert second.final_status()["reply"] == "complete"
        assert "AI model" in second.tasks()["reply"][-1]["details"]
        assert words.offline_ignored(["in German, and more formal"]) not in agent.posted()
