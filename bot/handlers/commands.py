"""`/draft`: a pasted thread drafts a reply; no text opens the form; `help`; registered subcommands.

Every path acks at once (Slack wants an answer within 3 s); drafting runs as a background task.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as msg
from bot.blocks import draft_modal, help_blocks
from bot.drafting import RequestProblem, conversation_kind, parse_thread_request, start_draft
from bot.handlers.subcommands import SUBCOMMANDS, SubcommandContext
from bot.mrkdwn import slack_to_plain
from bot.runtime import runtime_of
from bot.tenancy import tenant_of

__all__ = ["COMMAND", "draft_command", "register"]

log = logging.getLogger(__name__)
COMMAND = "/draft"
# `/draft email <thread>` drafts an e-mail (with a subject); LinkedIn is the default.
_CHANNEL_WORDS = {"email": "email", "e-mail": "email", "linkedin": "linkedin"}


def register(app: AsyncApp) -> None:
    """Listen for /draft."""
    app.command(COMMAND)(draft_command)


async def draft_command(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient,
                        context: AsyncBoltContext, respond: AsyncRespond) -> None:
    """Handle `/draft [help | <subcommand> ... | <pasted thread>]`."""
    runtime = runtime_of(context)
    text = slack_to_plain(command.get("text") or "").strip()
    tenant = tenant_of(context, command)
    channel_id, user_id = command["channel_id"], command["user_id"]

    if not text:
        await ack()
        await open_draft_modal(client, trigger_id=command["trigger_id"], channel_id=channel_id,
                               respond=respond)
        return
    words = text.split()
    if text.lower() == "help":
        await ack(text=msg.HELP, blocks=help_blocks(), response_type="ephemeral")
        return
    handler = SUBCOMMANDS.get(words[0].lower())
    if handler is not None:
        await ack()
        sub = SubcommandContext(args=words[1:], team_id=tenant.key, channel_id=channel_id, user_id=user_id,
                                body=command, client=client, respond=respond, context=context)
        runtime.spawn(handler(sub), name=f"subcommand-{words[0].lower()}")
        return

    channel = _CHANNEL_WORDS.get(words[0].lower()) if len(words) > 1 else None
    if channel is not None:
        text = text[len(words[0]):].strip()
    parsed = parse_thread_request(text, channel=channel)
    if isinstance(parsed, RequestProblem):
        await ack(text=parsed.message, response_type="ephemeral")
        return
    await ack()

    async def notify(message: str) -> None:
        await respond(text=message, response_type="ephemeral", replace_original=False)

    runtime.spawn(start_draft(runtime, client, tenant=tenant, channel_id=channel_id, user_id=user_id,
                              request=parsed, trigger="command", notify=notify,
                              where=conversation_kind(command)),
                  name=f"draft-command-{command['trigger_id']}")


async def open_draft_modal(client: AsyncWebClient, *, trigger_id: str, channel_id: str | None,
                           respond: AsyncRespond | None) -> None:
    """Open the /draft form; a refused trigger (expired, or Slack down) gets words, not silence."""
    metadata = json.dumps({"channel_id": channel_id}) if channel_id else ""
    try:
        await client.views_open(trigger_id=trigger_id,
                                view=draft_modal(channel_id=channel_id, metadata=metadata))
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        if respond is not None:
            await respond(text=msg.MODAL_DID_NOT_OPEN, response_type="ephemeral")
