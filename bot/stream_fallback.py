"""Stream a draft where the workspace allows it; today's edited progress message where it does not.

`DraftProgress` is the progress sink bot/drafting.py drives. It tries a `StreamProgress` (task
timeline, bot/stream.py) and, when chat.startStream is refused, replays the events seen so far into
a `ProgressMessage` (bot/progress.py) and carries on there — so the rep always sees progress and
the draft. A refusal that says something about the workspace or the app (an unknown method on an
older Grid policy or GovSlack, a missing scope, a token type, an enterprise restriction) is
remembered for the workspace in the store for `REMEMBER_S`, or until the app is installed there
again, so its next drafts go straight to the edited message; a passing fault (rate limit after
the SDK's retries, Slack unavailable, a broken connection, an argument Slack refused) falls back
for this draft only. Errors that mean "the bot cannot post here at all"
are raised, as the edited message would fail the same way.

Streams are thread replies (Slack: "Streamed messages should always be replies to a user
request"): a draft asked for at the top of a channel first posts a one-line anchor message and
streams in its thread; if the stream is then refused, the anchor itself becomes the progress
message, exactly as before.
"""

from __future__ import annotations

import logging
from typing import Literal

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot import agent_messages as words
from bot.editor import Blocks
from bot.metrics import SLACK_STREAM_FALLBACKS
from bot.progress import ProgressMessage
from bot.ratelimit import TeamBudget
from bot.stream import StreamProgress
from engine import keys
from engine.cache.store import Store
from engine.models import DraftRequest, Result, StepEvent

__all__ = ["CANNOT_POST", "REMEMBER_S", "DraftProgress", "StreamPolicy"]

log = logging.getLogger(__name__)
REMEMBER_S = 24 * 3600  # an admin who grants the scope or changes the policy gets streams back within a day
# Errors meaning the bot cannot post in this conversation at all (the edited message fails too).
CANNOT_POST = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action",
               "restricted_action_read_only_channel", "restricted_action_thread_locked", "ekm_access_denied"}
# Faults of the moment, or of this one request: fall back for this draft, try streaming next time.
_PASSING = {"ratelimited", "rate_limited", "service_unavailable", "fatal_error", "request_timeout",
            "internal_error", "connection", "missing_recipient_team_id", "missing_recipient_user_id",
            "invalid_arguments", "invalid_chunks", "msg_too_long"}
Delivery = Literal["stream", "message"]


class StreamPolicy:
    """Which workspaces refused streaming, and why (store key `slack-stream-off:<team>`)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def refused(self, team_id: str) -> str | None:
        """The error a workspace's last refusal gave, or None when streaming is worth trying."""
        return await self.store.get(f"{keys.SLACK_STREAM_OFF}{team_id}")

    async def remember(self, team_id: str, error: str) -> None:
        """This workspace refused streaming: use the edited message there for a while."""
        await self.store.set(f"{keys.SLACK_STREAM_OFF}{team_id}", error, ttl=REMEMBER_S)

    async def forget(self, team_id: str) -> None:
        """Try streaming in this workspace again (the app was reinstalled)."""
        await self.store.delete(f"{keys.SLACK_STREAM_OFF}{team_id}")


