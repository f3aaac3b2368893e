"""`replycrew serve --socket`: Slack over Socket Mode (no public URL needed), REST API on HOST:PORT.

Socket Mode opens an outgoing WebSocket with the app-level token (SLACK_APP_TOKEN, `xapp-…`,
scope connections:write), so Slack needs no request URL and no signing secret.
"""

from __future__ import annotations

import asyncio
import logging
import sys

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.app import build_app, runtime_for
from bot.handlers.digests import digests_for
from bot.handlers.files import batches_for
from bot.server import build_web_app
from bot.settings import Settings
from engine.build import build_engine

__all__ = ["run_socket_mode", "serve_socket_mode"]

log = logging.getLogger(__name__)


def run_socket_mode(settings: Settings) -> int:
    """Run until interrupted; 2 when a token is missing (with what to set)."""
    missing = [name for name, value in (("SLACK_BOT_TOKEN", settings.slack_bot_token),
                                        ("SLACK_APP_TOKEN", settings.slack_app_token)) if not value]
    if missing:
        print(f"error: Socket Mode needs {' and '.join(missing)}: see the README's Slack app section "
              "(Basic Information → App-Level Tokens, scope connections:write).", file=sys.stderr)
        return 2
    try:
        asyncio.run(serve_socket_mode(settings))
    except KeyboardInterrupt:
        pass
    return 0


async def serve_socket_mode(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Connect to Slack over Socket Mode and serve the REST API until `stop` is set (or forever)."""
    assert settings.slack_app_token, "SLACK_APP_TOKEN is required"
    engine = build_engine(settings)
    app = build_app(settings, engine, socket_mode=True)
    runtime = runtime_for(app)
    app.client.session = aiohttp.ClientSession()
    digests = digests_for(app)
    digests.start()  # scheduled digests run here too: the web app below has no Slack
    await batches_for(app).resume_all()  # CSV batches a stopped process left unfinished
    # The REST API and /healthz still listen on HOST:PORT; Slack itself comes over the socket.
    rest = build_web_app(settings.model_copy(update={"slack_bot_token": None, "slack_client_id": None}),
                         engine=engine)
    runner = web.AppRunner(rest)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    handler = AsyncSocketModeHandler(app, settings.slack_app_token)
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("replycrew connected to Slack over Socket Mode; REST API on http://%s:%s",
                 settings.host, settings.port)
        await (stop or asyncio.Event()).wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await batches_for(app).stop()  # checkpoints stay; the next start resumes them
        await runtime.drain(grace_s=30)
        await digests.aclose()
        await runner.cleanup()
        await app.client.session.close()
