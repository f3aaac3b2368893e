"""`/draft digest ...` and `/draft stats`: schedule, list, cancel and post a channel's digest.

`register(app)` (called by bot.app.build_app) gives each Slack app its DigestRuntime and puts it in
every listener's context; `mount(web_app, app)` starts and stops the scheduler with the server.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.digests import messages as msg
from bot.digests.blocks import digest_blocks, digest_text
from bot.digests.schedule import ScheduleError, parse_schedule
from bot.digests.scheduler import Subscription
from bot.digests.service import DigestRuntime, build_digests
from bot.handlers.subcommands import SubcommandContext, subcommand
from bot.runtime import RUNTIMES, AppScoped
from engine.errors import StoreUnavailable

__all__ = ["DIGESTS_KEY", "digests_for", "mount", "register"]

log = logging.getLogger(__name__)
DIGESTS_KEY = "replycrew_digests"
STATS_DAYS = 7
_DIGESTS = AppScoped(DIGESTS_KEY, DigestRuntime, what="digests are not wired")


def register(app: AsyncApp) -> None:
    """Give the Slack app its digests and put them in every listener's context."""
    slack = RUNTIMES.of_app(app)
    _DIGESTS.attach(app, build_digests(settings=slack.settings, engine=slack.engine, drafts=slack.drafts,
                                       clients=slack.clients, budget=slack.budget))


def digests_for(app: AsyncApp) -> DigestRuntime:
    """The DigestRuntime `register` made for a Slack app."""
    return _DIGESTS.of_app(app)


def mount(web_app: web.Application, app: AsyncApp) -> None:
    """Run the app's digest scheduler while the web server runs."""
    digests = digests_for(app)

    async def start(_: web.Application) -> None:
        digests.start()

    async def stop(_: web.Application) -> None:
        await digests.aclose()

    web_app.on_startup.append(start)
    web_app.on_cleanup.append(stop)


def _when(moment: datetime | None, tz: str) -> str:
    if moment is None:
        return "never"
    return moment.astimezone(ZoneInfo(tz)).strftime("%a %d %b %Y %H:%M %Z")


@subcommand("digest")
async def digest_command(ctx: SubcommandContext) -> None:
    """`/draft digest daily|weekly|off|list|now`."""
    digests = _DIGESTS.of_context(ctx.context)
    action = ctx.args[0].lower() if ctx.args else "help"
    try:
        if action in ("daily", "weekly"):
            # No users:read scope (least privilege), so no zone given means UTC, said in the answer.
            schedule = parse_schedule(ctx.args, default_tz="UTC")
            next_run = await digests.scheduler.subscribe(Subscription(
                team_id=ctx.team_id, channel_id=ctx.channel_id, schedule=schedule, created_by=ctx.user_id))
            await ctx.respond(msg.DIGEST_SET.format(schedule=schedule.describe(),
                                                    next_run=_when(next_run, schedule.tz)))
        elif action == "off":
            gone = await digests.scheduler.unsubscribe(ctx.team_id, ctx.channel_id)
            await ctx.respond(msg.DIGEST_OFF_DONE.format(schedule=gone.schedule.describe()) if gone
                              else msg.DIGEST_OFF_NONE)
        elif action == "list":
            # This channel's schedule only: other channels' (private ones too) are not this user's to see.
            subscriptions = [sub for sub in await digests.scheduler.list(ctx.team_id)
                             if sub.channel_id == ctx.channel_id]
            lines = [msg.subscription_line(sub.channel_id, sub.schedule.describe(),
                                           _when(sub.next_run, sub.schedule.tz),
                                           here=sub.channel_id == ctx.channel_id)
                     for sub in subscriptions[:40]]
            await ctx.respond("\n".join([msg.DIGEST_LIST_HEADER, *lines]) if lines else msg.DIGEST_LIST_EMPTY)
        elif action == "now":
            try:
                await digests.post_now(ctx.team_id, ctx.channel_id)
            except SlackApiError as exc:
                await ctx.respond(msg.DIGEST_POST_FAILED.format(error=exc.response.get("error")))
        else:
            await ctx.respond(msg.DIGEST_HELP)
    except ScheduleError as exc:
        await ctx.respond(str(exc))
    except StoreUnavailable as exc:
        await ctx.respond(msg.DIGEST_STORE_DOWN.format(error=exc))


@subcommand("stats")
async def stats_command(ctx: SubcommandContext) -> None:
    """`/draft stats`: this channel's last 7 days, only to the person who asked."""
    digests = _DIGESTS.of_context(ctx.context)
    until = digests.service.clock()
    report = await digests.service.report(ctx.team_id, ctx.channel_id,
                                          since=until - timedelta(days=STATS_DAYS), until=until)
    if report.empty:
        await ctx.respond(msg.STATS_EMPTY.format(days=STATS_DAYS))
        return
    await ctx.respond(text=digest_text(report, kind="stats"), blocks=digest_blocks(report, kind="stats"))
