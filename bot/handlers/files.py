"""Files: a CSV shared in a channel with the bot (or its DM) becomes a batch of drafts; Cancel stops it.

Both ways Slack announces an upload are handled (`file_shared`; `message` with subtype `file_share`,
which the manifest subscribes to in the app's DM with `message.im`); bot/batches/service.py makes
sure one upload runs once.
`mount` resumes unfinished batches when the server starts and lets go of them when it stops.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond

from bot.batches.blocks import CANCEL_BATCH
from bot.batches.service import SlackBatches
from bot.runtime import RUNTIMES, AppScoped
from bot.tenancy import tenant_of

__all__ = ["BATCHES_KEY", "batches_for", "mount", "register"]

BATCHES_KEY = "replycrew_batches"
_BATCHES = AppScoped(BATCHES_KEY, SlackBatches, what="batches are not wired")


def register(app: AsyncApp) -> None:
    """Listen for shared files and the Cancel button."""
    _BATCHES.attach(app, SlackBatches(RUNTIMES.of_app(app)))
    app.event("file_shared")(file_shared)
    app.event({"type": "message", "subtype": "file_share"})(file_share_message)
    # message.im delivers every message in the app's DM; only uploads (above) mean anything here.
    app.event("message")(other_message)
    app.action(CANCEL_BATCH)(cancel_batch)


def batches_for(app: AsyncApp) -> SlackBatches:
    """The SlackBatches `register` made for an app."""
    return _BATCHES.of_app(app)


def mount(web_app: web.Application, app: AsyncApp) -> None:
    """Resume unfinished batches once the server is up; stop driving them when it stops."""
    batches = batches_for(app)

    async def start(_: web.Application) -> None:
        await batches.resume_all()

    async def stop(_: web.Application) -> None:
        await batches.stop()

    web_app.on_startup.append(start)
    web_app.on_shutdown.append(stop)  # before on_cleanup drains the other background work




async def file_shared(body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
    """`file_shared`: only ids here; files.info says what the file is and where it was shared."""
    file_id = str(event.get("file_id") or (event.get("file") or {}).get("id") or "")
    channel = str(event.get("channel_id") or "")
    if not file_id or not channel:
        return
    tenant = tenant_of(context, body)
    _BATCHES.of_context(context).file_shared(team_id=tenant.key, enterprise_id=tenant.enterprise_id,
                                  channel=channel, file_id=file_id,
                                  file=None, thread_ts=None, user_id=event.get("user_id"),
                                  bot_user_id=context.get("bot_user_id"))


async def file_share_message(body: dict[str, Any], event: dict[str, Any],
                             context: AsyncBoltContext) -> None:
    """A message sharing files: each file, answered in that message's thread."""
    tenant = tenant_of(context, body)
    for file in event.get("files") or []:
        if not file.get("id"):
            continue
        _BATCHES.of_context(context).file_shared(
            team_id=tenant.key, enterprise_id=tenant.enterprise_id, channel=str(event.get("channel") or ""),
            file_id=str(file["id"]),
            file=dict(file), thread_ts=event.get("thread_ts") or event.get("ts"),
            user_id=event.get("user"), bot_user_id=context.get("bot_user_id"))


async def other_message() -> None:
    """Any other message in the app's DM (text, our own posts): acknowledged, nothing to do."""


async def cancel_batch(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                       context: AsyncBoltContext, respond: AsyncRespond) -> None:
    """Cancel on a progress message: finish the rows in flight, deliver what is done."""
    await ack()
    team_id = tenant_of(context, body).key
    user_id = str((body.get("user") or {}).get("id") or "")
    answer = await _BATCHES.of_context(context).cancel(str(action.get("value") or ""), team_id=team_id,
                                            user_id=user_id)
    if answer:
        await respond(text=answer, response_type="ephemeral", replace_original=False)
