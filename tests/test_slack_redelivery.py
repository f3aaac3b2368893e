"""Slack delivers a command, shortcut or event again: never a second draft (also across processes)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.fakes.slack_server import FakeSlack
from tests.slack_helpers import slack_harness

THREAD = (
    "Rep (Jordan Lee): Hi Ana, worth a quick look?\n"
    "Ana Ruiz: Maybe. What does it cost for 40 seats? We'd need it before Q3."
)


async def test_an_event_retried_by_slack_drafts_once(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        event = {"type": "app_mention", "user": slack.user_id, "channel": slack.channel_id,
                 "ts": "1700000000.000500", "text": f"<@{slack.fake.bot_user_id}> {THREAD}"}
        first = await slack.event(event, event_id="Ev0RETRY")
        retries = [await slack.event(event, event_id="Ev0RETRY", retry_num=n) for n in (1, 2, 3)]
        assert first.status == 200 and all(r.status == 200 for r in retries)
        await slack.settle()
        assert len(slack.fake.calls_to("chat.postMessage")) == 1


async def test_the_same_command_delivered_twice_drafts_once(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        responses = await asyncio.gather(*[slack.command(THREAD, trigger_id="111.222.abc")
                                           for _ in range(3)])
        assert all(r.status == 200 for r in responses)
        await slack.settle()
        assert len(slack.fake.calls_to("chat.postMessage")) == 1
        drafts = [r async for r in slack.runtime.drafts.in_channel(slack.team_id, slack.channel_id)]
        assert len(drafts) == 1


async def test_the_same_shortcut_delivered_twice_drafts_once(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        for _ in range(2):
            await slack.message_shortcut(THREAD, trigger_id="333.444.def")
        await slack.settle()
        assert len(slack.fake.calls_to("chat.postMessage")) == 1
        assert not slack.fake.responses  # the copy was dropped silently, not answered twice


async def test_two_different_commands_draft_twice(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        await slack.command(THREAD)
        await slack.command(THREAD)
        await slack.settle()
        assert len(slack.fake.calls_to("chat.postMessage")) == 2


async def test_two_processes_sharing_redis_draft_once(tmp_path: Path, redis_server: str) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with FakeSlack() as fake:
        async with slack_harness(tmp_path / "a", fake=fake, redis_url=redis_server) as one, \
                slack_harness(tmp_path / "b", fake=fake, redis_url=redis_server) as two:
            assert one.engine.store.name == "redis"
            # Slack retries against another replica behind the load balancer.
            await asyncio.gather(one.command(THREAD, trigger_id="555.666.ghi"),
                                 two.command(THREAD, trigger_id="555.666.ghi"))
            await one.settle()
            await two.settle()
            assert len(fake.calls_to("chat.postMessage")) == 1
