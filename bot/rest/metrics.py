"""`GET /metrics`: every replycrew metric of this process (engine and Slack) in Prometheus text format."""

from __future__ import annotations

from aiohttp import web

import bot.metrics  # noqa: F401  (registers the Slack counters on the engine's registry)
from engine import metrics
from engine.workflow import Engine

__all__ = ["install", "metrics_endpoint"]


async def metrics_endpoint(request: web.Request) -> web.Response:
    """GET /metrics: every replycrew metric of this process, for a Prometheus scrape."""
    response = web.Response(body=metrics.exposition())
    # aiohttp refuses a charset inside content_type, so the header is set whole.
    response.headers["Content-Type"] = metrics.PROMETHEUS_CONTENT_TYPE
    return response


def install(app: web.Application, engine: Engine) -> None:
    """Register GET /metrics and feed the workflow metrics from `engine`."""
    metrics.attach(engine)
    app.router.add_get("/metrics", metrics_endpoint)
