"""`GET /dashboard`: a small live page (bot/rest/static/, no build step) fed by `/ws/{client_id}`.

The page is behind the REST API's auth middleware like every other REST path: with API_KEYS set,
open it as `/dashboard?api_key=<key>`; its script passes the same key to the WebSocket. While
any socket is connected, a metrics snapshot is broadcast on the hub every `interval_s` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from pathlib import Path

from aiohttp import web

from bot.rest.ws import WS_HUB
from engine import metrics

__all__ = ["STATIC_DIR", "dashboard_page", "install"]

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
_SCRIPT_SLOT = "<!-- dashboard.js -->"
_BROADCASTER = web.AppKey("metrics_broadcaster", asyncio.Task[None])


@functools.cache  # the files ship with the package: read them once, not on every page view
def _page() -> str:
    html = (STATIC_DIR / "dashboard.html").read_text(encoding="utf-8")
    script = (STATIC_DIR / "dashboard.js").read_text(encoding="utf-8")
    # Inlined so the page is one authenticated request; a separate script URL would need the key too.
    return html.replace(_SCRIPT_SLOT, f"<script>\n{script}\n</script>")


async def dashboard_page(request: web.Request) -> web.Response:
    """GET /dashboard: the live metrics and drafts page."""
    return web.Response(text=_page(), content_type="text/html", headers={
        "Cache-Control": "no-store",
        # The key may be in the URL: keep it out of Referer headers to other sites.
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; "
                                   "style-src 'unsafe-inline'; connect-src 'self' ws: wss:",
    })


async def _broadcast_metrics(app: web.Application, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        hub = app.get(WS_HUB)
        if hub is not None and hub.client_count:
            hub.broadcast(metrics.snapshot())


def install(app: web.Application, *, interval_s: float = 1.0) -> None:
    """Register GET /dashboard and broadcast metrics snapshots to WebSocket clients."""
    app.router.add_get("/dashboard", dashboard_page)

    async def start(app: web.Application) -> None:
        app[_BROADCASTER] = asyncio.create_task(_broadcast_metrics(app, interval_s))

    async def stop(app: web.Application) -> None:
        task = app.get(_BROADCASTER)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
