"""`GET /metrics` (Prometheus text format) and the hook that counts Slack Web API calls."""

from __future__ import annotations

from aiohttp import web
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from engine import metrics
from engine.workflow import Engine

__all__ = ["SlackCallMeter", "install", "metrics_endpoint", "with_slack_meter"]


async def metrics_endpoint(request: web.Request) -> web.Response:
    """GET /metrics: every replycrew metric of this process, for a Prometheus scrape."""
    response = web.Response(body=metrics.exposition())
    # aiohttp refuses a charset inside content_type, so the header is set whole.
    response.headers["Content-Type"] = metrics.PROMETHEUS_CONTENT_TYPE
    return response


class SlackCallMeter(AsyncRetryHandler):
    """Counts every Slack Web API response by method and outcome; never asks for a retry.

    slack_sdk consults each retry handler on every response, and bolt copies the app client's
    retry handlers into each per-request client, so putting this first in `retry_handlers`
    counts every call the app makes (see `with_slack_meter`).
    """

    async def can_retry_async(self, *, state: RetryState, request: HttpRequest,
                              response: HttpResponse | None = None,
                              error: Exception | None = None) -> bool:
        method = request.url.rstrip("/").rsplit("/", 1)[-1] or "unknown"
        if response is None:
            metrics.record_slack_call(method, outcome="error")
        elif response.status_code == 429:
            metrics.record_slack_call(method, outcome="rate_limited")
        elif response.status_code >= 400 or (isinstance(response.body, dict)
                                             and response.body.get("ok") is False):
            metrics.record_slack_call(method, outcome="error")
        else:
            metrics.record_slack_call(method, outcome="ok")
        return False


def with_slack_meter(handlers: list[AsyncRetryHandler] | None = None) -> list[AsyncRetryHandler]:
    """`handlers` with a SlackCallMeter first: pass as AsyncWebClient(retry_handlers=...)."""
    rest = [handler for handler in handlers or [] if not isinstance(handler, SlackCallMeter)]
    return [SlackCallMeter(), *rest]


def install(app: web.Application, engine: Engine) -> None:
    """Register GET /metrics and feed the workflow metrics from `engine`."""
    metrics.attach(engine)
    app.router.add_get("/metrics", metrics_endpoint)
