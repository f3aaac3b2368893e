"""The meaning models: readiness gates semantic reuse, the verifier needs agreeing readings, and the
offline reading falls back to the rules (and says so) when the models cannot load."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.cache.embedder import Embedder
from engine.cache.health import CacheHealth
from engine.cache.semantic import SemanticAnalyses, judge
from engine.cache.store import SQLiteStore
from engine.meaning.encoding import Encoded, view_of
from engine.meaning.facts import Facts, facts_of_view
from engine.meaning.intent import IntentModel
from engine.meaning.models import MeaningModels
from engine.meaning.pairs import FEATURES, Side, pair_features
from engine.meaning.reading import RULES_NOTE, read_thread
from engine.meaning.tokens import TOKEN_DIMS
from engine.meaning.verifier import PairVerifier
from engine.settings import EngineSettings
from engine.steps.heuristics import analyse_thread
from tests.conftest import SAMPLES

ROWS = {row["id"]: row for row in map(json.loads, (SAMPLES / "threads.jsonl").read_text("utf-8").splitlines())}
WRITTEN = {row["id"]: row for row in map(json.loads, (Path(__file__).parents[1] / "scripts" / "data" /
                                                      "pairs_written.jsonl").read_text("utf-8").splitlines())}


async def read_side(models: MeaningModels, thread: str) -> tuple[Side, str, Facts]:
    """What a lookup computes for a thread: the verifier's side, the committed intent, the facts."""
    view = view_of(thread)
    read = await models.read(view)
    facts = facts_of_view(thread, view)
    return models.side(read, tokens=facts.message.words), read.reading.intent, facts


def entry_of(side: Side, intent: str, facts: Facts) -> dict[str, Any]:
    """A stored cache entry's verifier fields, through JSON as the store keeps them."""
    return json.loads(json.dumps({"side": side.to_json(), "facts": facts.to_json(), "intent": intent}))


async def test_the_trained_verifier_accepts_a_paraphrase_and_refuses_a_changed_meaning(embedder: Embedder) -> None:
    models = MeaningModels(embedder)
    assert models.load()
    verifier = models.verifier
    # (d19's paraphrases are refused by the facts since the rep's quote, $1,800 per terminal, is a fact of
    # the thread: the rep's messages before a long reply must agree on their numbers.)
    anchor = await read_side(models, ROWS["d18-a"]["thread"])  # pricing for 25 seats, annual; e-signature?
    paraphrase = await read_side(models, ROWS["d18-p1"]["thread"])  # the same, in other words
    assert judge(*paraphrase, entry_of(*anchor), verifier=verifier, bar=verifier.threshold)[0] == ""
    assert verifier.judge(paraphrase[0], anchor[0], committed=(paraphrase[1], anchor[1])).score >= verifier.threshold
    # A meaning change the embedding barely sees: "not interested, keep me on the newsletter" vs
    # "not interested, take me off it" (written training pairs; the intent model reads both alike).
    kept = await read_side(models, WRITTEN["t047-a"]["thread"])
    removed = await read_side(models, WRITTEN["t047-n1"]["thread"])
    check, reason = judge(*removed, entry_of(*kept), verifier=verifier, bar=verifier.threshold)
    assert check in ("intent", "verifier") and reason
    # A trial instead of a case study: the readings differ, so the verifier does not even score it
    # (the facts refuse it first: a trial for "one ward" names a count the case study does not).
    case_study = await read_side(models, ROWS["d03-a"]["thread"])
    trial = await read_side(models, ROWS["d03-n1"]["thread"])
    assert judge(*trial, entry_of(*case_study), verifier=verifier, bar=verifier.threshold)[0] == "facts:numbers"
    assert verifier.judge(trial[0], case_study[0], committed=(trial[1], case_study[1])).check == "intent"
    unsure = verifier.judge(anchor[0], paraphrase[0], committed=("general", "general"))
    assert (unsure.score, unsure.check) == (0.0, "intent")


async def test_entries_of_other_model_weights_are_never_trusted(embedder: Embedder) -> None:
    models = MeaningModels(embedder)
    assert models.load()
    anchor = await read_side(models, ROWS["d19-a"]["thread"])
    paraphrase = await read_side(models, ROWS["d19-p1"]["thread"])
    old = dataclasses.replace(anchor[0], version="0123456789ab")
    assert judge(*paraphrase, entry_of(old, *anchor[1:]), verifier=models.verifier, bar=0.0)[0] == "version"
    older_format = {"facts": anchor[2].to_json(), "side": {"short": False, "intent": "asks_pricing"}}
    assert judge(*paraphrase, older_format, verifier=models.verifier, bar=0.0)[0] == "version"
    # Facts read by older rules ("10am" was the number 10) are never compared with today's.
    older_facts = entry_of(*anchor)
    del older_facts["facts"]["version"]
    assert judge(*paraphrase, older_facts, verifier=models.verifier, bar=0.0)[0] == "version"
    assert models.verifier.judge(paraphrase[0], old, committed=(anchor[1], anchor[1])).check == "version"
    # The version names both weight files: retraining either one retires every stored entry.
    assert models.verifier.version == PairVerifier.load().version != ""


