"""A rep types `/draft <pasted thread>` (or `/draft`, `/draft help`) in a channel."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path

from bot.drafts import DraftRecord
from bot.handlers.subcommands import SUBCOMMANDS, SubcommandContext
from engine.models import Draft, DraftRequest, ProspectProfile, Source, ThreadAnalysis
from engine.steps.offline import OfflineAnalysis, OfflineProfile, OfflineReply
from tests.slack_helpers import SlackHarness, offline_engine, slack_harness

THREAD = (
    "Rep (Jordan Lee): Hi Ana, worth a quick look at how we automate win-back journeys?\n"
    "Ana Ruiz: Maybe. What does it cost for 40 seats? We'd need it before Q3."
)
EMAIL_THREAD = (
    "Rep (Sam Park): Following up on the security questionnaire.\n"
    "Priya Nair: Thanks Sam. Do you have a SOC 2 Type II report you can share?"
)


class SlowProfile(OfflineProfile):
    async def enrich(self, request: DraftRequest) -> ProspectProfile:
        await asyncio.sleep(0.05)
        return await super().enrich(request)


class SlowAnalysis(OfflineAnalysis):
    async def analyse(self, thread: str) -> ThreadAnalysis:
        await asyncio.sleep(0.3)
        return await super().analyse(thread)


class SlowReply(OfflineReply):
    async def draft(self, request: DraftRequest, *, profile: ProspectProfile | None,
                    analysis: ThreadAnalysis | None, snippets: Sequence[str] = ()) -> Draft:
        await asyncio.sleep(0.3)
        return await super().draft(request, profile=profile, analysis=analysis, snippets=snippets)


class DownReply(OfflineReply):
    """A reply backend whose LLM endpoint refuses every call."""

    source: Source = "llm"

    async def draft(self, request: DraftRequest, *, profile: ProspectProfile | None,
                    analysis: ThreadAnalysis | None, snippets: Sequence[str] = ()) -> Draft:
        raise ConnectionError("LLM endpoint refused the connection")


async def test_draft_acks_then_posts_progress_and_ends_with_the_draft(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        response = await slack.command(THREAD)
        assert response.status == 200
        assert (await response.text()) == ""  # an empty ack: the progress message is the answer
        await slack.settle()

        [message] = slack.fake.messages_in(slack.channel_id)
        first = message.history[0]
        assert "Drafting a reply" in first["text"]
        first_text = json.dumps(first["blocks"])
        for label in ("Profile enrichment", "Thread analysis", "Reply drafting"):
            assert label in first_text
        # The final state: the draft, its three buttons, and where every step came from.
        buttons = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
        assert [b["action_id"] for b in buttons] == ["approve_draft", "regenerate_draft", "edit_draft"]
        draft_id = buttons[0]["value"]
        assert all(b["value"] == draft_id for b in buttons) and len(draft_id) <= 2000
        assert "Hi Ana," in message.all_text
        assert "offline" in message.all_text  # no LLM key: said, never hidden
        assert "parallel" in message.all_text
        assert not slack.fake.invalid
        record = await slack.runtime.drafts.load(slack.team_id, draft_id)
        assert record is not None and record.status == "ready"
        assert (record.channel_id, record.message_ts) == (message.channel, message.ts)
        assert record.request.conversation_thread == THREAD


async def test_a_fast_draft_costs_two_web_api_calls(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        await slack.command(THREAD)
        await slack.settle()
        [message] = slack.fake.messages_in(slack.channel_id)
        # The offline engine finishes within the throttle window: post, then the final edit.
        assert len(slack.fake.calls_to("chat.postMessage")) == 1
        assert len(slack.fake.calls_to("chat.update")) == 1
        assert message.updates == 1


async def test_slow_steps_show_progress_with_a_bounded_number_of_edits(data_dir: Path) -> None:
    engine = offline_engine(data_dir, profile=SlowProfile(), analysis=SlowAnalysis(), reply=SlowReply())
    async with slack_harness(data_dir, engine=engine, min_edit_interval_s=0.0) as slack:
        await slack.command(THREAD)
        await slack.settle()
        [message] = slack.fake.messages_in(slack.channel_id)
        # post + one edit per finished step at most + the final edit, whatever the timings
        assert 1 <= message.updates <= 4
        middle = [json.dumps(h["blocks"], ensure_ascii=False) for h in message.history[1:-1]]
        assert any(":white_check_mark: Profile enrichment" in m and " s · offline" in m for m in middle)
    await engine.store.close()


async def test_throttle_coalesces_step_edits(data_dir: Path) -> None:
    engine = offline_engine(data_dir, profile=SlowProfile(), analysis=SlowAnalysis(), reply=SlowReply())
    async with slack_harness(data_dir, engine=engine, min_edit_interval_s=60.0) as slack:
        await slack.command(THREAD)
        await slack.settle()
        [message] = slack.fake.messages_in(slack.channel_id)
        assert message.updates == 1  # every step edit fell inside the window: only the final one
    await engine.store.close()


async def test_email_word_drafts_an_email_with_a_subject(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        await slack.command("email " + EMAIL_THREAD)
        await slack.settle()
        [message] = slack.fake.messages_in(slack.channel_id)
        assert "Subject:" in message.all_text and "E-mail" in message.all_text
        record = (await _records(slack))[0]
        assert record.request.channel == "email"
        assert record.request.conversation_thread == EMAIL_THREAD


async def _records(slack: SlackHarness) -> list[DraftRecord]:
    return [r async for r in slack.runtime.drafts.in_channel(slack.team_id, slack.channel_id)]


async def test_help_explains_usage_privately(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        response = await slack.command("help")
        body = await response.json()
        assert "/draft" in body["text"] and "Draft reply" in body["text"]
        assert body.get("response_type", "ephemeral") == "ephemeral"
        assert not slack.fake.calls_to("chat.postMessage")


async def test_no_text_opens_the_form(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        response = await slack.command("")
        assert response.status == 200
        [call] = slack.fake.calls_to("views.open")
        assert call.error is None
        view = call.args["view"]
        assert view["callback_id"] == "draft_modal"
        blocks = {b["block_id"] for b in view["blocks"]}
        assert {"thread", "channel", "profile_url", "company_url", "website", "conversation"} <= blocks


async def test_form_submission_drafts_an_email_with_a_subject(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        await slack.command("")
        view = slack.fake.calls_to("views.open")[0].args["view"]
        response = await slack.submit_view(view, {
            "thread": {"type": "plain_text_input", "value": EMAIL_THREAD},
            "channel": {"type": "static_select", "selected_option": {"value": "email"}},
            "profile_url": {"type": "url_text_input", "value": "https://www.linkedin.com/in/priya-nair"},
            "company_url": {"type": "url_text_input", "value": None},
            "website": {"type": "url_text_input", "value": "https://acme.example"},
            "conversation": {"type": "conversations_select", "selected_conversation": "C0OTHER"},
        })
        assert response.status == 200 and (await response.text()) == ""
        await slack.settle()
        [message] = slack.fake.messages_in("C0OTHER")
        assert "Subject:" in message.all_text and "E-mail" in message.all_text


async def test_form_errors_are_shown_next_to_the_field(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        await slack.command("")
        view = slack.fake.calls_to("views.open")[0].args["view"]
        response = await slack.submit_view(view, {
            "thread": {"type": "plain_text_input", "value": THREAD},
            "channel": {"type": "static_select", "selected_option": {"value": "linkedin"}},
            "profile_url": {"type": "url_text_input", "value": "htp//broken"},
            "conversation": {"type": "conversations_select", "selected_conversation": "C0OTHER"},
        })
        body = await response.json()
        assert body["response_action"] == "errors"
        assert "invalid URL" in body["errors"]["profile_url"]
        assert not slack.fake.calls_to("chat.postMessage")


async def test_something_that_is_not_a_thread_gets_a_plain_answer(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        body = await (await slack.command("hello")).json()
        assert "doesn't look like a conversation" in body["text"]
        assert not slack.fake.calls_to("chat.postMessage")


async def test_a_thread_that_is_too_long_gets_a_plain_answer(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        body = await (await slack.command("Ana Ruiz: " + "tell me more " * 1500)).json()
        assert "too long" in body["text"] and "Traceback" not in body["text"]
        assert not slack.fake.calls_to("chat.postMessage")


async def test_llm_down_still_drafts_and_says_so(data_dir: Path) -> None:
    engine = offline_engine(data_dir, reply=DownReply())
    async with slack_harness(data_dir, engine=engine) as slack:
        await slack.command(THREAD)
        await slack.settle()
        [message] = slack.fake.messages_in(slack.channel_id)
        assert "AI model could not be reached" in message.all_text
        assert "Hi Ana," in message.all_text  # the offline fallback draft
        assert "Traceback" not in message.all_text and "ConnectionError" not in message.all_text
    await engine.store.close()


async def test_bot_not_in_channel_is_told_privately(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        slack.fake.refuse("chat.postMessage", "not_in_channel")
        await slack.command(THREAD)
        await slack.settle()
        assert not slack.fake.messages
        [answer] = slack.fake.responses
        assert "/invite @replycrew" in answer["text"] and answer["response_type"] == "ephemeral"


async def test_rate_limited_web_api_calls_are_retried_after_retry_after(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        slack.fake.rate_limit("chat.postMessage", times=1, retry_after=0)
        slack.fake.rate_limit("chat.update", times=1, retry_after=0)
        await slack.command(THREAD)
        await slack.settle()
        assert [c.status for c in slack.fake.calls_to("chat.postMessage")] == [429, 200]
        assert [c.status for c in slack.fake.calls_to("chat.update")] == [429, 200]
        [message] = slack.fake.messages_in(slack.channel_id)
        assert "Hi Ana," in message.all_text


async def test_registered_subcommands_are_dispatched(data_dir: Path) -> None:
    seen: list[SubcommandContext] = []

    async def echo(context: SubcommandContext) -> None:
        seen.append(context)
        await context.respond(text=f"echo {' '.join(context.args)}")

    SUBCOMMANDS["echo-test"] = echo
    try:
        async with slack_harness(data_dir) as slack:
            await slack.command("echo-test #sales last 7d")
            await slack.settle()
            await slack.fake.wait_for(lambda fake: bool(fake.responses))
            assert [c.args for c in seen] == [["#sales", "last", "7d"]]
            assert seen[0].team_id == slack.team_id and seen[0].channel_id == slack.channel_id
            assert slack.fake.responses[0]["text"] == "echo #sales last 7d"
            assert not slack.fake.calls_to("chat.postMessage")
    finally:
        del SUBCOMMANDS["echo-test"]


async def test_drafts_let_acks_in_flight_go_first(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        runtime = slack.runtime
        runtime.ack_priority_s = 30.0
        runtime.request_started()  # a command still being acknowledged
        waiter = asyncio.create_task(runtime.yield_to_acks(settle_s=0.0))
        await asyncio.sleep(0.05)
        assert not waiter.done()
        runtime.request_finished()
        await asyncio.wait_for(waiter, 5)
