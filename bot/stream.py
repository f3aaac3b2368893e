"""A draft's progress as Slack's own task timeline: StepEvents become `task_update` chunks of one stream.

Slack streams a message with chat.startStream / chat.appendStream / chat.stopStream (slack_sdk's
`AsyncChatStream`, made by `AsyncWebClient.chat_stream`). Each of our three steps is one task: it
opens `pending`, turns `in_progress` when the step starts and ends `complete` (or `error`) with
details saying where its result came from and how long it took; the profile task lists the
company website it read as a source. The stream stops with the draft and its buttons as blocks.

Cost per draft: chat.startStream (all three tasks pending), at most one chat.appendStream per
`interval_s` carrying whatever changed meanwhile (none once every step has ended: the stop carries
it), and chat.stopStream with every task's final state and the draft. appendStream is Tier 4 ("100+
per minute" per workspace), so appends are paced like the edits of bot/editor.py. No chat.update at all — the
Tier 3 method a busy workspace runs out of first; the stream methods are Tier 4.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.models.messages.chunk import TaskUpdateChunk
from slack_sdk.web.async_chat_stream import AsyncChatStream
from slack_sdk.web.async_client import AsyncWebClient

from bot import agent_messages as words
from bot.blocks import STEP_ORDER, draft_blocks
from bot.drafts import DraftRecord
from bot.editor import Blocks
from engine.models import DraftRequest, Result, StepEvent

__all__ = ["FEEDBACK_ACTION", "StreamProgress", "feedback_block", "superseded_blocks"]

log = logging.getLogger(__name__)
FEEDBACK_ACTION = "draft_feedback"
_MAX_BLOCKS = 50
# Task ids are ours; Slack only needs them stable within one stream.
_STATUS = {"started": "in_progress", "ok": "complete", "failed": "error", "skipped": "complete"}


def feedback_block(draft_id: str) -> dict[str, Any]:
    """Slack's thumbs up / down under a streamed draft (context_actions + feedback_buttons)."""
    return {"type": "context_actions", "block_id": "draft_feedback", "elements": [{
        "type": "feedback_buttons", "action_id": FEEDBACK_ACTION,
        "positive_button": {"text": {"type": "plain_text", "text": words.FEEDBACK_GOOD},
                            "value": f"good:{draft_id}", "accessibility_label": words.FEEDBACK_GOOD},
        "negative_button": {"text": {"type": "plain_text", "text": words.FEEDBACK_BAD},
                            "value": f"bad:{draft_id}", "accessibility_label": words.FEEDBACK_BAD},
    }]}


def superseded_blocks(record: DraftRecord) -> Blocks:
    """The version before the latest, as it was shown, without buttons and saying where the new one is."""
    earlier = record.model_copy(update={"versions": record.versions[:-1], "status": "ready"})
    blocks = [b for b in draft_blocks(earlier) if b.get("type") != "actions"]
    latest = record.current.number if record.current else len(record.versions)
    note = {"type": "context", "elements": [{"type": "mrkdwn", "text": words.superseded(latest)}]}
    return [*blocks[:_MAX_BLOCKS - 1], note]


