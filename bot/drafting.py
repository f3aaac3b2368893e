"""One draft in Slack, start to finish: progress, the engine's stream, the final draft, the record.

Shared by the /draft command, the shortcuts, the modal, the agent thread and the Regenerate button.
Progress is a streamed task timeline to the rep where the workspace allows it, else the edited
progress message (bot/stream_fallback.py decides and remembers). The engine runs while the progress
is being opened, so Slack's round trip does not add to the draft's time.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from bot.runtime import SlackRuntime
from bot.stream import superseded_blocks
from bot.stream_fallback import DraftProgress
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
Trigger = Literal["command", "modal", "shortcut", "mention", "agent"]
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
    """Show progress to the rep (stream or message), run the workflow and end with the draft.

    A draft Slack refused to post (the bot is not in that conversation) comes back without a
    `message_ts`; the user has been told, through `notify`, what works there."""
    record = DraftRecord(team_id=tenant.key, channel_id=channel_id, thread_ts=thread_ts, user_id=user_id,
                         trigger=trigger, request=request)
    await runtime.drafts.create(record)
    progress = DraftProgress(client, policy=runtime.streams, team_id=tenant.key, channel=channel_id,
                             recipient_team_id=tenant.team_id or tenant.enterprise_id or tenant.key,
                             thread_ts=thread_ts, request=request, user_id=user_id, draft_id=record.draft_id,
                             header=msg.progress_header(user_id), stream=await _may_stream(runtime, tenant.key),
                             min_interval_s=runtime.min_edit_interval_s,
                             budget=runtime.budget.for_team(tenant.key))
    await _run_version(runtime, record, progress, user_id=user_id, kind="drafted", use_cache=None,
                       notify=notify, where=where)
    return record


async def regenerate_draft(runtime: SlackRuntime, client: AsyncWebClient, record: DraftRecord, *,
                           user_id: str, notify: Notify, request: DraftRequest | None = None) -> None:
    """Write a new version, bypassing cached replies; earlier versions are kept.

    An edited-message draft changes in place. A streamed draft streams the new version as a new
    reply in its thread (a stream cannot restart on a finished message) and the earlier reply loses
    its buttons. `request` revises what is asked (a follow-up such as "shorter" or "e-mail instead").
    """
    if request is not None:
        record.request = request
    numbers = [v.number for v in record.versions]
    streamed = record.delivery == "stream" and record.thread_ts is not None
    progress = DraftProgress(client, policy=runtime.streams, team_id=record.team_id, channel=record.channel_id,
                             recipient_team_id=_team_of(record.team_id),
                             request=record.request, user_id=user_id, draft_id=record.draft_id,
                             header=msg.progress_header(user_id, version=len(numbers) + 1), earlier=numbers,
                             stream=streamed and await _may_stream(runtime, record.team_id),
                             thread_ts=record.thread_ts, ts=None if streamed else record.message_ts,
                             min_interval_s=runtime.min_edit_interval_s,
                             budget=runtime.budget.for_team(record.team_id))
    await _run_version(runtime, record, progress, user_id=user_id, kind="regenerated", use_cache=False,
                       notify=notify)


def _team_of(key: str) -> str:
    """The Slack team in a tenant key (`T…`, or `E…:T…` on Grid; `E…:-` for an org-level request)."""
    enterprise, _, team = key.rpartition(":")
    return team if team and team != "-" else enterprise


async def _may_stream(runtime: SlackRuntime, team_id: str) -> bool:
    if not runtime.settings.slack_streaming:
        return False
    try:
        return await runtime.streams.refused(team_id) is None
    except StoreUnavailable:
        return True  # the store will fail the draft with its own words; streaming is not the fault


async def _run_version(
    runtime: SlackRuntime, record: DraftRecord, progress: DraftProgress, *, user_id: str | None,
    kind: Literal["drafted", "regenerated"], use_cache: bool | None, notify: Notify,
    where: Where = "channel",
) -> None:
    async def consume() -> Result:
        # Closed on cancellation (the progress could not be shown): else it would hold its slot.
        async with contextlib.aclosing(runtime.engine.stream(record.request, scope=f"team:{record.team_id}",
                                                             use_cache=use_cache)) as items:
            async for item in items:
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
    previous = record.message_ts if record.message_ts != progress.ts else None
    if record.message_ts is None or previous is not None:
        record.message_ts, record.channel_id = progress.ts, progress.channel
        record.thread_ts = progress.thread_ts or record.thread_ts
        record.delivery = progress.delivery
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
        fresh.thread_ts, fresh.delivery, fresh.request = record.thread_ts, record.delivery, record.request
        await runtime.drafts.save(fresh)  # before Slack shows the buttons, so a click finds it
    if approved_meanwhile:
        await notify(msg.approved_while_regenerating(fresh.approved_version or 1))
    try:
        shown_in = await progress.finish(blocks=draft_blocks(fresh), text=fallback_text(fresh), result=result)
    except SlackApiError:
        log.warning("could not show draft %s in %s", fresh.draft_id, fresh.channel_id, exc_info=True)
    else:
        if shown_in != fresh.message_ts:  # posted fresh: its buttons, digests and Approve point there now
            await _moved(runtime, fresh, shown_in)
    if previous is not None:
        # The earlier streamed version keeps its text but loses its buttons: the new reply has them.
        await progress.retire(previous, blocks=superseded_blocks(fresh), text=fallback_text(fresh))
    if draft_overflows(fresh):
        await _attach_full_text(progress, fresh, notify)


async def _moved(runtime: SlackRuntime, record: DraftRecord, ts: str) -> None:
    async with runtime.drafts.lock(record.team_id, record.draft_id):
        latest = await runtime.drafts.load(record.team_id, record.draft_id) or record
        latest.message_ts = record.message_ts = ts
        await runtime.drafts.save(latest)


async def _attach_full_text(progress: DraftProgress, record: DraftRecord, notify: Notify) -> None:
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


async def _failed(runtime: SlackRuntime, record: DraftRecord, progress: DraftProgress,
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
