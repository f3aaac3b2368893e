"""Shared fixtures: free ports, a real redis-server, the app over loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

import engine.steps.crew.env  # noqa: F401  (crewai environment before anything imports crewai)
from tests import network_guard
from tests.fakes.website import FakeWebsite

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
if not SAMPLES.exists():  # a clone beside shared/, as CI has it
    SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"

# No test may pick up a developer's real keys or tokens.
for _name in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "REDIS_URL",
              "REDIS_HOST", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN",
              "API_KEYS", "OPENAI_BASE_URL"):
    os.environ.pop(_name, None)

network_guard.install()

Client = TestClient[Any, web.Application]
MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    """Fails any test during which the process looked up or connected to a non-loopback host."""
    earlier = network_guard.take_outside_contacts()
    if earlier:  # at collection, in a session fixture, or from an earlier test's background work
        pytest.fail("tests must stay on 127.0.0.1, but something before this test reached out: "
                    + "; ".join(sorted(set(earlier))), pytrace=False)
    yield
    contacts = network_guard.take_outside_contacts()
    if contacts:
        pytest.fail("tests must stay on 127.0.0.1, but this one reached out: " + "; ".join(sorted(set(contacts))),
                    pytrace=False)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """A real redis-server on a free loopback port; yields its URL. Fails (never skips) without it."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed: run `make test`, which installs it"
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="replycrew-redis-")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", workdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        raise RuntimeError("redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def embedder() -> Any:
    """The process-wide MiniLM embedder, loaded once for the whole test session."""
    from engine.cache.embedder import get_embedder

    shared = get_embedder()
    shared.load()
    return shared


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty DATA_DIR for one test."""
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def make_client(aiohttp_client: Any, data_dir: Path) -> MakeClient:
    """Makes a loopback client of the whole web app (REST API, /metrics, /ws) with given Settings."""
    from bot.server import build_web_app
    from bot.settings import Settings
    from engine.cache.store import SQLiteStore
    from engine.workflow import Engine

    async def make(**settings: Any) -> Client:
        config = Settings(data_dir=data_dir, **settings)
        built = Engine(config, store=SQLiteStore(data_dir / "store.sqlite3"))
        client: Client = await aiohttp_client(build_web_app(config, engine=built))
        return client

    return make


@pytest.fixture
async def site() -> AsyncIterator[FakeWebsite]:
    """A fake company website on a free loopback port."""
    website = FakeWebsite()
    await website.start(free_port())
    yield website
    await website.close()