def test_weights_trained_for_other_features_are_refused_with_a_clear_error(tmp_path: Path) -> None:
    shipped = PairVerifier.load()
    stale = dataclasses.replace(shipped, coef=shipped.coef[:-1], mean=shipped.mean[:-1], std=shipped.std[:-1])
    stale.save(tmp_path / "verifier.npz")
    with pytest.raises(ValueError, match=r"run scripts/train_verifier\.py"):
        PairVerifier.load(tmp_path / "verifier.npz")
    shipped.save(tmp_path / "same.npz")
    assert PairVerifier.load(tmp_path / "same.npz").version == shipped.version  # the bytes name the weights


def test_a_side_survives_the_store_and_the_default_threshold_is_the_trained_one() -> None:
    side = Side(version="v1", short=True, words=3, probabilities=np.array([0.9, 0.1], dtype=np.float32),
                decline=0.1, go_ahead=0.9, message=np.full(384, 0.05, dtype=np.float32),
                sentences=np.full((2, 384), 0.05, dtype=np.float32), context=np.zeros(384, dtype=np.float32),
                tokens=frozenset({"ab12cd34"}), token_vectors=np.full((5, TOKEN_DIMS), 0.125, dtype=np.float32))
    stored = json.loads(json.dumps(side.to_json()))
    back = Side.from_json(stored)
    assert back.version == "v1" and back.short and back.words == 3 and back.tokens == side.tokens
    assert back.sentences.shape == (2, 384) and np.allclose(back.message, side.message, atol=1e-3)
    assert back.token_vectors.shape == (5, TOKEN_DIMS) and np.allclose(back.token_vectors, 0.125)
    assert len(pair_features(side, back)) == FEATURES
    # An entry written before the token vectors existed fails to parse (the cache then refuses it).
    with pytest.raises(KeyError):
        Side.from_json({key: value for key, value in stored.items() if not key.startswith("token_")})
    verifier = PairVerifier.load()
    # SEMANTIC_SIMILARITY_THRESHOLD's default is the candidate cosine the verifier was validated with.
    assert EngineSettings().semantic_similarity_threshold == verifier.similarity
    assert 0.5 <= verifier.threshold < 1.0


def test_a_reading_torn_between_decline_and_go_ahead_is_general() -> None:
    labels = ["asks_pricing", "general", "not_interested"]
    model = IntentModel(weights=np.zeros((2, 3), dtype=np.float32), bias=np.zeros(3, dtype=np.float32),
                        labels=labels, min_confidence=0.3, flip_mass=0.2)
    assert model.decide(np.array([0.7, 0.05, 0.25], dtype=np.float32))[0] == "general"  # 25% says decline
    assert model.decide(np.array([0.85, 0.1, 0.05], dtype=np.float32))[0] == "asks_pricing"
    assert model.decide(np.array([0.25, 0.5, 0.25], dtype=np.float32))[0] == "general"
    assert model.decide(np.array([0.2, 0.1, 0.7], dtype=np.float32))[0] == "general"  # 20% says go ahead


def test_a_short_reply_to_the_reps_question_has_its_own_flip_mass() -> None:
    labels = ["asks_pricing", "general", "not_interested"]
    model = IntentModel(weights=np.zeros((2, 3), dtype=np.float32), bias=np.zeros(3, dtype=np.float32),
                        labels=labels, min_confidence=0.3, flip_mass=0.2, question_flip_mass=0.05)
    torn = np.array([0.85, 0.05, 0.1], dtype=np.float32)  # 10% says decline
    assert model.decide(torn)[0] == "asks_pricing"
    assert model.decide(torn, question=True)[0] == "general"


def test_one_decisive_sentence_speaks_for_a_long_message() -> None:
    """The sentence projection's smooth maximum: a sentence that reads as a decline lifts the decline
    logit of the whole message far more than its share of the sentences would (a mean)."""
    labels = ["interested_book_meeting", "general", "not_interested"]
    dims = 4
    sentence_weights = np.zeros((dims, 3), dtype=np.float32)
    sentence_weights[0, 2] = 8.0   # dimension 0 carries "not going ahead"
    sentence_weights[1, 0] = 2.0   # dimension 1 carries "let's meet"
    model = IntentModel(weights=np.zeros((dims * 6 + 1, 3), dtype=np.float32), bias=np.zeros(3, dtype=np.float32),
                        labels=labels, min_confidence=0.3, flip_mass=0.2, sentence_weights=sentence_weights,
                        sentence_bias=np.zeros(3, dtype=np.float32))
    polite = np.array([0.0, 1.0, 0.0, 0.0], dtype=np.float32)
    decisive = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)
    sentences = np.stack([polite, polite, decisive, polite])
    encoded = Encoded(message=sentences.mean(axis=0), sentences=sentences, context=np.zeros(dims, dtype=np.float32),
                      short=False, words=60)
    logits = model.logits(encoded)
    mean = sentences.mean(axis=0) @ sentence_weights
    assert logits[2] > mean[2] + 3.0 and logits[2] > logits[0]
    assert model.read(encoded).intent == "not_interested"


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
