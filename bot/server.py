"""One aiohttp Application: /slack/events, the REST API, /healthz and /metrics."""

from __future__ import annotations

import logging

from aiohttp import web

from bot import api
from bot.auth import RateLimiter, auth_middleware
from bot.settings import Settings
from engine.build import build_engine
from engine.workflow import Engine

__all__ = ["build_web_app", "run_server"]

log = logging.getLogger(__name__)
SETTINGS = web.AppKey("settings", Settings)


async def healthz(request: web.Request) -> web.Response:
    """GET /healthz: liveness plus what the process runs on."""
    engine = request.app[api.ENGINE]
    return web.json_response({
        "status": "ok",
        "llm": engine.settings.llm_kind,
        "offline": engine.offline,
    })


def build_web_app(settings: Settings, *, engine: Engine | None = None) -> web.Application:
    """The server's application, wired to one engine."""
    if not settings.host_is_loopback and not settings.api_key_list:
        raise SystemExit(f"HOST={settings.host} is not loopback: set API_KEYS so the REST API "
                         "is not open to the network.")
    app = web.Application(
        middlewares=[auth_middleware(settings.api_key_list,
                                     RateLimiter(settings.rate_limit_per_minute))],
        client_max_size=4 * 1024 * 1024,
    )
    app[SETTINGS] = settings
    app[api.ENGINE] = engine or build_engine(settings)
    app.router.add_get("/healthz", healthz)
    api.add_routes(app)
    return app


def run_server(settings: Settings) -> None:
    """`replycrew serve`: HTTP on HOST:PORT until interrupted."""
    app = build_web_app(settings)
    mode = "offline (no LLM key set: heuristics and templates)" if settings.llm_kind == "offline" \
        else settings.llm_kind
    log.info("replycrew serving on http://%s:%s — LLM: %s", settings.host, settings.port, mode)
    web.run_app(app, host=settings.host, port=settings.port, print=None)
