"""Workflow wall time per mode against a fake LLM with a fixed latency, vs the ideal critical path.

    python perf/bench_workflow.py [--latency 0.3] [-n 20] [--batch 50]

The fake OpenAI server runs in its own process (as a real LLM would be elsewhere), so the engine's
event loop carries only the engine's own work. Every run goes through Engine.run with the crew
backends (real crewai, real HTTP). Ideal: sequential 3L, parallel 2L, fast 1L; a batch of B at
max_concurrent B in parallel mode: B runs in 2L, throughput B / 2L.

Also measured: the per-step cost crewai adds (a pooled crew's kickoff minus a bare LLM call with the
same structured output) and the cost of building a crew. Writes perf/results/bench_workflow.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402,F401  (crewai environment first)
from engine.batch import run_batch  # noqa: E402
from engine.llm import build_llm  # noqa: E402
from engine.models import DraftRequest, ThreadAnalysis  # noqa: E402
from engine.settings import EngineSettings  # noqa: E402
from engine.steps.crew import CrewAnalysis, crew_backends  # noqa: E402
from engine.workflow import Engine  # noqa: E402

THREAD = (
    "Rep (Jordan Lee): Hi Mateus, worth a quick look at how fleets cut idle time?\n"
    "Mateus Oliveira: We run 40 vehicles. What would pricing look like, and do you integrate with "
    "Samsara? Happy to do a 30 min demo next Thursday afternoon."
)
IDEAL_CALLS: dict[str, int] = {"sequential": 3, "parallel": 2, "fast": 1}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def start_fake(latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.openai_server", "--latency", str(latency)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}/v1"


async def bench_modes(eng: Engine, *, n: int, latency: float) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for mode in ("sequential", "parallel", "fast"):
        request = DraftRequest(conversation_thread=THREAD, mode=mode)
        for _ in range(3):  # warm-up: first calls, pools, connections
            await eng.run(request, scope="bench", use_cache=False)
        walls: list[float] = []
        step_over: list[float] = []
        for _ in range(n):
            started = time.perf_counter()
            result = await eng.run(request, scope="bench", use_cache=False)
            walls.append((time.perf_counter() - started) * 1000)
            assert not result.degraded, result.steps
            step_over += [step.elapsed_ms - latency * 1000 for step in result.steps]
        ideal = round(IDEAL_CALLS[mode] * latency * 1000, 1)
        rows[mode] = {"p50_ms": round(pct(walls, 0.5), 1), "p95_ms": round(pct(walls, 0.95), 1),
                      "ideal_ms": ideal, "overhead_p50_ms": round(pct(walls, 0.5) - ideal, 1),
                      "overhead_p95_ms": round(pct(walls, 0.95) - ideal, 1),
                      "step_elapsed_minus_latency_p50_ms": round(statistics.median(step_over), 1)}
    rows["parallel_over_sequential"] = round(rows["parallel"]["p50_ms"] / rows["sequential"]["p50_ms"], 3)
    return rows


async def bench_crewai_overhead(settings: EngineSettings, *, n: int) -> dict[str, Any]:
    """A pooled crew kickoff vs a bare LLM call with the same structured output, sequentially."""
    llm = build_llm(settings, temperature=0.0)
    backends = crew_backends(settings)
    analysis = backends.analysis
    assert isinstance(analysis, CrewAnalysis)
    messages = [{"role": "user", "content": THREAD}]

    async def bare() -> None:
        await llm.acall(messages, response_model=ThreadAnalysis)  # type: ignore[arg-type]

    async def kickoff() -> None:
        await analysis.pool.run({"thread": THREAD})

    out: dict[str, Any] = {}
    for name, call in (("bare_llm_call", bare), ("pooled_crew_kickoff", kickoff)):
        for _ in range(3):
            await call()
        walls, cpus = [], []
        for _ in range(n):
            wall, cpu = time.perf_counter(), time.process_time()
            await call()
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        out[name] = {"p50_ms": round(pct(walls, 0.5), 1), "cpu_p50_ms": round(pct(cpus, 0.5), 1)}
    out["crewai_per_step_ms"] = round(out["pooled_crew_kickoff"]["p50_ms"] - out["bare_llm_call"]["p50_ms"], 1)
    builds = []
    for _ in range(10):
        started = time.perf_counter()
        analysis.pool._build()
        builds.append((time.perf_counter() - started) * 1000)
    out["crew_build_p50_ms"] = round(pct(builds, 0.5), 1)
    return out


async def bench_batch(eng: Engine, *, size: int, latency: float) -> dict[str, Any]:
    rows = [DraftRequest(conversation_thread=f"{THREAD}\n(variant {i})", mode="parallel") for i in range(size)]
    await run_batch(eng, rows, scope="bench-warm", max_concurrent=size)  # grows the crew pools
    out: dict[str, Any] = {}
    for label in ("first", "second"):
        started = time.perf_counter()
        report = await run_batch(eng, rows, scope=f"bench-{label}", max_concurrent=size)
        wall = time.perf_counter() - started
        ideal_s = 2 * latency  # all rows at once, each on the parallel critical path
        out[label] = {"wall_s": round(wall, 3), "ideal_s": ideal_s, "ok": report.successful_requests,
                      "throughput_rps": round(size / wall, 2), "ideal_rps": round(size / ideal_s, 2),
                      "ratio": round(ideal_s / wall, 3)}
    return out


def print_table(result: dict[str, Any]) -> None:
    latency_ms = result["latency_ms"]
    print(f"\nworkflow vs fake LLM at {latency_ms:g} ms per call, n={result['n']} per mode (crew backends)")
    print(f"{'mode':<11}{'p50 ms':>9}{'p95 ms':>9}{'ideal':>8}{'over p50':>10}{'over p95':>10}{'step-L p50':>12}")
    for mode in ("sequential", "parallel", "fast"):
        row = result["modes"][mode]
        print(f"{mode:<11}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['ideal_ms']:>8g}{row['overhead_p50_ms']:>10}"
              f"{row['overhead_p95_ms']:>10}{row['step_elapsed_minus_latency_p50_ms']:>12}")
    print(f"parallel/sequential p50: {result['modes']['parallel_over_sequential']} (ideal 0.667)")
    over = result["crewai"]
    print(f"\nper step: bare LLM call {over['bare_llm_call']['p50_ms']} ms (cpu {over['bare_llm_call']['cpu_p50_ms']}),"
          f" pooled crew kickoff {over['pooled_crew_kickoff']['p50_ms']} ms"
          f" (cpu {over['pooled_crew_kickoff']['cpu_p50_ms']}); crewai adds {over['crewai_per_step_ms']} ms;"
          f" building a crew {over['crew_build_p50_ms']} ms (done once per pooled crew)")
    for label, row in result["batch"].items():
        print(f"batch of {result['batch_size']} at max_concurrent {result['batch_size']} ({label}): "
              f"{row['wall_s']} s, {row['throughput_rps']} req/s vs ideal {row['ideal_rps']} -> ratio {row['ratio']}"
              f" ({row['ok']} ok)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--batch", type=int, default=50)
    options = parser.parse_args()
    proc, base_url = start_fake(options.latency)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            settings = EngineSettings(openai_api_key="bench", openai_base_url=base_url, data_dir=Path(data_dir),
                                      max_concurrent_requests=max(50, options.batch))
            eng = Engine(settings)
            result: dict[str, Any] = {"latency_ms": options.latency * 1000, "n": options.n,
                                      "batch_size": options.batch, "cpus": os.cpu_count()}
            result["modes"] = await bench_modes(eng, n=options.n, latency=options.latency)
            result["crewai"] = await bench_crewai_overhead(settings, n=options.n)
            result["batch"] = await bench_batch(eng, size=options.batch, latency=options.latency)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print_table(result)
    out = ROOT / "perf" / "results" / "bench_workflow.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
