"""The semantic analysis cache: hard tenant scope, guarded reuse, no names carried across prospects."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from engine.cache import keys
from engine.cache.embedder import Embedder
from engine.cache.health import CacheHealth
from engine.cache.replay import replay
from engine.cache.semantic import CHECKS, SemanticAnalyses
from engine.cache.setup import build_caches, start_caches
from engine.cache.store import RedisStore, SQLiteStore
from engine.errors import ScopeRequired
from engine.meaning.facts import FACT_KINDS
from engine.models import ThreadAnalysis
from engine.protocols import Backends
from engine.settings import EngineSettings
from engine.steps.heuristics import analyse_thread
from engine.steps.offline import OfflineProfile, OfflineReply
from engine.text.thread import last_prospect_message
from engine.workflow import Engine
from perf.trust_sets import load_set
from tests.conftest import SAMPLES

ROWS = {row["id"]: row for row in map(json.loads, (SAMPLES / "threads.jsonl").read_text("utf-8").splitlines())}


async def cache_on(store: SQLiteStore | RedisStore, embedder: Embedder, **options: Any) -> SemanticAnalyses:
    """A cache whose models are loaded, as a server's start-up leaves it."""
    cache = SemanticAnalyses(CacheHealth(store), embedder=embedder, threshold=options.pop("threshold", 0.6),
                             ttl=3600, **options)
    await cache.models.warm()
    return cache


async def test_lookup_without_a_scope_is_refused(tmp_path: Path, embedder: Embedder) -> None:
    cache = await cache_on(SQLiteStore(tmp_path / "s.sqlite3"), embedder)
    with pytest.raises(ScopeRequired):
        await cache.lookup(ROWS["d02-a"]["thread"], scope="")
    with pytest.raises(ScopeRequired):
        await cache.put(ROWS["d02-a"]["thread"], scope="  ", analysis=ThreadAnalysis())


async def test_paraphrase_hits_within_its_scope_only(tmp_path: Path, embedder: Embedder) -> None:
    cache = await cache_on(SQLiteStore(tmp_path / "s.sqlite3"), embedder)
    anchor, paraphrase = ROWS["d18-a"]["thread"], ROWS["d18-p1"]["thread"]
    await cache.put(anchor, scope="team:T1", analysis=analyse_thread(anchor))
    assert await cache.lookup(paraphrase, scope="team:T2") is None  # another workspace: never compared
    hit = await cache.lookup(paraphrase, scope="team:T1")
    assert hit is not None and hit.semantic and 0.6 <= hit.similarity < 1.0
    found = await cache.lookup_detailed(paraphrase, scope="team:T1")
    assert found.check == "hit" and found.reason.startswith("verifier ")
    exact = await cache.lookup(anchor, scope="team:T1")
    assert exact is not None and not exact.semantic and exact.similarity == 1.0


@pytest.mark.parametrize(("anchor", "negative", "check"), [
    ("d11-a", "d11-n1", "facts:standards"),  # ISO 27001, not SOC 2
    ("d19-a", "d19-n1", "facts:numbers"),    # capex approved, a 30-day trial at one location
    ("d08-a", "d08-n1", "facts:times"),      # another timeframe
    ("d18-a", "d18-n1", "facts:entities"),   # another named product
    ("d15-a", "d15-n1", "intent"),           # a trial already done: asks the price instead
    ("d04-a", "d04-n1", "facts:numbers"),    # not interested vs interested, and 2 of 12 locations
])
async def test_each_kind_of_hard_negative_is_refused_and_says_why(tmp_path: Path, embedder: Embedder, anchor: str,
                                                                  negative: str, check: str) -> None:
    cache = await cache_on(SQLiteStore(tmp_path / "s.sqlite3"), embedder, threshold=0.3)
    await cache.put(ROWS[anchor]["thread"], scope="team:T1", analysis=analyse_thread(ROWS[anchor]["thread"]))
    found = await cache.lookup_detailed(ROWS[negative]["thread"], scope="team:T1")
    assert (found.decision, found.check, found.analysis) == ("guard_rejected", check, None)
    assert found.reason


