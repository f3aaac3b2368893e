"""A store written by the previous release (keys without the `rc:` root) is migrated on start-up.

The old keys are written here exactly as the previous release wrote them (same key strings, same
values and TTLs; digest schedules as pickled APScheduler jobs in its Redis hash or jobs.sqlite3),
into a real SQLite file and a real Redis. Then the web app starts (its on_startup migrates) and
everything is read back through today's code: drafts, digest schedules, batch checkpoints (the
batch resumes to a report) and idempotency keys.
"""

from __future__ import annotations

import asyncio
import pickle
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.redis import RedisJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from bot.digests.legacy import LEGACY_JOBS_KEY, LEGACY_RUN_TIMES_KEY
from bot.digests.schedule import parse_schedule
from bot.digests.scheduler import DigestScheduler, Subscription
from bot.drafts import DraftRecord, DraftStore
from bot.redelivery import claim_once
from bot.server import build_web_app
from bot.settings import Settings
from engine import keys
from engine.batch.rows import BatchMeta, row_to_json
from engine.batch.runner import BATCH_TTL_S, BatchRunner, unfinished_batches
from engine.cache.store import RedisStore, SQLiteStore, Store
from engine.migrate import migrate_store
from engine.models import DraftRequest
from engine.workflow import Engine

TEAM, CHANNEL = "T0OLD", "C0OLD"
NEXT_RUN = datetime(2031, 1, 6, 8, tzinfo=UTC)  # 09:00 Berlin, far enough ahead never to be due


def digest_job(**subscription: Any) -> None:
    """The old jobs' callable (the old release named its own; only the kwargs are read back)."""


def _old_job_state(jobstore: Any) -> Any:
    """An APScheduler digest job as the old scheduler added it (same trigger, kwargs, options)."""
    scheduler = BackgroundScheduler(timezone=UTC, jobstores={"digests": jobstore})
    scheduler.start(paused=True)
    schedule = parse_schedule(["daily", "09:00", "Europe/Berlin"])
    job_id = f"digest:{TEAM}:{CHANNEL}"
    scheduler.add_job(digest_job, trigger=schedule.trigger(), id=job_id, name=job_id, jobstore="digests",
                      kwargs={"team_id": TEAM, "channel_id": CHANNEL, "schedule": schedule.to_dict(),
                              "created_by": "U0OLD"},
                      replace_existing=True, next_run_time=NEXT_RUN, coalesce=True, max_instances=1)
    state = scheduler.get_job(job_id).__getstate__()
    scheduler.shutdown(wait=False)
    return state


async def _write_old_release(store: Store, *, data_dir: Path, redis_url: str | None) -> DraftRecord:
    record = DraftRecord(team_id=TEAM, channel_id=CHANNEL, message_ts="1.000100", status="ready",
                         request=DraftRequest(conversation_thread="Ana: what does it cost?", prospect_name="Ana"))
    # bot/drafts.py of the previous release
    await store.set(f"draft-team:{record.draft_id}", record.team_id)
    await store.append(f"draft-channel:{record.team_id}:{record.channel_id}", record.draft_id)
    await store.set(f"draft:{record.team_id}:{record.draft_id}", record.model_dump_json())
    # bot/redelivery.py: a delivery already handled
    await store.set_if_absent(f"slack-once:{TEAM}:Ev0OLD", "1", ttl=3600)
    # engine/batch_runner.py: a batch prepared and never finished
    meta = BatchMeta(batch_id="batch_old", scope="old-scope", total=2, max_concurrent=2)
    await store.set("batch:batch_old:meta", meta.to_json(), ttl=BATCH_TTL_S)
    await store.set("batches:running:batch_old", meta.to_json(), ttl=BATCH_TTL_S)
    for index, name in enumerate(("Ana Ruiz", "Bo Lee")):
        request = DraftRequest(conversation_thread=f"{name}: can we try it first?", prospect_name=name)
        await store.set(f"batch:batch_old:in:{index:06d}", row_to_json(request), ttl=BATCH_TTL_S)
    # bot/digests: an intent, a batch run, and the digest schedule in APScheduler's job store
    await store.set("digest-intent:req_old", "asks_pricing", ttl=3600)
    await store.append(f"digest-batches:{TEAM}:{CHANNEL}", '{"at": 1.0, "total": 2}')
    if redis_url:
        pool = redis.ConnectionPool.from_url(redis_url)
        _old_job_state(RedisJobStore(jobs_key=LEGACY_JOBS_KEY, run_times_key=LEGACY_RUN_TIMES_KEY,
                                     connection_pool=pool))
        pool.disconnect()
    else:
        db = sqlite3.connect(data_dir / "jobs.sqlite3")
        db.execute("CREATE TABLE digest_jobs (id TEXT PRIMARY KEY, next_run_time REAL, job_state BLOB NOT NULL)")
        state = _old_job_state(MemoryJobStore())
        db.execute("INSERT INTO digest_jobs VALUES (?, ?, ?)",
                   (state["id"], NEXT_RUN.timestamp(), pickle.dumps(state, pickle.HIGHEST_PROTOCOL)))
        db.commit()
        db.close()
    return record


