"""Events: mentioning the bot with a pasted thread drafts a reply in that thread.

`@replycrew <pasted thread>` is the way to draft from inside a thread without the shortcut menu.
Bolt acknowledges events itself; Slack's re-deliveries are dropped by bot/redelivery.py.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as msg
from bot.drafting import RequestProblem, parse_thread_request, start_draft
from bot.mrkdwn import slack_to_plain
from bot.runtime import runtime_of
from bot.tenancy import tenant_of

__all__ = ["register"]


def register(app: AsyncApp) -> None:
    """Listen for mentions."""
    app.event("app_mention")(mentioned)


async def mentioned(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                    context: AsyncBoltContext) -> None:
    """Draft a reply to the thread pasted after the mention, in the mention's thread."""
    runtime = runtime_of(context)
    channel_id, user_id = event.get("channel") or "", event.get("user") or ""

    async def notify(text: str) -> None:
        try:
            await client.chat_postEphemeral(channel=channel_id, user=user_id, text=text,
                                            thread_ts=event.get("thread_ts"))
        except SlackApiError:
            pass  # the user left, or the channel is gone: nobody to tell

    text = slack_to_plain(event.get("text") or "").strip()
    if not text or text.lower() == "help":
        await notify(msg.HELP)
        return
    parsed = parse_thread_request(text)
    if isinstance(parsed, RequestProblem):
        await notify(parsed.message)
        return
    runtime.spawn(start_draft(runtime, client, tenant=tenant_of(context, body), channel_id=channel_id,
                              user_id=user_id,
                              request=parsed, trigger="mention", notify=notify,
                              thread_ts=event.get("thread_ts") or event.get("ts")),
                  name=f"draft-mention-{body.get('event_id')}")
