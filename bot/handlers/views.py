"""Modal submissions: the /draft form (`draft_modal`) and the Edit form (`edit_draft_modal`)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as msg
from bot.blocks import DRAFT_MODAL_CALLBACK, EDIT_MODAL_CALLBACK, draft_blocks, fallback_text
from bot.drafting import RequestProblem, parse_thread_request, start_draft
from bot.drafts import DraftVersion
from bot.permissions import may_act
from bot.runtime import runtime_of
from bot.tenancy import tenant_of

__all__ = ["register"]

log = logging.getLogger(__name__)
# Which form block shows the error for which DraftRequest field.
_FIELD_BLOCKS = {"conversation_thread": "thread", "channel": "channel",
                 "prospect_profile_url": "profile_url", "prospect_company_url": "company_url",
                 "prospect_company_website": "website"}


def register(app: AsyncApp) -> None:
    """Listen for both forms' submissions."""
    app.view(DRAFT_MODAL_CALLBACK)(submit_draft_form)
    app.view(EDIT_MODAL_CALLBACK)(submit_edit_form)


def _value(values: dict[str, Any], block: str) -> Any:
    element = (values.get(block) or {}).get("value") or {}
    if element.get("type") == "static_select":
        return (element.get("selected_option") or {}).get("value")
    if element.get("type") == "conversations_select":
        return element.get("selected_conversation")
    return element.get("value")


def _dm(client: AsyncWebClient, user_id: str) -> Any:
    """A notify that writes to the user in the app's DM (a modal has no response_url)."""

    async def notify(text: str) -> None:
        try:
            await client.chat_postMessage(channel=user_id, text=text)
        except SlackApiError:
            log.warning("could not tell %s: %s", user_id, text)

    return notify


async def _cannot_post_in(client: AsyncWebClient, channel_id: str) -> str | None:
    """Why the bot cannot post in the chosen conversation, or None when it can.

    A public channel takes posts with chat:write.public; a private channel, DM or group DM only if
    the bot is in it (Slack hides others: channel_not_found). One conversations.info call, well
    inside the 3 s a submission must be answered in."""
    try:
        info = (await client.conversations_info(channel=channel_id)).get("channel") or {}
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "")
        return msg.FORM_CANNOT_POST if error in {"channel_not_found", "not_in_channel"} else None
    if info.get("is_archived"):
        return msg.FORM_ARCHIVED
    if info.get("is_member") or info.get("is_channel"):
        return None
    return msg.FORM_CANNOT_POST


async def submit_draft_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient,
                            context: AsyncBoltContext) -> None:
    """Validate the form (errors shown next to the field) and start the draft."""
    runtime = runtime_of(context)
    values = view["state"]["values"]
    metadata = json.loads(view.get("private_metadata") or "{}")
    conversation = _value(values, "conversation") or metadata.get("channel_id")
    parsed = parse_thread_request(
        _value(values, "thread") or "", channel=_value(values, "channel"),
        prospect_profile_url=_value(values, "profile_url"),
        prospect_company_url=_value(values, "company_url"),
        prospect_company_website=_value(values, "website"),
    )
    errors: dict[str, str] = {}
    if isinstance(parsed, RequestProblem):
        errors[_FIELD_BLOCKS.get(parsed.field, "thread")] = parsed.message
    if not conversation:
        errors["conversation"] = msg.NO_CONVERSATION
    elif not errors:
        problem = await _cannot_post_in(client, str(conversation))
        if problem:
            errors["conversation"] = problem
    if errors or isinstance(parsed, RequestProblem):
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    user_id = body["user"]["id"]
    runtime.spawn(start_draft(runtime, client, tenant=tenant_of(context, body), channel_id=conversation,
                              user_id=user_id, request=parsed, trigger="modal",
                              notify=_dm(client, user_id)),
                  name=f"draft-modal-{body.get('trigger_id')}")


async def submit_edit_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient,
                           context: AsyncBoltContext) -> None:
    """Save an edit as a new version (who, when) and show it in place."""
    runtime = runtime_of(context)
    values = view["state"]["values"]
    text = (_value(values, "text") or "").strip()
    if not text:
        await ack(response_action="errors", errors={"text": msg.EMPTY_EDIT})
        return
    await ack()
    subject = (_value(values, "subject") or "").strip() or None
    team_id, user_id = tenant_of(context, body).key, body["user"]["id"]
    draft_id = view.get("private_metadata") or ""
    notify = _dm(client, user_id)
    async with runtime.drafts.lock(team_id, draft_id):
        record = await runtime.drafts.load(team_id, draft_id)
        if record is None or record.current is None:
            await notify(msg.UNKNOWN_DRAFT)
            return
        if not may_act(runtime.settings, user_id=user_id, owner_id=record.user_id):
            await notify(msg.not_your_draft(record.user_id))
            return
        if record.status == "approved":
            await notify(msg.ALREADY_APPROVED)
            return
        current = record.current
        if text == current.text and subject == current.subject:
            return  # nothing changed: a second submit of the same edit is a no-op
        now = time.time()
        record.versions.append(DraftVersion(
            number=current.number + 1, text=text, subject=subject, channel=current.channel,
            created_at=now, created_by=user_id, kind="edited", mode=current.mode, offline=current.offline,
        ))
        record.edited_by, record.edited_at = user_id, now
        await runtime.drafts.save(record)
    if record.message_ts:
        await runtime.budget.for_team(record.team_id).update(final=True)
        await client.chat_update(channel=record.channel_id, ts=record.message_ts,
                                 blocks=draft_blocks(record), text=fallback_text(record))
