"""`replycrew serve --workers 2`: two processes answer on one port and stop together."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.conftest import free_port


async def test_two_serving_processes_share_the_port_and_the_store(tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in ("OPENAI_API_KEY", "REDIS_URL", "API_KEYS")}
    env.update({"PORT": str(port), "DATA_DIR": str(tmp_path / "data")})
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", "--workers", "2", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    pids: set[int] = set()
    try:
        for _ in range(600):  # both processes up: fresh connections reach both within a few tries
            try:
                connector = aiohttp.TCPConnector(force_close=True)
                async with aiohttp.ClientSession(connector=connector) as http:
                    for _ in range(10):
                        async with http.get(f"{base}/healthz") as response:
                            pids.add(int((await response.json())["pid"]))
            except aiohttp.ClientError:
                pass
            if len(pids) == 2:
                break
            await asyncio.sleep(0.1)
        assert len(pids) == 2 and server.pid in pids
        body = {"conversation_thread": "Prospect: what does it cost for 12 seats?", "channel": "email"}
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
            for _ in range(6):
                async with http.post(f"{base}/run", json=body) as response:
                    assert response.status == 200
                    assert (await response.json())["draft"]["text"]
    finally:
        server.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(server.wait(), timeout=60) is not None
    child = next(pid for pid in pids if pid != server.pid)
    for _ in range(100):  # the child stops with its parent
        if _zombie(child):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the second serving process outlived the first")


def _zombie(pid: int) -> bool:
    """Gone, or exited and not yet reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_socket_mode_refuses_several_workers(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--socket", "--workers", "2"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2 and "--workers needs HTTP" in done.stderr
