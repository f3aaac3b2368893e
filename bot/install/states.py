"""Bolt's AsyncOAuthStateStore on the engine's Store: one-time `state` values that expire.

The state ties Slack's redirect back to the browser that started the install (Bolt also sets it
as a cookie); consuming it deletes it, and a second consume of the same state fails, so a replayed
redirect cannot complete an install.
"""

from __future__ import annotations

import logging
import secrets

from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from engine import keys
from engine.cache.store import Store

__all__ = ["STATE_PREFIX", "StoreOAuthStateStore"]

log = logging.getLogger(__name__)
STATE_PREFIX = keys.SLACK_OAUTH_STATE


class StoreOAuthStateStore(AsyncOAuthStateStore):
    """Issue and consume OAuth states in a Store."""

    def __init__(self, store: Store, *, expiration_seconds: int = 600) -> None:
        self.store = store
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        state = secrets.token_urlsafe(24)
        await self.store.set(STATE_PREFIX + state, "1", ttl=self.expiration_seconds)
        return state

    async def async_consume(self, state: str) -> bool:
        key = STATE_PREFIX + state
        if await self.store.get(key) is None:
            return False
        # Across processes only one consume wins: the first to mark the state used.
        if not await self.store.set_if_absent(key + ":used", "1", ttl=self.expiration_seconds):
            return False
        await self.store.delete(key)
        return True