class StreamProgress:
    """One streamed reply in a thread showing a run's three steps as tasks, then the draft."""

    def __init__(self, client: AsyncWebClient, *, channel: str, thread_ts: str, request: DraftRequest,
                 recipient_team_id: str | None = None, recipient_user_id: str | None = None,
                 draft_id: str | None = None, interval_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.channel = channel
        self.thread_ts = thread_ts
        self.recipient_team_id = recipient_team_id
        self.recipient_user_id = recipient_user_id
        self.draft_id = draft_id
        self.interval_s = interval_s
        self._clock = clock
        self._last_write = 0.0
        self._writing = False
        self.calls = 0  # Web API calls made for this stream
        self.edits = 0  # chat.update calls among them: none, by construction
        self._website = request.prospect_company_website
        self._tasks: dict[str, TaskUpdateChunk] = {name: self._task(name, "pending") for name in STEP_ORDER}
        self._dirty: list[str] = []
        self._stream: AsyncChatStream | None = None
        self._opened = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._finished = False

    @property
    def ts(self) -> str | None:
        return self._stream.ts if self._stream is not None else None

    def _task(self, name: str, status: str, *, details: str | None = None,
              sources: list[dict[str, str]] | None = None) -> TaskUpdateChunk:
        return TaskUpdateChunk(id=name, title=words.task_title(name), status=status, details=details,
                               sources=sources)

    async def open(self) -> str:
        """chat.startStream with every task pending; returns the stream's ts (raises SlackApiError)."""
        self._stream = await self.client.chat_stream(
            channel=self.channel, thread_ts=self.thread_ts, recipient_team_id=self.recipient_team_id,
            recipient_user_id=self.recipient_user_id, task_display_mode="timeline",
        )
        # Events that arrived while the stream was being started are in the opening chunks already.
        self._dirty.clear()
        await self._stream.append(chunks=list(self._tasks.values()))
        self.calls += 1
        assert self._stream.ts is not None, "chat.startStream answered without a ts"
        self._last_write = self._clock()
        self._opened.set()
        return self._stream.ts

    def on_event(self, event: StepEvent) -> None:
        """A step started or finished: its task changes; an append is scheduled (coalesced)."""
        self._tasks[event.name] = self._from_event(event)
        if event.name not in self._dirty:
            self._dirty.append(event.name)
        if self._writer is None and not self._finished:
            self._writer = asyncio.create_task(self._write(), name=f"stream-{self.channel}")

    def _from_event(self, event: StepEvent, result: Result | None = None) -> TaskUpdateChunk:
        status = _STATUS[event.status]
        details = None
        if event.status == "skipped":
            details = "skipped"
        elif event.status != "started":
            details = words.task_details(source=event.source, similarity=event.similarity,
                                         elapsed_ms=event.elapsed_ms, error=event.error)
        sources = None
        if event.name == "profile" and event.status == "ok" and self._website and _fetched(result):
            sources = [{"type": "url", "text": words.WEBSITE_SOURCE, "url": self._website}]
        return self._task(event.name, status, details=details, sources=sources)

    async def _write(self) -> None:
        try:
            await self._opened.wait()
            while self._dirty and not self._finished:
                delay = self._last_write + self.interval_s - self._clock()
                if delay > 0:
                    await asyncio.sleep(delay)  # finish() cancels this wait: stop carries the state
                    continue
                if all(task.status in ("complete", "error") for task in self._tasks.values()):
                    return  # the run is over: chat.stopStream carries these with the draft
                names, self._dirty = self._dirty, []
                assert self._stream is not None
                self._writing = True
                try:
                    await self._stream.append(chunks=[self._tasks[name] for name in names])
                    self.calls += 1
                except Exception:  # a lost progress append must not sink the draft; stop carries all
                    log.warning("stream append failed (%s/%s)", self.channel, self.ts, exc_info=True)
                finally:
                    self._writing = False
                    self._last_write = self._clock()
        finally:
            self._writer = None

    def abandon(self) -> None:
        """No more appends: the stream could not be started."""
        self._finished = True
        if self._writer is not None:
            self._writer.cancel()

    async def finish(self, *, blocks: Blocks, text: str, result: Result | None = None) -> None:
        """chat.stopStream with every task's final state and the draft's blocks (raises SlackApiError)."""
        self._finished = True
        writer = self._writer
        if writer is not None:
            if not self._writing:
                writer.cancel()  # a waiting append is superseded by the stop
            await asyncio.gather(writer, return_exceptions=True)  # one in flight lands first
        if result is not None:
            by_name = {step.name: step for step in result.steps}
            for name, step in by_name.items():
                event = StepEvent(request_id=result.request_id, name=step.name, status=step.status,
                                  source=step.source, elapsed_ms=step.elapsed_ms,
                                  similarity=step.similarity, error=step.error)
                self._tasks[name] = self._from_event(event, result)
        final = list(blocks)
        if self.draft_id and result is not None and len(final) < _MAX_BLOCKS:
            final.append(feedback_block(self.draft_id))
        assert self._stream is not None, "finish() before open()"
        await self._stream.stop(chunks=list(self._tasks.values()), blocks=final)
        self.calls += 1


def _fetched(result: Result | None) -> bool:
    """The company website was read (a profile built from it), as far as we know yet."""
    if result is None:
        return True  # said while streaming; the final state checks against the profile
    profile = result.profile
    return profile is not None and bool(profile.website_title or profile.website_summary
                                        or profile.website_description)