class DraftProgress:
    """The progress of one draft version: a stream when possible, else the edited message."""

    def __init__(self, client: AsyncWebClient, *, policy: StreamPolicy, team_id: str, channel: str,
                 request: DraftRequest, header: str, user_id: str | None, stream: bool,
                 thread_ts: str | None = None, ts: str | None = None, earlier: list[int] | None = None,
                 draft_id: str | None = None, min_interval_s: float = 1.0, budget: TeamBudget | None = None,
                 recipient_team_id: str | None = None) -> None:
        self.client = client
        self.policy = policy
        self.team_id = team_id  # the tenant key the workspace's memory is kept under
        self.recipient_team_id = recipient_team_id or team_id  # the Slack team of the rep streamed to
        self.budget = budget
        self.channel = channel
        self.thread_ts = thread_ts
        self.user_id = user_id
        self.request = request
        self.header = header
        self.earlier = earlier
        self.draft_id = draft_id
        self.min_interval_s = min_interval_s
        self.anchor_ts: str | None = None
        self.fallback_error: str | None = None  # why a stream was refused, when it was
        self._existing_ts = ts
        self._events: list[StepEvent] = []
        self._extra_calls = 0
        self._stream: StreamProgress | None = None
        self._message: ProgressMessage | None = None
        # A channel stream needs its recipient (Slack: "Required when streaming to channels").
        stream = stream and bool(user_id or channel.startswith("D"))
        if stream and not ts:
            self._stream = self._new_stream(thread_ts) if thread_ts else None
            self._want_anchor = thread_ts is None
        else:
            self._want_anchor = False
            self._message = self._new_message(ts=ts, thread_ts=thread_ts)

    @property
    def delivery(self) -> Delivery:
        return "message" if self._message is not None else "stream"

    @property
    def ts(self) -> str | None:
        """The ts of the message that ends as the draft."""
        if self._message is not None:
            return self._message.ts
        return self._stream.ts if self._stream is not None else None

    @property
    def calls(self) -> int:
        return self._extra_calls + sum(sink.calls for sink in (self._stream, self._message) if sink is not None)

    @property
    def edits(self) -> int:
        return self._message.edits if self._message is not None else 0

    def _new_stream(self, thread_ts: str) -> StreamProgress:
        return StreamProgress(self.client, channel=self.channel, thread_ts=thread_ts, request=self.request,
                              recipient_team_id=self.recipient_team_id, recipient_user_id=self.user_id,
                              draft_id=self.draft_id, interval_s=self.min_interval_s)

    def _new_message(self, *, ts: str | None, thread_ts: str | None) -> ProgressMessage:
        return ProgressMessage(self.client, channel=self.channel, thread_ts=thread_ts, ts=ts, header=self.header,
                               earlier=self.earlier, min_interval_s=self.min_interval_s, budget=self.budget)

    async def open(self) -> str:
        """Open the stream (posting its anchor first when needed), or the message; returns the draft's ts."""
        if self._want_anchor:
            if self.budget is not None:
                await self.budget.post(self.channel)
            anchor = await self.client.chat_postMessage(
                channel=self.channel, text=words.anchor_text(self.user_id), unfurl_links=False,
                unfurl_media=False)
            self._extra_calls += 1
            self.anchor_ts = str(anchor["ts"])
            self.channel = str(anchor.get("channel") or self.channel)
            self.thread_ts = self.anchor_ts
            self._stream = self._new_stream(self.anchor_ts)
        if self._message is None and self._stream is not None:
            for event in self._events:
                self._stream.on_event(event)
            try:
                return await self._stream.open()
            except SlackApiError as exc:
                error = str(exc.response.get("error") or "")
                if error in CANNOT_POST:
                    self._stream.abandon()
                    raise
                await self._fall_back(error)
            except (OSError, TimeoutError, aiohttp.ClientError, SlackClientError) as exc:
                # The connection broke, or the SDK gave up: this draft only.
                log.warning("chat.startStream did not answer: %r", exc)
                await self._fall_back("connection")
        assert self._message is not None
        if self.anchor_ts is not None:
            # Editing the anchor now could meet a busy workspace's 429s before any draft exists; the
            # throttled edits (skippable) and the final one (guaranteed) take it over instead.
            return self._message.adopt(self.anchor_ts)
        return await self._message.open()

    async def _fall_back(self, error: str) -> None:
        assert self._stream is not None
        self._stream.abandon()
        self.fallback_error = error or "unknown"
        remembered = error not in _PASSING
        SLACK_STREAM_FALLBACKS.labels(error=self.fallback_error, remembered=str(remembered).lower()).inc()
        if remembered:
            await self.policy.remember(self.team_id, self.fallback_error)
        log.warning("team %s: chat.startStream refused (%s); drafting with an edited message%s", self.team_id,
                    self.fallback_error, "" if error in _PASSING else " from now on")
        # The anchor, when there is one, becomes the progress message; else a reply in the thread.
        self._message = self._new_message(ts=self.anchor_ts, thread_ts=None if self.anchor_ts else self.thread_ts)
        for event in self._events:
            self._message.on_event(event)

    def on_event(self, event: StepEvent) -> None:
        """A step event, kept for a fall-back and handed to whichever sink is live."""
        self._events.append(event)
        sink = self._message or self._stream
        if sink is not None:
            sink.on_event(event)

    def abandon(self) -> None:
        """The draft cannot be shown: stop whatever is scheduled."""
        for sink in (self._stream, self._message):
            if sink is not None:
                sink.abandon()

    async def finish(self, *, blocks: Blocks, text: str, result: Result | None = None) -> str:
        """The draft (or the error) replaces the progress: chat.stopStream, or the final chat.update.

        Returns the ts of the message the outcome ended up in (the edited path may post it fresh)."""
        if self._message is not None:
            return await self._message.finish(blocks=blocks, text=text)
        assert self._stream is not None
        try:
            await self._stream.finish(blocks=blocks, text=text, result=result)
        except SlackApiError as exc:
            # A stream Slack already closed (expired server-side): the message is ordinary now, so the
            # draft still lands with one chat.update (slack_sdk: "Can be used with chat.update as a
            # fallback if the stream expires server-side").
            if self._stream.ts is None:
                raise
            log.warning("chat.stopStream failed (%s); showing the draft with chat.update",
                        exc.response.get("error"))
            await self._update(self._stream.ts, blocks=blocks, text=text)
        assert self._stream.ts is not None
        return self._stream.ts

    async def retire(self, ts: str, *, blocks: Blocks, text: str) -> None:
        """Replace an earlier reply of this draft (its buttons handed to the new one); never raises."""
        try:
            await self._update(ts, blocks=blocks, text=text)
        except SlackApiError:
            log.warning("could not retire the buttons of %s in %s", ts, self.channel, exc_info=True)

    async def _update(self, ts: str, *, blocks: Blocks, text: str) -> None:
        # chat.update draws on the workspace's Tier 3 budget like every other edit (bot/ratelimit.py).
        if self.budget is not None:
            await self.budget.update(final=True)
        await self.client.chat_update(channel=self.channel, ts=ts, blocks=blocks, text=text)
        self._extra_calls += 1
