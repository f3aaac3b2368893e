"""Nothing but the LLM on a draft's path: the analysis call does not wait for a slow semantic lookup,
a late hit cancels it, and every cache write lands after the result.

Ordering is proven from the fake LLM's recorded requests, from a gate the test holds on MiniLM's
encode (a CPU as slow as the test likes) and from the order of store writes against the published
result, never from wall-clock thresholds.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine import keys
from engine.cache.embedder import Embedder, RowOutputs, Vectors
from engine.cache.semantic import SemanticAnalyses
from engine.cache.setup import build_caches, start_caches
from engine.cache.store import SQLiteStore
from engine.models import DraftRequest, Result, StepEvent
from engine.protocols import Backends
from engine.settings import EngineSettings
from engine.steps.offline import OfflineAnalysis, OfflineProfile, OfflineReply
from engine.workflow import Engine
from tests.conftest import SAMPLES
from tests.fakes.openai_server import FakeOpenAI, fake_openai

__all__ = ["fake_openai"]  # the fixture, used by name

ROWS = {row["id"]: row for row in map(json.loads, (SAMPLES / "threads.jsonl").read_text("utf-8").splitlines())}
ANCHOR, PARAPHRASE = ROWS["d18-a"]["thread"], ROWS["d18-p1"]["thread"]  # a pair the verifier accepts


class GatedEmbedder(Embedder):
    """The real MiniLM, whose encodes wait while the test holds the gate closed."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__()
        self.inner = inner
        self.gate = threading.Event()
        self.gate.set()
        self.started = threading.Event()  # an encode is waiting at (or went through) the gate
        self.calls = 0

    def load(self) -> None:
        self.inner.load()

    def _wait(self) -> None:
        self.calls += 1
        self.started.set()
        assert self.gate.wait(timeout=60), "the test never opened the gate"

    def encode_sync(self, texts: Sequence[str]) -> Vectors:
        self._wait()
        return self.inner.encode_sync(texts)

    def encode_with_tokens(self, texts: Sequence[str], *, rows: Sequence[int]) -> tuple[Vectors, list[Vectors]]:
        self._wait()  # a lookup's one forward pass (with the verifier's word pieces)
        return self.inner.encode_with_tokens(texts, rows=rows)

    def encode_rows(self, texts: Sequence[str], *, rows: Sequence[int], layer: int | None = None) -> RowOutputs:
        self._wait()  # the same pass, also keeping the fine-tuned intent reader's hidden states
        return self.inner.encode_rows(texts, rows=rows, layer=layer)

    def state(self) -> dict[str, Any]:
        return self.inner.state()


async def crew_engine(fake: FakeOpenAI, data_dir: Path, embedder: Embedder) -> tuple[Engine, SemanticAnalyses]:
    settings = EngineSettings(openai_api_key="test-key", openai_base_url=fake.base_url, data_dir=data_dir,
                              semantic_similarity_threshold=0.6)
    store = SQLiteStore(data_dir / "s.sqlite3")
    caches = build_caches(settings, store, embedder=embedder, semantic=True)
    await start_caches(store)  # a server's start-up: the models are ready before the first draft
    assert caches.semantic is not None and caches.semantic.models.ready
    return Engine(settings, caches=caches, store=store), caches.semantic


async def test_a_draft_never_waits_for_a_slow_semantic_lookup(fake_openai: FakeOpenAI, data_dir: Path,
                                                               embedder: Embedder) -> None:
    gated = GatedEmbedder(embedder)
    engine, semantic = await crew_engine(fake_openai, data_dir, gated)
    gated.gate.clear()
    try:
        result = await engine.run(DraftRequest(conversation_thread=ANCHOR), scope="team:T1")
        # The whole draft came back while the lookup's encode was still held at the gate.
        assert gated.started.is_set() and not gated.gate.is_set()
        assert [step.source for step in result.steps] == ["llm", "llm", "llm"] and not result.degraded
        assert len(fake_openai.requests_for("ThreadAnalysis")) == 1
        await asyncio.sleep(0)
        assert semantic.entries == 0  # the insert waits for the lookup's embedding ...
    finally:
        gated.gate.set()
    await engine.flush()
    await semantic.flush()
    assert semantic.entries == 1
    assert gated.calls == 1  # ... and reuses it: one encode for the lookup and the insert


async def test_a_late_semantic_hit_cancels_the_speculative_call(fake_openai: FakeOpenAI, data_dir: Path,
                                                                embedder: Embedder) -> None:
    gated = GatedEmbedder(embedder)
    engine, semantic = await crew_engine(fake_openai, data_dir, gated)
    await engine.run(DraftRequest(conversation_thread=ANCHOR), scope="team:T1")
    await engine.flush()
    await semantic.flush()
    assert semantic.entries == 1
    fake_openai.enqueue(hang=True, match="ThreadAnalysis")  # this analysis call would never answer
    gated.gate.clear()
    gated.started.clear()
    draft = asyncio.ensure_future(engine.run(DraftRequest(conversation_thread=PARAPHRASE), scope="team:T1"))
    try:
        for _ in range(3000):  # the call goes out while the lookup is held at the gate
            if len(fake_openai.requests_for("ThreadAnalysis")) == 2:
                break
            await asyncio.sleep(0.01)
        assert len(fake_openai.requests_for("ThreadAnalysis")) == 2
        assert gated.started.is_set() and not draft.done()
    finally:
        gated.gate.set()
    result = await draft
    analysis = next(step for step in result.steps if step.name == "analysis")
    assert analysis.source == "semantic_cache" and analysis.similarity is not None
    speculative = fake_openai.requests_for("ThreadAnalysis")[1]
    assert speculative.responded is None  # cancelled, not answered
    assert not result.degraded


class RecordingStore(SQLiteStore):
    """The embedded store, noting every write in a log the test shares with the engine's listener."""

    def __init__(self, path: Path, log: list[str]) -> None:
        super().__init__(path)
        self.log = log

    async def set(self, key: str, value: str, *, ttl: int | None = None) -> None:
        self.log.append(f"set {key}")
        await super().set(key, value, ttl=ttl)


async def test_cache_writes_land_after_the_result(data_dir: Path, embedder: Embedder) -> None:
    settings = EngineSettings(data_dir=data_dir)
    order: list[str] = []
    store = RecordingStore(data_dir / "s.sqlite3", order)
    caches = build_caches(settings, store, embedder=embedder, semantic=True)
    await start_caches(store)
    backends = Backends(profile=OfflineProfile(), analysis=OfflineAnalysis(), reply=OfflineReply())
    engine = Engine(settings, backends=backends, caches=caches, store=store)

    def note(item: StepEvent | Result) -> None:
        order.append("result" if isinstance(item, Result) else f"{item.name} {item.status}")

    engine.subscribe(note)
    request = DraftRequest(conversation_thread=ANCHOR, prospect_profile_url="https://www.linkedin.com/in/someone",
                           prospect_company_url="https://example.com")
    await engine.run(request, scope="team:T1")
    await engine.flush()
    assert caches.semantic is not None
    await caches.semantic.flush()
    writes = [entry.removeprefix("set ") for entry in order if entry.startswith("set ")]
    for prefix in (keys.RESULT, keys.PROFILE, keys.ANALYSIS, keys.SEMANTIC_ENTRY, keys.SEMANTIC_VECTOR):
        assert any(key.startswith(prefix) for key in writes), (prefix, order)
    assert order.index("result") < order.index(f"set {writes[0]}"), order  # nothing written before the result
    # The next identical request reads what the first one wrote.
    again = await engine.run(request, scope="team:T1")
    assert {step.source for step in again.steps} == {"exact_cache"}
