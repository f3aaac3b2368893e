"""CPU per LLM call and per batch row, through the real crew backends, against a fake LLM in its own process.

    python perf/bench_llm_cpu.py [-n 200] [--rows 100] [--concurrency 50] [--latency 0.05] [--label after]

The fake OpenAI server (tests/fakes/openai_server.py) runs in a separate process, so this process's
CPU time (`time.process_time`, all threads) is the engine's own: building the request, the HTTP
client, parsing and validating the answer, crewai around it. Measured:

- bare call: `llm.acall(messages, response_model=ThreadAnalysis)`, one at a time (n calls): CPU per
  call p50/p95, and its ratio to the ideal of 0 ms (reported as ms: lower is better);
- concurrent calls: `concurrency` at once, n in all: CPU per call = process CPU / calls;
- batch row: `rows` sample CSV rows through the batch runner (parallel mode: three LLM calls per
  row), after a warm-up batch: CPU per row = process CPU / rows; wall time vs the ideal critical path.

Writes perf/results/bench_llm_cpu[-LABEL].json. Before/after: run it in a checkout of the commit
before the SDK client with `--label before` (the script only uses APIs both have).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402,F401  (crewai environment first)
from engine.batch.csv_io import read_batch_csv  # noqa: E402
from engine.batch.runner import BatchRunner  # noqa: E402
from engine.models import ThreadAnalysis  # noqa: E402
from engine.settings import EngineSettings  # noqa: E402
from engine.steps.crew.llm import build_llm  # noqa: E402
from engine.workflow import Engine  # noqa: E402
from perf.common import percentile as pct  # noqa: E402
from perf.common import sample_csv  # noqa: E402

THREAD = ("Rep (Jordan Lee): Hi Mateus, worth a quick look?\n"
          "Mateus Oliveira: We run 40 vehicles. What would pricing look like, and do you integrate with Samsara?")


def start_fake(latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.openai_server", "--latency", str(latency)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, f"http://127.0.0.1:{int(proc.stdout.readline())}/v1"


async def bare_calls(settings: EngineSettings, n: int, concurrency: int) -> dict[str, Any]:
    llm: Any = build_llm(settings, temperature=0.0)
    messages = [{"role": "user", "content": THREAD}]
    for _ in range(5):  # warm-up: the client, the connection, the schema
        await llm.acall(messages, response_model=ThreadAnalysis)
    cpus = []
    for _ in range(n):
        cpu = time.process_time()
        await llm.acall(messages, response_model=ThreadAnalysis)
        cpus.append((time.process_time() - cpu) * 1000)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(max(1, n // concurrency)):
        await asyncio.gather(*(llm.acall(messages, response_model=ThreadAnalysis) for _ in range(concurrency)))
    calls = max(1, n // concurrency) * concurrency
    concurrent_cpu = (time.process_time() - cpu) * 1000 / calls
    return {"sequential_cpu_p50_ms": round(pct(cpus, 0.5), 3), "sequential_cpu_p95_ms": round(pct(cpus, 0.95), 3),
            "concurrent_cpu_per_call_ms": round(concurrent_cpu, 3), "concurrent_calls": calls,
            "concurrent_wall_s": round(time.perf_counter() - wall, 2)}


async def batch_rows(settings: EngineSettings, rows: int, concurrency: int, latency: float) -> dict[str, Any]:
    eng = Engine(settings)
    warm = read_batch_csv(sample_csv(concurrency), max_rows=concurrency, defaults={"use_cache": False})
    await BatchRunner(eng, checkpoint=False).run(warm.items, scope="bench", max_concurrent=concurrency)
    batch = read_batch_csv(sample_csv(rows), max_rows=rows, defaults={"use_cache": False})
    cpu, wall = time.process_time(), time.perf_counter()
    report = await BatchRunner(eng, checkpoint=False).run(batch.items, scope="bench", max_concurrent=concurrency)
    wall_s = time.perf_counter() - wall
    assert report.failed_requests == 0, report.results[0]
    ideal_s = (rows / concurrency) * 2 * latency  # profile || analysis, then reply
    return {"rows": rows, "cpu_per_row_ms": round((time.process_time() - cpu) * 1000 / rows, 2),
            "wall_s": round(wall_s, 2), "ideal_wall_s": round(ideal_s, 2), "wall_vs_ideal": round(wall_s / ideal_s, 2)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--label", default="")
    options = parser.parse_args()
    fake, base_url = start_fake(options.latency)
    try:
        with tempfile.TemporaryDirectory() as data:
            settings = EngineSettings(openai_api_key="bench", openai_base_url=base_url, data_dir=Path(data),
                                      llm_max_retries=0, max_batch_rows=max(options.rows, options.concurrency),
                                      _env_file=None)  # type: ignore[call-arg]
            calls = await bare_calls(settings, options.n, options.concurrency)
            rows = await batch_rows(settings, options.rows, options.concurrency, options.latency)
    finally:
        fake.terminate()
        fake.wait()
    result = {"label": options.label or "current", "latency_s": options.latency, "llm_call": calls, "batch": rows}
    print(f"{'measure':<34} {'p50/value':>10} {'p95':>8} {'ideal':>7}")
    print(f"{'CPU per call, sequential (ms)':<34} {calls['sequential_cpu_p50_ms']:>10} "
          f"{calls['sequential_cpu_p95_ms']:>8} {0:>7}")
    print(f"{'CPU per call, concurrent (ms)':<34} {calls['concurrent_cpu_per_call_ms']:>10} {'':>8} {0:>7}")
    print(f"{'CPU per batch row (ms)':<34} {rows['cpu_per_row_ms']:>10} {'':>8} {0:>7}")
    print(f"{'batch wall (s), ratio vs ideal':<34} {rows['wall_s']:>10} {rows['wall_vs_ideal']:>8} "
          f"{rows['ideal_wall_s']:>7}")
    out = ROOT / "perf" / "results" / f"bench_llm_cpu{'-' + options.label if options.label else ''}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
