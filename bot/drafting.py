"""One draft in Slack, start to finish: progress message, the engine's stream, the final draft, the record.

Shared by the /draft command, the shortcuts, the modal and the Regenerate button. The engine runs
while the progress message is being posted, so Slack's round trip does not add to the draft's time.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as msg
from bot.blocks import draft_blocks, draft_overflows, error_blocks, fallback_text
from bot.drafts import DraftRecord, DraftVersion
from bot.progress import ProgressMessage
from bot.runtime import SlackRuntime
from bot.tenancy import Tenant
from engine.errors import StoreUnavailable
from engine.models import (
    MAX_THREAD_CHARS,
    DraftRequest,
    Result,
    StepEvent,
    describe_validation_error,
    new_request_id,
)
from engine.text.thread import parse_messages

__all__ = ["Notify", "RequestProblem", "conversation_kind", "parse_thread_request", "regenerate_draft",
           "start_draft"]

log = logging.getLogger(__name__)
Notify = Callable[[str], Awaitable[None]]
Trigger = Literal["command", "modal", "shortcut", "mention"]
Where = Literal["channel", "im", "mpim"]
# Slack errors that mean "the bot cannot post here", as opposed to a fault on our side.
_CANNOT_POST = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action",
                "cant_update_message", "message_not_found"}
_MIN_WORDS = 6


@dataclass(frozen=True)
class RequestProblem:
    """Why a pasted thread cannot be drafted: a plain-language message and the field at fault."""

    message: str
    field: str = "conversation_thread"


def parse_thread_request(thread: str, **fields: str | None) -> DraftRequest | RequestProblem:
    """A DraftRequest for a pasted thread, or the plain-language reason it cannot be drafted."""
    thread = thread.strip()
    if len(thread) > MAX_THREAD_CHARS:
        return RequestProblem(msg.thread_too_long(len(thread), MAX_THREAD_CHARS))
    if not _looks_like_thread(thread):
        return RequestProblem(msg.NOT_A_THREAD)
    try:
        return DraftRequest.model_validate({"conversation_thread": thread,
                                            **{k: v for k, v in fields.items() if v}})
    except ValidationError as exc:
        first = exc.errors()[0]["loc"]
        return RequestProblem(msg.invalid_request(describe_validation_error(exc)),
                              field=str(first[0]) if first else "conversation_thread")


def conversation_kind(payload: dict[str, Any]) -> Where:
    """Whether a command or shortcut came from a channel, a DM or a group DM (they differ in what
    the bot may do there: it can be invited to a channel, never to other people's DMs)."""
    channel = payload.get("channel") if isinstance(payload.get("channel"), dict) else {}
    channel_id = str(payload.get("channel_id") or (channel or {}).get("id") or "")
    name = str(payload.get("channel_name") or (channel or {}).get("name") or "")
    if channel_id.startswith("D") or name == "directmessage":
        return "im"
    if name.startswith("mpdm-"):
        return "mpim"
    return "channel"


def _looks_like_thread(text: str) -> bool:
    if not text:
        return False
    if any(message.speaker for message in parse_messages(text)):
        return True
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) >= 2 or len(re.findall(r"\w+", text)) >= _MIN_WORDS


async def start_draft(
    runtime: SlackRuntime, client: AsyncWebClient, *, tenant: Tenant, channel_id: str,
    user_id: str | None, request: DraftRequest, trigger: Trigger, notify: Notify,
    thread_ts: str | None = None, where: Where = "channel",
) -> DraftRecord:
    """Post progress in the channel (or thread), run the workflow and end with the draft.

    A draft Slack refused to post (the bot is not in that conversation) comes back without a
    `message_ts`; the user has been told, through `notify`, what works there."""
    record = DraftRecord(team_id=tenant.key, channel_id=channel_id, thread_ts=thread_ts, user_id=user_id,
                         trigger=trigger, request=request)
    await runtime.drafts.create(record)
    progress = ProgressMessage(client, channel=channel_id, thread_ts=thread_ts,
                               header=msg.progress_header(user_id),
                               min_interval_s=runtime.min_edit_interval_s,
                               budget=runtime.budget.for_team(tenant.key))
    await _run_version(runtime, record, progress, user_id=user_id, kind="drafted", use_cache=None,
                       notify=notify, where=where)
    return record


async def regenerate_draft(runtime: SlackRuntime, client: AsyncWebClient, record: DraftRecord, *,
                           user_id: str, notify: Notify) -> None:
    """Write a new version in place, bypassing cached replies; earlier versions are kept."""
    numbers = [v.number for v in record.versions]
    progress = ProgressMessage(client, channel=record.channel_id, ts=record.message_ts, thread_ts=record.thread_ts,
                               header=msg.progress_header(user_id, version=len(numbers) + 1),
                               earlier=numbers, min_interval_s=runtime.min_edit_interval_s,
                               budget=runtime.budget.for_team(record.team_id))
    await _run_version(runtime, record, progress, user_id=user_id, kind="regenerated", use_cache=False,
                       notify=notify)


