"""The digest scheduler: APScheduler's AsyncIOScheduler over a persistent job store, with a clock we pass in.

One job per channel (id `digest:<team>:<channel>`), its CronTrigger in the channel's time zone.
When a job is due the scheduler hands `(subscription, scheduled fire time)` to `fire`; the fire
time, not the wall clock, is what the exactly-once lock is keyed on, so every process sharing the
job store agrees on it. Processes also re-read the store at least every `poll_s` seconds, since
APScheduler 3 does not tell one process about jobs another one added.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.base import BaseJobStore, JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_PAUSED
from redis.exceptions import RedisError

from bot.digests.schedule import DigestSchedule
from engine.errors import StoreUnavailable

__all__ = ["DigestScheduler", "Subscription", "utc_now"]

log = logging.getLogger(__name__)
_STORE = "digests"


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


def digest_job(**subscription: Any) -> None:
    """Stands in for the job's callable in the store; the scheduler calls `fire` instead."""


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
        return job_id(self.team_id, self.channel_id)

    def job_kwargs(self) -> dict[str, Any]:
        return {"team_id": self.team_id, "channel_id": self.channel_id,
                "schedule": self.schedule.to_dict(), "created_by": self.created_by}


def job_id(team_id: str, channel_id: str) -> str:
    """The job id of a channel's digest."""
    return f"digest:{team_id}:{channel_id}"


Fire = Callable[[Subscription, datetime], Coroutine[Any, Any, Any]]


class _ClockedScheduler(AsyncIOScheduler):  # type: ignore[misc]
    """AsyncIOScheduler whose job processing reads `clock` and hands due digests to `fire`.

    Only `_process_jobs` differs from APScheduler's: it asks the clock for `now` (so tests can move
    time) and starts `fire` tasks itself, because the fire time must reach the digest.
    """

    def __init__(self, *, clock: Callable[[], datetime], fire: Fire, poll_s: float,
                 misfire_grace_s: float, **options: Any) -> None:
        super().__init__(**options)
        self.clock = clock
        self._fire = fire
        self._poll_s = poll_s
        self._grace = timedelta(seconds=misfire_grace_s)
        self.tasks: set[asyncio.Task[Any]] = set()

    def _process_jobs(self) -> float | None:
        if self.state == STATE_PAUSED:
            return None
        now = self.clock()
        with self._jobstores_lock:
            for alias, store in self._jobstores.items():
                try:
                    due = store.get_due_jobs(now)
                except Exception as exc:  # Redis away: try again on the next poll
                    log.warning("could not read due digests from job store %r: %s", alias, exc)
                    continue
                for job in due:
                    self._run(store, alias, job, now)
        return max(0.0, min(self._poll_s, self._seconds_to_next(now)))

    def _run(self, store: BaseJobStore, alias: str, job: Any, now: datetime) -> None:
        run_times: list[datetime] = []
        when = job.next_run_time
        while when is not None and when <= now and len(run_times) < 1000:
            run_times.append(when)
            when = job.trigger.get_next_fire_time(when, now)
        if run_times:
            latest = run_times[-1]  # coalesce: a digest missed several times posts once
            subscription = _subscription(job.kwargs, next_run=when)
            if now - latest <= self._grace:
                task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(
                    self._fire(subscription, latest))
                self.tasks.add(task)
                task.add_done_callback(self._done)
            else:
                log.warning("digest for %s missed at %s (now %s); skipping to %s",
                            job.id, latest, now, when)
        if when is None:
            self.remove_job(job.id, alias)
            return
        job._modify(next_run_time=when)
        store.update_job(job)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("digest failed", exc_info=task.exception())

    def _seconds_to_next(self, now: datetime) -> float:
        soonest: datetime | None = None
        for store in self._jobstores.values():
            try:
                when = store.get_next_run_time()
            except Exception:
                continue
            if when is not None and (soonest is None or when < soonest):
                soonest = when
        return self._poll_s if soonest is None else (soonest - now).total_seconds()

    def process_now(self) -> None:
        """Process due jobs at once and re-arm the timer (what `wakeup` does, without a hop)."""
        self._stop_timer()
        self._start_timer(self._process_jobs())


