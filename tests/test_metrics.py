"""`/metrics` scrapes in Prometheus text format and `/ws` streams live metrics snapshots."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import record_slack_call
from engine import metrics
from engine.batch.runner import BatchRunner, RowError
from engine.cache.layers import CacheLayers
from engine.cache.store import SQLiteStore
from engine.models import DraftRequest
from engine.protocols import AnalysisHit
from engine.settings import EngineSettings
from engine.workflow import Engine
from tests.conftest import Client, MakeClient

THREAD = ("Rep (Jordan Lee): Hi Mateus, worth a quick look?\n"
          "Mateus Oliveira: What would pricing look like for 40 seats? Can you send it over?")


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def _value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
           **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _cache_lookups(layer: str, outcome: str) -> float:
    return metrics.REGISTRY.get_sample_value(
        "replycrew_cache_lookups_total", {"layer": layer, "outcome": outcome}) or 0.0


async def _scrape(client: Client) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return _samples(await response.text())


async def test_metrics_scrape_counts_a_draft_by_mode_source_and_step(make_client: MakeClient) -> None:
    client = await make_client(api_keys="k1")
    before = await _scrape(client)  # open without a key, like /healthz
    response = await client.post("/run-parallel", json={"conversation_thread": THREAD},
                                 headers={"Authorization": "Bearer k1"})
    assert response.status == 200
    after = await _scrape(client)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("replycrew_workflow_seconds_count", mode="parallel", source="offline") == 1
    for step in ("profile", "analysis", "reply"):
        assert grew("replycrew_step_seconds_count", step=step, mode="parallel", source="offline",
                    status="ok") == 1
    # This draft is no longer in flight (the gauge is process-wide: a run an earlier test abandoned,
    # e.g. a draft Slack refused to show, counts until it goes stale, as it would in production).
    assert grew("replycrew_workflows_in_flight") == 0
    # Every family the issue asks for is exposed, even before its first event.
    text = await (await client.get("/metrics")).text()
    for family in ("replycrew_cache_lookups_total", "replycrew_llm_calls_total",
                   "replycrew_slack_api_calls_total", "replycrew_batch_rows_total"):
        assert f"# TYPE {family} counter" in text, family
    assert "# TYPE replycrew_workflow_seconds histogram" in text
    assert any(name == "replycrew_workflow_seconds_bucket" for name, _ in after)


async def test_record_functions_show_in_the_scrape_and_the_snapshot(make_client: MakeClient) -> None:
    client = await make_client()
    before = await _scrape(client)
    base = metrics.snapshot()
    metrics.record_cache("semantic", hit=True)
    metrics.record_cache("semantic", hit=False)
    metrics.record_cache("semantic", hit=True)
    metrics.record_llm_call(ok=False)
    metrics.record_batch_rows(ok=35, failed=5)
    record_slack_call("chat.update", outcome="rate_limited")
    after = await _scrape(client)
    assert _value(after, "replycrew_cache_lookups_total", layer="semantic", outcome="hit") - \
        _value(before, "replycrew_cache_lookups_total", layer="semantic", outcome="hit") == 2
    assert _value(after, "replycrew_llm_calls_total", outcome="error") - \
        _value(before, "replycrew_llm_calls_total", outcome="error") == 1
    assert _value(after, "replycrew_batch_rows_total", outcome="failed") - \
        _value(before, "replycrew_batch_rows_total", outcome="failed") == 5
    assert _value(after, "replycrew_slack_rate_limited_total", method="chat.update") - \
        _value(before, "replycrew_slack_rate_limited_total", method="chat.update") == 1
    snap = metrics.snapshot()
    semantic = snap["cache"]["semantic"]
    old = base["cache"].get("semantic", {"hit": 0, "miss": 0})
    assert (semantic["hit"] - old["hit"], semantic["miss"] - old["miss"]) == (2, 1)
    assert snap["batch_rows"]["ok"] - base["batch_rows"].get("ok", 0) == 35


async def test_websocket_streams_metrics_snapshots_and_step_events(make_client: MakeClient) -> None:
    client = await make_client(api_keys="k1")
    socket = await client.ws_connect("/ws/watcher?api_key=k1")
    seen: dict[str, dict[str, Any]] = {}

    async def read_until_done() -> None:
        async for message in socket:
            assert message.type == WSMsgType.TEXT
            data = message.json()
            seen.setdefault(data["type"], data)
            if data["type"] == "metrics" and "result" in seen and data["workflows"] >= 1:
                return

    reader = asyncio.create_task(read_until_done())
    response = await client.post("/run-parallel", json={"conversation_thread": THREAD},
                                 headers={"Authorization": "Bearer k1"})
    assert response.status == 200
    await asyncio.wait_for(reader, timeout=15)
    await socket.close()
    assert seen["step"]["name"] in ("profile", "analysis", "reply")
    assert seen["result"]["mode"] == "parallel"
    snapshot = seen["metrics"]
    assert snapshot["in_flight"] >= 0 and snapshot["p50_ms"] is not None
    assert set(snapshot) >= {"workflows", "cache", "llm", "slack", "batch_rows", "p95_ms"}


class _DictResults:
    """A result cache over a dict: the protocol the workflow uses, nothing more."""

    def __init__(self) -> None:
        self.saved: dict[str, Any] = {}

    async def get(self, request: Any, *, scope: str) -> Any:
        return self.saved.get(scope + request.conversation_thread)

    async def put(self, request: Any, *, scope: str, result: Any) -> None:
        self.saved[scope + request.conversation_thread] = result


async def test_metered_caches_count_hits_and_misses_by_layer(data_dir: Path) -> None:
    engine = Engine(EngineSettings(data_dir=data_dir),
                    caches=metrics.metered_caches(CacheLayers(results=_DictResults())))

    before = {key: _cache_lookups(*key) for key in (("result", "hit"), ("result", "miss"), ("profile", "miss"),
                                           ("analysis_exact", "miss"), ("semantic", "miss"))}
    request = DraftRequest(conversation_thread=THREAD + " (metered)")
    first = await engine.run(request, scope="t")
    second = await engine.run(request, scope="t")
    assert [step.source for step in second.steps] == ["exact_cache"] * 3 and first.steps[0].source == "offline"
    grown = {key: _cache_lookups(*key) - value for key, value in before.items()}
    # The first run missed the result cache, the second was served whole by it; the profile and
    # analysis caches are not configured here, so they have no lookups to count.
    assert grown == {("result", "hit"): 1, ("result", "miss"): 1, ("profile", "miss"): 0,
                     ("analysis_exact", "miss"): 0, ("semantic", "miss"): 0}


async def test_batch_rows_are_counted_as_they_finish(data_dir: Path) -> None:
    def rows(outcome: str) -> float:
        return metrics.REGISTRY.get_sample_value("replycrew_batch_rows_total", {"outcome": outcome}) or 0.0

    before = rows("ok"), rows("failed")
    engine = Engine(EngineSettings(data_dir=data_dir), store=SQLiteStore(data_dir / "store.sqlite3"))
    report = await BatchRunner(engine).run(
        [DraftRequest(conversation_thread=THREAD), RowError("conversation_thread: empty"),
         DraftRequest(conversation_thread=THREAD + " Thanks!")], scope="t", max_concurrent=2)
    assert (report.successful_requests, report.failed_requests) == (2, 1)
    assert (rows("ok") - before[0], rows("failed") - before[1]) == (2, 1)


class _Analyses:
    """An analysis cache that answers exactly for a thread it saw and 'semantically' for any other."""

    def __init__(self) -> None:
        self.saved: dict[str, Any] = {}

    async def lookup(self, thread: str, *, scope: str, gate: Any = None) -> Any:
        if thread in self.saved:
            return AnalysisHit(analysis=self.saved[thread], similarity=1.0, semantic=False)
        if self.saved:
            return AnalysisHit(analysis=next(iter(self.saved.values())), similarity=0.9, semantic=True)
        return None

    async def put(self, thread: str, *, scope: str, analysis: Any) -> None:
        self.saved[thread] = analysis


async def test_analysis_lookups_count_exact_then_semantic(data_dir: Path) -> None:
    engine = Engine(EngineSettings(data_dir=data_dir),
                    caches=metrics.metered_caches(CacheLayers(analyses=_Analyses())))

    keys = [(layer, outcome) for layer in ("analysis_exact", "semantic") for outcome in ("hit", "miss")]
    before = {key: _cache_lookups(*key) for key in keys}
    sources = []
    for thread in (THREAD, THREAD, THREAD + " And for 60 seats?"):
        result = await engine.run(DraftRequest(conversation_thread=thread), scope="t")
        sources.append(result.steps[1].source)
    assert sources == ["offline", "exact_cache", "semantic_cache"]
    # Semantic lookups happen only after an exact miss: 2 exact misses -> 2 semantic lookups.
    assert {key: _cache_lookups(*key) - value for key, value in before.items()} == {
        ("analysis_exact", "hit"): 1, ("analysis_exact", "miss"): 2,
        ("semantic", "hit"): 1, ("semantic", "miss"): 1}
