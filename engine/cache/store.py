"""The key-value store everything durable lives in: caches, drafts, idempotency keys, checkpoints.

Two implementations of one small async protocol: `SQLiteStore` (embedded, the default, under
DATA_DIR) and `RedisStore` (REDIS_URL), so several processes can share state. Values are
strings (JSON by convention); TTLs are in seconds and a read never extends them.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Protocol

import redis.asyncio as aioredis

from engine.errors import StoreUnavailable
from engine.settings import EngineSettings

__all__ = ["RedisStore", "SQLiteStore", "Store", "open_store"]


class Store(Protocol):
    """What the caches, drafts and batches need from a store."""

    name: str

    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, value: str, *, ttl: int | None = None) -> None: ...
    async def set_if_absent(self, key: str, value: str, *, ttl: int | None = None) -> bool: ...
    async def delete(self, key: str) -> None: ...
    def scan(self, prefix: str) -> AsyncIterator[tuple[str, str]]: ...
    async def append(self, key: str, value: str) -> int: ...
    async def read_from(self, key: str, start: int) -> list[str]: ...
    async def rename_prefix(self, old: str, new: str) -> int: ...
    async def ping(self) -> bool: ...
    async def close(self) -> None: ...


class SQLiteStore:
    """Embedded store in one SQLite file (WAL).

    Calls run on the event loop on purpose: each is a few microseconds against a local file in
    WAL mode with synchronous=NORMAL (no fsync per commit), far cheaper than a thread hop.
    """

    name = "sqlite"

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._writes = 0
        self._db.executescript(
            """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            PRAGMA busy_timeout=5000;
            CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL);
            CREATE TABLE IF NOT EXISTS log (key TEXT NOT NULL, seq INTEGER NOT NULL, value TEXT NOT NULL,
                                            PRIMARY KEY (key, seq));
            """
        )

    async def get(self, key: str) -> str | None:
        row = self._db.execute(
            "SELECT value FROM kv WHERE key = ? AND (expires IS NULL OR expires > ?)",
            (key, time.time()),
        ).fetchone()
        return None if row is None else str(row[0])

    async def set(self, key: str, value: str, *, ttl: int | None = None) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO kv (key, value, expires) VALUES (?, ?, ?)",
            (key, value, _expiry(ttl)),
        )
        self._writes += 1
        if self._writes % _PURGE_EVERY == 0:  # expired rows are invisible, but would pile up forever
            self._db.execute("DELETE FROM kv WHERE expires IS NOT NULL AND expires <= ?", (time.time(),))

    async def set_if_absent(self, key: str, value: str, *, ttl: int | None = None) -> bool:
        # One statement, so it is atomic across processes sharing the file: an expired row
        # counts as absent and is replaced.
        cursor = self._db.execute(
            "INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires = excluded.expires "
            "WHERE kv.expires IS NOT NULL AND kv.expires <= ?",
            (key, value, _expiry(ttl), time.time()),
        )
        return cursor.rowcount == 1

    async def delete(self, key: str) -> None:
        self._db.execute("DELETE FROM kv WHERE key = ?", (key,))

    async def scan(self, prefix: str) -> AsyncIterator[tuple[str, str]]:
        rows = self._db.execute(
            "SELECT key, value FROM kv WHERE key >= ? AND key < ? AND (expires IS NULL OR expires > ?)"
            " ORDER BY key",
            (prefix, prefix + "\U0010ffff", time.time()),
        ).fetchall()
        for key, value in rows:
            yield str(key), str(value)

    async def append(self, key: str, value: str) -> int:
        # One statement returning its own row: another process appending at the same moment
        # cannot make us report its position as ours.
        row = self._db.execute(
            "INSERT INTO log (key, seq, value) "
            "VALUES (?, (SELECT COALESCE(MAX(seq), -1) + 1 FROM log WHERE key = ?), ?) RETURNING seq",
            (key, key, value),
        ).fetchone()
        return int(row[0]) + 1

    async def read_from(self, key: str, start: int) -> list[str]:
        rows = self._db.execute(
            "SELECT value FROM log WHERE key = ? AND seq >= ? ORDER BY seq", (key, start)
        ).fetchall()
        return [str(row[0]) for row in rows]

    async def rename_prefix(self, old: str, new: str) -> int:
        """Move every value and log under `old` to `new` (same rest of key, same expiry); how many moved."""
        bounds = (old, old + "\U0010ffff")
        self._db.execute("BEGIN IMMEDIATE")  # one transaction: another process sees all or nothing
        try:
            moved = self._db.execute(
                "UPDATE OR REPLACE kv SET key = ? || substr(key, ?) WHERE key >= ? AND key < ?",
                (new, len(old) + 1, *bounds)).rowcount
            logs = self._db.execute("SELECT COUNT(DISTINCT key) FROM log WHERE key >= ? AND key < ?",
                                    bounds).fetchone()[0]
            self._db.execute("UPDATE OR REPLACE log SET key = ? || substr(key, ?) WHERE key >= ? AND key < ?",
                             (new, len(old) + 1, *bounds))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return int(moved) + int(logs)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._db.close()


class RedisStore:
    """Redis-backed store shared by several processes; every call raises StoreUnavailable when down."""

    name = "redis"

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._redis = aioredis.Redis.from_url(
            dsn, decode_responses=True, socket_connect_timeout=1.0, socket_timeout=2.0
        )

    @contextlib.contextmanager
    def _reachable(self) -> Iterator[None]:
        """Turn any Redis error into StoreUnavailable, which callers degrade on."""
        try:
            yield
        except aioredis.RedisError as exc:
            raise StoreUnavailable(f"Redis at {self.dsn} is unreachable: {exc}") from exc

    async def get(self, key: str) -> str | None:
        with self._reachable():
            value = await self._redis.get(key)
        return None if value is None else str(value)

    async def set(self, key: str, value: str, *, ttl: int | None = None) -> None:
        with self._reachable():
            await self._redis.set(key, value, ex=ttl)

    async def set_if_absent(self, key: str, value: str, *, ttl: int | None = None) -> bool:
        with self._reachable():
            return bool(await self._redis.set(key, value, ex=ttl, nx=True))

    async def delete(self, key: str) -> None:
        with self._reachable():
            await self._redis.delete(key)

    async def scan(self, prefix: str) -> AsyncIterator[tuple[str, str]]:
        with self._reachable():
            keys = sorted([key async for key in self._redis.scan_iter(match=_glob_escape(prefix) + "*",
                                                                        count=1000)])
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                for key, value in zip(chunk, await self._redis.mget(chunk), strict=True):
                    if value is not None:
                        yield str(key), str(value)

    async def append(self, key: str, value: str) -> int:
        with self._reachable():
            # redis-py 7 types list and ping commands as `Awaitable[T] | T` (sync and async share them).
            return int(await self._redis.rpush(key, value))  # type: ignore[misc]

    async def read_from(self, key: str, start: int) -> list[str]:
        with self._reachable():
            return [str(v) for v in await self._redis.lrange(key, start, -1)]  # type: ignore[misc]

    async def rename_prefix(self, old: str, new: str) -> int:
        """Move every key under `old` to `new` with RENAME, which keeps its type and TTL; how many moved."""
        moved = 0
        with self._reachable():
            found = [str(key) async for key in self._redis.scan_iter(match=_glob_escape(old) + "*", count=1000)]
            for start in range(0, len(found), 500):  # pipelined: one round trip per 500 keys
                async with self._redis.pipeline(transaction=False) as pipe:
                    for key in found[start : start + 500]:
                        pipe.rename(key, new + key.removeprefix(old))
                    results = await pipe.execute(raise_on_error=False)
                # An error is "no such key": another process starting at the same time moved it first.
                moved += sum(1 for result in results if not isinstance(result, Exception))
        return moved

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())  # type: ignore[misc]
        except aioredis.RedisError:
            return False

    async def close(self) -> None:
        await self._redis.aclose()


def open_store(settings: EngineSettings) -> Store:
    """The store the settings ask for: Redis when REDIS_URL/REDIS_HOST is set, else SQLite."""
    dsn = settings.redis_dsn
    if dsn:
        return RedisStore(dsn)
    return SQLiteStore(settings.data_dir / "replycrew.sqlite3")


_PURGE_EVERY = 1000


def _expiry(ttl: int | None) -> float | None:
    return None if ttl is None else time.time() + ttl


def _glob_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)
