"""`/dashboard` in headless Chromium: a draft started over REST shows up finishing, live."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, async_playwright, expect

from bot.server import build_web_app
from bot.settings import Settings
from engine.cache.store import SQLiteStore
from engine.workflow import Engine

Client = TestClient[Any, web.Application]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
KEY = "dash-key-1"
THREAD = ("Rep (Jordan Lee): Hi Mateus, worth a quick look?\n"
          "Mateus Oliveira: Happy to do a 30 min demo next Thursday afternoon. Can you send an invite?")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert shutil.which(CHROMIUM), "chromium is not installed: run `make test`, which installs it"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                   headless=True)
        yield browser
        await browser.close()


@pytest.fixture
async def client(aiohttp_client: Any, data_dir: Path) -> Client:
    settings = Settings(data_dir=data_dir, api_keys=KEY)
    engine = Engine(settings, store=SQLiteStore(data_dir / "store.sqlite3"))
    made: Client = await aiohttp_client(build_web_app(settings, engine=engine))
    return made


async def test_dashboard_needs_the_api_key(client: Client) -> None:
    assert (await client.get("/dashboard")).status == 401
    assert (await client.get("/dashboard?api_key=wrong")).status == 401
    page = await client.get(f"/dashboard?api_key={KEY}")
    assert page.status == 200 and "replycrew · live" in await page.text()


async def test_dashboard_shows_a_draft_finishing_live(client: Client, browser: Browser,
                                                      tmp_path: Path) -> None:
    page = await browser.new_page(viewport={"width": 1200, "height": 700})
    await page.goto(str(client.make_url(f"/dashboard?api_key={KEY}")))
    await page.wait_for_selector("#status.live", timeout=10_000)
    assert await page.locator("#drafts tr").count() == 0

    response = await client.post("/run-parallel", json={"conversation_thread": THREAD},
                                 headers={"Authorization": f"Bearer {KEY}"})
    assert response.status == 200
    request_id = (await response.json())["request_id"]

    row = page.locator(f'#drafts tr[data-request-id="{request_id}"]')
    await row.and_(page.locator('[data-status="done"]')).wait_for(timeout=10_000)
    cells = await row.locator("td").all_inner_texts()
    assert cells[1] == "done" and cells[2] == "parallel"
    assert "reply ✓ offline" in cells[3]
    assert cells[5].startswith("Hi Mateus")
    # The next metrics snapshot counts the draft.
    await expect(page.locator("#m-workflows")).to_have_text(re.compile(r"^[1-9]\d*$"), timeout=10_000)
    await expect(page.locator("#m-p50")).to_have_text(re.compile(r"^\d+\.\d+ s$"))
    screenshot = tmp_path / "dashboard.png"
    await page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0
    print(f"dashboard screenshot: {screenshot}")
