"""Drive the agent thread over signed Events API requests, as Slack sends them for the Messages tab.

    async with slack_harness(data_dir, slack_streaming=True) as slack:
        agent = AgentThread(slack)
        await agent.open()                       # assistant_thread_started
        await agent.say("Ana Ruiz: What does it cost?")   # message.im in the thread
        await slack.settle()
        stream = agent.streams()[-1]

Event shapes follow Slack's pages for `assistant_thread_started` and `message.im`
(https://docs.slack.dev/reference/events/assistant_thread_started,
https://docs.slack.dev/reference/events/message.im).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientResponse

from tests.fakes.slack_streams import FakeStream
from tests.slack_helpers import SlackHarness

__all__ = ["DM_CHANNEL", "AgentThread", "buttons_of"]

DM_CHANNEL = "D0REPDM"


def buttons_of(blocks: list[dict[str, Any]]) -> list[str]:
    """The action ids of every button and feedback element in some blocks."""
    return [element.get("action_id", "") for block in blocks if block.get("type") in ("actions", "context_actions")
            for element in block.get("elements", [])]


@dataclass
class AgentThread:
    """One agent thread in the rep's DM with the app."""

    slack: SlackHarness
    channel_id: str = DM_CHANNEL
    thread_ts: str = field(default_factory=lambda: f"{time.time():.6f}")

    async def open(self, *, context_channel: str = "C0SALES") -> ClientResponse:
        """The rep opens a new thread in the Messages tab."""
        return await self.slack.event({
            "type": "assistant_thread_started",
            "assistant_thread": {"user_id": self.slack.user_id, "channel_id": self.channel_id,
                                 "thread_ts": self.thread_ts,
                                 "context": {"channel_id": context_channel, "team_id": self.slack.team_id,
                                             "enterprise_id": None}},
            "event_ts": f"{time.time():.6f}",
        })

    async def say(self, text: str, *, files: list[dict[str, Any]] | None = None) -> ClientResponse:
        """The rep writes in the thread (or shares files there)."""
        event: dict[str, Any] = {"type": "message", "user": self.slack.user_id, "text": text,
                                 "ts": f"{time.time():.6f}", "thread_ts": self.thread_ts,
                                 "channel": self.channel_id, "channel_type": "im", "team": self.slack.team_id,
                                 "event_ts": f"{time.time():.6f}"}
        if files:
            event["subtype"] = "file_share"
            event["files"] = files
        return await self.slack.event(event)

    def streams(self) -> list[FakeStream]:
        """The streams the app started in this thread, oldest first."""
        return [s for (channel, _), s in sorted(self.slack.fake.streaming.streams.items(), key=lambda kv: kv[0][1])
                if channel == self.channel_id and s.thread_ts == self.thread_ts]

    def posted(self) -> list[str]:
        """Texts of the plain messages the app posted in this thread (greeting, notices)."""
        return [str(c.args.get("text")) for c in self.slack.fake.calls_to("chat.postMessage")
                if c.args.get("channel") == self.channel_id and c.args.get("thread_ts") == self.thread_ts]
