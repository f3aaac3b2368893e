"""A rep clicks Approve, Regenerate or Edit under a draft (also after a restart, twice, or from elsewhere)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.models import Draft, DraftRequest, ProspectProfile, ThreadAnalysis
from engine.steps.offline import OfflineReply
from tests.fakes.slack_server import FakeSlack, SlackMessage
from tests.slack_helpers import SlackHarness, offline_engine, slack_harness

# The team leads who approve and edit reps' drafts here (DRAFT_APPROVERS); the rep is U0REP.
APPROVERS = "U0BOSS,U0OTHER,U0EDITOR"
THREAD = (
    "Rep (Jordan Lee): Hi Ana, worth a quick look at how we automate win-back journeys?\n"
    "Ana Ruiz: Maybe. What does it cost for 40 seats? We'd need it before Q3."
)


async def _draft(slack: SlackHarness) -> tuple[SlackMessage, str]:
    await slack.command(THREAD)
    await slack.settle()
    [message] = slack.fake.messages_in(slack.channel_id)
    return message, _button_value(message)


def _button_value(message: SlackMessage) -> str:
    return str(next(e["value"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]))


def _has_buttons(message: SlackMessage) -> bool:
    return any(b["type"] == "actions" for b in message.blocks)


async def test_approve_records_who_and_when_and_removes_the_buttons(data_dir: Path) -> None:
    async with slack_harness(data_dir, draft_approvers=APPROVERS) as slack:
        message, draft_id = await _draft(slack)
        response = await slack.click("approve_draft", draft_id, message=message, user_id="U0BOSS")
        assert response.status == 200
        await slack.settle()
        assert not _has_buttons(message)
        assert "Approved by <@U0BOSS>" in message.all_text
        assert "Hi Ana," in message.all_text
        record = await slack.runtime.drafts.load(slack.team_id, draft_id)
        assert record is not None and record.status == "approved"
        assert record.approved_by == "U0BOSS" and record.approved_at and record.approved_version == 1
        assert not slack.fake.invalid


async def test_a_second_approve_changes_nothing_and_says_so(data_dir: Path) -> None:
    async with slack_harness(data_dir, draft_approvers=APPROVERS) as slack:
        message, draft_id = await _draft(slack)
        before = len(slack.fake.calls_to("chat.update"))
        await slack.click("approve_draft", draft_id, message=message, user_id="U0BOSS")
        # Bolt runs a listener after the ack: wait for its effect, not for the HTTP answer.
        await slack.fake.wait_for(lambda fake: len(fake.calls_to("chat.update")) > before)
        updates = len(slack.fake.calls_to("chat.update"))
        await slack.click("approve_draft", draft_id, message=message, user_id="U0OTHER")
        await slack.fake.wait_for(lambda fake: bool(fake.responses))
        assert len(slack.fake.calls_to("chat.update")) == updates
        record = await slack.runtime.drafts.load(slack.team_id, draft_id)
        assert record is not None and record.approved_by == "U0BOSS"
        assert "already approved" in slack.fake.responses[-1]["text"]
        assert slack.fake.responses[-1]["response_type"] == "ephemeral"


async def test_regenerate_shows_v2_in_place_and_keeps_v1(data_dir: Path) -> None:
    async with slack_harness(data_dir, draft_approvers=APPROVERS) as slack:
        message, draft_id = await _draft(slack)
        await slack.click("regenerate_draft", draft_id, message=message)
        await slack.settle()
        assert len(slack.fake.messages_in(slack.channel_id)) == 1  # in place, not a new message
        assert "v2" in message.all_text and "Earlier versions kept: v1" in message.all_text
        assert _has_buttons(message) and _button_value(message) == draft_id
        # The regeneration showed progress in the same message before the new version.
        assert any("Writing version 2" in h["text"] for h in message.history)
        record = await slack.runtime.drafts.load(slack.team_id, draft_id)
        assert record is not None
        assert [(v.number, v.kind) for v in record.versions] == [(1, "drafted"), (2, "regenerated")]

        await slack.click("regenerate_draft", draft_id, message=message)
        await slack.settle()
        assert "v3" in message.all_text and "v1, v2" in message.all_text


async def test_regenerate_bypasses_cached_replies(data_dir: Path) -> None:
    async with slack_harness(data_dir, draft_approvers=APPROVERS) as slack:
        seen: list[Any] = []
        slack.engine.subscribe(seen.append)
        message, draft_id = await _draft(slack)
        await slack.click("regenerate_draft", draft_id, message=message)
        await slack.settle()
        sources = [step.source for item in seen if getattr(item, "type", "") == "result"
                   for step in item.steps]
        assert "exact_cache" not in sources  # neither run was served from the result cache


async def test_edit_opens_a_prefilled_form_and_saves_who_edited(data_dir: Path) -> None:
    async with slack_harness(data_dir, draft_approvers=APPROVERS) as slack:
        message, draft_id = await _draft(slack)
        await slack.click("edit_draft", draft_id, message=message)
        [call] = slack.fake.calls_to("views.open")
        view = call.args["view"]
        assert view["callback_id"] == "edit_draft_modal" and view["private_metadata"] == draft_id
        text_block = next(b for b in view["blocks"] if b["block_id"] == "text")
        assert text_block["element"]["initial_value"].startswith("Hi Ana,")

        edited = "Hi Ana,\n\nFor 40 seats it is **$1,200 a month**. See [pricing](https://acme.example/p)."
        response = await slack.submit_view(view, {"text": {"type": "plain_text_input", "value": edited}},
                                           user_id="U0EDITOR")
        assert response.status == 200
        await slack.settle()
        assert "Edited by <@U0EDITOR>" in message.all_text
        assert "*$1,200 a month*" in message.all_text  # Markdown became mrkdwn
        assert "<https://acme.example/p|pricing>" in message.all_text
        assert _has_buttons(message)
        record = await slack.runtime.drafts.load(slack.team_id, draft_id)
        assert record is not None and record.edited_by == "U0EDITOR"
        assert record.current is not None and record.current.text == edited
        assert [v.kind for v in record.versions] == ["drafted", "edited"]
        assert not slack.fake.invalid


async def test_an_empty_edit_is_refused_in_the_form(data_dir: Path) -> None:
    async with slack_harness(data_dir, draft_approvers=APPROVERS) as slack:
        message, draft_id = await _draft(slack)
        await slack.click("edit_draft", draft_id, message=message)
        view = slack.fake.calls_to("views.open")[0].args["view"]
        response = await slack.submit_view(view, {"text": {"type": "plain_text_input", "value": "  "}})
        body = await response.json()
        assert body["response_action"] == "errors" and "can't be empty" in body["errors"]["text"]


async def test_unknown_draft_gets_a_clear_private_answer(data_dir: Path) -> None:
    async with slack_harness(data_dir, draft_approvers=APPROVERS) as slack:
        response = await slack.click("approve_draft", "0123456789abcdef")
        assert response.status == 200
        await slack.fake.wait_for(lambda fake: bool(fake.responses))
        [answer] = slack.fake.responses
        assert "can't find that draft" in answer["text"] and answer["response_type"] == "ephemeral"
        assert answer.get("replace_original") is False
        assert not slack.fake.calls_to("chat.update")


async def test_a_button_from_another_workspace_is_refused(data_dir: Path) -> None:
    async with slack_harness(data_dir, draft_approvers=APPROVERS) as slack:
        message, draft_id = await _draft(slack)
        updates = len(slack.fake.calls_to("chat.update"))
        await slack.click("approve_draft", draft_id, message=message, team_id="T0OTHER")
        await slack.fake.wait_for(lambda fake: bool(fake.responses))
        assert "another Slack workspace" in slack.fake.responses[-1]["text"]
        assert len(slack.fake.calls_to("chat.update")) == updates
        record = await slack.runtime.drafts.load(slack.team_id, draft_id)
        assert record is not None and record.status == "ready"


async def test_approve_after_a_restart_works(data_dir: Path) -> None:
    async with FakeSlack() as fake:
        async with slack_harness(data_dir, draft_approvers=APPROVERS, fake=fake) as first:
            message, draft_id = await _draft(first)
        # A new process: new app and engine on the same SQLite store, same Slack.
        async with slack_harness(data_dir, draft_approvers=APPROVERS, fake=fake) as second:
            await second.click("approve_draft", draft_id, message=message, user_id="U0BOSS")
            await second.settle()
            assert "Approved by <@U0BOSS>" in message.all_text
            assert not _has_buttons(message)
            drafts = [r async for r in second.runtime.drafts.in_channel(second.team_id, second.channel_id)]
            assert [(r.draft_id, r.status) for r in drafts] == [(draft_id, "approved")]


class SlowReply(OfflineReply):
    async def draft(self, request: DraftRequest, *, profile: ProspectProfile | None,
                    analysis: ThreadAnalysis | None, snippets: Sequence[str] = ()) -> Draft:
        await asyncio.sleep(0.3)
        return await super().draft(request, profile=profile, analysis=analysis, snippets=snippets)


async def test_regenerate_twice_at_once_writes_one_new_version(data_dir: Path) -> None:
    engine = offline_engine(data_dir, reply=SlowReply())
    async with slack_harness(data_dir, draft_approvers=APPROVERS, engine=engine) as slack:
        message, draft_id = await _draft(slack)
        await slack.click("regenerate_draft", draft_id, message=message)
        await slack.click("regenerate_draft", draft_id, message=message)  # while v2 is being written
        await slack.settle()
        record = await slack.runtime.drafts.load(slack.team_id, draft_id)
        assert record is not None and len(record.versions) == 2
        assert any("already being written" in r["text"] for r in slack.fake.responses)
    await engine.store.close()
