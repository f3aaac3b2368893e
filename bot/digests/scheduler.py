"""The digest scheduler: each channel's schedule is a record in our Store; APScheduler only wakes us.

A schedule lives at `rc:digest-schedule:<team>:<channel>` (JSON: the schedule, who set it, when it is
next due), so every process sharing the store sees the same schedules. `run_pending` reads the
records, hands each due digest `(subscription, scheduled fire time)` to `fire` and moves the record
to its next fire time. The fire time, not the wall clock, is what the exactly-once lock in
`DigestService.fire` is keyed on, so processes waking together post once. APScheduler (public API
only: `add_job`, `remove_job`, `get_job`) runs `run_pending` at each record's next fire time and
every `poll_s` seconds, which is how a process learns of schedules another one added.
Time is read from an injected clock, so tests move time by hand.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.digests.schedule import DigestSchedule
from engine import keys
from engine.cache.store import Store
from engine.errors import StoreUnavailable

__all__ = ["DigestScheduler", "Subscription", "schedule_key", "utc_now"]

log = logging.getLogger(__name__)
_POLL_JOB = "digest-poll"


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Subscription:
    """One channel's digest schedule."""

    team_id: str
    channel_id: str
    schedule: DigestSchedule
    created_by: str = ""
    next_run: datetime | None = None

    @property
    def job_id(self) -> str:
        return f"digest:{self.team_id}:{self.channel_id}"

    def to_json(self) -> str:
        """The record kept in the store."""
        return json.dumps({"team_id": self.team_id, "channel_id": self.channel_id,
                           "schedule": self.schedule.to_dict(), "created_by": self.created_by,
                           "next_run": None if self.next_run is None else self.next_run.isoformat()})

    @classmethod
    def from_json(cls, raw: str) -> Subscription:
        """The subscription `to_json` wrote."""
        data = json.loads(raw)
        next_run = datetime.fromisoformat(data["next_run"]) if data.get("next_run") else None
        return cls(team_id=data["team_id"], channel_id=data["channel_id"],
                   schedule=DigestSchedule.from_dict(data["schedule"]), created_by=data.get("created_by", ""),
                   next_run=next_run)


def schedule_key(team_id: str, channel_id: str) -> str:
    """Where a channel's schedule is stored."""
    return f"{keys.DIGEST_SCHEDULE}{team_id}:{channel_id}"


Fire = Callable[[Subscription, datetime], Coroutine[Any, Any, Any]]


class DigestScheduler:
    """Subscribes channels to digests, lists and cancels them, and fires them when due.

    Every method that reads or writes the store raises StoreUnavailable when it is unreachable.
    """

    def __init__(self, *, store: Store, fire: Fire, clock: Callable[[], datetime] = utc_now,
                 poll_s: float = 60.0, misfire_grace_s: float = 3600.0) -> None:
        self.store = store
        self.clock = clock
        self._fire = fire
        self._poll_s = poll_s
        self._grace = timedelta(seconds=misfire_grace_s)
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._pass = asyncio.Lock()  # one pass over the records at a time in this process

    def use_clock(self, clock: Callable[[], datetime]) -> None:
        """Read time from `clock` from now on."""
        self.clock = clock

    def start(self) -> None:
        """Start on the running event loop; the first pass (now) posts digests missed while stopped."""
        self._scheduler.add_job(self._wake, IntervalTrigger(seconds=self._poll_s), id=_POLL_JOB,
                                replace_existing=True, next_run_time=datetime.now(UTC), coalesce=True,
                                max_instances=1, misfire_grace_time=None)
        self._scheduler.start()

    async def aclose(self) -> None:
        """Stop scheduling and let a pass in progress (digests being posted) finish."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        async with self._pass:
            pass

    async def subscribe(self, subscription: Subscription) -> datetime:
        """Create or replace a channel's digest; returns when it is next due."""
        # Strictly after now: APScheduler's next fire time includes `now` itself, so a digest subscribed
        # on the very second it is due would post at once instead of at its next time.
        after = self.clock() + timedelta(microseconds=1)
        next_run: datetime = subscription.schedule.trigger().get_next_fire_time(None, after)
        record = replace(subscription, next_run=next_run)
        await self.store.set(schedule_key(record.team_id, record.channel_id), record.to_json())
        self._arm(record)
        return next_run

    async def unsubscribe(self, team_id: str, channel_id: str) -> Subscription | None:
        """Cancel a channel's digest; returns what was cancelled, or None."""
        found = await self.get(team_id, channel_id)
        if found is not None:
            await self.store.delete(schedule_key(team_id, channel_id))
            self._disarm(found.job_id)
        return found

    async def get(self, team_id: str, channel_id: str) -> Subscription | None:
        """A channel's digest, if it has one."""
        raw = await self.store.get(schedule_key(team_id, channel_id))
        return None if raw is None else Subscription.from_json(raw)

    async def list(self, team_id: str) -> list[Subscription]:
        """Every digest in one workspace, soonest first."""
        found = [Subscription.from_json(raw) async for _, raw in self.store.scan(f"{keys.DIGEST_SCHEDULE}{team_id}:")]
        return sorted(found, key=lambda s: s.next_run or datetime.max.replace(tzinfo=UTC))

    async def run_pending(self) -> None:
        """Post every digest due at `clock()` now (waiting until they are posted); move each to its next time."""
        async with self._pass:
            now = self.clock()
            seen = {_POLL_JOB}
            async for key, raw in self.store.scan(keys.DIGEST_SCHEDULE):
                subscription = Subscription.from_json(raw)
                seen.add(subscription.job_id)
                if subscription.next_run is not None and subscription.next_run <= now:
                    subscription = await self._due(key, subscription, now)
                self._arm(subscription)
            for job in self._scheduler.get_jobs():
                if job.id not in seen:  # cancelled by another process
                    self._disarm(job.id)

    async def _due(self, key: str, subscription: Subscription, now: datetime) -> Subscription:
        trigger = subscription.schedule.trigger()
        run_times: list[datetime] = []
        when = subscription.next_run
        while when is not None and when <= now and len(run_times) < 1000:
            run_times.append(when)
            when = trigger.get_next_fire_time(when, now)
        moved = replace(subscription, next_run=when)
        latest = run_times[-1]  # coalesce: a digest missed several times posts once
        if now - latest <= self._grace:
            try:
                await self._fire(moved, latest)
            except Exception:  # one channel's failure must not stop the others
                log.exception("digest for %s failed", subscription.job_id)
        else:
            log.warning("digest for %s missed at %s (now %s); skipping to %s", subscription.job_id, latest, now, when)
        if await self.store.get(key) is not None:  # not cancelled while it was posted
            await self.store.set(key, moved.to_json())
        return moved

    async def _wake(self) -> None:
        try:
            await self.run_pending()
        except StoreUnavailable as exc:  # the store is away: the next poll tries again
            log.warning("could not read digest schedules: %s", exc)

    def _arm(self, subscription: Subscription) -> None:
        """Wake this process at the subscription's next fire time (real time)."""
        if subscription.next_run is None or subscription.next_run <= datetime.now(UTC):
            # Past in real time: due now (this pass posts it) or a test clock ahead of us; the poll covers both.
            self._disarm(subscription.job_id)
            return
        self._scheduler.add_job(self._wake, DateTrigger(run_date=subscription.next_run), id=subscription.job_id,
                                replace_existing=True, misfire_grace_time=None, coalesce=True, max_instances=1)

    def _disarm(self, job_id: str) -> None:
        try:
            self._scheduler.remove_job(job_id)
        except JobLookupError:
            pass
