"""One aiohttp Application: /slack/events, the REST API, /healthz and /metrics."""

from __future__ import annotations

import asyncio
import logging
import os

from aiohttp import web

from bot.digests.legacy import import_legacy_schedules
from bot.health import Check, log_checks, run_checks
from bot.rest import dashboard
from bot.rest import metrics as rest_metrics
from bot.rest import routes as api
from bot.rest.auth import RateLimiter, auth_middleware
from bot.rest.batches import add_batch_routes
from bot.rest.templates import add_template_routes
from bot.settings import Settings
from engine.build import build_engine
from engine.cache.setup import cache_status, start_in_background
from engine.meaning.models import get_models
from engine.migrate import migrate_store
from engine.workflow import Engine

__all__ = ["build_web_app", "run_server"]

log = logging.getLogger(__name__)
SETTINGS = web.AppKey("settings", Settings)
_CACHE_START = web.AppKey("cache_start", asyncio.Task[None])
# Filled by the start-up checks; a holder, as the started app's own mapping must not change.
_CHECKS = web.AppKey("checks", list[list[Check]])
_CHECK_TASK = web.AppKey("check_task", asyncio.Task[None])
_MODELS_START = web.AppKey("models_start", asyncio.Task[bool])


async def healthz(request: web.Request) -> web.Response:
    """GET /healthz: liveness plus what the process runs on."""
    engine = request.app[api.ENGINE]
    found = request.app.get(_CHECKS) or []
    checks = found[0] if found else None
    return web.json_response({
        "status": "ok",
        "pid": os.getpid(),  # which of `serve --workers N`'s processes answered
        "llm": engine.settings.llm_kind,
        "offline": engine.offline,
        "cache": cache_status(engine.store),
        # The start-up checks (LLM call, store, Slack); null until they have run.
        "checks": None if checks is None else [check.as_dict() for check in checks],
        # The offline reading's intent model: keyword rules until it is loaded (or if it cannot load).
        "reading": get_models().status(),
    })


async def _start_checks(app: web.Application) -> None:
    # In the background: the LLM check is a real call; the server answers meanwhile.
    holder: list[list[Check]] = []
    app[_CHECKS] = holder

    async def run() -> None:
        checks = await run_checks(app[SETTINGS], store=app[api.ENGINE].store)
        holder.append(checks)
        log_checks(checks)

    app[_CHECK_TASK] = asyncio.create_task(run(), name="replycrew-start-up-checks")


async def _stop_checks(app: web.Application) -> None:
    task = app.get(_CHECK_TASK)
    if task is not None and not task.done():
        task.cancel()


async def _migrate(app: web.Application) -> None:
    # First of all start-up work: resumed batches, drafts' buttons and digests read the new keys.
    engine = app[api.ENGINE]
    await migrate_store(engine.store)
    await import_legacy_schedules(engine.store, engine.settings)


async def _warm(app: web.Application) -> None:
    # Before the server listens and before MiniLM loads beside it: the LLM clients the first draft
    # would otherwise build on its path (~0.1-0.2 s; no request is made).
    await app[api.ENGINE].warm()


async def _start_caches(app: web.Application) -> None:
    # In the background: the server answers (without semantic reuse, intent by rules) while MiniLM loads.
    app[_CACHE_START] = start_in_background(app[api.ENGINE].store)
    app[_MODELS_START] = asyncio.get_running_loop().create_task(get_models().warm())


async def _flush_writes(app: web.Application) -> None:
    # Drafts hand their results over before their cache writes land: let the last ones land.
    await app[api.ENGINE].flush()


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
    app.on_startup.append(_migrate)
    app.on_startup.append(_warm)
    app.on_startup.append(_start_caches)
    app.on_shutdown.append(_flush_writes)
    if settings.startup_checks:
        app.on_startup.append(_start_checks)
        app.on_cleanup.append(_stop_checks)
    if settings.slack_enabled:
        from bot.app import mount_slack  # Bolt loads only when Slack is configured

        mount_slack(app, settings, app[api.ENGINE])
    api.add_routes(app, open_api=not settings.api_key_list)
    add_template_routes(app)
    add_batch_routes(app, settings)
    rest_metrics.install(app, app[api.ENGINE])
    dashboard.install(app)
    return app


def run_server(settings: Settings, *, reuse_port: bool = False) -> None:
    """`replycrew serve`: HTTP on HOST:PORT until interrupted (`reuse_port`: one of several
    processes on the port, see bot/processes.py)."""
    app = build_web_app(settings)
    mode = "offline (no LLM key set: heuristics and templates)" if settings.llm_kind == "offline" \
        else settings.llm_kind
    log.info("replycrew serving on http://%s:%s — LLM: %s (pid %d)", settings.host, settings.port, mode,
             os.getpid())
    web.run_app(app, host=settings.host, port=settings.port, print=None, reuse_port=reuse_port or None)
