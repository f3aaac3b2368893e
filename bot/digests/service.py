"""Posting digests: build a channel's report, render it, post it once per scheduled fire time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.digests.activity import IntentIndex
from bot.digests.blocks import digest_blocks, digest_text
from bot.digests.report import DigestReport, build_report
from bot.digests.scheduler import DigestScheduler, Subscription, utc_now
from bot.drafts import DraftStore
from bot.install.clients import NotInstalled, TeamClients
from bot.ratelimit import SlackBudget
from bot.settings import Settings
from engine import keys
from engine.cache.store import Store
from engine.models import new_request_id
from engine.workflow import Engine

__all__ = ["DigestRuntime", "DigestService", "build_digests"]

log = logging.getLogger(__name__)
_SENT_TTL_S = 8 * 24 * 3600  # longer than a weekly period, so a late second process still sees it


@dataclass
class DigestService:
    """Builds and posts one channel's digest; `fire` posts a scheduled one exactly once."""

    store: Store
    drafts: DraftStore
    intents: IntentIndex
    clients: TeamClients  # the installing team's client for each post
    slack_api_url: str
    clock: Callable[[], datetime] = utc_now
    instance: str = field(default_factory=new_request_id)
    budget: SlackBudget | None = None  # shared with drafts and batches (bot/ratelimit.py)

    async def report(self, team_id: str, channel_id: str, *, since: datetime,
                     until: datetime) -> DigestReport:
        """What happened in one channel between `since` and `until`."""
        return await build_report(store=self.store, drafts=self.drafts, intents=self.intents,
                                  team_id=team_id, channel_id=channel_id, since=since.timestamp(),
                                  until=until.timestamp(), slack_api_url=self.slack_api_url)

    async def post(self, team_id: str, channel_id: str, *, kind: str, since: datetime,
                   until: datetime, tz: str) -> DigestReport:
        """Post a digest in the channel (raises SlackApiError when Slack refuses)."""
        report = await self.report(team_id, channel_id, since=since, until=until)
        client = await self.clients.for_team(team_id)
        if self.budget is not None:
            await self.budget.for_team(team_id).post(channel_id)
        await client.chat_postMessage(channel=channel_id, text=digest_text(report, kind=kind),
                                           blocks=digest_blocks(report, kind=kind, tz=tz),
                                           unfurl_links=False, unfurl_media=False)
        return report

    async def fire(self, subscription: Subscription, fire_time: datetime) -> bool:
        """Post a scheduled digest unless a process sharing the store already did; True if posted."""
        at = fire_time.astimezone(UTC)
        key = f"{keys.DIGEST_SENT}{subscription.team_id}:{subscription.channel_id}:{at.isoformat()}"
        if not await self.store.set_if_absent(key, self.instance, ttl=_SENT_TTL_S):
            log.info("digest %s at %s already posted by another process", subscription.job_id, at)
            return False
        schedule = subscription.schedule
        try:
            await self.post(subscription.team_id, subscription.channel_id, kind=schedule.kind,
                            since=at - schedule.period, until=at, tz=schedule.tz)
        except SlackApiError as exc:
            # The lock stays: retrying every process into the same refusal would not help.
            log.warning("digest for %s not posted: %s", subscription.job_id, exc.response.get("error"))
            return False
        except NotInstalled:
            log.warning("digest for %s not posted: the workspace uninstalled the app", subscription.job_id)
            return False
        return True


@dataclass
class DigestRuntime:
    """A Slack app's digest scheduler and service, started and stopped with the server."""

    service: DigestService
    scheduler: DigestScheduler
    detach: Callable[[], None]
    started: bool = False

    def use_clock(self, clock: Callable[[], datetime]) -> None:
        """Read time from `clock` (tests move it; production keeps the real one)."""
        self.service.clock = clock
        self.scheduler.use_clock(clock)

    def start(self) -> None:
        """Start scheduling on the running loop (digests missed while down post now)."""
        if not self.started:
            self.scheduler.start()
            self.started = True

    async def aclose(self) -> None:
        """Stop scheduling and wait for digests being posted."""
        self.detach()
        if self.started:
            await self.scheduler.aclose()
            self.started = False
        await self.service.intents.flush()

    async def post_now(self, team_id: str, channel_id: str) -> DigestReport:
        """`/draft digest now`: the channel's digest for its schedule's period (else a day), now."""
        subscription = await self.scheduler.get(team_id, channel_id)
        until = self.service.clock()
        period = subscription.schedule.period if subscription else timedelta(days=1)
        tz = subscription.schedule.tz if subscription else "UTC"
        return await self.service.post(team_id, channel_id, kind="now", since=until - period,
                                       until=until, tz=tz)


def build_digests(*, settings: Settings, engine: Engine, drafts: DraftStore, clients: TeamClients,
                  budget: SlackBudget | None = None,
                  clock: Callable[[], datetime] = utc_now) -> DigestRuntime:
    """Digests for one Slack app: schedules, intents and exactly-once locks in the engine's store."""
    intents = IntentIndex(engine.store)
    detach = intents.attach(engine)
    service = DigestService(store=engine.store, drafts=drafts, intents=intents, clients=clients,
                            slack_api_url=settings.slack_api_url, clock=clock, budget=budget)
    scheduler = DigestScheduler(store=engine.store, fire=service.fire,
                                clock=clock)
    return DigestRuntime(service=service, scheduler=scheduler, detach=detach)
