"""Only Slack can reach /slack/events: bad signatures and stale timestamps get 401."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlencode

from tests.slack_helpers import slack_harness

BODY = urlencode({"command": "/draft", "text": "help", "team_id": "T0TEST", "user_id": "U0REP",
                  "channel_id": "C0SALES", "trigger_id": "1.2.3", "response_url": "http://127.0.0.1:9/r"})


async def test_a_correctly_signed_request_is_answered(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        response = await slack.post(BODY)
        assert response.status == 200
        assert "/draft" in (await response.json())["text"]


async def test_a_wrong_secret_gets_401(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        response = await slack.post(BODY, secret="not-the-signing-secret")
        assert response.status == 401
        assert not slack.fake.calls


async def test_an_unsigned_request_gets_401(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        assert (await slack.post(BODY, signed=False)).status == 401


async def test_a_tampered_body_gets_401(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        from tests.slack_helpers import sign

        headers = sign(BODY)
        response = await slack.post(BODY.replace("help", "stats"), signed=False, headers=headers)
        assert response.status == 401


async def test_a_stale_timestamp_gets_401(data_dir: Path) -> None:
    async with slack_harness(data_dir) as slack:
        # Correctly signed, but ten minutes old: a replayed request.
        response = await slack.post(BODY, timestamp=int(time.time()) - 600)
        assert response.status == 401


async def test_the_rest_api_keys_do_not_guard_slack(data_dir: Path) -> None:
    async with slack_harness(data_dir, api_keys="k1") as slack:
        assert (await slack.post(BODY)).status == 200
        assert (await slack.post(BODY, signed=False)).status == 401
