"""Caching that survives its store going away: off with one warning, back on when the store returns.

Every cache call goes through `CacheHealth.call`. When the store raises StoreUnavailable, caching
turns off (one warning per outage), calls return their default at once, and every few seconds one
call probes the store; the first success turns caching back on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from engine.cache.store import Store
from engine.errors import StoreUnavailable

__all__ = ["CacheHealth"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class CacheHealth:
    """Tracks whether the caches' store is reachable and gates calls to it."""

    def __init__(self, store: Store, *, retry_after_s: float = 2.0) -> None:
        self.store = store
        self.retry_after_s = retry_after_s
        self.available = True
        self.detail = ""
        self._next_probe = 0.0
        self._on_recover: list[Callable[[], None]] = []

    def on_recover(self, callback: Callable[[], None]) -> None:
        """Call `callback` when the store comes back (e.g. to reload an index it may have missed)."""
        self._on_recover.append(callback)

    async def check(self) -> bool:
        """Ping the store now (start-up, /healthz); returns whether caching is on."""
        if await self.store.ping():
            self._mark_up()
        else:
            self._mark_down(f"{self.store.name} store did not answer a ping")
        return self.available

    async def call(self, operation: Callable[[], Awaitable[T]], default: T) -> T:
        """Run `operation` against the store, or return `default` while the store is down."""
        if not self.available:
            now = time.monotonic()
            if now < self._next_probe:
                return default
            self._next_probe = now + self.retry_after_s
            if not await self.store.ping():
                return default
            self._mark_up()
        try:
            return await operation()
        except StoreUnavailable as exc:
            self._mark_down(str(exc))
            return default

    def status(self) -> dict[str, Any]:
        """What /healthz shows about caching."""
        status: dict[str, Any] = {"store": self.store.name, "caching": "on" if self.available else "off"}
        if not self.available:
            status["detail"] = f"{self.detail}; requests are served without caches until it returns"
        return status

    def _mark_down(self, detail: str) -> None:
        self._next_probe = time.monotonic() + self.retry_after_s
        self.detail = detail
        if self.available:
            self.available = False
            log.warning("caching is off: %s. Drafts keep working without caches; retrying every %g s.",
                        detail, self.retry_after_s)

    def _mark_up(self) -> None:
        if not self.available:
            self.available = True
            self.detail = ""
            log.info("caching is back on: the %s store answers again", self.store.name)
            for callback in list(self._on_recover):
                callback()
