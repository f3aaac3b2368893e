"""Redis going away: caching turns off with one warning, drafts keep coming, caching returns with Redis."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.rest import routes as api
from bot.server import build_web_app
from bot.settings import Settings
from engine.cache.setup import caches_for
from tests.conftest import free_port

Client = TestClient[Any, web.Application]
BODY = {"conversation_thread": "Rep (Jordan Lee): Hi Ana, worth a look?\n"
                               "Ana Souza: Can you send pricing for 12 seats?", "channel": "email"}


class KillableRedis:
    """A redis-server of this test's own, on a fixed port, that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.mkdtemp(prefix="replycrew-killable-redis-")
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed: run `make test`, which installs it"
        self._proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self._dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(timeout=10)
            self._proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


@pytest.fixture
def killable_redis() -> Iterator[KillableRedis]:
    server = KillableRedis()
    yield server
    server.cleanup()


async def client_for(aiohttp_client: Any, data_dir: Path, redis: KillableRedis) -> Client:
    app = build_web_app(Settings(data_dir=data_dir, redis_url=redis.url))
    client: Client = await aiohttp_client(app)
    caches = caches_for(app[api.ENGINE].store)
    assert caches is not None and caches.health is not None
    caches.health.retry_after_s = 0.1  # probe quickly, so the test need not wait the default 2 s
    return client


async def cache_state(client: Client) -> str:
    body = await (await client.get("/healthz")).json()
    assert body["cache"]["store"] == "redis"
    return str(body["cache"]["caching"])


async def sources(client: Client) -> list[str]:
    response = await client.post("/run-parallel", json=BODY)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["degraded"] is False and body["draft"]["text"]
    return [step["source"] for step in body["steps"]]


async def wait_for_caching(client: Client) -> None:
    for _ in range(100):
        await sources(client)  # traffic is what probes the store again
        if await cache_state(client) == "on":
            return
        await asyncio.sleep(0.05)
    raise AssertionError("caching did not come back after Redis returned")


def cache_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.WARNING and r.getMessage().startswith("caching is off")]


async def test_redis_dying_mid_run_turns_caching_off_once_and_back_on(
        aiohttp_client: Any, data_dir: Path, killable_redis: KillableRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    killable_redis.start()
    client = await client_for(aiohttp_client, data_dir, killable_redis)
    assert await sources(client) == ["offline"] * 3
    assert await sources(client) == ["exact_cache"] * 3
    assert await cache_state(client) == "on"

    killable_redis.stop()
    with caplog.at_level(logging.WARNING):
        for _ in range(4):
            assert await sources(client) == ["offline"] * 3  # served, without caches
    assert len(cache_warnings(caplog)) == 1
    assert await cache_state(client) == "off"
    detail = (await (await client.get("/healthz")).json())["cache"]["detail"]
    assert "unreachable" in detail and "without caches" in detail

    killable_redis.start()  # an empty Redis on the same port
    await wait_for_caching(client)
    assert await sources(client) == ["exact_cache"] * 3


async def test_redis_unreachable_at_start_is_one_warning_and_recovers(
        aiohttp_client: Any, data_dir: Path, killable_redis: KillableRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        client = await client_for(aiohttp_client, data_dir, killable_redis)  # nothing listens yet
        for _ in range(3):
            assert await sources(client) == ["offline"] * 3
            await asyncio.sleep(0.05)
    assert len(cache_warnings(caplog)) == 1
    assert await cache_state(client) == "off"
    killable_redis.start()
    await wait_for_caching(client)
    assert await sources(client) == ["exact_cache"] * 3
