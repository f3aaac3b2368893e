"""The analysis cache: this exact thread first, then a semantically close one that the guard accepts.

Hard scope: every lookup and write names a tenant scope (Slack team id or hashed API key) and each
scope has its own in-process index, so one tenant's entries are never even compared with
another's; a lookup without a scope raises ScopeRequired. Only analyses are reused semantically,
never replies, and they are scrubbed of names before they are stored.

Sharing between processes: vectors live in the store; each process rebuilds its index from them at
start-up and then follows an append-only log of new vector keys, at most `sync_every_s` behind.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np
from pydantic import ValidationError

from engine.cache import keys
from engine.cache.embedder import DIMENSIONS, Embedder
from engine.cache.guard import agree
from engine.cache.health import CacheHealth
from engine.cache.index import Candidate, Vector, VectorIndex
from engine.cache.signature import Signature, clean_message, signature
from engine.models import ThreadAnalysis
from engine.protocols import AnalysisHit
from engine.text.scrub import scrub_analysis

__all__ = ["Lookup", "SemanticAnalyses"]

log = logging.getLogger(__name__)
Decision = Literal["hit", "miss", "guard_rejected"]


@dataclass(frozen=True)
class Lookup:
    """What a lookup decided, with the entry it matched (or the best one the guard refused)."""

    decision: Decision
    analysis: ThreadAnalysis | None = None
    entry_id: str | None = None
    similarity: float | None = None
    semantic: bool = True
    reason: str = ""


class SemanticAnalyses:
    """Thread analyses reused by exact thread, then by meaning (cosine + guard), within one scope."""

    def __init__(self, health: CacheHealth, *, embedder: Embedder, threshold: float, ttl: int,
                 candidates: int = 5, sync_every_s: float = 1.0) -> None:
        self._health = health
        self._embedder = embedder
        self.threshold = threshold
        self._ttl = ttl
        self._candidates = candidates
        self._sync_every_s = sync_every_s
        self._indexes: dict[str, VectorIndex] = {}
        self._log_position = 0
        self._loaded = False
        self._last_sync = 0.0
        self._load_lock = asyncio.Lock()
        self._rebuild: asyncio.Task[None] | None = None
        self._recent: dict[str, Vector] = {}
        health.on_recover(self._forget)  # the store may have restarted empty or moved on without us

    @property
    def entries(self) -> int:
        """How many vectors this process has indexed, over all scopes."""
        return sum(len(index) for index in self._indexes.values())

    async def start(self) -> None:
        """Load the model and the index now (a server's start-up), instead of on first use."""
        await self._embedder.warm()
        await self._sync()

    async def lookup(self, thread: str, *, scope: str) -> AnalysisHit | None:
        found = await self.lookup_detailed(thread, scope=scope)
        if found.decision != "hit" or found.analysis is None:
            return None
        return AnalysisHit(analysis=found.analysis, similarity=found.similarity or 1.0,
                           semantic=found.semantic)

    async def lookup_detailed(self, thread: str, *, scope: str) -> Lookup:
        """The decision for `thread` in `scope`: an exact or guarded semantic hit, a miss, or a refusal."""
        scope_id = keys.scope_digest(scope)  # raises ScopeRequired before anything is read
        store = self._health.store
        exact_key = keys.ANALYSIS + f"{scope_id}:{keys.digest(keys.normalise_thread(thread))}"
        raw = await self._health.call(partial(store.get, exact_key), None)
        exact = _analysis(raw)
        if exact is not None:
            return Lookup("hit", exact, entry_id=_entry_id(scope_id, thread), similarity=1.0, semantic=False)
        text = clean_message(thread).text
        if not text:
            return Lookup("miss")
        await self._sync()
        index = self._indexes.get(scope_id)
        if index is None or len(index) == 0:
            return Lookup("miss")
        query = await self._vector(text)
        candidates = index.search(query, threshold=self.threshold, limit=self._candidates)
        if not candidates:
            nearest = index.search(query, threshold=-1.0, limit=1)
            return Lookup("miss", similarity=nearest[0].similarity if nearest else None,
                          entry_id=_id_of(nearest[0]) if nearest else None)
        wanted = signature(thread)
        refused: Lookup | None = None
        for candidate in candidates:
            entry_key = keys.SEMANTIC_ENTRY + candidate.key.removeprefix(keys.SEMANTIC_VECTOR)
            raw = await self._health.call(partial(store.get, entry_key), None)
            if raw is None:
                continue  # expired or unreachable: never serve what we cannot check
            entry = json.loads(raw)
            analysis = _analysis(json.dumps(entry["analysis"]))
            verdict = agree(wanted, Signature.from_json(entry["signature"]))
            if verdict.ok and analysis is not None:
                return Lookup("hit", analysis, entry_id=_id_of(candidate), similarity=candidate.similarity)
            refused = refused or Lookup("guard_rejected", entry_id=_id_of(candidate),
                                        similarity=candidate.similarity, reason=verdict.reason)
        return refused or Lookup("miss", similarity=candidates[0].similarity)

    async def put(self, thread: str, *, scope: str, analysis: ThreadAnalysis) -> None:
        await self.remember(thread, scope=scope, analysis=analysis)

    async def remember(self, thread: str, *, scope: str, analysis: ThreadAnalysis) -> str:
        """Store `analysis` (scrubbed of names) for exact and semantic reuse; returns the entry id."""
        scope_id = keys.scope_digest(scope)
        entry_id = _entry_id(scope_id, thread)
        shared = scrub_analysis(analysis, thread=thread)
        store = self._health.store
        exact_key = keys.ANALYSIS + f"{scope_id}:{keys.digest(keys.normalise_thread(thread))}"
        await self._health.call(partial(store.set, exact_key, shared.model_dump_json(), ttl=self._ttl), None)
        text = clean_message(thread).text
        if not text:
            return entry_id
        vector = await self._vector(text)
        expires = time.time() + self._ttl
        entry = {"analysis": shared.model_dump(mode="json"), "signature": signature(thread).to_json()}
        vector_key = keys.SEMANTIC_VECTOR + f"{scope_id}:{entry_id}"
        packed = f"{expires:.0f}|{base64.b64encode(vector.astype(np.float32).tobytes()).decode()}"

        async def write() -> bool:
            await store.set(keys.SEMANTIC_ENTRY + f"{scope_id}:{entry_id}", json.dumps(entry), ttl=self._ttl)
            await store.set(vector_key, packed, ttl=self._ttl)
            await store.append(keys.SEMANTIC_LOG, vector_key)
            return True

        if await self._health.call(write, False):
            self._index(scope_id).add(vector_key, vector, expires=expires)
            self._maybe_rebuild(scope_id)
        return entry_id

    async def _vector(self, text: str) -> Vector:
        # A miss is followed by a put of the same thread: remember the last few encodings.
        vector = self._recent.get(text)
        if vector is None:
            vector = (await self._embedder.encode([text]))[0]
            self._recent[text] = vector
            while len(self._recent) > 256:
                self._recent.pop(next(iter(self._recent)))
        return vector

    async def _sync(self) -> None:
        """Load everything once, then pick up other processes' new entries from the log."""
        now = time.monotonic()
        if self._loaded and now - self._last_sync < self._sync_every_s:
            return
        async with self._load_lock:
            if self._loaded and time.monotonic() - self._last_sync < self._sync_every_s:
                return
            await self._health.call(self._follow_log if self._loaded else self._load_all, None)
            self._last_sync = time.monotonic()

    async def _load_all(self) -> None:
        store = self._health.store
        position = len(await store.read_from(keys.SEMANTIC_LOG, 0))
        indexes: dict[str, VectorIndex] = {}
        async for key, value in store.scan(keys.SEMANTIC_VECTOR):
            _add_packed(indexes, key, value)
        self._indexes, self._log_position, self._loaded = indexes, position, True
        for scope_id in indexes:
            self._maybe_rebuild(scope_id)
        log.info("semantic cache index loaded: %d entries", self.entries)

    async def _follow_log(self) -> None:
        store = self._health.store
        new_keys = await store.read_from(keys.SEMANTIC_LOG, self._log_position)
        self._log_position += len(new_keys)
        for key in new_keys:
            scope_id = key.removeprefix(keys.SEMANTIC_VECTOR).split(":", 1)[0]
            if key in self._indexes.get(scope_id, ()):
                continue
            value = await store.get(key)
            if value is not None:
                _add_packed(self._indexes, key, value)
                self._maybe_rebuild(scope_id)

    def _forget(self) -> None:
        self._loaded = False

    def _index(self, scope_id: str) -> VectorIndex:
        return self._indexes.setdefault(scope_id, VectorIndex(DIMENSIONS))

    def _maybe_rebuild(self, scope_id: str) -> None:
        index = self._indexes[scope_id]
        if index.needs_rebuild() and (self._rebuild is None or self._rebuild.done()):
            # Clustering 100k vectors takes about a second: a worker thread, never the event loop.
            self._rebuild = asyncio.get_running_loop().create_task(asyncio.to_thread(index.rebuild))


def _add_packed(indexes: dict[str, VectorIndex], key: str, value: str) -> None:
    expires, _, packed = value.partition("|")
    vector = np.frombuffer(base64.b64decode(packed), dtype=np.float32)
    if vector.shape != (DIMENSIONS,):
        return
    scope_id = key.removeprefix(keys.SEMANTIC_VECTOR).split(":", 1)[0]
    indexes.setdefault(scope_id, VectorIndex(DIMENSIONS)).add(key, vector, expires=float(expires))


def _entry_id(scope_id: str, thread: str) -> str:
    return keys.digest(scope_id + keys.normalise_thread(thread), size=8)


def _id_of(candidate: Candidate) -> str:
    return candidate.key.rsplit(":", 1)[-1]


def _analysis(raw: str | None) -> ThreadAnalysis | None:
    if raw is None:
        return None
    try:
        return ThreadAnalysis.model_validate_json(raw)
    except ValidationError:
        return None
