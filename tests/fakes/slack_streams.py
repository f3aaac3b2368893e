"""Slack's streaming and agent-thread methods for the fake Web API, with the rules Slack documents.

Mixed into tests/fakes/slack_server.py's `FakeSlack` (`SlackStreams`: its `_m_<method>` answer these
methods; the state lives in `fake.streaming`, a `StreamMethods`). Each rule cites its page:

- chat.startStream  https://docs.slack.dev/reference/methods/chat.startStream
- chat.appendStream https://docs.slack.dev/reference/methods/chat.appendStream
- chat.stopStream   https://docs.slack.dev/reference/methods/chat.stopStream
- chunk shapes      https://docs.slack.dev/messaging/sending-and-scheduling-messages#text-streaming
  (and slack_sdk.models.messages.chunk, whose classes the fake parses chunks with)
- assistant.threads.setStatus / setSuggestedPrompts / setTitle
  https://docs.slack.dev/reference/methods/assistant.threads.setStatus (…setSuggestedPrompts, …setTitle)
- error names: the methods' error tables (mirrored in slack-ruby/slack-api-ref methods/chat/*.json)

A stopped stream becomes an ordinary message of the fake (so chat.update of it works, as for any
message); while it streams, `streams[(channel, ts)]` holds every chunk it was sent. A stream goes
where chat.postMessage may post (the fake's membership rules; startStream lists `not_in_channel`).
`refuse_streaming(error)` makes every chat.startStream fail the way a workspace that does not
allow streaming answers (`missing_scope`, `enterprise_is_restricted`, `unknown_method`, ...).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from slack_sdk.models.messages.chunk import Chunk, TaskUpdateChunk

from tests.fakes.block_kit import validate_blocks
from tests.fakes.slack_records import SlackMessage

__all__ = ["METHODS", "FakeStream", "SlackStreams", "StreamMethods"]

# startStream / appendStream / stopStream: "Limit this field to 12,000 characters."
MAX_MARKDOWN = 12_000
# task_update chunk: "status": "pending" | "in_progress" | "complete" | "error"
TASK_STATUSES = {"pending", "in_progress", "complete", "error"}
# startStream: task_display_mode "Acceptable values: timeline plan"
DISPLAY_MODES = {"timeline", "plan"}
# setSuggestedPrompts: "Use this method to set up to four suggested prompts in an app thread."
MAX_PROMPTS = 4
METHODS = ("chat.startStream", "chat.appendStream", "chat.stopStream", "assistant.threads.setStatus",
           "assistant.threads.setSuggestedPrompts", "assistant.threads.setTitle")

Body = dict[str, Any]


@dataclass
class FakeStream:
    """One streamed message: where it is, who it streams to, every chunk, and whether it stopped."""

    channel: str
    ts: str
    thread_ts: str
    recipient_team_id: str | None
    recipient_user_id: str | None
    chunks: list[dict[str, Any]] = field(default_factory=list)
    markdown: str = ""
    stopped: bool = False
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def tasks(self) -> dict[str, list[dict[str, Any]]]:
        """Every task_update chunk, by task id, in the order they arrived."""
        found: dict[str, list[dict[str, Any]]] = {}
        for chunk in self.chunks:
            if chunk.get("type") == "task_update":
                found.setdefault(str(chunk["id"]), []).append(chunk)
        return found

    def final_status(self) -> dict[str, str]:
        """Each task's last status."""
        return {task: updates[-1]["status"] for task, updates in self.tasks().items()}


