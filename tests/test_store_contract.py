"""One contract, two stores: SQLite (embedded) and Redis (a real redis-server on loopback)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.cache.store import RedisStore, SQLiteStore, Store


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        opened: Store = SQLiteStore(tmp_path / "store.sqlite3")
    else:
        opened = RedisStore(request.getfixturevalue("redis_server"))
    yield opened
    await opened.close()


def fresh(prefix: str = "t") -> str:
    """A key prefix no other test uses (the Redis server is shared by the session)."""
    return f"{prefix}:{uuid.uuid4().hex[:10]}:"


async def test_get_set_delete(store: Store) -> None:
    key = fresh() + "k"
    assert await store.get(key) is None
    await store.set(key, "v1")
    assert await store.get(key) == "v1"
    await store.set(key, "v2 ✓ unicode")
    assert await store.get(key) == "v2 ✓ unicode"
    await store.delete(key)
    assert await store.get(key) is None
    await store.delete(key)  # deleting a missing key is not an error


async def test_ttl_expires_and_reads_do_not_extend_it(store: Store) -> None:
    key = fresh() + "k"
    await store.set(key, "v", ttl=1)
    await asyncio.sleep(0.6)
    assert await store.get(key) == "v"  # a read at 0.6 s: if it extended the TTL, it would live to 1.6 s
    await asyncio.sleep(0.6)
    assert await store.get(key) is None


async def test_scan_returns_live_keys_under_a_prefix_only(store: Store) -> None:
    prefix = fresh()
    await store.set(prefix + "b", "2")
    await store.set(prefix + "a", "1")
    await store.set(prefix + "gone", "x", ttl=1)
    await store.set(fresh() + "a", "other prefix")
    await store.set(prefix[:-1] + "*glob:a", "a glob-like neighbour")
    await asyncio.sleep(1.1)
    assert [item async for item in store.scan(prefix)] == [(prefix + "a", "1"), (prefix + "b", "2")]


async def test_set_if_absent_has_exactly_one_winner_under_concurrency(store: Store, tmp_path: Path) -> None:
    key = fresh() + "idem"
    if isinstance(store, SQLiteStore):
        # Separate connections from worker threads: the contention processes sharing the file see.
        path = tmp_path / "store.sqlite3"

        def claim(n: int) -> bool:
            other = SQLiteStore(path)
            try:
                return asyncio.run(other.set_if_absent(key, f"w{n}", ttl=60))
            finally:
                asyncio.run(other.close())

        results = await asyncio.gather(*(asyncio.to_thread(claim, n) for n in range(16)))
    else:
        results = await asyncio.gather(*(store.set_if_absent(key, f"w{n}", ttl=60) for n in range(50)))
    assert sum(results) == 1
    winner = results.index(True)
    assert await store.get(key) == f"w{winner}"


async def test_set_if_absent_treats_an_expired_key_as_absent(store: Store) -> None:
    key = fresh() + "idem"
    assert await store.set_if_absent(key, "first", ttl=1) is True
    assert await store.set_if_absent(key, "second", ttl=1) is False
    await asyncio.sleep(1.1)
    assert await store.set_if_absent(key, "third") is True
    assert await store.get(key) == "third"


async def test_append_and_read_from_keep_order_and_positions(store: Store) -> None:
    key = fresh() + "log"
    assert await store.read_from(key, 0) == []
    assert await store.append(key, "a") == 1
    assert await store.append(key, "b") == 2
    assert await store.append(key, "c") == 3
    assert await store.read_from(key, 0) == ["a", "b", "c"]
    assert await store.read_from(key, 2) == ["c"]
    assert await store.read_from(key, 3) == []


async def test_concurrent_appends_lose_nothing(store: Store) -> None:
    key = fresh() + "log"
    lengths = await asyncio.gather(*(store.append(key, str(n)) for n in range(40)))
    assert sorted(lengths) == list(range(1, 41))
    assert sorted(int(v) for v in await store.read_from(key, 0)) == list(range(40))


async def test_ping(store: Store) -> None:
    assert await store.ping() is True


async def test_rename_prefix_moves_values_and_logs_and_keeps_expiry(store: Store) -> None:
    old, new = fresh("old"), fresh("new")
    await store.set(old + "a", "1")
    await store.set(old + "b", "2", ttl=1)
    await store.append(old + "log", "x")
    await store.append(old + "log", "y")
    await store.set(fresh("other") + "c", "3")
    assert await store.rename_prefix(old, new) == 3
    assert [item async for item in store.scan(old)] == [] and await store.read_from(old + "log", 0) == []
    assert [item async for item in store.scan(new)] == [(new + "a", "1"), (new + "b", "2")]
    assert await store.read_from(new + "log", 0) == ["x", "y"]
    await asyncio.sleep(1.1)
    assert await store.get(new + "b") is None  # the TTL came along
    assert await store.rename_prefix(old, new) == 0  # nothing left to move: a second run is a no-op
