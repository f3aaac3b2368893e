"""The bot token goes only to Slack's file hosts; remote files get a way forward instead of a fetch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.batches.hosts import is_slack_file_url
from tests.batch_slack_helpers import SHARE_TS, announce, batch_harness, thread_messages, until
from tests.conftest import SAMPLES

BATCH = (SAMPLES / "batch.csv").read_bytes()
API = "https://slack.com/api/"


@asynccontextmanager
async def other_host(body: bytes, *, redirect_to: str | None = None) -> AsyncIterator[tuple[str, list[Any]]]:
    """A loopback server standing for Google Drive (another host): records each request's headers."""
    seen: list[dict[str, str]] = []

    async def serve(request: web.Request) -> web.StreamResponse:
        seen.append(dict(request.headers))
        if redirect_to:
            raise web.HTTPFound(redirect_to)
        return web.Response(body=body, content_type="text/csv")

    app = web.Application()
    app.router.add_get("/{tail:.*}", serve)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/export/leads.csv", seen
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(("url", "ok"), [
    ("https://files.slack.com/files-pri/T1-F1/leads.csv", True),
    ("https://files.slack-gov.com/files-pri/T1-F1/leads.csv", True),  # GovSlack
    ("https://slack.com/files-pri/T1-F1/leads.csv", True),
    ("http://files.slack.com/files-pri/T1-F1/leads.csv", False),  # never in the clear
    ("https://files.slack.com.evil.example/leads.csv", False),
    ("https://evilslack.com/leads.csv", False),
    ("https://docs.google.com/spreadsheets/d/1/export?format=csv", False),
    ("https://user:pw@files.slack.com/x.csv", False),
    ("ftp://files.slack.com/x.csv", False),
    ("https://files.slack.com:99999/x.csv", False),
])
def test_only_slack_hosts_over_https(url: str, ok: bool) -> None:
    assert is_slack_file_url(url, api_url=API) is ok


def test_the_api_host_itself_and_loopback_only_on_that_port() -> None:
    assert is_slack_file_url("https://slack.example.internal/files/F1/a.csv",
                             api_url="https://slack.example.internal/api/")
    fake = "http://127.0.0.1:4000/api/"
    assert is_slack_file_url("http://127.0.0.1:4000/files/F1/a.csv", api_url=fake)
    assert not is_slack_file_url("http://127.0.0.1:4001/files/F1/a.csv", api_url=fake)  # another host
    assert not is_slack_file_url("http://10.0.0.1/files/F1/a.csv", api_url="http://10.0.0.1/api/")


async def test_a_remote_file_is_never_fetched_with_the_token(data_dir: Path) -> None:
    async with batch_harness(data_dir) as slack, other_host(BATCH) as (url, seen):
        info = slack.fake.add_remote_file("leads.csv", url, channel=slack.channel_id, ts=SHARE_TS)
        await announce(slack, {"id": info["id"]}, via="file_shared", channel=slack.channel_id)
        await slack.settle()
        assert seen == []  # not fetched at all
        said = thread_messages(slack)
        assert len(said) == 1 and "Download it and share the file itself" in said[0].text
        assert not slack.fake.calls_to("files.getUploadURLExternal")


async def test_a_file_whose_link_leaves_slack_gets_no_token(data_dir: Path) -> None:
    """A Slack-hosted file whose url_private points elsewhere (not marked external) is refused too."""
    async with batch_harness(data_dir) as slack, other_host(BATCH) as (url, seen):
        info = slack.fake.add_file("leads.csv", BATCH, channel=slack.channel_id, ts=SHARE_TS)
        slack.fake.files[info["id"]]["url_private"] = url
        slack.fake.files[info["id"]]["url_private_download"] = url
        await announce(slack, {"id": info["id"]}, via="file_shared", channel=slack.channel_id)
        await slack.settle()
        assert seen == []
        assert "Download it and share the file itself" in thread_messages(slack)[0].text


async def test_a_redirect_off_slack_carries_no_token(data_dir: Path) -> None:
    async with batch_harness(data_dir) as slack, other_host(BATCH) as (url, seen):
        info = slack.fake.add_file("leads.csv", BATCH, channel=slack.channel_id, ts=SHARE_TS)
        slack.fake.redirect_downloads[info["id"]] = url
        await announce(slack, {"id": info["id"]}, via="file_shared", channel=slack.channel_id)
        await slack.settle()
        assert slack.fake.downloads[0]["authorization"] == f"Bearer {slack.fake.token}"  # Slack's host
        assert len(seen) == 1 and "Authorization" not in seen[0]  # the other host: no token
        await until(lambda: any("Batch summary" in m.text for m in thread_messages(slack)))
