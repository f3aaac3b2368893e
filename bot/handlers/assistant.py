"""The agent thread in the app's Messages tab (Bolt's `AsyncAssistant`), and Slack's feedback buttons.

- A rep opens a thread: suggested prompts and a one-line greeting.
- The rep pastes a conversation: status "Reading the thread…", then the draft streams in as a task
  timeline (bot/stream.py) and stops with the draft, its Approve / Regenerate / Edit buttons and the
  feedback buttons. A leading `email` (or the e-mail prompt) drafts an e-mail.
- The rep answers in the same thread ("shorter", "more formal", "in German", "e-mail instead"):
  a new version, as Regenerate makes, following those words (bot/follow_ups.py).
- The rep shares a CSV there: the batch runs as in any conversation (bot/handlers/files.py), its
  progress an edited message in the thread.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.async_app import (
    AsyncAck,
    AsyncAssistant,
    AsyncBoltContext,
    AsyncRespond,
    AsyncSetStatus,
    AsyncSetSuggestedPrompts,
)
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import agent_messages as words
from bot.drafting import Notify, RequestProblem, parse_thread_request, regenerate_draft, start_draft
from bot.drafts import DraftRecord
from bot.follow_ups import read_follow_up
from bot.handlers import files
from bot.messages import ALREADY_REGENERATING
from bot.mrkdwn import slack_to_plain
from bot.runtime import RUNTIMES, SlackRuntime, runtime_of
from bot.stream import FEEDBACK_ACTION
from bot.tenancy import tenant_of
from bot.thread_context import StoreThreadContext
from engine.models import Channel, DraftRequest

__all__ = ["build_assistant", "register"]

log = logging.getLogger(__name__)
_CSV_PROMPT = words.SUGGESTED_PROMPTS[2][1]


def register(app: AsyncApp) -> None:
    """The agent thread's listeners, and the feedback buttons under streamed drafts."""
    app.assistant(build_assistant(RUNTIMES.of_app(app)))
    app.action(FEEDBACK_ACTION)(feedback)


def build_assistant(runtime: SlackRuntime) -> AsyncAssistant:
    """Bolt's assistant middleware with our listeners and thread context on our store."""
    assistant = AsyncAssistant(thread_context_store=StoreThreadContext(runtime.engine.store))
    assistant.thread_started(thread_started)
    assistant.user_message(user_message)
    return assistant


async def thread_started(set_suggested_prompts: AsyncSetSuggestedPrompts, client: AsyncWebClient,
                         event: dict[str, Any]) -> None:
    """A rep opened a new agent thread: offer the three prompts and say what to do."""
    thread = event.get("assistant_thread") or {}
    await set_suggested_prompts(
        prompts=[{"title": title, "message": message} for title, message in words.SUGGESTED_PROMPTS],
        title=words.PROMPTS_TITLE)
    await client.chat_postMessage(channel=thread["channel_id"], thread_ts=thread["thread_ts"], text=words.GREETING)


