"""Slack's Web API rate limits, as the fake Slack enforces them (strict by default).

Slack applies limits "per API method per workspace per app" with tiers of requests per minute
(https://docs.slack.dev/apis/web-api/rate-limits): Tier 2 20+/min, Tier 3 50+/min, Tier 4 100+/min,
and a special tier for chat.postMessage, "one message per second per channel ... short bursts >1
allowed". Each method's tier is on its reference page (docs.slack.dev/reference/methods/<method>):
chat.update Tier 3, chat.postEphemeral Tier 4, views.* Tier 4, files.info Tier 4,
files.getUploadURLExternal and files.completeUploadExternal Tier 4, users.info Tier 4,
conversations.info Tier 3, auth.test special (generous); chat.appendStream Tier 4 (its reference
page's facts, mirrored as "rate_limits": "t4" in slack-ruby/slack-api-ref), and
assistant.threads.setSuggestedPrompts Tier 4 ("Tier 4: 100+ per minute"). chat.startStream,
chat.stopStream and assistant.threads.setStatus state no tier we could find: not limited here.
Over the limit Slack answers HTTP 429 with `Retry-After` in whole seconds and
`{"ok": false, "error": "ratelimited"}`.

Each budget is a token bucket: `per_minute` requests refill evenly over a minute and up to `burst`
may be spent at once ("sporadic bursts are welcome" on Tier 3). `scale` shortens the minute for
tests (scale=10: the same budget over 6 s), so a test can exercise the limits without waiting
minutes; the numbers and their shape stay Slack's.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

__all__ = ["LIMITS", "Budget", "RateBudgets", "RateRule"]


@dataclass(frozen=True)
class RateRule:
    """One method's limit: requests per minute, the burst allowed, and what it is counted per."""

    per_minute: float
    burst: float
    per: str = "team"  # "team" (workspace) or "channel"


# Cited in the module docstring; methods not listed (oauth.v2.access, apps.connections.open) are unlimited here.
LIMITS: dict[str, RateRule] = {
    "chat.postMessage": RateRule(per_minute=60, burst=3, per="channel"),
    "chat.update": RateRule(per_minute=50, burst=50),
    "chat.postEphemeral": RateRule(per_minute=100, burst=100),
    "views.open": RateRule(per_minute=100, burst=100),
    "views.update": RateRule(per_minute=100, burst=100),
    "views.push": RateRule(per_minute=100, burst=100),
    "files.info": RateRule(per_minute=100, burst=100),
    "files.getUploadURLExternal": RateRule(per_minute=100, burst=100),
    "files.completeUploadExternal": RateRule(per_minute=100, burst=100),
    "users.info": RateRule(per_minute=100, burst=100),
    "conversations.info": RateRule(per_minute=50, burst=50),
    "chat.appendStream": RateRule(per_minute=100, burst=100),
    "assistant.threads.setSuggestedPrompts": RateRule(per_minute=100, burst=100),
}


@dataclass
class Budget:
    """A token bucket."""

    rule: RateRule
    scale: float
    tokens: float = -1.0
    at: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.rule.burst

    @property
    def rate(self) -> float:
        """Tokens per real second."""
        return self.rule.per_minute / 60.0 * self.scale

    def take(self, now: float) -> float:
        """Spend one request: 0.0 when allowed, else the seconds until one is (the Retry-After)."""
        self.tokens = min(self.rule.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class RateBudgets:
    """Every budget of one fake Slack, keyed by (method, team[, channel])."""

    def __init__(self, *, scale: float = 1.0, enabled: bool = True) -> None:
        self.scale = scale
        self.enabled = enabled
        self._budgets: dict[tuple[str, str, str], Budget] = {}
        self.limited: list[tuple[str, str, str]] = []  # every 429 the budgets answered
        # method -> (until, Retry-After): the workspace is over its budget for a while (other apps'
        # traffic, a burst before ours): every call gets 429 until then.
        self.saturated: dict[str, tuple[float, int]] = {}

    def saturate(self, method: str, *, seconds: float, retry_after: int = 1) -> None:
        """Answer every `method` call with 429 and `Retry-After: retry_after` for `seconds`."""
        self.saturated[method] = (time.monotonic() + seconds, retry_after)

    def retry_after(self, method: str, *, team: str, channel: str | None) -> int | None:
        """None when the call is within budget, else the whole seconds Slack would send in Retry-After."""
        until, after = self.saturated.get(method, (0.0, 0))
        if time.monotonic() < until:
            self.limited.append((method, team, channel or ""))
            return after
        rule = LIMITS.get(method)
        if rule is None or not self.enabled:
            return None
        key = (method, team, (channel or "") if rule.per == "channel" else "")
        budget = self._budgets.get(key)
        if budget is None:
            budget = self._budgets[key] = Budget(rule=rule, scale=self.scale)
        wait = budget.take(time.monotonic())
        if wait <= 0:
            return None
        self.limited.append(key)
        return max(1, math.ceil(wait))
