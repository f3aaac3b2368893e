"""`app_uninstalled` and `tokens_revoked`: the workspace is gone, so its tokens and its work go too.

Bolt's own revocation listeners delete the installation (multi-workspace mode); then the team's
scheduled digests are cancelled and its CSV batches stopped and forgotten, so nothing keeps calling
Slack with a revoked token. Bolt skips the auth.test for these two events (the token is already dead).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners

from bot.handlers.digests import digests_for
from bot.handlers.files import batches_for
from bot.runtime import RUNTIMES
from bot.tenancy import tenant_of

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(app: AsyncApp) -> None:
    """Listen for the app leaving a workspace."""

    async def app_uninstalled(context: AsyncBoltContext) -> None:
        await _forget(app, context)

    async def tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if (event.get("tokens") or {}).get("bot"):  # the bot token went: nothing can run any more
            await _forget(app, context)

    app.event("app_uninstalled")(app_uninstalled)
    app.event("tokens_revoked")(tokens_revoked)


async def _forget(app: AsyncApp, context: AsyncBoltContext) -> None:
    team_id, enterprise_id = context.team_id, context.enterprise_id
    installations = RUNTIMES.of_app(app).clients.installations
    if installations is not None:
        team = None if context.is_enterprise_install else team_id
        await AsyncTokenRevocationListeners(installations).handle_app_uninstalled_events(context)
        await installations.async_delete_all(enterprise_id=enterprise_id, team_id=team)
    key = tenant_of(context).key  # what digests and batches are kept under
    digests = digests_for(app)
    stopped = [s.channel_id for s in await digests.scheduler.list(key)]
    for channel_id in stopped:
        await digests.scheduler.unsubscribe(key, channel_id)
    batches = await batches_for(app).forget_team(key)
    log.info("team %s (enterprise %s) left: %d digests and %d batches stopped", team_id, enterprise_id,
             len(stopped), batches)
