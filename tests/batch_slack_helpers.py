"""Sharing a CSV with the app through the fake Slack, and reading back what the app answered."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from engine.errors import FetchRefused
from engine.fetch import WebsiteInfo
from engine.models import Draft, DraftRequest, ProspectProfile, Source, ThreadAnalysis
from engine.protocols import ReplyBackend
from engine.steps.offline import OfflineProfile, OfflineReply
from engine.workflow import Engine
from tests.fakes.slack_server import FakeSlack, SlackMessage
from tests.slack_helpers import SlackHarness, offline_engine, slack_harness

__all__ = ["SHARE_TS", "GatedReply", "announce", "batch_engine", "batch_harness", "results_rows",
           "share_file", "thread_messages", "until"]

SHARE_TS = "1700000100.000100"


async def _no_network(url: str) -> WebsiteInfo:
    # The sample rows name .example websites: a test never resolves or fetches outside hosts.
    raise FetchRefused(f"tests do not fetch {url}")


def batch_engine(data_dir: Path, *, reply: ReplyBackend | None = None) -> Engine:
    """An offline engine on DATA_DIR's SQLite store that never fetches company websites."""
    return offline_engine(data_dir, profile=OfflineProfile(fetch=_no_network), reply=reply)


@asynccontextmanager
async def batch_harness(data_dir: Path, *, fake: FakeSlack | None = None,
                        reply: ReplyBackend | None = None,
                        **settings: Any) -> AsyncIterator[SlackHarness]:
    """slack_harness with `batch_engine`, closed afterwards; progress edits 50 ms apart."""
    engine = batch_engine(data_dir, reply=reply)
    try:
        async with slack_harness(data_dir, fake=fake, engine=engine, min_edit_interval_s=0.05,
                                 **settings) as slack:
            yield slack
    finally:
        await engine.store.close()


async def share_file(slack: SlackHarness, name: str, content: bytes, *, via: str = "file_shared",
                     channel: str | None = None, filetype: str = "csv",
                     ts: str = SHARE_TS, event_id: str | None = None) -> dict[str, Any]:
    """A user shares a file in `channel`; Slack tells the app with `via` (file_shared | message)."""
    channel = channel or slack.channel_id
    info = slack.fake.add_file(name, content, filetype=filetype, channel=channel, ts=ts)
    await announce(slack, info, via=via, channel=channel, ts=ts, event_id=event_id)
    return info


async def announce(slack: SlackHarness, info: dict[str, Any], *, via: str, channel: str,
                   ts: str = SHARE_TS, event_id: str | None = None,
                   retry_num: int | None = None) -> None:
    """Deliver one of the two events Slack sends for an upload."""
    if via == "file_shared":
        event: dict[str, Any] = {"type": "file_shared", "file_id": info["id"], "user_id": slack.user_id,
                                 "file": {"id": info["id"]}, "channel_id": channel,
                                 "event_ts": f"{time.time():.6f}"}
    else:
        event = {"type": "message", "subtype": "file_share", "text": "", "files": [info],
                 "user": slack.user_id, "channel": channel, "ts": ts, "event_ts": ts,
                 "channel_type": "im" if channel.startswith("D") else "channel"}
    response = await slack.event(event, event_id=event_id, retry_num=retry_num)
    assert response.status == 200


def thread_messages(slack: SlackHarness, channel: str | None = None,
                    ts: str = SHARE_TS) -> list[SlackMessage]:
    """The app's messages in the shared file's thread, oldest first."""
    return slack.fake.messages_in(channel or slack.channel_id, thread_ts=ts)


def results_rows(slack: SlackHarness) -> list[list[str]]:
    """Every results CSV the app uploaded, as rows (header first), concatenated."""
    rows: list[list[str]] = []
    for info in slack.fake.files.values():
        if str(info.get("title", "")).startswith("Drafts for"):
            rows += list(csv.reader(io.StringIO(info["_content"].decode("utf-8-sig"), newline="")))
    return rows


async def until(predicate: Callable[[], Any], *, within: float = 15.0) -> None:
    """Poll a sync or async predicate until it holds (TimeoutError after `within` s)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("condition not met in time")


class GatedReply:
    """The offline reply step, but calls after the first `free` wait until `gate` is set."""

    source: Source = "offline"

    def __init__(self, *, free: int) -> None:
        self.free = free
        self.calls = 0
        self.gate = asyncio.Event()
        self.inner = OfflineReply()

    async def draft(self, request: DraftRequest, *, profile: ProspectProfile | None,
                    analysis: ThreadAnalysis | None, snippets: Sequence[str] = ()) -> Draft:
        self.calls += 1
        if self.calls > self.free:
            await self.gate.wait()
        return await self.inner.draft(request, profile=profile, analysis=analysis, snippets=snippets)
