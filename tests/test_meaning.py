"""The meaning models: readiness gates semantic reuse, the verifier needs agreeing readings, and the
offline reading falls back to the rules (and says so) when the models cannot load."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import numpy as np

from engine.cache.embedder import Embedder
from engine.cache.health import CacheHealth
from engine.cache.semantic import SemanticAnalyses
from engine.cache.store import SQLiteStore
from engine.meaning.intent import IntentModel
from engine.meaning.models import MeaningModels
from engine.meaning.reading import RULES_NOTE, read_thread
from engine.meaning.verifier import PairVerifier, Side
from engine.steps.heuristics import analyse_thread
from tests.conftest import SAMPLES

ROWS = {row["id"]: row for row in map(json.loads, (SAMPLES / "threads.jsonl").read_text("utf-8").splitlines())}


def side(intent: str, probabilities: list[float]) -> Side:
    return Side(short=False, probabilities=np.asarray(probabilities, dtype=np.float32), intent=intent)


def test_the_verifier_scores_only_pairs_read_as_the_same_intent() -> None:
    pricing = side("asks_pricing", [0.9, 0.1])
    assert PairVerifier.score(pricing, side("asks_pricing", [0.8, 0.2])) > 0.7
    assert PairVerifier.score(pricing, side("wants_trial", [0.6, 0.4])) == 0.0
    assert PairVerifier.score(side("general", [0.5, 0.5]), side("general", [0.5, 0.5])) == 0.0
    assert PairVerifier.score(pricing, side("asks_pricing", [0.9, 0.05, 0.05])) == 0.0  # another model's entry
    round_trip = Side.from_json(json.loads(json.dumps(pricing.to_json())))
    assert round_trip.intent == "asks_pricing" and np.allclose(round_trip.probabilities, [0.9, 0.1], atol=1e-3)


def test_a_reading_torn_between_decline_and_go_ahead_is_general() -> None:
    labels = ["asks_pricing", "general", "not_interested"]
    model = IntentModel(weights=np.zeros((2, 3), dtype=np.float32), bias=np.zeros(3, dtype=np.float32),
                        labels=labels, min_confidence=0.3, flip_mass=0.2)
    assert model.decide(np.array([0.7, 0.05, 0.25], dtype=np.float32))[0] == "general"  # 25% says decline
    assert model.decide(np.array([0.85, 0.1, 0.05], dtype=np.float32))[0] == "asks_pricing"
    assert model.decide(np.array([0.25, 0.5, 0.25], dtype=np.float32))[0] == "general"
    assert model.decide(np.array([0.2, 0.1, 0.7], dtype=np.float32))[0] == "general"  # 20% says go ahead


async def test_before_the_models_are_ready_only_exact_threads_are_reused(tmp_path: Path,
                                                                        embedder: Embedder) -> None:
    models = MeaningModels(embedder)
    cache = SemanticAnalyses(CacheHealth(SQLiteStore(tmp_path / "s.sqlite3")), embedder=embedder, models=models,
                             threshold=0.5, ttl=3600)
    anchor = ROWS["d18-a"]["thread"]
    await cache.remember(anchor, scope="team:T1", analysis=analyse_thread(anchor))
    assert cache.status()["semantic_reuse"] == "exact only until the models are loaded"
    exact = await cache.lookup(anchor, scope="team:T1")
    assert exact is not None and not exact.semantic
    skipped = await cache.lookup_detailed(ROWS["d18-p1"]["thread"], scope="team:T1")
    assert skipped.decision == "miss" and "not ready" in skipped.reason
    assert cache.entries == 0  # nothing was embedded while the models were away
    await cache.start()
    assert cache.status()["semantic_reuse"] == "on" and cache.verifier_threshold is not None


async def test_offline_reading_uses_the_rules_and_says_so_without_the_models(tmp_path: Path) -> None:
    broken = MeaningModels(Embedder(model_path=str(tmp_path / "no-model-here")))
    thread = ROWS["d02-a"]["thread"]
    analysis = await read_thread(thread, models=broken)
    assert broken.state == "unavailable" and "no-model-here" in broken.status()["detail"]
    assert analysis.intent == analyse_thread(thread).intent and RULES_NOTE in analysis.summary


async def test_offline_reading_uses_the_model_when_loaded(embedder: Embedder) -> None:
    models = MeaningModels(embedder)
    thread = ROWS["d02-a"]["thread"]  # asks for pricing
    analysis = await read_thread(thread, models=models)
    assert models.ready and RULES_NOTE not in analysis.summary
    assert analysis.intent in ("asks_pricing", "general")  # never a decline


async def test_healthz_says_when_semantic_reuse_and_the_model_reading_are_ready(aiohttp_client: Any,
                                                                                 tmp_path: Path) -> None:
    from bot.server import build_web_app
    from bot.settings import Settings

    client = await aiohttp_client(build_web_app(Settings(data_dir=tmp_path, semantic_cache="on")))
    body: dict[str, Any] = {}
    for _ in range(600):  # the models load in the background; the server answers meanwhile
        body = await (await client.get("/healthz")).json()
        assert body["status"] == "ok"
        if body["cache"]["semantic"]["semantic_reuse"] == "on":
            break
        assert body["cache"]["semantic"]["semantic_reuse"] == "exact only until the models are loaded"
        await asyncio.sleep(0.1)
    assert body["cache"]["semantic"]["models"] == {"state": "ready"}
    assert body["reading"] == {"state": "ready"}
    assert 0.0 < body["cache"]["semantic"]["verifier_threshold"] <= 1.0
