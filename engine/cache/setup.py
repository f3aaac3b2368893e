"""Wiring the caches onto one store: what build_engine and the server's start-up call."""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field
from typing import Any

from engine.cache.embedder import Embedder
from engine.cache.exact import StoredProfiles, StoredResults
from engine.cache.faq import StoredFAQ
from engine.cache.health import CacheHealth
from engine.cache.layers import CacheLayers
from engine.cache.semantic import SemanticAnalyses
from engine.cache.store import Store
from engine.meaning.models import MeaningModels, get_models
from engine.settings import EngineSettings

__all__ = ["StoreCaches", "build_caches", "cache_status", "caches_for", "semantic_enabled", "start_caches",
           "start_in_background"]

log = logging.getLogger(__name__)
# The caches built on each store, so /healthz and start-up find them even after other layers
# (metrics) wrap engine.caches.
_BY_STORE: weakref.WeakKeyDictionary[Any, StoreCaches] = weakref.WeakKeyDictionary()


@dataclass
class StoreCaches(CacheLayers):
    """The cache layers backed by a store, plus the health gate they share."""

    health: CacheHealth | None = None
    semantic: SemanticAnalyses | None = None
    stored_faq: StoredFAQ | None = field(default=None)


def semantic_enabled(settings: EngineSettings) -> bool:
    """SEMANTIC_CACHE=on/off, or auto: on when an LLM runs the analysis (offline analysis is ~1 ms)."""
    mode = settings.semantic_cache
    return mode == "on" or (mode == "auto" and settings.llm_kind != "offline")


def build_caches(settings: EngineSettings, store: Store, *, embedder: Embedder | None = None,
                 semantic: bool | None = None) -> StoreCaches:
    """Exact result, profile and FAQ caches on `store`, and the semantic analysis cache if enabled."""
    health = CacheHealth(store)
    faq = StoredFAQ(health, ttl=settings.cache_ttl_faq)
    caches = StoreCaches(
        results=StoredResults(health, ttl=settings.cache_ttl_workflow),
        profiles=StoredProfiles(health, ttl=settings.cache_ttl_profile),
        faq=faq, health=health, stored_faq=faq,
    )
    if semantic_enabled(settings) if semantic is None else semantic:
        models = get_models() if embedder is None else MeaningModels(embedder)
        caches.semantic = SemanticAnalyses(
            health, embedder=models.embedder, models=models,
            threshold=settings.semantic_similarity_threshold,
            verifier_threshold=settings.semantic_verifier_threshold, ttl=settings.cache_ttl_workflow)
        caches.analyses = caches.semantic
    _BY_STORE[store] = caches
    return caches


def caches_for(store: Store) -> StoreCaches | None:
    """The caches `build_caches` put on `store`, if any."""
    return _BY_STORE.get(store)


async def start_caches(store: Store) -> None:
    """Start-up: check the store (one warning if it is down), load the models and the index."""
    caches = caches_for(store)
    if caches is None or caches.health is None:
        return
    await caches.health.check()
    if caches.semantic is not None:
        try:
            await caches.semantic.start()
        except Exception:  # a broken model must not stop the server: lookups just miss
            log.exception("the semantic cache could not start; it stays off")


def cache_status(store: Store) -> dict[str, Any]:
    """What /healthz says about caching on `store`."""
    caches = caches_for(store)
    if caches is None or caches.health is None:
        return {"store": store.name, "caching": "none"}
    status = caches.health.status()
    if caches.semantic is not None:
        status["semantic"] = caches.semantic.status()
    return status


def start_in_background(store: Store) -> asyncio.Task[None]:
    """`start_caches` as a task, so a server answers while the model loads."""
    return asyncio.get_running_loop().create_task(start_caches(store))
