"""Workflow wall time per mode against a fake LLM with a fixed latency, vs the ideal critical path.

    python perf/bench_workflow.py [--latency 0.3] [-n 20] [--batch 50] [--only tuned|stock]
    python perf/bench_workflow.py --cache [-n 40]      # parallel mode with the caches on, alone

The fake OpenAI server runs in its own process (as a real LLM would be elsewhere), so the engine's
event loop carries only the engine's own work. Every run goes through Engine.run with the crew
backends (real crewai, real HTTP). Ideal: sequential 3L, parallel 2L, fast 1L; a batch of B at
max_concurrent B in parallel mode: B runs in 2L, throughput B / 2L.

Two configurations run back to back in one process, alternating run by run (this machine is
shared and noisy, so only ratios measured side by side compare):
  tuned  replycrew's crew backends: SingleAnswerExecutor + OpenAICompatibleLLM (aiohttp)
  stock  crewai's flow executor + crewai's OpenAI provider (the OpenAI SDK, sync on worker threads)

Also measured per configuration: the CPU a pooled crew's kickoff costs vs a bare LLM call with the
same structured output, crewai's file-store bridge (four per kickoff), and for the batch the CPU it
burnt: on one GIL a batch cannot finish faster than its CPU time. Writes
perf/results/bench_workflow.json (the tuned numbers at the top level, the stock ones under "stock").

`--cache`: parallel drafts of distinct threads (the samples, then perf/data/held_new.jsonl) with the
exact, profile and semantic caches on and the models loaded, as a server runs them, twice over,
alternating draft by draft: with the default SEMANTIC_LOOKUP_WAIT_MS (the analysis call starts
while MiniLM encodes; a late semantic hit cancels it) and with the lookup always awaited first (the
old path). Overhead is wall - 2L over drafts whose analysis came from the LLM; "cancelled" counts the
speculative analysis calls a late hit cancelled (each costs one analysis call's tokens). Writes
perf/results/bench_workflow_cache.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine.steps.crew.env  # noqa: E402,F401  (crewai environment before crewai is imported)
from engine.batch.runner import run_batch  # noqa: E402
from engine.models import DraftRequest, ThreadAnalysis  # noqa: E402
from engine.settings import EngineSettings  # noqa: E402
from engine.steps.crew.backends import CrewAnalysis, crew_backends  # noqa: E402
from engine.steps.crew.llm import build_llm  # noqa: E402
from engine.workflow import Engine  # noqa: E402
from perf.common import percentile as pct  # noqa: E402

THREAD = (
    "Rep (Jordan Lee): Hi Mateus, worth a quick look at how fleets cut idle time?\n"
    "Mateus Oliveira: We run 40 vehicles. What would pricing look like, and do you integrate with "
    "Samsara? Happy to do a 30 min demo next Thursday afternoon."
)
IDEAL_CALLS: dict[str, int] = {"sequential": 3, "parallel": 2, "fast": 1}
CONFIGS = ("tuned", "stock")


def start_fake(latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.openai_server", "--latency", str(latency)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}/v1"


async def bench_modes(engines: dict[str, Engine], *, n: int, latency: float) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {name: {} for name in engines}
    for mode in ("sequential", "parallel", "fast"):
        request = DraftRequest(conversation_thread=THREAD, mode=mode)
        for eng in engines.values():
            for _ in range(3):  # warm-up: first calls, pools, connections
                await eng.run(request, scope="bench", use_cache=False)
        walls: dict[str, list[float]] = {name: [] for name in engines}
        step_over: dict[str, list[float]] = {name: [] for name in engines}
        for i in range(n):
            order = list(engines) if i % 2 == 0 else list(reversed(engines))  # alternate who goes first
            for name in order:
                started = time.perf_counter()
                result = await engines[name].run(request, scope="bench", use_cache=False)
                walls[name].append((time.perf_counter() - started) * 1000)
                assert not result.degraded, result.steps
                step_over[name] += [step.elapsed_ms - latency * 1000 for step in result.steps]
        ideal = round(IDEAL_CALLS[mode] * latency * 1000, 1)
        for name in engines:
            w = walls[name]
            rows[name][mode] = {
                "p50_ms": round(pct(w, 0.5), 1), "p95_ms": round(pct(w, 0.95), 1), "ideal_ms": ideal,
                "overhead_p50_ms": round(pct(w, 0.5) - ideal, 1), "overhead_p95_ms": round(pct(w, 0.95) - ideal, 1),
                "step_elapsed_minus_latency_p50_ms": round(pct(step_over[name], 0.5), 1)}
    for row in rows.values():
        row["parallel_over_sequential"] = round(row["parallel"]["p50_ms"] / row["sequential"]["p50_ms"], 3)
    return rows


async def _timed(call: Callable[[], Awaitable[Any]], n: int) -> dict[str, float]:
    for _ in range(3):
        await call()
    walls, cpus = [], []
    for _ in range(n):
        wall, cpu = time.perf_counter(), time.process_time()
        await call()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return {"p50_ms": round(pct(walls, 0.5), 1), "cpu_p50_ms": round(pct(cpus, 0.5), 2)}


async def bench_crewai_overhead(settings: EngineSettings, *, stock: bool, n: int) -> dict[str, Any]:
    """A pooled crew kickoff vs a bare LLM call with the same structured output, sequentially."""
    from crewai.utilities.file_store import clear_files, clear_task_files, get_all_files

    llm = build_llm(settings, temperature=0.0, provider="crewai" if stock else "replycrew")
    analysis = crew_backends(settings, stock=stock).analysis
    assert isinstance(analysis, CrewAnalysis)
    messages = [{"role": "user", "content": THREAD}]

    async def bare() -> None:
        if stock:  # crewai's stock executor makes this sync call on a worker thread
            await asyncio.to_thread(llm.call, messages, response_model=ThreadAnalysis)  # type: ignore[arg-type]
        else:
            await llm.acall(messages, response_model=ThreadAnalysis)  # type: ignore[arg-type]

    async def kickoff() -> None:
        await analysis.pool.run({"thread": THREAD})

    async def file_store_bridge() -> None:
        # What every kickoff calls four times, whatever the configuration: each runs a coroutine
        # on a new event loop in a new thread, blocking ours meanwhile.
        crew_id, task_id = uuid.uuid4(), uuid.uuid4()
        get_all_files(crew_id, task_id)
        get_all_files(crew_id, task_id)
        clear_task_files(task_id)
        clear_files(crew_id)

    out: dict[str, Any] = {"bare_llm_call": await _timed(bare, n), "pooled_crew_kickoff": await _timed(kickoff, n),
                           "file_store_bridge_x4": await _timed(file_store_bridge, n)}
    out["crewai_per_step_ms"] = round(out["pooled_crew_kickoff"]["p50_ms"] - out["bare_llm_call"]["p50_ms"], 1)
    out["crewai_per_step_cpu_ms"] = round(out["pooled_crew_kickoff"]["cpu_p50_ms"]
                                          - out["bare_llm_call"]["cpu_p50_ms"], 2)
    builds = []
    for _ in range(10):
        started = time.perf_counter()
        analysis.pool._build()
        builds.append((time.perf_counter() - started) * 1000)
    out["crew_build_p50_ms"] = round(pct(builds, 0.5), 1)
    return out


async def bench_batch(engines: dict[str, Engine], *, size: int, latency: float, rounds: int = 2) -> dict[str, Any]:
    rows = [DraftRequest(conversation_thread=f"{THREAD}\n(variant {i})", mode="parallel") for i in range(size)]
    for name, eng in engines.items():
        await run_batch(eng, rows, scope=f"bench-warm-{name}", max_concurrent=size)  # grows the crew pools
    out: dict[str, Any] = {name: {} for name in engines}
    ideal_s = 2 * latency  # all rows at once, each on the parallel critical path
    for i in range(rounds):
        order = list(engines) if i % 2 == 0 else list(reversed(engines))
        for name in order:
            started, cpu = time.perf_counter(), time.process_time()
            report = await run_batch(engines[name], rows, scope=f"bench-{name}-{i}", max_concurrent=size)
            wall, cpu_s = time.perf_counter() - started, time.process_time() - cpu
            out[name][f"round{i + 1}"] = {
                "wall_s": round(wall, 3), "cpu_s": round(cpu_s, 3), "ideal_s": ideal_s,
                "ok": report.successful_requests,
                "throughput_rps": round(size / wall, 2), "ideal_rps": round(size / ideal_s, 2),
                "ratio": round(ideal_s / wall, 3),
                # One GIL: the batch takes at least its CPU time, so this is the best ratio possible.
                "cpu_bound_ratio": round(min(1.0, ideal_s / cpu_s), 3) if cpu_s else None,
                "cpu_ms_per_row": round(cpu_s / size * 1000, 1)}
    return out


def print_table(result: dict[str, Any]) -> None:
    latency_ms = result["latency_ms"]
    print(f"\nworkflow vs fake LLM at {latency_ms:g} ms per call, n={result['n']} per mode and configuration,"
          f" {result['cpus']} CPUs")
    print(f"{'config':<7}{'mode':<11}{'p50 ms':>9}{'p95 ms':>9}{'ideal':>8}{'over p50':>10}{'over p95':>10}"
          f"{'step-L p50':>12}")
    for name in result["configs"]:
        block = result if name == "tuned" else result[name]
        for mode in ("sequential", "parallel", "fast"):
            row = block["modes"][mode]
            print(f"{name:<7}{mode:<11}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['ideal_ms']:>8g}"
                  f"{row['overhead_p50_ms']:>10}{row['overhead_p95_ms']:>10}{row['step_elapsed_minus_latency_p50_ms']:>12}")
        print(f"{name:<7}parallel/sequential p50: {block['modes']['parallel_over_sequential']} (ideal 0.667)")
    print(f"\nper step, sequential calls ({'wall p50 / CPU p50 ms'}):")
    for name in result["configs"]:
        over = (result if name == "tuned" else result[name])["crewai"]
        kickoff = over["pooled_crew_kickoff"]
        print(f"{name:<7}bare LLM call {over['bare_llm_call']['p50_ms']} / {over['bare_llm_call']['cpu_p50_ms']};"
              f" pooled crew kickoff {kickoff['p50_ms']} / {kickoff['cpu_p50_ms']};"
              f" crewai adds {over['crewai_per_step_ms']} / {over['crewai_per_step_cpu_ms']}, of which its file-store"
              f" bridge (x4) {over['file_store_bridge_x4']['p50_ms']} / {over['file_store_bridge_x4']['cpu_p50_ms']};"
              f" building a crew {over['crew_build_p50_ms']} ms")
    print(f"\nbatch of {result['batch_size']} at max_concurrent {result['batch_size']}, parallel mode:")
    for name in result["configs"]:
        for label, row in (result if name == "tuned" else result[name])["batch"].items():
            print(f"{name:<7}{label}: {row['wall_s']} s (CPU {row['cpu_s']} s, {row['cpu_ms_per_row']} ms/row),"
                  f" {row['throughput_rps']} req/s vs ideal {row['ideal_rps']} -> ratio {row['ratio']}"
                  f" (CPU-bound best {row['cpu_bound_ratio']}; {row['ok']} ok)")


class _Cancelled(logging.Handler):
    """Counts the workflow's "analysis call ... cancelled" log lines, by request id."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.ids: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if "cancelled" in record.getMessage():
            self.ids.add(str(record.args[0]) if isinstance(record.args, tuple) else "")


