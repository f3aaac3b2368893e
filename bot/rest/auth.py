"""Bearer-key auth and a per-key rate limit for the REST API (not for /slack/events)."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

__all__ = ["API_SCOPE_KEY", "RateLimiter", "auth_middleware"]

API_SCOPE_KEY = web.RequestKey("replycrew_scope", str)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Paths that are not the REST API: Slack verifies its own signatures; health is public.
_OPEN_PATHS = ("/slack/events", "/healthz", "/metrics")
_MAX_BUCKETS = 10_000  # bounds memory when many addresses call without a key


@dataclass
class RateLimiter:
    """A token bucket per key: `per_minute` requests, refilled continuously."""

    per_minute: int
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def retry_after(self, key: str) -> float:
        """0 when the call may go ahead (and is counted), else seconds until it may."""
        now = time.monotonic()
        if len(self._buckets) > _MAX_BUCKETS:
            self._forget_full(now)
        tokens, last = self._buckets.get(key, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) * 60 / self.per_minute

    def _forget_full(self, now: float) -> None:
        # A bucket idle for a minute is full again: dropping it changes nothing.
        for key, (_, last) in list(self._buckets.items()):
            if now - last >= 60:
                del self._buckets[key]


def scope_for_key(key: str | None) -> str:
    """The tenant scope of a REST caller: a hash of their API key, never the key itself."""
    if not key:
        return "api:local"
    return "api:" + hashlib.sha256(key.encode()).hexdigest()[:16]


def auth_middleware(keys: list[str], limiter: RateLimiter) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Require `Authorization: Bearer <key>` when keys are configured; rate-limit per key."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(_OPEN_PATHS):
            return await handler(request)
        key = _bearer(request) or request.query.get("api_key")
        if keys and not any(hmac.compare_digest(key or "", known) for known in keys):
            # Wrong keys count against the caller's address, so guessing keys is rate-limited too.
            wait = limiter.retry_after(f"unauthenticated:{request.remote}")
            if wait > 0:
                return _too_many(limiter, wait)
            return _json(401, "missing or unknown API key: send 'Authorization: Bearer <key>' "
                              "(or ?api_key= for WebSockets) with one of the keys in API_KEYS",
                         headers={"WWW-Authenticate": 'Bearer realm="replycrew"'})
        wait = limiter.retry_after(key or request.remote or "local")
        if wait > 0:
            return _too_many(limiter, wait)
        request[API_SCOPE_KEY] = scope_for_key(key if keys else None)
        return await handler(request)

    return middleware


def _too_many(limiter: RateLimiter, wait: float) -> web.Response:
    seconds = max(1, math.ceil(wait))
    return _json(429, f"rate limit of {limiter.per_minute} requests per minute reached; "
                      f"retry in {seconds} s", headers={"Retry-After": str(seconds)})


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _json(status: int, message: str, *, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=json.dumps({"error": message}),
                        content_type="application/json", headers=headers)