async def user_message(payload: dict[str, Any], body: dict[str, Any], client: AsyncWebClient,
                       context: AsyncBoltContext, set_status: AsyncSetStatus) -> None:
    """A rep's message in an agent thread: a CSV, a follow-up to the draft there, or a conversation."""
    runtime = runtime_of(context)
    channel_id, thread_ts = str(payload["channel"]), str(payload["thread_ts"])
    user_id = payload.get("user")
    tenant = tenant_of(context, body)

    async def notify(text: str) -> None:
        await client.chat_postMessage(channel=channel_id, thread_ts=thread_ts, text=text)

    if payload.get("files"):
        await files.file_share_message(body, payload, context)
        return
    text = slack_to_plain(payload.get("text") or "").strip()
    if not text or text.lower() == "help":
        await notify(words.GREETING)
        return
    if text == _CSV_PROMPT.strip():
        await notify(words.FOLLOW_UP_HELP)
        return
    earlier = await _draft_in_thread(runtime, tenant.key, channel_id, thread_ts)
    follow_up = read_follow_up(text) if earlier is not None else None
    if earlier is not None and follow_up is not None:
        await _status(set_status, words.STATUS_REVISING)
        runtime.spawn(_revise(runtime, client, earlier, follow_up.revise(earlier.request),
                              user_id=str(user_id or ""), instruction=follow_up.instruction, notify=notify),
                      name=f"revise-{earlier.draft_id}")
        return
    text, channel = _strip_prompt(text)
    parsed = parse_thread_request(text, channel=channel)
    if isinstance(parsed, RequestProblem):
        await notify(parsed.message if earlier is None or len(text) > 300 else words.NOTHING_TO_REVISE)
        return
    await _status(set_status, words.STATUS_READING)  # Slack shows it until our reply appears
    runtime.spawn(start_draft(runtime, client, tenant=tenant, channel_id=channel_id, user_id=user_id,
                              request=parsed, trigger="agent", notify=notify, thread_ts=thread_ts, where="im"),
                  name=f"draft-agent-{channel_id}-{payload.get('ts')}")


async def _status(set_status: AsyncSetStatus, status: str) -> None:
    try:
        await set_status(status)
    except SlackApiError as exc:  # a status is a courtesy; the draft goes on without it
        log.warning("assistant.threads.setStatus refused: %s", exc.response.get("error"))


def _strip_prompt(text: str) -> tuple[str, Channel | None]:
    """The pasted conversation without the suggested prompt's words; an e-mail when it asks for one."""
    for index, (_, message) in enumerate(words.SUGGESTED_PROMPTS[:2]):
        lead = message.strip()
        if text.startswith(lead):
            return text[len(lead):].strip(), ("email" if index == 1 else "linkedin")
    first, _, rest = text.partition(" ")
    if first.lower() in ("email", "e-mail") and rest.strip():
        return rest.strip(), "email"
    return text, None


async def _draft_in_thread(runtime: SlackRuntime, team_id: str, channel_id: str,
                           thread_ts: str) -> DraftRecord | None:
    latest = None
    async for record in runtime.drafts.in_channel(team_id, channel_id):
        if record.thread_ts == thread_ts and record.current is not None:
            latest = record
    return latest


async def _revise(runtime: SlackRuntime, client: AsyncWebClient, record: DraftRecord, request: DraftRequest,
                  *, user_id: str, instruction: str | None, notify: Notify) -> None:
    # An approved draft may be revised too: the new version is ready to approve again.
    if not await runtime.drafts.claim_busy(record.team_id, record.draft_id):
        await notify(ALREADY_REGENERATING)
        return
    try:
        await regenerate_draft(runtime, client, record, user_id=user_id, notify=notify, request=request)
    finally:
        await runtime.drafts.release_busy(record.team_id, record.draft_id)
    fresh = await runtime.drafts.load(record.team_id, record.draft_id)
    if instruction and fresh is not None and fresh.current is not None and fresh.current.offline:
        await notify(words.offline_ignored([instruction]))


async def feedback(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: AsyncBoltContext,
                   respond: AsyncRespond) -> None:
    """Slack's thumbs up / down under a streamed draft: kept on the draft record, thanked privately."""
    await ack()
    runtime = runtime_of(context)
    vote, _, draft_id = str(action.get("value") or "").partition(":")
    team_id = tenant_of(context, body).key
    user_id = str((body.get("user") or {}).get("id") or "")
    if vote not in ("good", "bad") or not draft_id:
        return
    async with runtime.drafts.lock(team_id, draft_id):
        record = await runtime.drafts.load(team_id, draft_id)
        if record is None:
            return
        record.feedback[user_id] = "good" if vote == "good" else "bad"
        await runtime.drafts.save(record)
    await respond(text=words.FEEDBACK_THANKS, response_type="ephemeral", replace_original=False)