async def bench_cache(base_url: str, data_dir: Path, *, n: int, latency: float) -> dict[str, Any]:
    from engine.cache.setup import build_caches, start_caches
    from engine.cache.store import SQLiteStore
    from perf.bench_first_draft import threads

    waits = {"default wait": EngineSettings().semantic_lookup_wait_ms, "lookup awaited": 60_000.0}
    engines: dict[str, Engine] = {}
    for label, wait in waits.items():
        settings = EngineSettings(openai_api_key="bench", openai_base_url=base_url, data_dir=data_dir,
                                  semantic_lookup_wait_ms=wait)
        store = SQLiteStore(data_dir / f"{len(engines)}.sqlite3")
        engines[label] = Engine(settings, caches=build_caches(settings, store, semantic=True), store=store)
        await start_caches(store)  # models loaded (once, shared) and index read, as at a server's start-up
    cancelled = _Cancelled()
    logging.getLogger("engine.workflow").addHandler(cancelled)
    logging.getLogger("engine.workflow").setLevel(logging.INFO)
    texts = threads()
    rows: dict[str, dict[str, list[Any]]] = {label: {"over": [], "hits": [], "ids": []} for label in engines}
    for eng in engines.values():  # warm-up: first calls, pools, connections
        await eng.run(DraftRequest(conversation_thread=texts[0], mode="parallel"), scope="bench")
    for i, thread in enumerate(texts[1:n + 1]):
        order = list(engines) if i % 2 == 0 else list(reversed(engines))
        for label in order:
            started = time.perf_counter()
            result = await engines[label].run(DraftRequest(conversation_thread=thread, mode="parallel"),
                                              scope="bench")
            wall = (time.perf_counter() - started) * 1000
            await engines[label].flush()  # the inserts land before the next thread, as between requests
            source = next(step.source for step in result.steps if step.name == "analysis")
            rows[label]["ids"].append(result.request_id)
            if source == "llm":
                rows[label]["over"].append(wall - 2 * latency * 1000)
            else:
                rows[label]["hits"].append(source)
    out: dict[str, Any] = {}
    for label, row in rows.items():
        over = row["over"]
        out[label] = {"wait_ms": waits[label], "drafts": n, "llm_analyses": len(over),
                      "overhead_p50_ms": round(pct(over, 0.5), 1), "overhead_p95_ms": round(pct(over, 0.95), 1),
                      "cache_hits": len(row["hits"]),
                      "cancelled_calls": len(cancelled.ids & set(row["ids"]))}
    return out