class StreamMethods:
    """The streaming and assistant-thread methods, over the fake's messages and posting rules."""

    def __init__(self, *, next_ts: Callable[[], str], messages: dict[tuple[str, str], SlackMessage],
                 post_error: Callable[[str], str | None]) -> None:
        self._next_ts = next_ts
        self._messages = messages
        self._post_error = post_error
        self.streams: dict[tuple[str, str], FakeStream] = {}
        self.statuses: list[Body] = []  # assistant.threads.setStatus calls, in order
        self.prompts: list[Body] = []  # assistant.threads.setSuggestedPrompts calls
        self.titles: list[Body] = []
        self.refusal: str | None = None

    def refuse_streaming(self, error: str | None) -> None:
        """Every chat.startStream answers `{"ok": false, "error": error}` (None: streaming works)."""
        self.refusal = error

    def handle(self, method: str, args: Body) -> Body:
        """Answer one call of a method in METHODS."""
        name = "_m_" + method.replace(".", "_")
        handler: Callable[[Body], Body] = getattr(self, name)
        return handler(args)

    # ---- chat.*Stream ----------------------------------------------------------------------

    def _m_chat_startStream(self, args: Body) -> Body:
        if self.refusal:
            return _error(self.refusal)
        channel = str(args.get("channel") or "")
        if not channel:
            return _error("channel_not_found")
        cannot = self._post_error(channel)  # not_in_channel, channel_not_found, ... as for chat.postMessage
        if cannot:
            return _error(cannot)
        thread_ts = args.get("thread_ts")
        if not thread_ts:
            # startStream: thread_ts — "Streamed messages should always be replies to a user request."
            # (listed under Required arguments; slack_sdk's chat_stream takes it as required too)
            return _error("invalid_arguments", "thread_ts is required: a stream is a reply in a thread")
        is_dm = channel.startswith("D")
        team, user = args.get("recipient_team_id"), args.get("recipient_user_id")
        # startStream: recipient_team_id / recipient_user_id — "Required when streaming to channels."
        if not is_dm and not team:
            return _error("missing_recipient_team_id")
        if not is_dm and not user:
            return _error("missing_recipient_user_id")
        mode = args.get("task_display_mode")
        if mode is not None and mode not in DISPLAY_MODES:
            return _error("invalid_arguments", f"task_display_mode must be one of {sorted(DISPLAY_MODES)}")
        problem = _check_text_and_chunks(args, required=False)
        if problem:
            return problem
        ts = self._next_ts()
        stream = FakeStream(channel=channel, ts=ts, thread_ts=str(thread_ts),
                            recipient_team_id=team, recipient_user_id=user)
        _take(stream, args)
        self.streams[(channel, ts)] = stream
        return {"ok": True, "channel": channel, "ts": ts}

    def _streaming(self, args: Body) -> FakeStream | Body:
        key = (str(args.get("channel") or ""), str(args.get("ts") or ""))
        stream = self.streams.get(key)
        if stream is None:
            return _error("message_not_found")  # appendStream/stopStream: "The message was not found."
        if stream.stopped:
            # appendStream/stopStream: message_not_in_streaming_state — "The message is not in a
            # streaming state." A stopped stream takes no more appends and no second stop.
            return _error("message_not_in_streaming_state")
        return stream

    def _m_chat_appendStream(self, args: Body) -> Body:
        stream = self._streaming(args)
        if not isinstance(stream, FakeStream):
            return stream
        # appendStream lists markdown_text as required, yet slack_sdk's AsyncChatStream (the helper the
        # page points to) sends chunks alone: one of the two must carry something to append.
        problem = _check_text_and_chunks(args, required=True)
        if problem:
            return problem
        _take(stream, args)
        return {"ok": True, "channel": stream.channel, "ts": stream.ts}

    def _m_chat_stopStream(self, args: Body) -> Body:
        stream = self._streaming(args)
        if not isinstance(stream, FakeStream):
            return stream
        problem = _check_text_and_chunks(args, required=False)
        if problem:
            return problem
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if blocks is not None:
            # stopStream: blocks — "A list of blocks that will be rendered at the bottom of the
            # finalized message"; invalid_blocks is in its error table.
            problem_text = validate_blocks(blocks)
            if problem_text:
                return {"ok": False, "error": "invalid_blocks", "detail": problem_text}
            stream.blocks = list(blocks)
        _take(stream, args)
        stream.stopped = True
        message = SlackMessage(channel=stream.channel, ts=stream.ts, text=stream.markdown, blocks=stream.blocks,
                               thread_ts=stream.thread_ts)
        message.history.append({"text": message.text, "blocks": message.blocks})
        self._messages[(stream.channel, stream.ts)] = message
        return {"ok": True, "channel": stream.channel, "ts": stream.ts,
                "message": {"type": "message", "subtype": "bot_message", "ts": stream.ts,
                            "text": stream.markdown}}

    # ---- assistant.threads.* ---------------------------------------------------------------

    def _m_assistant_threads_setStatus(self, args: Body) -> Body:
        # setStatus: channel_id, thread_ts and status are required arguments.
        missing = [k for k in ("channel_id", "thread_ts") if not args.get(k)]
        if missing or "status" not in args:
            return _error("invalid_arguments", f"missing {missing or ['status']}")
        self.statuses.append(dict(args))
        return {"ok": True}

    def _m_assistant_threads_setSuggestedPrompts(self, args: Body) -> Body:
        # setSuggestedPrompts: channel_id and prompts are required; "up to four suggested prompts";
        # "Each prompt in the list should have a title and message attribute defined."
        prompts = args.get("prompts")
        if isinstance(prompts, str):
            prompts = json.loads(prompts)
        if not args.get("channel_id") or not isinstance(prompts, list) or not prompts:
            return _error("invalid_arguments", "channel_id and prompts are required")
        if len(prompts) > MAX_PROMPTS:
            return _error("invalid_arguments", f"at most {MAX_PROMPTS} prompts")
        if not all(isinstance(p, dict) and p.get("title") and p.get("message") for p in prompts):
            return _error("invalid_arguments", "every prompt needs a title and a message")
        self.prompts.append({**args, "prompts": prompts})
        return {"ok": True}

    def _m_assistant_threads_setTitle(self, args: Body) -> Body:
        if not all(args.get(k) for k in ("channel_id", "thread_ts", "title")):
            return _error("invalid_arguments", "channel_id, thread_ts and title are required")
        self.titles.append(dict(args))
        return {"ok": True}


