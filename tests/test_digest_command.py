"""A team lead sets up, lists, posts and cancels a channel's digest, and asks for stats, from Slack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.app import SLACK_APP
from bot.handlers.digests import digests_for
from engine import metrics
from tests.slack_helpers import SlackHarness, slack_harness

THREAD = (
    "Rep (Jordan Lee): Hi Ana, worth a quick look at how we automate win-back journeys?\n"
    "Ana Ruiz: Maybe. What does it cost for 40 seats? We'd need it before Q3."
)


async def _say(slack: SlackHarness, text: str, **where: Any) -> dict[str, Any]:
    """Send `/draft <text>` and return the ephemeral answer it got."""
    before = len(slack.fake.responses)
    response = await slack.command(text, **where)
    assert response.status == 200
    await slack.fake.wait_for(lambda fake: len(fake.responses) > before)
    return slack.fake.responses[before]


def _slack_calls(method: str, outcome: str) -> float:
    value = metrics.REGISTRY.get_sample_value("replycrew_slack_api_calls_total",
                                              {"method": method, "outcome": outcome})
    return value or 0.0


async def test_subscribe_list_post_now_stats_and_off(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        answer = await _say(slack, "digest daily 09:00 Europe/Berlin")
        assert "every day at 09:00 (Europe/Berlin)" in answer["text"]
        # Without a zone the time is UTC, and the answer says so.
        answer = await _say(slack, "digest weekly mon 8:30", channel_id="C0OTHER")
        assert "every Monday at 08:30 (UTC)" in answer["text"]

        listed = (await _say(slack, "digest list"))["text"]
        assert f"<#{slack.channel_id}> (this channel): every day at 09:00" in listed
        assert "C0OTHER" not in listed  # only the channel it is run in
        other = (await _say(slack, "digest list", channel_id="C0OTHER"))["text"]
        assert "<#C0OTHER> (this channel): every Monday at 08:30" in other and slack.channel_id not in other

        await slack.command(THREAD)
        await slack.settle()
        digests = digests_for(slack.client.server.app[SLACK_APP])
        await digests.service.intents.flush()
        posts_before = len(slack.fake.calls_to("chat.postMessage"))
        ok_before = _slack_calls("chat.postMessage", "ok")
        limited_before = _slack_calls("chat.postMessage", "rate_limited")
        slack.fake.rate_limit("chat.postMessage", times=1, retry_after=0)
        await slack.command("digest now")
        await slack.fake.wait_for(
            lambda fake: any(call.error is None for call in fake.calls_to("chat.postMessage")[posts_before:]))
        digest = [m for m in slack.fake.messages_in(slack.channel_id) if "Digest" in m.all_text][-1]
        assert "*Drafts created*\n1" in digest.all_text and "*Still pending*\n1" in digest.all_text
        assert "asks pricing ×1" in digest.all_text
        assert "|Draft “Hi Ana," in digest.all_text  # linked to the draft's message
        # The 429 and the retried call were both counted for /metrics.
        assert _slack_calls("chat.postMessage", "rate_limited") - limited_before == 1
        assert _slack_calls("chat.postMessage", "ok") - ok_before == 1

        stats = await _say(slack, "stats")
        assert stats.get("response_type", "ephemeral") == "ephemeral"
        assert stats["blocks"][0]["text"]["text"] == "Draft stats"
        assert "Drafts created" in str(stats["blocks"])

        answer = await _say(slack, "digest off")
        assert "every day at 09:00 (Europe/Berlin)" in answer["text"] and "is off" in answer["text"]
        listed = (await _say(slack, "digest list"))["text"]
        assert "has no digest yet" in listed and "C0OTHER" not in listed
        assert "no digest to turn off" in (await _say(slack, "digest off"))["text"]
        assert slack.fake.invalid == []


async def test_mistyped_schedules_get_a_helpful_answer(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        assert "not a time of day" in (await _say(slack, "digest daily 9am"))["text"]
        assert "not a time zone we know" in (await _say(slack, "digest daily 09:00 Berlin/Mars"))["text"]
        assert "/draft digest weekly mon 09:00" in (await _say(slack, "digest"))["text"]
        assert "No drafts in this channel" in (await _say(slack, "stats"))["text"]
        assert await digests_for(slack.client.server.app[SLACK_APP]).scheduler.list(slack.team_id) == []
