"""Prometheus metrics for one process: workflow and step latency, caches, LLM calls, batches.

One `CollectorRegistry` per process (`REGISTRY`), not prometheus-client's global default, so
importing a library that registers its own collectors never changes what `/metrics` shows.
Workflow and step metrics come from `Engine.subscribe` (see `attach`); the other layers call the
small `record_*` functions below at the point where the thing happens. Callers outside the
engine (bot/metrics.py's Slack counters) register on the same `REGISTRY` and may add a section to
`snapshot` with `add_snapshot_section`.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from engine.cache.layers import CacheLayers
from engine.llm_events import LLMCallEvent, add_listener
from engine.models import DraftRequest, ProspectProfile, Result, StepEvent, ThreadAnalysis
from engine.protocols import AnalysisCache, AnalysisHit, FAQCache, ProfileCache, ResultCache
from engine.speculation import Gate
from engine.stats import percentile_ms

if TYPE_CHECKING:  # engine.workflow imports the steps, which record LLM calls here
    from engine.workflow import Engine

__all__ = [
    "BATCH_ROWS_ACTIVE",
    "PROMETHEUS_CONTENT_TYPE",
    "REGISTRY",
    "add_snapshot_section",
    "attach",
    "exposition",
    "metered_caches",
    "record_batch_rows",
    "record_cache",
    "record_llm_call",
    "record_row_job",
    "snapshot",
]

REGISTRY = CollectorRegistry(auto_describe=True)
# Text format 0.0.4: every Prometheus (2.x and 3.x) scrapes it; our names are plain ASCII, so the
# 1.0.0 format prometheus-client now calls "latest" would add nothing.
PROMETHEUS_CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
# Seconds: a cached draft takes milliseconds, an LLM draft several seconds, a timeout 60 s.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)

WORKFLOW_SECONDS = Histogram(
    "replycrew_workflow_seconds", "Workflow run time, by mode and by where the draft came from.",
    ["mode", "source"], buckets=_BUCKETS, registry=REGISTRY,
)
STEP_SECONDS = Histogram(
    "replycrew_step_seconds", "Step run time, by step, workflow mode, output source and status.",
    ["step", "mode", "source", "status"], buckets=_BUCKETS, registry=REGISTRY,
)
WORKFLOWS_DEGRADED = Counter(
    "replycrew_workflows_degraded_total", "Workflows that finished with a failed step.", ["mode"],
    registry=REGISTRY,
)
WORKFLOWS_IN_FLIGHT = Gauge(
    "replycrew_workflows_in_flight", "Workflows started and not finished yet.", registry=REGISTRY,
)
CACHE_LOOKUPS = Counter(
    "replycrew_cache_lookups_total", "Cache lookups by layer and outcome (hit or miss).",
    ["layer", "outcome"], registry=REGISTRY,
)
LLM_CALLS = Counter(
    "replycrew_llm_calls_total", "Calls to the LLM endpoint by outcome (ok or error).",
    ["outcome"], registry=REGISTRY,
)
LLM_FAILURES = Counter(
    "replycrew_llm_failures_total", "Failed LLM calls by cause (quota, auth, truncated, content_filter ...).",
    ["cause"], registry=REGISTRY,
)
BATCH_ROWS = Counter(
    "replycrew_batch_rows_total", "Batch rows processed, by outcome (ok or failed).", ["outcome"],
    registry=REGISTRY,
)
BATCH_ROW_JOBS = Counter(
    "replycrew_batch_row_jobs_total",
    "Batch row jobs a queue worker ended, by outcome: recorded (the row's outcome was written), "
    "duplicate (the row already had one), cancelled, retried (an attempt failed; saq retries it).",
    ["outcome"], registry=REGISTRY,
)
BATCH_ROWS_ACTIVE = Gauge(
    "replycrew_batch_rows_active", "Batch row jobs this queue worker is drafting now.", registry=REGISTRY,
)

# Recent workflow times for the live dashboard's p50/p95 (histograms only give bucket bounds).
_RECENT_MS: deque[int] = deque(maxlen=1000)
# Runs whose caller went away never publish a Result; forget them after this long.
_STALE_S = 600.0
_lock = threading.Lock()
_in_flight: dict[str, float] = {}
_attached: weakref.WeakSet[Engine] = weakref.WeakSet()
# Extra snapshot sections: key -> (counter sample name, label to sum by); see add_snapshot_section.
_SECTIONS: dict[str, tuple[str, str]] = {}


def add_snapshot_section(key: str, *, sample: str, label: str) -> None:
    """Show `sample` (a counter's `_total` sample name) summed by `label` under `key` in `snapshot`."""
    _SECTIONS[key] = (sample, label)


def record_cache(layer: str, hit: bool) -> None:
    """Count one cache lookup: `layer` is result, profile, analysis_exact, semantic or faq (see metered_caches)."""
    CACHE_LOOKUPS.labels(layer=layer, outcome="hit" if hit else "miss").inc()


def record_llm_call(ok: bool) -> None:
    """Count one call to the LLM endpoint (after its retries)."""
    LLM_CALLS.labels(outcome="ok" if ok else "error").inc()


def _on_llm_call(event: LLMCallEvent) -> None:
    # The crew client reports each finished call (engine/llm_events.py); no import of crewai here.
    record_llm_call(ok=event.ok)
    if event.cause is not None:
        LLM_FAILURES.labels(cause=event.cause).inc()


add_listener(_on_llm_call)


def record_batch_rows(*, ok: int, failed: int) -> None:
    """Count the rows of one finished batch."""
    if ok:
        BATCH_ROWS.labels(outcome="ok").inc(ok)
    if failed:
        BATCH_ROWS.labels(outcome="failed").inc(failed)


def record_row_job(outcome: Literal["recorded", "duplicate", "cancelled", "retried"]) -> None:
    """Count one batch row job a queue worker ended (engine/batch/worker.py)."""
    BATCH_ROW_JOBS.labels(outcome=outcome).inc()


def _observe(item: StepEvent | Result) -> None:
    now = time.monotonic()
    with _lock:
        if isinstance(item, StepEvent):
            if item.request_id not in _in_flight:
                _in_flight[item.request_id] = now
                WORKFLOWS_IN_FLIGHT.inc()
            for request_id, started in list(_in_flight.items()):
                if now - started > _STALE_S:
                    del _in_flight[request_id]
                    WORKFLOWS_IN_FLIGHT.dec()
            return
        if _in_flight.pop(item.request_id, None) is not None:
            WORKFLOWS_IN_FLIGHT.dec()
        _RECENT_MS.append(item.total_ms)
    reply = next((step for step in item.steps if step.name == "reply"), None)
    source = (reply.source if reply is not None else None) or "none"
    WORKFLOW_SECONDS.labels(mode=item.mode, source=source).observe(item.total_ms / 1000)
    if item.degraded:
        WORKFLOWS_DEGRADED.labels(mode=item.mode).inc()
    for step in item.steps:
        STEP_SECONDS.labels(step=step.name, mode=item.mode, source=step.source or "none",
                            status=step.status).observe(step.elapsed_ms / 1000)


def attach(engine: Engine) -> Callable[[], None]:
    """Feed the workflow metrics from `engine`'s events; attaching twice is a no-op."""
    if engine in _attached:
        return lambda: None
    _attached.add(engine)
    unsubscribe = engine.subscribe(_observe)

    def detach() -> None:
        _attached.discard(engine)
        unsubscribe()

    return detach


def exposition() -> bytes:
    """Every metric in Prometheus text format."""
    return generate_latest(REGISTRY)


def snapshot() -> dict[str, Any]:
    """A JSON-ready summary for the dashboard and the WebSocket: counts, rates, p50/p95."""
    totals: dict[str, dict[tuple[str, ...], float]] = {}
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            if sample.name.endswith(("_total", "_count")) or sample.name == "replycrew_workflows_in_flight":
                key = tuple(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                totals.setdefault(sample.name, {})[key] = sample.value

    def by(name: str, label: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for key, value in totals.get(name, {}).items():
            labels = dict(part.split("=", 1) for part in key)
            out[labels.get(label, "")] = out.get(labels.get(label, ""), 0) + int(value)
        return out

    cache: dict[str, dict[str, float]] = {}
    for key, value in totals.get("replycrew_cache_lookups_total", {}).items():
        labels = dict(part.split("=", 1) for part in key)
        layer = cache.setdefault(labels["layer"], {"hit": 0, "miss": 0})
        layer[labels["outcome"]] += int(value)
    for layer in cache.values():
        looked = layer["hit"] + layer["miss"]
        layer["hit_rate"] = round(layer["hit"] / looked, 3) if looked else 0.0
    with _lock:
        recent = list(_RECENT_MS)
    return {
        "type": "metrics",
        "at": time.time(),
        "workflows": sum(by("replycrew_workflow_seconds_count", "mode").values()),
        "workflows_by_mode": by("replycrew_workflow_seconds_count", "mode"),
        "drafts_by_source": by("replycrew_workflow_seconds_count", "source"),
        "degraded": sum(by("replycrew_workflows_degraded_total", "mode").values()),
        "in_flight": int(sum(totals.get("replycrew_workflows_in_flight", {}).values())),
        "p50_ms": percentile_ms(recent, 0.5),
        "p95_ms": percentile_ms(recent, 0.95),
        "cache": cache,
        "llm": by("replycrew_llm_calls_total", "outcome"),
        "batch_rows": by("replycrew_batch_rows_total", "outcome"),
        **{key: by(sample, label) for key, (sample, label) in _SECTIONS.items()},
    }


# Cache layers as the workflow sees them, counted without touching the cache code: each wrapper
# forwards to the real layer and records whether the lookup found something.


@dataclass
class _MeteredResults:
    inner: ResultCache

    async def get(self, request: DraftRequest, *, scope: str) -> Result | None:
        found = await self.inner.get(request, scope=scope)
        record_cache("result", found is not None)
        return found

    async def put(self, request: DraftRequest, *, scope: str, result: Result) -> None:
        await self.inner.put(request, scope=scope, result=result)


@dataclass
class _MeteredProfiles:
    inner: ProfileCache

    async def get(self, request: DraftRequest) -> ProspectProfile | None:
        found = await self.inner.get(request)
        record_cache("profile", found is not None)
        return found

    async def put(self, request: DraftRequest, profile: ProspectProfile) -> None:
        await self.inner.put(request, profile)


@dataclass
class _MeteredAnalyses:
    inner: AnalysisCache

    async def lookup(self, thread: str, *, scope: str, gate: Gate | None = None) -> AnalysisHit | None:
        hit = await self.inner.lookup(thread, scope=scope, gate=gate)
        # The semantic index is asked only after the exact lookup missed.
        record_cache("analysis_exact", hit is not None and not hit.semantic)
        if hit is None or hit.semantic:
            record_cache("semantic", hit is not None)
        return hit

    async def put(self, thread: str, *, scope: str, analysis: ThreadAnalysis) -> None:
        await self.inner.put(thread, scope=scope, analysis=analysis)


@dataclass
class _MeteredFAQ:
    inner: FAQCache

    async def snippets(self, analysis: ThreadAnalysis, *, scope: str) -> Sequence[str]:
        found = await self.inner.snippets(analysis, scope=scope)
        record_cache("faq", bool(found))
        return found


def metered_caches(layers: CacheLayers) -> CacheLayers:
    """The same cache layers, each lookup counted in replycrew_cache_lookups_total{layer,outcome}.

    Layers left at CacheLayers' no-op defaults are not wrapped: a cache that is not configured
    has no hit rate, and counting its every lookup as a miss would say it has one of zero.
    """
    defaults = CacheLayers()

    def wrap(layer: Any, default: Any, meter: Callable[[Any], Any]) -> Any:
        metered = (_MeteredResults, _MeteredProfiles, _MeteredAnalyses, _MeteredFAQ)
        if type(layer) is type(default) or isinstance(layer, metered):
            return layer
        return meter(layer)

    return CacheLayers(results=wrap(layers.results, defaults.results, _MeteredResults),
                       profiles=wrap(layers.profiles, defaults.profiles, _MeteredProfiles),
                       analyses=wrap(layers.analyses, defaults.analyses, _MeteredAnalyses),
                       faq=wrap(layers.faq, defaults.faq, _MeteredFAQ))
