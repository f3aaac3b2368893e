"""Who may press a draft's buttons, Enterprise Grid payloads, and conversations the bot cannot post in."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from bot.blocks import draft_modal
from engine.models import Draft, DraftRequest, ProspectProfile, ThreadAnalysis
from engine.steps.offline import OfflineReply
from tests.fakes.slack_server import SlackMessage
from tests.slack_helpers import SlackHarness, offline_engine, slack_harness

THREAD = ("Rep (Jordan Lee): Hi Ana, worth a quick look at how we automate win-back journeys?\n"
          "Ana Ruiz: Maybe. What does it cost for 40 seats? We'd need it before Q3.")
REP, OTHER, BOSS = "U0REP", "U0NOSY", "U0BOSS"


async def _draft(slack: SlackHarness) -> tuple[SlackMessage, str]:
    await slack.command(THREAD)
    await slack.settle()
    [message] = slack.drafts_posted()
    value = next(e["value"] for b in message.blocks if b["type"] == "actions" for e in b["elements"])
    return message, str(value)


async def test_another_users_approve_changes_nothing_while_the_reps_approves(data_dir: Path) -> None:
    async with slack_harness(data_dir, draft_approvers=BOSS) as slack:
        message, draft_id = await _draft(slack)
        updates = message.updates
        for action in ("approve_draft", "regenerate_draft", "edit_draft"):
            await slack.click(action, draft_id, message=message, user_id=OTHER)
            await slack.settle()
        assert message.updates == updates  # nothing changed
        assert not slack.fake.calls_to("views.open")
        said = [r for r in slack.fake.responses if r.get("response_type") == "ephemeral"]
        assert len(said) == 3 and all(f"Only <@{REP}>" in r["text"] for r in said)
        record = await slack.runtime.drafts.load(slack.team_id, draft_id)
        assert record is not None and record.status == "ready" and len(record.versions) == 1

        await slack.click("approve_draft", draft_id, message=message, user_id=REP)
        await slack.settle()
        record = await slack.runtime.drafts.load(slack.team_id, draft_id)
        assert record is not None and record.status == "approved" and record.approved_by == REP
        assert f"Approved by <@{REP}>" in message.all_text


async def test_an_approver_may_act_on_anyones_draft(data_dir: Path) -> None:
    async with slack_harness(data_dir, draft_approvers=f"U0X, {BOSS}") as slack:
        message, draft_id = await _draft(slack)
        await slack.click("approve_draft", draft_id, message=message, user_id=BOSS)
        await slack.settle()
        assert f"Approved by <@{BOSS}>" in message.all_text


async def test_an_edit_submitted_by_someone_else_is_refused(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        _, draft_id = await _draft(slack)
        view = {"type": "modal", "callback_id": "edit_draft_modal", "private_metadata": draft_id}
        await slack.submit_view(view, {"text": {"type": "plain_text_input", "value": "Mine now."}}, user_id=OTHER)
        await slack.settle()
        record = await slack.runtime.drafts.load(slack.team_id, draft_id)
        assert record is not None and len(record.versions) == 1
        [dm] = [c for c in slack.fake.calls_to("chat.postMessage") if c.args.get("channel") == OTHER]
        assert f"Only <@{REP}>" in dm.args["text"]


class GatedReply(OfflineReply):
    """Drafts at once the first time; every later draft waits for `gate`."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate = asyncio.Event()

    async def draft(self, request: DraftRequest, *, profile: ProspectProfile | None,
                    analysis: ThreadAnalysis | None, snippets: Sequence[str] = ()) -> Draft:
        self.calls += 1
        if self.calls > 1:
            await self.gate.wait()
        return await super().draft(request, profile=profile, analysis=analysis, snippets=snippets)


async def test_an_approve_during_a_regeneration_is_kept(data_dir: Path) -> None:
    reply = GatedReply()
    engine = offline_engine(data_dir, reply=reply)
    try:
        async with slack_harness(data_dir, engine=engine) as slack:
            message, draft_id = await _draft(slack)
            await slack.click("regenerate_draft", draft_id, message=message, user_id=REP)
            await slack.fake.wait_for(lambda _: reply.calls == 2)
            await slack.click("approve_draft", draft_id, message=message, user_id=REP)
            await slack.fake.wait_for(lambda _: any("Approved by" in str(c.args.get("blocks"))
                                                    for c in slack.fake.calls_to("chat.update")))
            reply.gate.set()
            await slack.settle()
            record = await slack.runtime.drafts.load(slack.team_id, draft_id)
            assert record is not None and record.status == "approved" and record.approved_version == 1
            assert len(record.versions) == 1
            assert "Approved by" in message.all_text and not any(b["type"] == "actions" for b in message.blocks)
            assert any("approval stands" in r.get("text", "") for r in slack.fake.responses)
    finally:
        await engine.store.close()