@pytest.fixture(params=["sqlite", "redis"])
async def old_store(request: pytest.FixtureRequest, data_dir: Path) -> AsyncIterator[tuple[Store, str | None]]:
    if request.param == "sqlite":
        yield SQLiteStore(data_dir / "store.sqlite3"), None
        return
    # A database of its own on the session's Redis: the migration renames every old-style key in it.
    url = request.getfixturevalue("redis_server").rsplit("/", 1)[0] + "/7"
    redis.Redis.from_url(url).flushdb()
    store = RedisStore(url)
    yield store, url
    await store.close()


async def test_previous_release_store_survives_the_upgrade(
        old_store: tuple[Store, str | None], data_dir: Path, aiohttp_client: Any) -> None:
    store, redis_url = old_store
    record = await _write_old_release(store, data_dir=data_dir, redis_url=redis_url)
    settings = Settings(data_dir=data_dir, redis_url=redis_url)
    engine = Engine(settings, store=store)
    await aiohttp_client(build_web_app(settings, engine=engine))  # start-up migrates

    drafts = DraftStore(store)
    loaded = await drafts.load(TEAM, record.draft_id)
    assert loaded is not None and loaded.request.prospect_name == "Ana" and loaded.status == "ready"
    assert await drafts.owner(record.draft_id) == TEAM
    assert [r.draft_id async for r in drafts.in_channel(TEAM, CHANNEL)] == [record.draft_id]
    assert await claim_once(store, f"{TEAM}:Ev0OLD") is False  # still counts as handled
    assert await store.get(f"{keys.DIGEST_INTENT}req_old") == "asks_pricing"
    assert await store.read_from(f"{keys.DIGEST_BATCHES}{TEAM}:{CHANNEL}", 0) == ['{"at": 1.0, "total": 2}']

    async def fire(subscription: Subscription, when: datetime) -> None:
        raise AssertionError("not due")

    subscription = await DigestScheduler(store=store, fire=fire).get(TEAM, CHANNEL)
    assert subscription is not None and subscription.created_by == "U0OLD"
    assert subscription.schedule.describe() == "every day at 09:00 (Europe/Berlin)"
    assert subscription.next_run == NEXT_RUN

    assert [meta.batch_id for meta in await unfinished_batches(engine)] == ["batch_old"]
    report = await BatchRunner(engine, batch_id="batch_old").resume()
    assert report.total_requests == 2 and report.successful_requests == 2

    # Nothing is left under an old prefix, and what kept a TTL still has it.
    for old in keys.LEGACY:
        assert [k async for k, _ in store.scan(old)] == []
    if redis_url:
        client = redis.Redis.from_url(redis_url)
        assert [k for k in client.scan_iter() if not k.startswith(keys.ROOT.encode())] == []
        assert 0 < client.ttl(f"{keys.SLACK_ONCE}{TEAM}:Ev0OLD") <= 3600
        assert client.ttl(f"{keys.DRAFT}{TEAM}:{record.draft_id}") == -1  # drafts never expired
        client.close()
    else:
        db = sqlite3.connect(data_dir / "store.sqlite3")
        [(expires,)] = db.execute("SELECT expires FROM kv WHERE key = ?", (f"{keys.SLACK_ONCE}{TEAM}:Ev0OLD",))
        assert time.time() < expires <= time.time() + 3600
        assert [k for (k,) in db.execute("SELECT key FROM kv") if not k.startswith(keys.ROOT)] == []
        db.close()


async def test_migration_runs_once(old_store: tuple[Store, str | None], data_dir: Path) -> None:
    store, _ = old_store
    await store.set("draft:T1:d1", "{}")
    assert await migrate_store(store) == 1
    assert await store.get(keys.MIGRATED) is not None
    # A key written in the old style after the marker (it should not be) is left alone: the marker wins.
    await store.set("draft:T1:d2", "{}")
    assert await migrate_store(store) == 0
    assert await store.get("draft:T1:d2") == "{}" and await store.get(f"{keys.DRAFT}T1:d1") == "{}"


async def test_an_unreachable_store_is_migrated_on_a_later_start() -> None:
    from tests.conftest import free_port

    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0")
    assert await migrate_store(store) is None  # a warning, not a crash: the next start tries again
    await store.close()


def test_every_prefix_is_under_the_root_and_none_shadows_another() -> None:
    prefixes = [family.prefix for family in keys.FAMILIES]
    assert all(p.startswith(keys.ROOT) for p in prefixes) and len(set(prefixes)) == len(prefixes)
    assert keys.DRAFT == "rc:draft:" and keys.BATCH == "rc:batch:" and keys.SEMANTIC_LOG == "rc:slog"
    # A scan of one family never returns another's keys.
    for a in prefixes:
        for b in prefixes:
            assert a == b or not b.startswith(a), (a, b)
    for old in keys.LEGACY:
        assert not any(other != old and other.startswith(old) for other in keys.LEGACY), old


async def test_two_processes_starting_together_move_each_key_once(
        old_store: tuple[Store, str | None], data_dir: Path) -> None:
    store, redis_url = old_store
    other: Store = RedisStore(redis_url) if redis_url else SQLiteStore(data_dir / "store.sqlite3")
    for i in range(600):  # more than one Redis pipeline chunk
        await store.set(f"slack-once:T1:Ev{i}", "1", ttl=3600)
    moved = await asyncio.gather(migrate_store(store), migrate_store(other))
    assert sum(m or 0 for m in moved) == 600
    assert len([k async for k, _ in store.scan(keys.SLACK_ONCE)]) == 600
    assert [k async for k, _ in store.scan("slack-once:")] == []
    await other.close()