async def test_a_lookup_with_no_close_thread_says_so(tmp_path: Path, embedder: Embedder) -> None:
    cache = await cache_on(SQLiteStore(tmp_path / "s.sqlite3"), embedder, threshold=0.9)
    await cache.put(ROWS["d10-a"]["thread"], scope="team:T1", analysis=analyse_thread(ROWS["d10-a"]["thread"]))
    found = await cache.lookup_detailed(ROWS["d24-a"]["thread"], scope="team:T1")
    assert (found.decision, found.check) == ("miss", "no_candidate") and found.similarity is not None
    assert "0.90" in found.reason


async def test_index_is_rebuilt_from_the_store_by_a_new_process(tmp_path: Path, embedder: Embedder) -> None:
    path = tmp_path / "s.sqlite3"
    first = await cache_on(SQLiteStore(path), embedder)
    anchor = ROWS["d18-a"]["thread"]
    await first.put(anchor, scope="team:T1", analysis=analyse_thread(anchor))
    await first.flush()  # put returns before the insert lands (off the draft's path)
    second = await cache_on(SQLiteStore(path), embedder)  # as a restarted process would
    await second.start()
    assert second.entries == 1
    hit = await second.lookup(ROWS["d18-p1"]["thread"], scope="team:T1")
    assert hit is not None and hit.semantic


async def test_an_entry_stored_before_token_vectors_is_ignored_cleanly(tmp_path: Path, embedder: Embedder) -> None:
    path = tmp_path / "s.sqlite3"
    writer = await cache_on(SQLiteStore(path), embedder)
    anchor, paraphrase = ROWS["d18-a"]["thread"], ROWS["d18-p1"]["thread"]
    entry_id = await writer.remember(anchor, scope="team:T1", analysis=analyse_thread(anchor))
    assert (await writer.lookup_detailed(paraphrase, scope="team:T1")).check == "hit"
    # The same entry as a process of the previous version wrote it: a side without token vectors.
    store = SQLiteStore(path)
    key = keys.SEMANTIC_ENTRY + f"{keys.scope_digest('team:T1')}:{entry_id}"
    raw = await store.get(key)
    assert raw is not None
    entry = json.loads(raw)
    for field in ("token_vectors", "token_rows"):
        del entry["side"][field]
    await store.set(key, json.dumps(entry), ttl=3600)
    reader = await cache_on(store, embedder)  # a restarted process: the index comes from the store
    await reader.start()
    found = await reader.lookup_detailed(paraphrase, scope="team:T1")
    assert (found.decision, found.check, found.analysis) == ("guard_rejected", "version", None)
    assert found.entry_id == entry_id and "older cache version" in found.reason
    assert await reader.lookup(paraphrase, scope="team:T1") is None
    exact = await reader.lookup(anchor, scope="team:T1")  # the exact entry is another key: still served
    assert exact is not None and not exact.semantic


async def test_other_processes_entries_become_visible_through_redis(redis_server: str,
                                                                     embedder: Embedder) -> None:
    scope = f"team:{id(object())}"  # the session's Redis is shared: a scope of our own
    reader_store, writer_store = RedisStore(redis_server), RedisStore(redis_server)
    try:
        reader = await cache_on(reader_store, embedder, sync_every_s=0.2)
        writer = await cache_on(writer_store, embedder)
        await reader.start()
        paraphrase = ROWS["d18-p1"]["thread"]
        assert await reader.lookup(paraphrase, scope=scope) is None
        anchor = ROWS["d18-a"]["thread"]
        await writer.put(anchor, scope=scope, analysis=analyse_thread(anchor))
        hit = None
        for _ in range(50):  # polls the log at most every 0.2 s
            hit = await reader.lookup(paraphrase, scope=scope)
            if hit is not None:
                break
            await asyncio.sleep(0.1)
        assert hit is not None and hit.semantic
    finally:
        await reader_store.close()
        await writer_store.close()