async def test_digest_list_shows_only_this_channel(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        await slack.command("digest daily 09:00", channel_id="C0PRIVATE")
        await slack.command("digest weekly monday 10:00", channel_id="C0SALES")
        await slack.settle()
        await slack.command("digest list", channel_id="C0SALES")
        await slack.settle()
        listing = slack.fake.responses[-1]["text"]
        assert "C0SALES" in listing and "C0PRIVATE" not in listing


async def test_the_form_from_an_org_wide_install_drafts(data_dir: Path) -> None:
    """Enterprise Grid, org-wide install: `team` is null; Bolt finds the team, nothing crashes."""
    async with slack_harness(data_dir) as slack:
        slack.enterprise_id, slack.org_install = "E0ORG", True
        view = draft_modal(channel_id="C0SALES")
        response = await slack.submit_view({**view, "private_metadata": ""}, {
            "thread": {"type": "plain_text_input", "value": THREAD},
            "channel": {"type": "static_select", "selected_option": {"value": "linkedin"}},
            "conversation": {"type": "conversations_select", "selected_conversation": "C0SALES"}})
        assert response.status == 200
        await slack.settle()
        [message] = slack.drafts_posted()
        value = next(e["value"] for b in message.blocks if b["type"] == "actions" for e in b["elements"])
        record = await slack.runtime.drafts.load("E0ORG:T0TEST", str(value))  # tenant = (enterprise, team)
        assert record is not None and record.team_id == "E0ORG:T0TEST"
        # Its buttons work from the same org payloads; another workspace of the org is another tenant.
        await slack.click("approve_draft", str(value), message=message)
        await slack.settle()
        assert "Approved by" in message.all_text
        assert await slack.runtime.drafts.load("T0TEST", str(value)) is None


async def test_a_retry_after_invite_drafts(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        slack.fake.add_channel("C0PRIVATE", kind="private", bot_member=False)
        await slack.message_shortcut(THREAD, channel_id="C0PRIVATE", channel_name="deals")
        await slack.settle()
        assert "/invite @replycrew" in slack.fake.responses[-1]["text"]
        assert [c.error for c in slack.fake.calls_to("chat.postMessage")] == ["channel_not_found"]
        slack.fake.invite("C0PRIVATE")
        await slack.message_shortcut(THREAD, channel_id="C0PRIVATE", channel_name="deals")
        await slack.settle()
        assert slack.drafts_posted("C0PRIVATE")
        assert "already in its thread" not in slack.fake.responses[-1].get("text", "")


async def test_dms_and_group_dms_say_what_works_there(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        slack.fake.add_channel("D0PEOPLE", kind="im", bot_member=False)
        slack.fake.add_channel("G0GROUP", kind="mpim", bot_member=False)
        await slack.command(THREAD, channel_id="D0PEOPLE", channel_name="directmessage")
        await slack.command(THREAD, channel_id="G0GROUP", channel_name="mpdm-ana--jo--sam-1")
        await slack.settle()
        said = [r["text"] for r in slack.fake.responses]
        [dm] = [t for t in said if "direct message between people" in t]  # the two answer in any order
        [group] = [t for t in said if "group DM" in t]
        assert "/invite" not in dm and "/invite" not in group
        assert not slack.drafts_posted("D0PEOPLE") and not slack.drafts_posted("G0GROUP")


async def test_the_form_refuses_a_conversation_the_bot_cannot_post_in(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        slack.fake.add_channel("C0PRIVATE", kind="private", bot_member=False)
        values = {"thread": {"type": "plain_text_input", "value": THREAD},
                  "channel": {"type": "static_select", "selected_option": {"value": "linkedin"}},
                  "conversation": {"type": "conversations_select", "selected_conversation": "C0PRIVATE"}}
        response = await slack.submit_view(draft_modal(), values)
        answer = await response.json()
        assert answer["response_action"] == "errors" and "/invite @replycrew" in answer["errors"]["conversation"]
        assert not slack.fake.calls_to("chat.postMessage")
        conversation = next(b for b in draft_modal()["blocks"] if b["block_id"] == "conversation")
        assert conversation["element"]["filter"]["include"] == ["public", "private"]  # never others' DMs


async def test_without_chat_write_public_a_public_channel_needs_an_invite(data_dir: Path) -> None:
    """Slack answers `not_in_channel` when the app lacks chat:write.public and was not invited."""
    async with slack_harness(data_dir) as slack:
        install = slack.fake.workspaces.installs[slack.fake.token]
        install.scopes = tuple(s for s in install.scopes if s != "chat:write.public")
        slack.fake.add_channel("C0PUBLIC", kind="public", bot_member=False)
        await slack.command(THREAD, channel_id="C0PUBLIC")
        await slack.settle()
        assert [c.error for c in slack.fake.calls_to("chat.postMessage")] == ["not_in_channel"]
        assert "/invite @replycrew" in slack.fake.responses[-1]["text"]
