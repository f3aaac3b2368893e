"""Shortcuts: `draft_reply` on a message holding a pasted thread, `draft_modal` from anywhere.

The message shortcut drafts into that message's thread (slash commands cannot run in threads).
Running it again on the same message within ten minutes points to the draft already there
instead of starting a second one; a draft that could not be posted (the bot is not in the channel)
gives that mark back, so the same shortcut after `/invite` drafts.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as msg
from bot.drafting import RequestProblem, conversation_kind, parse_thread_request, start_draft
from bot.handlers.commands import open_draft_modal
from bot.mrkdwn import slack_to_plain
from bot.redelivery import claim_once, release_once
from bot.runtime import runtime_of
from bot.tenancy import tenant_of

__all__ = ["GLOBAL_SHORTCUT", "MESSAGE_SHORTCUT", "register"]

MESSAGE_SHORTCUT = "draft_reply"
GLOBAL_SHORTCUT = "draft_modal"
_SAME_MESSAGE_TTL_S = 600


def register(app: AsyncApp) -> None:
    """Listen for both shortcuts."""
    app.shortcut(MESSAGE_SHORTCUT)(draft_reply)
    app.shortcut(GLOBAL_SHORTCUT)(draft_modal_shortcut)


async def draft_reply(ack: AsyncAck, shortcut: dict[str, Any], client: AsyncWebClient,
                      context: AsyncBoltContext, respond: AsyncRespond) -> None:
    """Draft a reply to the thread pasted in a message; progress and draft go in its thread."""
    await ack()
    runtime = runtime_of(context)
    message = shortcut.get("message") or {}
    tenant = tenant_of(context, shortcut)
    channel_id = (shortcut.get("channel") or {}).get("id") or ""
    user_id = (shortcut.get("user") or {}).get("id")

    async def notify(text: str) -> None:
        await respond(text=text, response_type="ephemeral", replace_original=False)

    parsed = parse_thread_request(slack_to_plain(message.get("text") or ""))
    if isinstance(parsed, RequestProblem):
        await notify(parsed.message)
        return
    mark = f"{tenant.key}:message:{channel_id}:{message.get('ts')}"
    if not await claim_once(runtime.engine.store, mark, ttl=_SAME_MESSAGE_TTL_S):
        await notify(msg.ALREADY_DRAFTED_HERE)
        return

    async def draft() -> None:
        record = await start_draft(runtime, client, tenant=tenant, channel_id=channel_id, user_id=user_id,
                                   request=parsed, trigger="shortcut", notify=notify,
                                   thread_ts=message.get("thread_ts") or message.get("ts"),
                                   where=conversation_kind(shortcut))
        if record.message_ts is None:  # never posted: nothing is "already in its thread"
            await release_once(runtime.engine.store, mark)

    runtime.spawn(draft(), name=f"draft-shortcut-{shortcut.get('trigger_id')}")


async def draft_modal_shortcut(ack: AsyncAck, shortcut: dict[str, Any], client: AsyncWebClient) -> None:
    """Open the /draft form from the shortcuts menu."""
    await ack()
    await open_draft_modal(client, trigger_id=shortcut["trigger_id"], channel_id=None, respond=None)
