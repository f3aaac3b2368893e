"""`replycrew serve --socket`: Slack delivers over a WebSocket instead of HTTP; same handlers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.socket_mode import run_socket_mode, serve_socket_mode
from tests.conftest import free_port
from tests.fakes.slack_server import FakeSlack

THREAD = (
    "Rep (Jordan Lee): Hi Ana, worth a quick look?\n"
    "Ana Ruiz: Maybe. What does it cost for 40 seats? We'd need it before Q3."
)


async def test_slash_command_over_socket_mode_drafts(data_dir: Path) -> None:
    async with FakeSlack() as fake:
        settings = Settings(_env_file=None, slack_bot_token=fake.token,
                            slack_app_token="xapp-test", slack_api_url=fake.url, data_dir=data_dir,
                            port=free_port())
        stop = asyncio.Event()
        server = asyncio.create_task(serve_socket_mode(settings, stop=stop))
        try:
            await fake.wait_for_socket()
            ack = await fake.socket_send({
                "command": "/draft", "text": THREAD, "team_id": fake.team_id, "user_id": "U0REP",
                "channel_id": "C0SALES", "trigger_id": "9.9.socket", "response_url": fake.response_url(),
                "api_app_id": "A0TEST",
            })
            assert ack.get("envelope_id")
            # Streaming is on by default: an anchor line, and the draft streamed to the rep in its thread.
            await fake.wait_for(lambda f: any(s.stopped for s in f.streaming.streams.values()))
            anchor, message = fake.messages_in("C0SALES")
            assert message.thread_ts == anchor.ts and "Hi Ana," in message.all_text
        finally:
            stop.set()
            await server


def test_socket_mode_without_an_app_token_says_what_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(_env_file=None, slack_bot_token="xoxb-x")
    assert run_socket_mode(settings) == 2
    assert "SLACK_APP_TOKEN" in capsys.readouterr().err