async def main_cache(options: argparse.Namespace) -> None:
    proc, base_url = start_fake(options.latency)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            rows = await bench_cache(base_url, Path(data_dir), n=options.n, latency=options.latency)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"\nparallel mode with the caches on, fake LLM at {options.latency * 1000:g} ms, ideal 2L, "
          f"{options.n} distinct threads, alternating")
    print(f"{'lookup':<16}{'wait ms':>9}{'LLM analyses':>14}{'over p50':>10}{'over p95':>10}{'hits':>6}"
          f"{'cancelled calls':>17}")
    for label, row in rows.items():
        print(f"{label:<16}{row['wait_ms']:>9g}{row['llm_analyses']:>14}{row['overhead_p50_ms']:>10}"
              f"{row['overhead_p95_ms']:>10}{row['cache_hits']:>6}{row['cancelled_calls']:>17}")
    out = ROOT / "perf" / "results" / "bench_workflow_cache.json"
    out.write_text(json.dumps({"latency_ms": options.latency * 1000, "cpus": os.cpu_count(), **rows}, indent=2)
                   + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--only", choices=CONFIGS, default=None, help="run one configuration only")
    parser.add_argument("--cache", action="store_true", help="parallel mode with the caches on, alone")
    options = parser.parse_args()
    if options.cache:
        await main_cache(options)
        return
    configs = [options.only] if options.only else list(CONFIGS)
    proc, base_url = start_fake(options.latency)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            settings = EngineSettings(openai_api_key="bench", openai_base_url=base_url, data_dir=Path(data_dir),
                                      max_concurrent_requests=max(50, options.batch))
            engines = {name: Engine(settings, backends=crew_backends(settings, stock=name == "stock"))
                       for name in configs}
            modes = await bench_modes(engines, n=options.n, latency=options.latency)
            overhead = {name: await bench_crewai_overhead(settings, stock=name == "stock", n=options.n)
                        for name in configs}
            batch = await bench_batch(engines, size=options.batch, latency=options.latency)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    result: dict[str, Any] = {"latency_ms": options.latency * 1000, "n": options.n, "batch_size": options.batch,
                              "cpus": os.cpu_count(), "configs": configs}
    for name in configs:
        block = {"modes": modes[name], "crewai": overhead[name], "batch": batch[name]}
        if name == "tuned":
            result.update(block)
        else:
            result[name] = block
    print_table(result)
    out = ROOT / "perf" / "results" / "bench_workflow.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
