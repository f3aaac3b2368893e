"""The analysis cache: this exact thread first, then a semantically close one that the verifier accepts.

Semantic reuse needs three things: MiniLM puts the cached thread among the nearest (cosine at least
`threshold`), the hard facts agree exactly (engine/meaning/facts.py), and the trained pair verifier
(engine/meaning/verifier.py) scores the pair at least `verifier_threshold`. Every lookup says which
check decided it (`Lookup.check`): exact, no candidate, facts (and which kind), intent, verifier,
version, or hit. Without the models (still loading, or unavailable) only exact threads are reused,
and a lookup never waits for the models.

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
from typing import Any, Literal

import numpy as np
from pydantic import ValidationError

from engine.cache import keys
from engine.cache.embedder import DIMENSIONS, Embedder
from engine.cache.health import CacheHealth
from engine.cache.index import Candidate, VectorIndex
from engine.meaning.encoding import view_of
from engine.meaning.facts import Facts, facts_agree, facts_of_view
from engine.meaning.models import MeaningModels, Read
from engine.meaning.pairs import Side
from engine.meaning.verifier import PairVerifier
from engine.models import ThreadAnalysis
from engine.protocols import AnalysisHit
from engine.speculation import Gate
from engine.text.scrub import scrub_analysis

__all__ = ["CHECKS", "Lookup", "SemanticAnalyses", "judge"]

log = logging.getLogger(__name__)
Decision = Literal["hit", "miss", "guard_rejected"]
# What decided a lookup (`Lookup.check`); a failed fact check is "facts:<kind>" (engine/meaning/facts.py).
CHECKS = ("exact", "not_ready", "empty", "no_candidate", "facts", "intent", "verifier", "version", "entry", "hit")


@dataclass(frozen=True)
class _Seen:
    """What a lookup computed for a thread, kept for the insert that usually follows it."""

    read: Read
    side: Side
    intent: str  # what the intent model commits to (`general` when unsure)
    facts: Facts


@dataclass(frozen=True)
class Lookup:
    """What a lookup decided, with the entry it matched (or the best one the guard refused)."""

    decision: Decision
    analysis: ThreadAnalysis | None = None
    entry_id: str | None = None
    similarity: float | None = None
    semantic: bool = True
    reason: str = ""
    check: str = ""  # which check decided (CHECKS; "facts:<kind>" for a fact)


class SemanticAnalyses:
    """Thread analyses reused by exact thread, then by meaning (cosine + facts + verifier), within one scope."""

    def __init__(self, health: CacheHealth, *, embedder: Embedder, threshold: float, ttl: int,
                 verifier_threshold: float | None = None, models: MeaningModels | None = None,
                 candidates: int = 5, sync_every_s: float = 1.0) -> None:
        self._health = health
        self.models = models or MeaningModels(embedder)
        self.threshold = threshold
        self._verifier_threshold = verifier_threshold
        self._ttl = ttl
        self._candidates = candidates
        self._sync_every_s = sync_every_s
        self._indexes: dict[str, VectorIndex] = {}
        self._log_position = 0
        self._loaded = False
        self._last_sync = 0.0
        self._load_lock = asyncio.Lock()
        self._rebuild: asyncio.Task[None] | None = None
        self._recent: dict[str, _Seen] = {}
        # The quickest embedding + reading so far: a lookup parks at its gate when the call racing it
        # would start before even that much is done (None: none yet, so the first one never parks).
        self._fastest_read_s: float | None = None
        self._writes: set[asyncio.Task[str]] = set()
        health.on_recover(self._forget)  # the store may have restarted empty or moved on without us

    @property
    def entries(self) -> int:
        """How many vectors this process has indexed, over all scopes."""
        return sum(len(index) for index in self._indexes.values())

    @property
    def verifier_threshold(self) -> float | None:
        """SEMANTIC_VERIFIER_THRESHOLD, else the trainer's choice once the models are loaded."""
        if self._verifier_threshold is not None:
            return self._verifier_threshold
        return self.models.verifier.threshold if self.models.ready else None

    async def start(self) -> None:
        """Load the models and the index now (a server's start-up, in the background)."""
        await self.models.warm()
        await self._sync()

    def status(self) -> dict[str, Any]:
        """What /healthz says about semantic reuse."""
        reuse = "on" if self.models.ready else (
            "exact only until the models are loaded" if self.models.state in ("not loaded", "loading")
            else "exact only: no verifier")
        return {"entries": self.entries, "threshold": self.threshold,
                "verifier_threshold": self.verifier_threshold, "models": self.models.status(),
                "semantic_reuse": reuse}

    async def lookup(self, thread: str, *, scope: str, gate: Gate | None = None) -> AnalysisHit | None:
        found = await self.lookup_detailed(thread, scope=scope, gate=gate)
        if found.decision != "hit" or found.analysis is None:
            return None
        return AnalysisHit(analysis=found.analysis, similarity=found.similarity or 1.0,
                           semantic=found.semantic)

    async def lookup_detailed(self, thread: str, *, scope: str, gate: Gate | None = None) -> Lookup:
        """The decision for `thread` in `scope`: an exact or guarded semantic hit, a miss, or a refusal.

        `gate`: where to wait, after the exact miss, before embedding (engine/speculation.py)."""
        scope_id = keys.scope_digest(scope)  # raises ScopeRequired before anything is read
        await self._drain()  # our own pending inserts land first, so a repeat is seen
        store = self._health.store
        exact_key = keys.ANALYSIS + f"{scope_id}:{keys.digest(keys.normalise_thread(thread))}"
        raw = await self._health.call(partial(store.get, exact_key), None)
        exact = _analysis(raw)
        if exact is not None:
            return Lookup("hit", exact, entry_id=_entry_id(scope_id, thread), similarity=1.0, semantic=False,
                          check="exact")
        if not self.models.ready:
            return Lookup("miss", reason="models not ready: exact reuse only", check="not_ready")
        if gate is not None and thread not in self._recent:
            await gate.before_encode(self._fastest_read_s or 0.0)
        seen = await self._seen(thread)
        if seen is None:
            return Lookup("miss", reason="no prospect message to compare", check="empty")
        await self._sync()
        index = self._indexes.get(scope_id)
        if index is None or len(index) == 0:
            return Lookup("miss", reason="nothing cached in this scope yet", check="empty")
        candidates = index.search(seen.read.encoded.message, threshold=self.threshold, limit=self._candidates)
        if not candidates:
            nearest = index.search(seen.read.encoded.message, threshold=-1.0, limit=1)
            return Lookup("miss", similarity=nearest[0].similarity if nearest else None,
                          entry_id=_id_of(nearest[0]) if nearest else None, check="no_candidate",
                          reason=f"no cached thread at cosine >= {self.threshold:.2f}")
        refused: Lookup | None = None
        bar = self.verifier_threshold or 1.0
        for candidate in candidates:
            entry_key = keys.SEMANTIC_ENTRY + candidate.key.removeprefix(keys.SEMANTIC_VECTOR)
            raw = await self._health.call(partial(store.get, entry_key), None)
            if raw is None:
                continue  # expired or unreachable: never serve what we cannot check
            check, reason = self._judge(seen, json.loads(raw), bar)
            if not check:
                analysis = _analysis(json.dumps(json.loads(raw)["analysis"]))
                if analysis is not None:
                    return Lookup("hit", analysis, entry_id=_id_of(candidate), similarity=candidate.similarity,
                                  check="hit", reason=reason)
                check, reason = "entry", "unreadable entry"
            # The nearest candidate's refusal stands for the lookup: the others were farther still.
            refused = refused or Lookup("guard_rejected", entry_id=_id_of(candidate),
                                        similarity=candidate.similarity, reason=reason, check=check)
        return refused or Lookup("miss", similarity=candidates[0].similarity, check="entry",
                                 reason="the candidates' entries expired")

    async def put(self, thread: str, *, scope: str, analysis: ThreadAnalysis) -> None:
        """Store in the background: the draft's result does not wait for the insert."""
        keys.scope_digest(scope)  # a missing scope fails here, in the caller, not in a task
        task = asyncio.get_running_loop().create_task(self.remember(thread, scope=scope, analysis=analysis))
        self._writes.add(task)
        task.add_done_callback(self._written)

    def _written(self, task: asyncio.Task[str]) -> None:
        self._writes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("a semantic cache insert failed: %s", task.exception())

    async def flush(self) -> None:
        """Wait until every insert this process started is stored (shutdown, tests, benchmarks)."""
        await self._drain()

    async def _drain(self) -> None:
        """Wait for this process's pending inserts (they reuse the lookup's embedding: milliseconds)."""
        if self._writes:
            await asyncio.gather(*list(self._writes), return_exceptions=True)

    async def _seen(self, thread: str) -> _Seen | None:
        """The thread's embeddings, reading and facts: computed once, reused by the insert."""
        seen = self._recent.get(thread)
        if seen is not None:
            return seen
        view = view_of(thread)
        if not view.text:
            return None
        started = time.perf_counter()
        read = await self.models.read(view)
        facts = facts_of_view(thread, view)
        took = time.perf_counter() - started
        self._fastest_read_s = took if self._fastest_read_s is None else min(self._fastest_read_s, took)
        seen = _Seen(read=read, side=self.models.side(read, tokens=facts.message.words),
                     intent=read.gate.intent, facts=facts)  # the reading the verifier was trained with
        self._recent[thread] = seen
        while len(self._recent) > 256:
            self._recent.pop(next(iter(self._recent)))
        return seen

    async def remember(self, thread: str, *, scope: str, analysis: ThreadAnalysis) -> str:
        """Store `analysis` (scrubbed of names) for exact and semantic reuse; returns the entry id."""
        scope_id = keys.scope_digest(scope)
        entry_id = _entry_id(scope_id, thread)
        shared = scrub_analysis(analysis, thread=thread)
        store = self._health.store
        exact_key = keys.ANALYSIS + f"{scope_id}:{keys.digest(keys.normalise_thread(thread))}"
        await self._health.call(partial(store.set, exact_key, shared.model_dump_json(), ttl=self._ttl), None)
        if not self.models.ready:
            return entry_id  # exact reuse only until the models are loaded
        seen = await self._seen(thread)
        if seen is None:
            return entry_id
        vector = seen.read.encoded.message
        expires = time.time() + self._ttl
        entry = {"analysis": shared.model_dump(mode="json"), "facts": seen.facts.to_json(),
                 "side": seen.side.to_json(), "intent": seen.intent}
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

    def _judge(self, seen: _Seen, entry: dict[str, Any], bar: float) -> tuple[str, str]:
        """Which check refuses `entry` for the looked-up thread, and why (("", why) when it may be served)."""
        return judge(seen.side, seen.intent, seen.facts, entry, verifier=self.models.verifier, bar=bar)

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


def judge(side: Side, intent: str, facts: Facts, entry: dict[str, Any], *, verifier: PairVerifier,
          bar: float) -> tuple[str, str]:
    """(check, reason) refusing `entry` for a thread of this side, intent and facts; ("", note) to serve it."""
    try:
        other = Side.from_json(entry["side"])
        other_facts = Facts.from_json(entry["facts"])
        other_intent = str(entry["intent"])
    except (KeyError, TypeError, ValueError):
        return "version", "entry stored by an older cache version"
    if other.version != verifier.version or side.version != verifier.version:
        return "version", "entry stored by other model weights"
    checked = facts_agree(facts, other_facts)
    if not checked.ok:
        return f"facts:{checked.kind}", checked.reason
    verdict = verifier.judge(side, other, committed=(intent, other_intent))
    if verdict.check != "verifier":
        return verdict.check, verdict.reason
    if verdict.score < bar:
        return "verifier", f"verifier {verdict.score:.4f} < {bar:.4f}"
    return "", f"verifier {verdict.score:.4f} >= {bar:.4f}"


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
