"""The Slack Web API call counters and the retry-handler hook that feeds them (served by bot/rest/metrics.py).

The counters live here, not in engine/metrics.py: the engine knows nothing of Slack. They are
registered on the engine's `REGISTRY`, so one scrape shows both, and the dashboard snapshot gets
a "slack" section.
"""

from __future__ import annotations

from typing import Literal

from prometheus_client import Counter
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from engine import metrics

__all__ = [
    "SLACK_CALLS",
    "SLACK_RATE_LIMITED",
    "SLACK_STREAM_FALLBACKS",
    "SlackCallMeter",
    "record_slack_call",
    "with_slack_meter",
]

SLACK_CALLS = Counter(
    "replycrew_slack_api_calls_total", "Slack Web API calls by method and outcome (ok, error, rate_limited).",
    ["method", "outcome"], registry=metrics.REGISTRY,
)
SLACK_RATE_LIMITED = Counter(
    "replycrew_slack_rate_limited_total", "Slack Web API calls answered with HTTP 429.", ["method"],
    registry=metrics.REGISTRY,
)
SLACK_STREAM_FALLBACKS = Counter(
    "replycrew_slack_stream_fallbacks_total",
    "Drafts shown as the edited message because chat.startStream was refused, by Slack's error and "
    "whether the workspace is now remembered as not streaming.", ["error", "remembered"], registry=metrics.REGISTRY,
)
metrics.add_snapshot_section("slack", sample="replycrew_slack_api_calls_total", label="outcome")


def record_slack_call(method: str, *, outcome: Literal["ok", "error", "rate_limited"]) -> None:
    """Count one Slack Web API call; a 429 is also counted in replycrew_slack_rate_limited_total."""
    SLACK_CALLS.labels(method=method, outcome=outcome).inc()
    if outcome == "rate_limited":
        SLACK_RATE_LIMITED.labels(method=method).inc()


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
            record_slack_call(method, outcome="error")
        elif response.status_code == 429:
            record_slack_call(method, outcome="rate_limited")
        elif response.status_code >= 400 or (isinstance(response.body, dict)
                                             and response.body.get("ok") is False):
            record_slack_call(method, outcome="error")
        else:
            record_slack_call(method, outcome="ok")
        return False


def with_slack_meter(handlers: list[AsyncRetryHandler] | None = None) -> list[AsyncRetryHandler]:
    """`handlers` with a SlackCallMeter first: pass as AsyncWebClient(retry_handlers=...)."""
    rest = [handler for handler in handlers or [] if not isinstance(handler, SlackCallMeter)]
    return [SlackCallMeter(), *rest]