async def _run_version(
    runtime: SlackRuntime, record: DraftRecord, progress: ProgressMessage, *, user_id: str | None,
    kind: Literal["drafted", "regenerated"], use_cache: bool | None, notify: Notify,
    where: Where = "channel",
) -> None:
    async def consume() -> Result:
        async for item in runtime.engine.stream(record.request, scope=f"team:{record.team_id}",
                                                use_cache=use_cache):
            if isinstance(item, StepEvent):
                progress.on_event(item)
            else:
                return item
        raise AssertionError("workflow ended without a result")  # pragma: no cover

    await runtime.yield_to_acks()
    engine_task = asyncio.create_task(consume(), name=f"draft-{record.draft_id}")
    try:
        await progress.open()
    except SlackApiError as exc:
        progress.abandon()
        engine_task.cancel()
        await asyncio.gather(engine_task, return_exceptions=True)
        await _cannot_post(runtime, record, exc, notify, where=where)
        return
    if record.message_ts is None:
        record.message_ts = progress.ts
        record.channel_id = progress.channel
        await runtime.drafts.save(record)
    try:
        result = await engine_task
    except Exception as exc:  # whatever broke, the user gets words, never a stack trace
        await _failed(runtime, record, progress, exc, notify)
        return
    async with runtime.drafts.lock(record.team_id, record.draft_id):
        fresh = await runtime.drafts.load(record.team_id, record.draft_id) or record
        approved_meanwhile = fresh.status == "approved"
        if not approved_meanwhile:  # an Approve pressed while this version was written stands
            fresh.versions.append(DraftVersion.from_result(result, number=len(fresh.versions) + 1,
                                                           user_id=user_id, kind=kind))
            fresh.status = "ready"
            fresh.error = None
        fresh.message_ts, fresh.channel_id = record.message_ts, record.channel_id
        await runtime.drafts.save(fresh)  # before Slack shows the buttons, so a click finds it
    if approved_meanwhile:
        await notify(msg.approved_while_regenerating(fresh.approved_version or 1))
    try:
        shown_in = await progress.finish(blocks=draft_blocks(fresh), text=fallback_text(fresh))
    except SlackApiError:
        log.warning("could not show draft %s in %s", fresh.draft_id, fresh.channel_id, exc_info=True)
    else:
        if shown_in != fresh.message_ts:  # posted fresh: its buttons, digests and Approve point there now
            await _moved(runtime, fresh, shown_in)
    if draft_overflows(fresh):
        await _attach_full_text(progress, fresh, notify)


async def _moved(runtime: SlackRuntime, record: DraftRecord, ts: str) -> None:
    async with runtime.drafts.lock(record.team_id, record.draft_id):
        latest = await runtime.drafts.load(record.team_id, record.draft_id) or record
        latest.message_ts = record.message_ts = ts
        await runtime.drafts.save(latest)


async def _attach_full_text(progress: ProgressMessage, record: DraftRecord, notify: Notify) -> None:
    """The message shows the draft's beginning; the whole text goes into the thread as a snippet file."""
    version = record.current
    assert version is not None
    try:
        await progress.client.files_upload_v2(
            channel=record.channel_id, thread_ts=record.thread_ts or record.message_ts,
            content=version.text, filename=f"draft-{record.draft_id[:8]}-v{version.number}.md",
            title=msg.draft_file_title(version.number), initial_comment=msg.DRAFT_FILE_COMMENT)
    except SlackApiError as exc:
        log.warning("draft %s: full-text upload failed: %s", record.draft_id, exc.response.get("error"))
        await notify(msg.draft_file_failed(str(exc.response.get("error"))))


async def _cannot_post(runtime: SlackRuntime, record: DraftRecord, exc: SlackApiError,
                       notify: Notify, *, where: Where) -> None:
    error = str(exc.response.get("error", ""))
    if error in _CANNOT_POST:
        text = msg.cannot_post_here(where)
    else:
        reference = new_request_id()[:8]
        log.error("Slack refused a progress message (ref %s): %s", reference, error)
        text = msg.unexpected_error(reference)
    if not record.versions:
        record.status, record.error = "failed", text
        await runtime.drafts.save(record)
    await notify(text)


async def _failed(runtime: SlackRuntime, record: DraftRecord, progress: ProgressMessage,
                  exc: Exception, notify: Notify) -> None:
    if isinstance(exc, StoreUnavailable):
        text = msg.STORE_DOWN
        log.error("draft %s: %s", record.draft_id, exc)
    else:
        reference = new_request_id()[:8]
        log.exception("draft %s failed (ref %s)", record.draft_id, reference, exc_info=exc)
        text = msg.unexpected_error(reference)
    if record.versions:
        # A failed regeneration: put the last good version back and say why privately.
        record.error = None
        blocks, fallback = draft_blocks(record), fallback_text(record)
        await notify(text)
    else:
        record.status, record.error = "failed", text
        blocks, fallback = error_blocks(f"{msg.DRAFT_FAILED} {text}"), text
    try:
        await runtime.drafts.save(record)
    except StoreUnavailable:
        log.error("draft %s: could not save its failure", record.draft_id)
    try:
        await progress.finish(blocks=blocks, text=fallback)
    except SlackApiError:
        log.warning("could not show the failure of draft %s", record.draft_id, exc_info=True)
