"""/draft and the message shortcut in a channel stream their progress to the rep; refused streams fall back."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.agent_messages import anchor_text
from engine import keys
from engine.metrics import REGISTRY
from engine.models import DraftRequest, ProspectProfile
from engine.steps.offline import OfflineProfile
from tests.agent_helpers import buttons_of
from tests.fakes.website import FakeWebsite
from tests.slack_helpers import SlackHarness, offline_engine, slack_harness

THREAD = (
    "Rep (Jordan Lee): Hi Ana, worth a quick look at how we automate win-back journeys?\n"
    "Ana Ruiz: Maybe. What does it cost for 40 seats? We'd need it before Q3."
)


class SlowProfile(OfflineProfile):
    async def enrich(self, request: DraftRequest) -> ProspectProfile:
        await asyncio.sleep(0.3)
        return await super().enrich(request)


def _methods(slack: SlackHarness) -> list[str]:
    return [c.method for c in slack.fake.calls if c.method.startswith("chat.")]


async def test_draft_in_a_channel_streams_to_the_rep_under_an_anchor(data_dir: Path) -> None:
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        await slack.command(THREAD)
        await slack.settle()
        anchor, reply = slack.fake.messages_in(slack.channel_id)
        assert anchor.thread_ts is None and anchor.text == anchor_text(slack.user_id)
        # A stream is a thread reply, to the rep who asked (recipient team and user).
        start = slack.fake.calls_to("chat.startStream")[0].args
        assert (start["thread_ts"], start["recipient_team_id"], start["recipient_user_id"]) == (
            anchor.ts, slack.team_id, slack.user_id)
        assert reply.thread_ts == anchor.ts
        assert buttons_of(reply.blocks)[:3] == ["approve_draft", "regenerate_draft", "edit_draft"]
        methods = _methods(slack)  # appends in between: however many the step timings made (at most 3)
        assert methods[:2] == ["chat.postMessage", "chat.startStream"] and methods[-1] == "chat.stopStream"
        assert set(methods[2:-1]) <= {"chat.appendStream"} and len(methods) <= 6
        [record] = [r async for r in slack.runtime.drafts.in_channel(slack.team_id, slack.channel_id)]
        assert (record.message_ts, record.thread_ts, record.delivery) == (reply.ts, anchor.ts, "stream")


async def test_the_message_shortcut_streams_into_that_message_thread(data_dir: Path) -> None:
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        await slack.message_shortcut(THREAD, ts="1700000000.000100")
        await slack.settle()
        [stream] = slack.fake.streaming.streams.values()
        assert (stream.thread_ts, stream.recipient_user_id) == ("1700000000.000100", slack.user_id)
        assert stream.stopped and set(stream.final_status().values()) == {"complete"}
        assert not slack.fake.calls_to("chat.update") and not slack.fake.calls_to("chat.postMessage")


async def test_the_profile_task_lists_the_company_website_it_read(data_dir: Path, site: FakeWebsite) -> None:
    async with slack_harness(data_dir, slack_streaming=True, allow_private_fetch=True) as slack:
        await slack.command("")
        view = slack.fake.calls_to("views.open")[0].args["view"]
        await slack.submit_view(view, {
            "thread": {"type": "plain_text_input", "value": THREAD},
            "channel": {"type": "static_select", "selected_option": {"value": "linkedin"}},
            "website": {"type": "url_text_input", "value": f"{site.base_url}/"},
            "conversation": {"type": "conversations_select", "selected_conversation": "C0OTHER"},
        })
        await slack.settle()
        [stream] = slack.fake.streaming.streams.values()
        profile = stream.tasks()["profile"][-1]
        assert profile["status"] == "complete"
        assert profile["sources"] == [{"type": "url", "text": "Company website", "url": f"{site.base_url}/"}]


async def test_slow_steps_show_in_progress_then_complete(data_dir: Path) -> None:
    engine = offline_engine(data_dir, profile=SlowProfile())
    async with slack_harness(data_dir, engine=engine, slack_streaming=True, min_edit_interval_s=0.0) as slack:
        await slack.command(THREAD)
        await slack.settle()
        [stream] = slack.fake.streaming.streams.values()
        statuses = [u["status"] for u in stream.tasks()["profile"]]
        # Opened pending (or already in progress, if the step started while the anchor was posted).
        assert statuses[0] in ("pending", "in_progress") and "in_progress" in statuses
        assert statuses[-1] == "complete"
        # Progress without a single chat.update: appends only, at most one per step event.
        assert not slack.fake.calls_to("chat.update")
        assert len(slack.fake.calls_to("chat.appendStream")) <= 6
    await engine.store.close()


async def test_appends_are_paced_and_the_stop_carries_the_rest(data_dir: Path) -> None:
    engine = offline_engine(data_dir, profile=SlowProfile())
    async with slack_harness(data_dir, engine=engine, slack_streaming=True, min_edit_interval_s=60.0) as slack:
        await slack.command(THREAD)
        await slack.settle()
        [stream] = slack.fake.streaming.streams.values()
        # Every step ended inside the interval: no append at all, and the stop holds all three.
        assert not slack.fake.calls_to("chat.appendStream")
        assert stream.final_status() == {"profile": "complete", "analysis": "complete", "reply": "complete"}
    await engine.store.close()


def _fallbacks(error: str, remembered: str) -> float:
    value = REGISTRY.get_sample_value("replycrew_slack_stream_fallbacks_total",
                                      {"error": error, "remembered": remembered})
    return value or 0.0


async def test_a_refused_stream_falls_back_to_the_edited_message_once_per_workspace(data_dir: Path) -> None:
    counted = _fallbacks("unknown_method", "true")
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        # An older Enterprise Grid policy or GovSlack without the method answers like this.
        slack.fake.streaming.refuse_streaming("unknown_method")
        await slack.command(THREAD)
        await slack.settle()
        [message] = slack.fake.messages_in(slack.channel_id)
        # The anchor became today's progress message (throttled edits) and then the draft: nothing lost.
        assert buttons_of(message.blocks) == ["approve_draft", "regenerate_draft", "edit_draft"]
        methods = _methods(slack)
        assert methods[:2] == ["chat.postMessage", "chat.startStream"] and methods[-1] == "chat.update"
        assert set(methods[2:]) == {"chat.update"} and len(methods) <= 6
        assert await slack.engine.store.get(f"{keys.SLACK_STREAM_OFF}{slack.team_id}") == "unknown_method"
        assert _fallbacks("unknown_method", "true") == counted + 1  # /metrics says why

        # Remembered: the next draft in this workspace goes straight to the edited message.
        before = len(slack.fake.calls)
        await slack.command(THREAD)
        await slack.settle()
        assert [c.method for c in slack.fake.calls[before:]] == ["chat.postMessage", "chat.update"]
        [record, second] = [r async for r in slack.runtime.drafts.in_channel(slack.team_id, slack.channel_id)]
        assert record.delivery == second.delivery == "message"


async def test_a_passing_fault_falls_back_for_that_draft_only(data_dir: Path) -> None:
    counted = _fallbacks("service_unavailable", "false")
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        slack.fake.refuse("chat.startStream", "service_unavailable")
        await slack.message_shortcut(THREAD, ts="1700000000.000100")
        await slack.settle()
        [message] = slack.fake.messages_in(slack.channel_id, thread_ts="1700000000.000100")
        assert "approve_draft" in buttons_of(message.blocks)
        assert await slack.engine.store.get(f"{keys.SLACK_STREAM_OFF}{slack.team_id}") is None
        assert _fallbacks("service_unavailable", "false") == counted + 1
        await slack.message_shortcut(THREAD, ts="1700000000.000200")
        await slack.settle()
        [stream] = slack.fake.streaming.streams.values()
        assert stream.thread_ts == "1700000000.000200" and stream.stopped


async def test_regenerate_on_a_streamed_draft_streams_version_two_in_the_thread(data_dir: Path) -> None:
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        await slack.command(THREAD)
        await slack.settle()
        anchor, first = slack.fake.messages_in(slack.channel_id)
        draft_id = next(e["value"] for b in first.blocks if b["type"] == "actions" for e in b["elements"])
        await slack.click("regenerate_draft", draft_id, message=first)
        await slack.settle()
        _, old, new = slack.fake.messages_in(slack.channel_id)
        assert new.thread_ts == anchor.ts and "approve_draft" in buttons_of(new.blocks)
        assert not buttons_of(old.blocks)
        record = await slack.runtime.drafts.load(slack.team_id, draft_id)
        assert record is not None and record.message_ts == new.ts and len(record.versions) == 2


async def test_streaming_off_keeps_todays_progress_message(data_dir: Path) -> None:
    async with slack_harness(data_dir, slack_streaming=False) as slack:
        await slack.command(THREAD)
        await slack.settle()
        [message] = slack.fake.messages_in(slack.channel_id)
        assert buttons_of(message.blocks) == ["approve_draft", "regenerate_draft", "edit_draft"]
        assert not slack.fake.calls_to("chat.startStream")