def test_scrub_removes_names_companies_and_addresses() -> None:
    from engine.text.scrub import scrub_analysis

    thread = ROWS["d01-n1"]["thread"]  # Priyanka of Saffron Trail refers the rep to Rohan
    dirty = ThreadAnalysis(summary="Priyanka Venkataraman (Saffron Trail) says Rohan owns email flows; "
                                   "write to rohan.k@saffrontrail.example or call +1 555 010 2000.",
                           key_facts=["Saffron Trail launched a DTC store", "Jordan Lee pitched a demo"])
    clean = scrub_analysis(dirty, thread=thread).model_dump_json()
    for word in ("Priyanka", "Venkataraman", "Saffron", "Trail", "Rohan", "rohan.k", "555", "Jordan"):
        assert word not in clean
    assert "owns email flows" in clean and "DTC store" in clean


class NamingAnalysis:
    """An analysis backend careless with names, as an LLM can be: it repeats who said what."""

    source = "llm"

    async def analyse(self, thread: str) -> ThreadAnalysis:
        message = last_prospect_message(thread)
        speaker = message.speaker if message else "someone"
        base = analyse_thread(thread)
        return base.model_copy(update={
            "summary": f"{speaker} wants a demo next Thursday afternoon.",
            "key_facts": [*base.key_facts, f"{speaker} will bring the marketing ops lead"],
        })


async def test_a_semantic_hit_never_carries_the_other_prospects_name(tmp_path: Path, embedder: Embedder) -> None:
    # The lookup is always awaited here: this backend answers faster than any lookup would.
    settings = EngineSettings(data_dir=tmp_path, semantic_similarity_threshold=0.55, semantic_lookup_wait_ms=60_000)
    store = SQLiteStore(tmp_path / "s.sqlite3")
    caches = build_caches(settings, store, embedder=embedder, semantic=True)
    await start_caches(store)  # a server's start-up: models and index loaded before the first draft
    backends = Backends(profile=OfflineProfile(), analysis=NamingAnalysis(), reply=OfflineReply())
    engine = Engine(settings, backends=backends, caches=caches, store=store)
    from engine.models import DraftRequest

    first = await engine.run(DraftRequest(conversation_thread=ROWS["d18-a"]["thread"]), scope="team:T1")
    assert "Parisa" in (first.analysis.summary if first.analysis else "")  # the first run is live
    await engine.flush()  # cache writes land after the result is handed over
    # The analysis caches (not the exact result cache, which only the same request can read).
    stored = [value for prefix in ("rc:an:", "rc:se:") async for _, value in store.scan(prefix)]
    assert stored and not any(word in value for value in stored for word in ("Parisa", "Karimi", "Alborz"))
    second = await engine.run(DraftRequest(conversation_thread=ROWS["d18-p1"]["thread"]), scope="team:T1")
    analysis_step = next(step for step in second.steps if step.name == "analysis")
    assert analysis_step.source == "semantic_cache" and analysis_step.similarity is not None
    everything = second.model_dump_json()
    for word in ("Parisa", "Karimi", "Alborz", "Alex"):
        assert word not in everything
    assert second.draft.text.startswith("Hi Rosa")


async def test_replay_of_the_tuning_half_serves_no_wrong_analysis(embedder: Embedder) -> None:
    rows = load_set("tuning")  # the half the thresholds were chosen on: the held half stays unread
    items = [{"id": r["id"], "channel": r["channel"], "thread": r["thread"]} for r in rows]
    lines = [line async for line in replay(items, threshold=EngineSettings().semantic_similarity_threshold,
                                           embedder=embedder)]
    assert [line["id"] for line in lines] == [item["id"] for item in items]
    kinds = [*FACT_KINDS, *(f"question:{kind}" for kind in FACT_KINDS)]
    assert {line["check"] for line in lines} <= {*CHECKS, *(f"facts:{kind}" for kind in kinds)}
    group = {r["id"]: r["group"] for r in rows}
    hits = [line for line in lines if line["decision"] == "hit"]
    wrong = [line for line in hits if group[line["matched_id"]] != group[line["id"]]]
    assert wrong == []
    # Refusing everything would also make zero wrong hits. The session-5 verifier, its bar set by the
    # highest of ~100 out-of-fold hard negatives among 2,268 written threads, passes few: 1 here.
    assert len(hits) >= 1