def _subscription(kwargs: dict[str, Any], *, next_run: datetime | None) -> Subscription:
    return Subscription(team_id=kwargs["team_id"], channel_id=kwargs["channel_id"],
                        schedule=DigestSchedule.from_dict(kwargs["schedule"]),
                        created_by=kwargs.get("created_by", ""), next_run=next_run)


@contextlib.contextmanager
def _store_errors() -> Iterator[None]:
    """APScheduler's RedisJobStore raises redis' own errors; callers handle StoreUnavailable."""
    try:
        yield
    except RedisError as exc:
        raise StoreUnavailable(str(exc)) from exc


class DigestScheduler:
    """Subscribes channels to digests, lists and cancels them, and fires them when due.

    Every method that reads or writes the job store raises StoreUnavailable when it is unreachable.
    """

    def __init__(self, *, jobstore: BaseJobStore, fire: Fire, clock: Callable[[], datetime] = utc_now,
                 poll_s: float = 60.0, misfire_grace_s: float = 3600.0) -> None:
        self.clock = clock
        self._scheduler = _ClockedScheduler(clock=clock, fire=fire, poll_s=poll_s,
                                            misfire_grace_s=misfire_grace_s, timezone=UTC)
        self._scheduler.add_jobstore(jobstore, _STORE)

    def use_clock(self, clock: Callable[[], datetime]) -> None:
        """Read time from `clock` from now on."""
        self.clock = clock
        self._scheduler.clock = clock

    def start(self) -> None:
        """Start on the running event loop; digests missed while stopped (within the grace) post now."""
        self._scheduler.start()

    async def aclose(self) -> None:
        """Stop scheduling and let digests being posted finish."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn
        if self._scheduler.tasks:
            await asyncio.gather(*self._scheduler.tasks, return_exceptions=True)

    def subscribe(self, subscription: Subscription) -> datetime:
        """Create or replace a channel's digest; returns when it is next due."""
        trigger = subscription.schedule.trigger()
        next_run: datetime = trigger.get_next_fire_time(None, self.clock())
        with _store_errors():
            self._scheduler.add_job(
                digest_job, trigger=trigger, id=subscription.job_id, name=subscription.job_id,
                kwargs=subscription.job_kwargs(), jobstore=_STORE, replace_existing=True,
                next_run_time=next_run, coalesce=True, max_instances=1,
            )
        return next_run

    def unsubscribe(self, team_id: str, channel_id: str) -> Subscription | None:
        """Cancel a channel's digest; returns what was cancelled, or None."""
        found = self.get(team_id, channel_id)
        if found is not None:
            try:
                with _store_errors():
                    self._scheduler.remove_job(job_id(team_id, channel_id), _STORE)
            except JobLookupError:  # another process removed it meanwhile
                return None
        return found

    def get(self, team_id: str, channel_id: str) -> Subscription | None:
        """A channel's digest, if it has one."""
        with _store_errors():
            job = self._scheduler.get_job(job_id(team_id, channel_id), _STORE)
        return None if job is None else _subscription(job.kwargs, next_run=job.next_run_time)

    def list(self, team_id: str) -> list[Subscription]:
        """Every digest in one workspace, soonest first."""
        with _store_errors():
            jobs = self._scheduler.get_jobs(_STORE)
        return [_subscription(job.kwargs, next_run=job.next_run_time)
                for job in jobs if job.kwargs.get("team_id") == team_id]

    async def run_pending(self) -> None:
        """Fire whatever is due at `clock()` now and wait until those digests are posted."""
        self._scheduler.process_now()
        while self._scheduler.tasks:
            await asyncio.gather(*list(self._scheduler.tasks), return_exceptions=True)
