"""Slack's re-deliveries never start a second draft: one idempotency key per delivery, in the store.

Slack re-sends an event it thinks went unanswered (up to 3 times, with X-Slack-Retry-Num), and a
proxy or a double submit can deliver the same interaction twice. Every delivery carries an id that
stays the same across copies: `event_id` for events, `trigger_id` for commands, shortcuts, button
clicks and modal submissions. The first copy claims `rc:slack-once:{team}:{id}` with
Store.set_if_absent (atomic in SQLite and on Redis, so it holds across processes); later copies
are acknowledged and dropped before any listener runs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from engine import keys
from engine.cache.store import Store

__all__ = ["ONCE_TTL_S", "claim_once", "delivery_key", "redelivery_guard", "release_once"]

log = logging.getLogger(__name__)
# Slack retries within about 5 minutes; an hour leaves a wide margin and keeps the store small.
ONCE_TTL_S = 3600
Middleware = Callable[..., Awaitable[BoltResponse]]


def delivery_key(body: dict[str, Any]) -> str | None:
    """The id that is the same for every copy of one delivery, or None (nothing to guard)."""
    team = body.get("team_id") or (body.get("team") or {}).get("id") or "-"
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"{team}:event:{body['event_id']}"
    trigger = body.get("trigger_id")
    if trigger:
        kind = body.get("type") or ("command" if body.get("command") else "interaction")
        return f"{team}:{kind}:{trigger}"
    return None


async def claim_once(store: Store, key: str, *, ttl: int = ONCE_TTL_S) -> bool:
    """True for the first claim of `key`, False for every later one (within the TTL)."""
    return await store.set_if_absent(keys.SLACK_ONCE + key, "1", ttl=ttl)


async def release_once(store: Store, key: str) -> None:
    """Give a claim back: what it guarded did not happen (e.g. Slack refused the post), so a retry may."""
    await store.delete(keys.SLACK_ONCE + key)


def redelivery_guard(store: Store) -> Middleware:
    """A Bolt global middleware that drops any delivery already seen."""

    # Bolt passes arguments by their names (positional-or-keyword ones only).
    async def guard(req: AsyncBoltRequest, resp: BoltResponse,
                    next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        key = delivery_key(req.body)
        if key is not None and not await claim_once(store, key):
            retry = req.headers.get("x-slack-retry-num", [None])[0]
            log.info("dropped a re-delivery of %s (retry %s)", key, retry or "-")
            return BoltResponse(status=200, body="")
        return await next()

    return guard
