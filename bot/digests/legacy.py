"""Start-up import of digest schedules the previous release kept in APScheduler job stores.

That release stored each channel's digest as a pickled APScheduler job: in the Redis hash
`replycrew:digest:jobs` (next run times in the sorted set `replycrew:digest:run_times`) when Redis
was configured, else in DATA_DIR/jobs.sqlite3 (table `digest_jobs`). Both pickled
`Job.__getstate__()`, a plain dict whose `kwargs` are the subscription and `next_run_time` its next
run. We read those dicts, write one `rc:digest-schedule:` record each (unless the channel already
has one) and set a marker; the Redis keys are then deleted, the SQLite file is left as it was.
The pickles were written by our own process into our own store, so unpickling them is safe.
"""

from __future__ import annotations

import logging
import pickle
import sqlite3
from datetime import datetime
from typing import Any

import redis.asyncio as aioredis

from bot.digests.schedule import DigestSchedule
from bot.digests.scheduler import Subscription, schedule_key
from engine import keys
from engine.cache.store import Store
from engine.errors import StoreUnavailable
from engine.settings import EngineSettings

__all__ = ["LEGACY_JOBS_KEY", "LEGACY_RUN_TIMES_KEY", "import_legacy_schedules"]

log = logging.getLogger(__name__)
LEGACY_JOBS_KEY = "replycrew:digest:jobs"
LEGACY_RUN_TIMES_KEY = "replycrew:digest:run_times"
MARKER = f"{keys.ROOT}meta:migrated:digest-schedules:1"


async def import_legacy_schedules(store: Store, settings: EngineSettings) -> int | None:
    """Copy old APScheduler digest jobs into schedule records once; how many, None if the store is down."""
    try:
        if await store.get(MARKER) is not None:
            return 0
        dsn = settings.redis_dsn
        states = await _redis_states(dsn) if dsn else _sqlite_states(settings)
        imported = 0
        for state in states:
            subscription = _subscription(state)
            if subscription is None:
                continue
            key = schedule_key(subscription.team_id, subscription.channel_id)
            if await store.set_if_absent(key, subscription.to_json()):
                imported += 1
        await store.set(MARKER, str(imported))
        if dsn:
            await _drop_redis_keys(dsn)
    except (StoreUnavailable, aioredis.RedisError) as exc:
        log.warning("digest schedules of the previous release not imported yet (store unreachable): %s", exc)
        return None
    if imported:
        log.info("imported %d digest schedules from the previous release's job store", imported)
    return imported


def _subscription(state: dict[str, Any]) -> Subscription | None:
    try:
        kwargs = state["kwargs"]
        next_run = state.get("next_run_time")
        return Subscription(team_id=str(kwargs["team_id"]), channel_id=str(kwargs["channel_id"]),
                            schedule=DigestSchedule.from_dict(kwargs["schedule"]),
                            created_by=str(kwargs.get("created_by", "")),
                            next_run=next_run if isinstance(next_run, datetime) else None)
    except (KeyError, TypeError, ValueError) as exc:  # one unreadable job must not stop the others
        log.warning("skipping an unreadable digest job of the previous release (%s): %s", state.get("id"), exc)
        return None


def _load(blob: bytes | str) -> dict[str, Any] | None:
    try:
        state = pickle.loads(blob if isinstance(blob, bytes) else blob.encode("latin-1"))
    except Exception as exc:  # a class that moved away since: skip this job, keep the rest
        log.warning("skipping a digest job of the previous release that cannot be read: %s", exc)
        return None
    return state if isinstance(state, dict) else None


async def _redis_states(dsn: str) -> list[dict[str, Any]]:
    client = aioredis.Redis.from_url(dsn, socket_connect_timeout=1.0, socket_timeout=2.0)
    try:
        blobs = await client.hvals(LEGACY_JOBS_KEY)  # type: ignore[misc]  # redis-py 7 types it sync|async
    finally:
        await client.aclose()
    return [state for blob in blobs if (state := _load(blob)) is not None]


async def _drop_redis_keys(dsn: str) -> None:
    client = aioredis.Redis.from_url(dsn, socket_connect_timeout=1.0, socket_timeout=2.0)
    try:
        await client.delete(LEGACY_JOBS_KEY, LEGACY_RUN_TIMES_KEY)
    finally:
        await client.aclose()


def _sqlite_states(settings: EngineSettings) -> list[dict[str, Any]]:
    path = settings.data_dir / "jobs.sqlite3"
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT job_state FROM digest_jobs").fetchall()
    except sqlite3.OperationalError:  # no such table: the file never held digests
        return []
    finally:
        db.close()
    return [state for (blob,) in rows if (state := _load(blob)) is not None]
