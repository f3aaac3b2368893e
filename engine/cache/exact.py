"""Exact caches: whole results by scope + normalised request, profiles by normalised URLs.

Reads never extend an entry's TTL; entries simply expire CACHE_TTL_WORKFLOW / CACHE_TTL_PROFILE
seconds after they were written.
"""

from __future__ import annotations

import logging
from functools import partial

from pydantic import ValidationError

from engine.cache import keys
from engine.cache.health import CacheHealth
from engine.models import DraftRequest, ProspectProfile, Result

__all__ = ["StoredProfiles", "StoredResults"]

log = logging.getLogger(__name__)


class StoredResults:
    """Whole workflow results, reused when the same request comes again in the same scope."""

    def __init__(self, health: CacheHealth, *, ttl: int) -> None:
        self._health = health
        self._ttl = ttl

    async def get(self, request: DraftRequest, *, scope: str) -> Result | None:
        key = keys.result_key(request, scope)
        raw = await self._health.call(partial(self._health.store.get, key), None)
        if raw is None:
            return None
        try:
            return Result.model_validate_json(raw)
        except ValidationError:  # written by an older version: recompute rather than fail
            log.info("ignoring an unreadable cached result %s", key)
            return None

    async def put(self, request: DraftRequest, *, scope: str, result: Result) -> None:
        key = keys.result_key(request, scope)
        await self._health.call(partial(self._health.store.set, key, result.model_dump_json(),
                                                                ttl=self._ttl), None)


class StoredProfiles:
    """Prospect profiles by normalised profile/company URLs; requests without URLs are not cached."""

    def __init__(self, health: CacheHealth, *, ttl: int) -> None:
        self._health = health
        self._ttl = ttl

    async def get(self, request: DraftRequest) -> ProspectProfile | None:
        key = keys.profile_key(request)
        if key is None:
            return None
        raw = await self._health.call(partial(self._health.store.get, key), None)
        if raw is None:
            return None
        try:
            return ProspectProfile.model_validate_json(raw)
        except ValidationError:
            return None

    async def put(self, request: DraftRequest, profile: ProspectProfile) -> None:
        key = keys.profile_key(request)
        if key is None:
            return
        await self._health.call(partial(self._health.store.set, key, profile.model_dump_json(),
                                                                ttl=self._ttl), None)
