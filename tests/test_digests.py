"""Scheduled digests under a controlled clock: local time across DST, exactly once on shared Redis,
only the channel's own drafts, and schedules that survive a restart. Posts land in the fake Slack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import SLACK_APP
from bot.digests.schedule import ScheduleError, parse_schedule
from bot.digests.scheduler import DigestScheduler, Subscription, schedule_key
from bot.digests.service import DigestRuntime, build_digests
from bot.drafts import DraftRecord, DraftStore, DraftVersion, StepSummary
from bot.handlers.digests import digests_for
from bot.install.clients import TeamClients
from bot.settings import Settings
from engine import keys
from engine.cache.store import RedisStore, SQLiteStore, Store
from engine.errors import StoreUnavailable
from engine.models import DraftRequest
from engine.workflow import Engine
from tests.conftest import free_port
from tests.fakes.slack_server import FakeSlack
from tests.slack_helpers import slack_harness

TEAM, CHANNEL = "T0TEST", "C0SALES"
THREAD = ("Rep (Jordan Lee): Hi Ana, worth a quick look?\n"
          "Ana Ruiz: Maybe. What does it cost for 40 seats? We'd need it before Q3.")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


def _runtime(*, slack: FakeSlack, store: Store, clock: Clock, data_dir: Path,
             redis_url: str | None = None) -> DigestRuntime:
    settings = Settings(data_dir=data_dir, slack_api_url=slack.url, slack_bot_token=slack.token,
                        redis_url=redis_url)
    engine = Engine(settings, store=store)
    client = AsyncWebClient(token=slack.token, base_url=slack.url)
    return build_digests(settings=settings, engine=engine, drafts=DraftStore(store), clients=TeamClients(client),
                         clock=clock)


def _subscription(*args: str, channel: str = CHANNEL) -> Subscription:
    return Subscription(team_id=TEAM, channel_id=channel, schedule=parse_schedule(list(args)))


def _posts(slack: FakeSlack) -> int:
    """Messages Slack took (a 429 under its rate limit is retried by the SDK, not posted)."""
    return len([c for c in slack.calls_to("chat.postMessage") if c.error is None])


async def _walk(runtimes: list[DigestRuntime], clock: Clock, until: datetime, slack: FakeSlack,
                *, step: timedelta = timedelta(minutes=15)) -> list[datetime]:
    """Move the clock to `until` in steps; returns the clock time of each digest posted."""
    posted: list[datetime] = []
    while clock.now < until:
        clock.now += step
        before = _posts(slack)
        await asyncio.gather(*(runtime.scheduler.run_pending() for runtime in runtimes))
        posted += [clock.now] * (_posts(slack) - before)
    return posted


def test_schedules_are_read_from_what_people_type() -> None:
    daily = parse_schedule(["daily", "9:05", "Europe/Berlin"])
    assert (daily.kind, daily.hour, daily.minute, daily.tz) == ("daily", 9, 5, "Europe/Berlin")
    weekly = parse_schedule(["weekly", "Monday", "17:30"], default_tz="America/New_York")
    assert (weekly.weekday, weekly.tz, weekly.describe()) == (
        0, "America/New_York", "every Monday at 17:30 (America/New_York)")
    for bad, says in ((["daily", "25:00"], "not a time of day"), (["weekly", "someday", "09:00"], "not a weekday"),
                      (["daily", "09:00", "Mars/Olympus"], "not a time zone"), (["hourly"], "/draft digest daily")):
        with pytest.raises(ScheduleError, match=says):
            parse_schedule(bad)


@pytest.mark.parametrize(("start", "expected_utc"), [
    # Last Sunday of March 2027 is the 28th: 09:00 is 08:00 UTC before (CET), 07:00 UTC after (CEST).
    (datetime(2027, 3, 26, 12, tzinfo=UTC), ["2027-03-27 08:00", "2027-03-28 07:00", "2027-03-29 07:00"]),
    # Last Sunday of October 2027 is the 31st: back from 07:00 UTC (CEST) to 08:00 UTC (CET).
    (datetime(2027, 10, 29, 12, tzinfo=UTC), ["2027-10-30 07:00", "2027-10-31 08:00", "2027-11-01 08:00"]),
])
async def test_daily_digest_fires_at_nine_berlin_time_across_dst(
        slack: FakeSlack, data_dir: Path, start: datetime, expected_utc: list[str]) -> None:
    clock = Clock(start)
    runtime = _runtime(slack=slack, store=SQLiteStore(data_dir / "store.sqlite3"), clock=clock,
                       data_dir=data_dir)
    runtime.start()
    try:
        await runtime.scheduler.subscribe(_subscription("daily", "09:00", "Europe/Berlin"))
        posted = await _walk([runtime], clock, start + timedelta(days=3), slack)
    finally:
        await runtime.aclose()
    assert [moment.strftime("%Y-%m-%d %H:%M") for moment in posted] == expected_utc
    # Each digest covers the day up to 09:00 local, as its context line says.
    lines = [message.all_text for message in slack.messages_in(CHANNEL)]
    assert all("09:00 (Europe/Berlin)" in line for line in lines), lines


async def test_weekly_digest_keeps_its_weekday_and_local_time(slack: FakeSlack, data_dir: Path) -> None:
    clock = Clock(datetime(2027, 3, 22, 12, tzinfo=UTC))  # a Monday, 08:00 in New York (EDT)
    runtime = _runtime(slack=slack, store=SQLiteStore(data_dir / "store.sqlite3"), clock=clock,
                       data_dir=data_dir)
    runtime.start()
    try:
        await runtime.scheduler.subscribe(_subscription("weekly", "mon", "09:00", "America/New_York"))
        posted = await _walk([runtime], clock, clock.now + timedelta(days=14), slack,
                             step=timedelta(hours=1))
    finally:
        await runtime.aclose()
    assert [moment.strftime("%a %Y-%m-%d %H:%M") for moment in posted] == [
        "Mon 2027-03-22 13:00", "Mon 2027-03-29 13:00"]  # 09:00 EDT, never on the other days


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """A Redis database of its own, emptied for each test."""
    url = redis_server.rsplit("/", 1)[0] + "/7"
    redis.Redis.from_url(url).flushdb()
    return url


async def test_two_app_instances_on_one_redis_post_each_digest_once(
        slack: FakeSlack, tmp_path: Path, redis_url: str) -> None:
    # Real time, so the draft made below (stamped with the real clock) falls in the first digest.
    now = datetime.now(UTC)
    clock = Clock(now.replace(minute=now.minute // 15 * 15, second=0, microsecond=0))  # on the walk's grid
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with slack_harness(tmp_path / "a", fake=slack, redis_url=redis_url) as first, \
            slack_harness(tmp_path / "b", fake=slack, redis_url=redis_url) as second:
        runtimes = [digests_for(app.client.server.app[SLACK_APP]) for app in (first, second)]
        for runtime in runtimes:
            runtime.use_clock(clock)
        await first.command("digest daily 09:00 Europe/Berlin")
        await slack.wait_for(lambda fake: len(fake.responses) == 1)
        # A draft made through the other instance lands in the same channel's digest.
        await second.command(THREAD)
        await second.settle()
        # The other instance sees the schedule through the shared job store.
        assert await runtimes[1].scheduler.get(TEAM, CHANNEL) is not None
        start, end = clock.now, clock.now + timedelta(days=3)
        posted = await _walk(runtimes, clock, end, slack)
        berlin = ZoneInfo("Europe/Berlin")
        nines = [datetime.combine(start.date() + timedelta(days=n), time(9), berlin) for n in range(-1, 5)]
        expected = [nine.astimezone(UTC) for nine in nines if start < nine <= end]
        assert posted == expected  # one post per 09:00, at 09:00, from the two instances together
        digests = [m for m in slack.messages_in(CHANNEL) if "Daily digest" in m.all_text]
        assert len(digests) == len(expected)
        assert "*Drafts created*\n1" in digests[0].all_text and "|Draft “Hi Ana," in digests[0].all_text
        # Both race to post the same fire time (as two processes waking together would):
        # the lock in the shared store lets exactly one through.
        subscription = await runtimes[1].scheduler.get(TEAM, CHANNEL)
        assert subscription is not None and subscription.next_run is not None
        results = await asyncio.gather(*(runtime.service.fire(subscription, subscription.next_run)
                                         for runtime in runtimes))
        assert sorted(results) == [False, True]
        assert len([m for m in slack.messages_in(CHANNEL) if "Daily digest" in m.all_text]) == len(expected) + 1


async def test_schedule_survives_a_restart_and_a_missed_digest_posts_once(
        slack: FakeSlack, data_dir: Path) -> None:
    clock = Clock(datetime(2027, 3, 26, 12, tzinfo=UTC))
    first = _runtime(slack=slack, store=SQLiteStore(data_dir / "store.sqlite3"), clock=clock,
                     data_dir=data_dir)
    first.start()
    await first.scheduler.subscribe(_subscription("daily", "09:00", "Europe/Berlin"))
    await first.aclose()  # the process stops before the digest is due

    clock.now = datetime(2027, 3, 27, 8, 20, tzinfo=UTC)  # 20 minutes after 09:00 Berlin
    second = _runtime(slack=slack, store=SQLiteStore(data_dir / "store.sqlite3"), clock=clock,
                      data_dir=data_dir)
    second.start()
    try:
        await second.scheduler.run_pending()
        assert len(slack.calls_to("chat.postMessage")) == 1
        await second.scheduler.run_pending()  # nothing new is due
        assert len(slack.calls_to("chat.postMessage")) == 1
        subscription = await second.scheduler.get(TEAM, CHANNEL)
        assert subscription is not None and subscription.next_run is not None
        assert subscription.next_run.astimezone(UTC) == datetime(2027, 3, 28, 7, tzinfo=UTC)
        assert await second.scheduler.unsubscribe(TEAM, CHANNEL) is not None
        posted = await _walk([second], clock, clock.now + timedelta(days=2), slack, step=timedelta(hours=1))
        assert posted == []
    finally:
        await second.aclose()


async def test_a_digest_subscribed_on_the_second_it_is_due_starts_at_its_next_time(
        slack: FakeSlack, data_dir: Path) -> None:
    clock = Clock(datetime(2027, 3, 26, 8, tzinfo=UTC))  # 09:00 in Berlin (CET) to the microsecond
    runtime = _runtime(slack=slack, store=SQLiteStore(data_dir / "store.sqlite3"), clock=clock, data_dir=data_dir)
    runtime.start()
    try:
        next_run = await runtime.scheduler.subscribe(_subscription("daily", "09:00", "Europe/Berlin"))
        assert next_run.astimezone(UTC) == datetime(2027, 3, 27, 8, tzinfo=UTC)
        await runtime.scheduler.run_pending()
        assert slack.calls_to("chat.postMessage") == []
    finally:
        await runtime.aclose()


def _record(*, team: str, channel: str, prospect: str, at: float, status: str = "ready",
            intent_request: str | None = None, ms: int = 1200, sources: tuple[str, str, str] =
            ("offline", "offline", "offline"), regenerated: bool = False) -> DraftRecord:
    steps = [StepSummary(name=name, status="ok", source=source, elapsed_ms=ms // 3)
             for name, source in zip(("profile", "analysis", "reply"), sources, strict=True)]
    versions = [DraftVersion(number=1, text=f"Hi {prospect}", created_at=at, kind="drafted",
                             request_id=intent_request, total_ms=ms, steps=steps)]
    if regenerated:
        versions.append(DraftVersion(number=2, text=f"Hello {prospect}", created_at=at + 60,
                                     kind="regenerated", total_ms=ms * 2, steps=steps))
    record = DraftRecord(team_id=team, channel_id=channel, message_ts=f"{int(at)}.000100",
                         user_id="U0REP", request=DraftRequest(conversation_thread="Prospect: hi",
                                                               prospect_name=prospect),
                         status=status, versions=versions, created_at=at)  # type: ignore[arg-type]
    if status == "approved":
        record.approved_at, record.approved_by = at + 120, "U0LEAD"
    return record


async def test_digest_reports_only_its_own_channels_drafts(slack: FakeSlack, data_dir: Path) -> None:
    store = SQLiteStore(data_dir / "store.sqlite3")
    clock = Clock(datetime(2027, 3, 27, 8, tzinfo=UTC))
    runtime = _runtime(slack=slack, store=store, clock=clock, data_dir=data_dir)
    drafts = DraftStore(store)
    day_ago = clock.now.timestamp() - 6 * 3600
    for index, intent in enumerate(("asks_pricing", "asks_pricing", "wants_trial")):
        await store.set(f"{keys.DIGEST_INTENT}req{index}", intent)
    ours: list[dict[str, Any]] = [
        {"prospect": "Ada Ours", "status": "approved", "intent_request": "req0"},
        {"prospect": "Bo Ours", "status": "ready", "intent_request": "req1", "regenerated": True},
        {"prospect": "Cy Ours", "status": "ready", "intent_request": "req2",
         "sources": ("profile_cache", "exact_cache", "template"), "ms": 40},
    ]
    for index, extra in enumerate(ours):
        await drafts.create(_record(team=TEAM, channel=CHANNEL, at=day_ago + index, **extra))
    # Another channel of the same workspace, and the same channel id in another workspace.
    await drafts.create(_record(team=TEAM, channel="C0OTHER", prospect="Dee Elsewhere", at=day_ago))
    await drafts.create(_record(team="T0OTHER", channel=CHANNEL, prospect="Eve Otherteam", at=day_ago))
    # An old draft of ours: outside the digest's day, still listed while it waits for approval.
    await drafts.create(_record(team=TEAM, channel=CHANNEL, prospect="Fay Old", at=day_ago - 5 * 86400))

    subscription = _subscription("daily", "09:00", "Europe/Berlin")
    assert await runtime.service.fire(subscription, clock.now) is True
    [message] = slack.messages_in(CHANNEL)
    text = message.all_text
    assert "Elsewhere" not in text and "Otherteam" not in text
    for name in ("Bo Ours", "Cy Ours", "Fay Old"):
        assert f"Draft for {name}" in text  # pending, with a link to its message
    assert "Ada Ours" not in text  # approved, so not pending
    assert f"{slack.base}/archives/{CHANNEL}/p" in text
    fields = {field["text"].split("\n")[0].strip("*"): field["text"].split("\n")[1]
              for block in message.blocks for field in block.get("fields", [])}
    assert fields["Drafts created"] == "3" and fields["Approved"] == "1"
    assert fields["Regenerated"] == "1" and fields["Still pending"] == "3"
    assert "asks pricing ×2" in text and "wants trial ×1" in text
    assert "p50 1.2 s · p95 2.4 s over 4 drafts" in text
    # Four engine runs (three drafts, one regeneration); Cy's profile, analysis and reply were reused.
    assert "whole result 0% (0/4) · profile 25% (1/4) · analysis 25% (1/4) · template 25% (1/4)" in text
    assert slack.invalid == []
    await store.close()


async def test_a_quiet_channel_gets_a_friendly_digest(slack: FakeSlack, data_dir: Path) -> None:
    clock = Clock(datetime(2027, 3, 27, 8, tzinfo=UTC))
    runtime = _runtime(slack=slack, store=SQLiteStore(data_dir / "store.sqlite3"), clock=clock,
                       data_dir=data_dir)
    await runtime.service.fire(_subscription("weekly", "sat", "09:00", "Europe/Berlin"), clock.now)
    [message] = slack.messages_in(CHANNEL)
    assert "Nothing to report for the last 7 days" in message.all_text


async def test_an_unreachable_redis_job_store_is_reported_as_store_unavailable(tmp_path: Path) -> None:
    async def fire(subscription: Subscription, when: datetime) -> None:
        raise AssertionError("nothing is due")

    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0")
    scheduler = DigestScheduler(store=store, fire=fire)
    scheduler.start()
    try:
        schedule = parse_schedule(["daily", "09:00"], default_tz="UTC")
        with pytest.raises(StoreUnavailable, match=r"127\.0\.0\.1"):
            await scheduler.list("T1")
        with pytest.raises(StoreUnavailable):
            await scheduler.subscribe(Subscription(team_id="T1", channel_id="C1", schedule=schedule, created_by="U1"))
        with pytest.raises(StoreUnavailable):
            await scheduler.unsubscribe("T1", "C1")
    finally:
        await scheduler.aclose()


async def test_apscheduler_wakes_the_scheduler_at_the_next_fire_time(tmp_path: Path) -> None:
    fired: list[datetime] = []

    async def fire(subscription: Subscription, when: datetime) -> None:
        fired.append(when)

    store = SQLiteStore(tmp_path / "store.sqlite3")
    scheduler = DigestScheduler(store=store, fire=fire, poll_s=60.0)  # the real clock; no poll in time
    subscription = Subscription(team_id="T1", channel_id="C1", schedule=parse_schedule(["daily", "09:00"]))
    await scheduler.subscribe(subscription)
    soon = (datetime.now(UTC) + timedelta(seconds=0.5)).replace(microsecond=0) + timedelta(seconds=1)
    await store.set(schedule_key("T1", "C1"), replace(subscription, next_run=soon).to_json())
    scheduler.start()  # the first pass finds nothing due and arms a wake-up at `soon`
    try:
        for _ in range(100):
            if fired:
                break
            await asyncio.sleep(0.05)
        assert fired == [soon]
        moved = await scheduler.get("T1", "C1")
        assert moved is not None and moved.next_run is not None and moved.next_run > soon
    finally:
        await scheduler.aclose()
        await store.close()