class SlackStreams:
    """The streaming half of FakeSlack (mixed in): each method's `_m_` answer, state in `streaming`."""

    messages: dict[tuple[str, str], SlackMessage]

    def _next_ts(self) -> str:
        raise NotImplementedError

    def _cannot_post(self, args: Body) -> Body | None:
        raise NotImplementedError

    @cached_property
    def streaming(self) -> StreamMethods:
        return StreamMethods(next_ts=self._next_ts, messages=self.messages,
                             post_error=lambda channel: (self._cannot_post({"channel": channel}) or {}).get("error"))

    def _m_chat_startStream(self, args: Body) -> Body:
        return self.streaming.handle("chat.startStream", args)

    def _m_chat_appendStream(self, args: Body) -> Body:
        return self.streaming.handle("chat.appendStream", args)

    def _m_chat_stopStream(self, args: Body) -> Body:
        return self.streaming.handle("chat.stopStream", args)

    def _m_assistant_threads_setStatus(self, args: Body) -> Body:
        return self.streaming.handle("assistant.threads.setStatus", args)

    def _m_assistant_threads_setSuggestedPrompts(self, args: Body) -> Body:
        return self.streaming.handle("assistant.threads.setSuggestedPrompts", args)

    def _m_assistant_threads_setTitle(self, args: Body) -> Body:
        return self.streaming.handle("assistant.threads.setTitle", args)


def _error(error: str, detail: str | None = None) -> Body:
    body: Body = {"ok": False, "error": error}
    if detail:
        body["detail"] = detail
    return body


def _chunks(args: Body) -> list[Any]:
    chunks = args.get("chunks")
    if isinstance(chunks, str):
        chunks = json.loads(chunks)
    return list(chunks or [])


def _check_text_and_chunks(args: Body, *, required: bool) -> Body | None:
    text = args.get("markdown_text")
    if text is not None and len(str(text)) > MAX_MARKDOWN:
        return _error("msg_too_long", f"markdown_text is limited to {MAX_MARKDOWN:,} characters")
    chunks = _chunks(args)
    if required and not text and not chunks:
        return _error("no_text")
    for index, raw in enumerate(chunks):
        if not isinstance(raw, dict):
            return _error("invalid_chunks", f"chunk {index} is not an object")
        try:
            parsed = Chunk.parse(raw)
        except TypeError as exc:  # a required field of the chunk type is missing
            return _error("invalid_chunks", f"chunk {index}: {exc}")
        if parsed is None:
            return _error("invalid_chunks", f"chunk {index} has an unknown type {raw.get('type')!r}")
        if isinstance(parsed, TaskUpdateChunk):
            if parsed.status not in TASK_STATUSES:
                return _error("invalid_chunks", f"chunk {index}: status must be one of {sorted(TASK_STATUSES)}")
            if not parsed.id or not parsed.title:
                return _error("invalid_chunks", f"chunk {index}: a task needs an id and a title")
            for source in parsed.sources or []:
                if not isinstance(source, dict) or source.get("type") != "url" or not source.get("url"):
                    return _error("invalid_chunks", f"chunk {index}: a source is {{type: url, text, url}}")
        if raw.get("type") == "markdown_text" and len(str(raw.get("text") or "")) > MAX_MARKDOWN:
            return _error("msg_too_long", f"chunk {index}: text is limited to {MAX_MARKDOWN:,} characters")
    return None


def _take(stream: FakeStream, args: Body) -> None:
    text = args.get("markdown_text")
    if text:
        stream.markdown += str(text)
    for chunk in _chunks(args):
        stream.chunks.append(chunk)
        if chunk.get("type") == "markdown_text":
            stream.markdown += str(chunk.get("text") or "")
