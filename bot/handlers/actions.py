"""The draft's buttons: Approve, Regenerate, Edit. A button's value is only the draft id.

Clicks are idempotent: approving an approved draft, or regenerating one that already has a new
version on the way, changes nothing and says so privately. A button from another workspace or
for a draft the store does not know gets a clear ephemeral answer. Only the rep who asked for the
draft and the users in DRAFT_APPROVERS may press them (bot/permissions.py); anyone else is told
so privately and nothing changes.
"""

from __future__ import annotations

import time
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as msg
from bot.blocks import MAX_INPUT_CHARS, draft_blocks, edit_modal, fallback_text
from bot.drafting import regenerate_draft
from bot.drafts import DraftRecord
from bot.permissions import may_act
from bot.runtime import SlackRuntime, runtime_of
from bot.tenancy import tenant_of

__all__ = ["APPROVE", "EDIT", "REGENERATE", "register"]

APPROVE = "approve_draft"
REGENERATE = "regenerate_draft"
EDIT = "edit_draft"


def register(app: AsyncApp) -> None:
    """Listen for the three buttons."""
    app.action(APPROVE)(approve)
    app.action(REGENERATE)(regenerate)
    app.action(EDIT)(edit)


async def _say(respond: AsyncRespond, text: str) -> None:
    await respond(text=text, response_type="ephemeral", replace_original=False)


def _user_id(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


async def _load_open(runtime: SlackRuntime, body: dict[str, Any], action: dict[str, Any],
                     respond: AsyncRespond, context: AsyncBoltContext) -> DraftRecord | None:
    """The clicked draft if this user may change it now, or None after telling them why not."""
    team_id = tenant_of(context, body).key
    draft_id = str(action.get("value") or "")
    record = await runtime.drafts.load(team_id, draft_id) if draft_id else None
    if record is None or record.current is None:
        owner = await runtime.drafts.owner(draft_id) if draft_id else None
        await _say(respond, msg.WRONG_WORKSPACE if owner and owner != team_id else msg.UNKNOWN_DRAFT)
        return None
    if not may_act(runtime.settings, user_id=_user_id(body), owner_id=record.user_id):
        await _say(respond, msg.not_your_draft(record.user_id))
        return None
    if record.status == "approved":
        await _say(respond, msg.ALREADY_APPROVED)
        return None
    return record


async def approve(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                  context: AsyncBoltContext, respond: AsyncRespond) -> None:
    """Approve the shown version: record who and when, show the approved state without buttons."""
    await ack()
    runtime = runtime_of(context)
    async with runtime.drafts.lock(tenant_of(context, body).key, str(action.get("value"))):
        record = await _load_open(runtime, body, action, respond, context)
        if record is None:
            return
        assert record.current is not None
        record.status = "approved"
        record.approved_by, record.approved_at = body["user"]["id"], time.time()
        record.approved_version = record.current.number
        await runtime.drafts.save(record)
    if record.message_ts:
        await runtime.budget.for_team(record.team_id).update(final=True)
        await client.chat_update(channel=record.channel_id, ts=record.message_ts,
                                 blocks=draft_blocks(record), text=fallback_text(record))


async def regenerate(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                     context: AsyncBoltContext, respond: AsyncRespond) -> None:
    """Write a new version in place, bypassing cached replies."""
    await ack()
    runtime = runtime_of(context)
    record = await _load_open(runtime, body, action, respond, context)
    if record is None:
        return
    if not await runtime.drafts.claim_busy(record.team_id, record.draft_id):
        await _say(respond, msg.ALREADY_REGENERATING)
        return

    async def notify(text: str) -> None:
        await _say(respond, text)

    async def run() -> None:
        try:
            await regenerate_draft(runtime, client, record, user_id=body["user"]["id"], notify=notify)
        finally:
            await runtime.drafts.release_busy(record.team_id, record.draft_id)

    runtime.spawn(run(), name=f"regenerate-{record.draft_id}")


async def edit(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
               context: AsyncBoltContext, respond: AsyncRespond) -> None:
    """Open the Edit form prefilled with the shown version."""
    await ack()
    runtime = runtime_of(context)
    record = await _load_open(runtime, body, action, respond, context)
    if record is None:
        return
    assert record.current is not None
    if len(record.current.text) > MAX_INPUT_CHARS:
        await _say(respond, msg.DRAFT_TOO_LONG_TO_EDIT)
        return
    await client.views_open(trigger_id=body["trigger_id"], view=edit_modal(record))
