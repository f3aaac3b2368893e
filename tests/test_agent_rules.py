"""Streamed drafts keep the workspace's rules: only the rep acts, the rate budget governs the fallback, Grid works."""

from __future__ import annotations

from pathlib import Path

from bot.blocks import draft_modal
from bot.install.cipher import new_key
from engine import keys
from tests.agent_helpers import buttons_of
from tests.fakes.slack_server import FakeSlack
from tests.slack_helpers import multi_workspace_settings, slack_harness
from tests.test_slack_install import install

THREAD = ("Rep (Jordan Lee): Hi Ana, worth a quick look at how we automate win-back journeys?\n"
          "Ana Ruiz: Maybe. What does it cost for 40 seats? We'd need it before Q3.")
REP, OTHER = "U0REP", "U0OTHER"


async def test_only_the_rep_acts_on_a_streamed_draft(data_dir: Path) -> None:
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        await slack.command(THREAD)
        await slack.settle()
        _, reply = slack.fake.messages_in(slack.channel_id)
        draft_id = next(e["value"] for b in reply.blocks if b["type"] == "actions" for e in b["elements"])
        for action in ("approve_draft", "regenerate_draft", "edit_draft"):
            await slack.click(action, draft_id, message=reply, user_id=OTHER)
            await slack.settle()
        assert reply.updates == 0 and len(slack.fake.streaming.streams) == 1  # nothing changed, no new stream
        said = [r for r in slack.fake.responses if r.get("response_type") == "ephemeral"]
        assert len(said) == 3 and all(f"Only <@{REP}>" in r["text"] for r in said)
        await slack.click("approve_draft", draft_id, message=reply, user_id=REP)
        await slack.settle()
        assert f"Approved by <@{REP}>" in reply.all_text and not buttons_of(reply.blocks)


async def test_the_fallback_edits_under_the_rate_budget_and_still_lands(data_dir: Path) -> None:
    """Streaming refused and chat.update over its budget for 7 s: the draft still ends on the anchor."""
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        slack.fake.streaming.refuse_streaming("enterprise_is_restricted")
        slack.fake.saturate("chat.update", seconds=7, retry_after=1)
        await slack.command(THREAD)
        await slack.settle(grace_s=60)
        [message] = slack.fake.messages_in(slack.channel_id)
        assert "approve_draft" in buttons_of(message.blocks) and "Hi Ana," in message.all_text
        updates = slack.fake.calls_to("chat.update")
        assert updates[-1].status == 200 and any(c.status == 429 for c in updates)


async def test_an_org_wide_install_streams_to_the_reps_own_team(data_dir: Path) -> None:
    """Enterprise Grid (team: null in the payload): the recipient team is the rep's workspace."""
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        slack.enterprise_id, slack.org_install = "E0ORG", True
        view = draft_modal(channel_id="C0SALES")
        await slack.submit_view({**view, "private_metadata": ""}, {
            "thread": {"type": "plain_text_input", "value": THREAD},
            "channel": {"type": "static_select", "selected_option": {"value": "linkedin"}},
            "conversation": {"type": "conversations_select", "selected_conversation": "C0SALES"}})
        await slack.settle()
        start = slack.fake.calls_to("chat.startStream")[0].args
        assert (start["recipient_team_id"], start["recipient_user_id"]) == ("T0TEST", REP)
        [stream] = slack.fake.streaming.streams.values()
        assert stream.stopped and "approve_draft" in buttons_of(stream.blocks)


async def test_a_stream_where_the_bot_cannot_post_says_invite_and_is_not_remembered(data_dir: Path) -> None:
    async with slack_harness(data_dir, slack_streaming=True) as slack:
        slack.fake.add_channel("C0PRIVATE", kind="private", bot_member=False)
        await slack.message_shortcut(THREAD, channel_id="C0PRIVATE", channel_name="deals")
        await slack.settle()
        assert "/invite @replycrew" in slack.fake.responses[-1]["text"]
        assert [c.error for c in slack.fake.calls_to("chat.startStream")] == ["channel_not_found"]
        assert not slack.fake.calls_to("chat.postMessage")  # no fall-back post where it cannot land either
        assert await slack.engine.store.get(f"{keys.SLACK_STREAM_OFF}{slack.team_id}") is None
        slack.fake.invite("C0PRIVATE")
        await slack.message_shortcut(THREAD, channel_id="C0PRIVATE", channel_name="deals")
        await slack.settle()
        [stream] = slack.fake.streaming.streams.values()
        assert stream.channel == "C0PRIVATE" and stream.stopped


async def test_a_reinstall_lets_a_refusing_workspace_stream_again(data_dir: Path) -> None:
    """Streaming refused for a missing scope; the admin reinstalls (granting it): streams at once."""
    async with FakeSlack() as fake, slack_harness(data_dir, fake=fake, slack_streaming=True,
                                                  **multi_workspace_settings(fake, new_key())) as slack:
        await install(slack, team_id="T0ONE")
        fake.streaming.refuse_streaming("missing_scope")
        await slack.command(THREAD, team_id="T0ONE", channel_id="C0ONE")
        await slack.settle()
        assert await slack.engine.store.get(f"{keys.SLACK_STREAM_OFF}T0ONE") == "missing_scope"
        assert slack.drafts_posted("C0ONE")  # the fallback drafted all the same

        fake.streaming.refuse_streaming(None)
        await install(slack, team_id="T0ONE")
        assert await slack.engine.store.get(f"{keys.SLACK_STREAM_OFF}T0ONE") is None
        await slack.command(THREAD, team_id="T0ONE", channel_id="C0ONE")
        await slack.settle()
        [stream] = [s for s in fake.streaming.streams.values() if s.stopped]
        assert stream.channel == "C0ONE" and stream.recipient_team_id == "T0ONE"
