"""Batch benchmark: N CSV rows at concurrency C through the real crew backends and the batch runner,
against the fake OpenAI server (tests/fakes/openai_server.py, in its own process) with a fixed latency.

Measures throughput against the ideal (C rows per critical path of 2 LLM latencies: profile ||
analysis, then reply), event-loop lag while the batch runs (a 5 ms ticker's lateness), and peak
RSS. Every row is checkpointed in a SQLite store, as `replycrew batch` does.

    python perf/bench_batch.py [--rows 1000] [--concurrency 50] [--latency 1.0 0.3]

`/draft` ack latency during a batch needs the Slack app: pass `probe=` to `run_bench` (an async
callable returning one ack's seconds, e.g. a signed slash command sent to the app's /slack/events);
it is called every `probe_interval_s` while the batch runs and reported as probe p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine.steps.crew.env  # noqa: E402,F401  (crewai environment before crewai is imported)
from perf.common import percentile as pct  # noqa: E402
from perf.common import sample_csv  # noqa: E402

RESULTS = ROOT / "perf" / "results"
Probe = Callable[[], Awaitable[float]]


def _serve_fake(latency: float, port_out: Any, stop: Any, count_out: Any) -> None:
    """Child process: the fake OpenAI server until `stop` is set; reports how many calls it served."""
    from tests.fakes.openai_server import FakeOpenAI

    async def serve() -> None:
        fake = await FakeOpenAI(latency=latency).start()
        port_out.put(fake.port)
        await asyncio.to_thread(stop.wait)
        count_out.put(len(fake.history))
        await fake.close()

    asyncio.run(serve())


async def _ticker(samples: list[float], stop: asyncio.Event, interval: float = 0.005) -> None:
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(interval)
        samples.append(time.perf_counter() - before - interval)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # children that have been waited for
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run_bench(*, rows: int, concurrency: int, latency: float, worker: bool = False,
                    prewarm: bool = False, probe: Probe | None = None,
                    probe_interval_s: float = 0.25) -> dict[str, Any]:
    """One measured batch (in this process, or in worker processes: cold, or pre-warmed as a
    server that has been up a while has them); returns the table's numbers."""
    from bot.cli.batch import size_default_executor
    from engine.batch.csv_io import read_batch_csv, results_csv_bytes
    from engine.batch.processes import ProcessBatchRunner, prewarm_workers, stop_prewarmed, worker_count
    from engine.batch.runner import BatchRunner
    from engine.build import build_engine
    from engine.settings import EngineSettings

    ctx = multiprocessing.get_context("spawn")
    port_q, count_q, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    child = ctx.Process(target=_serve_fake, args=(latency, port_q, stop, count_q), daemon=True)
    child.start()
    port = port_q.get(timeout=60)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    settings = EngineSettings(openai_api_key="sk-fake", openai_base_url=f"http://127.0.0.1:{port}/v1",
                              data_dir=data_dir, max_concurrent_requests=concurrency,
                              max_batch_rows=max(rows, concurrency), llm_max_retries=0)
    engine_ = build_engine(settings)
    size_default_executor(concurrency)  # as `replycrew batch` does (see there why)
    try:
        if not worker:
            # Warm-up (not measured): the crew pool builds one crew per concurrent step, as a
            # server that has been up a while already has. A worker process starts cold.
            warm = read_batch_csv(sample_csv(concurrency), max_rows=concurrency,
                                  defaults={"use_cache": False})
            await BatchRunner(engine_, checkpoint=False).run(warm.items, scope="bench",
                                                             max_concurrent=concurrency)
        elif prewarm:
            await prewarm_workers(settings, workers=worker_count(rows), wait=True)
        rss_before = _rss_mb()
        data = sample_csv(rows)
        started = time.perf_counter()
        batch = await asyncio.to_thread(read_batch_csv, data, max_rows=rows,
                                        defaults={"use_cache": False})
        parse_ms = (time.perf_counter() - started) * 1000
        lags: list[float] = []
        probes: list[float] = []
        stop_ticker = asyncio.Event()
        ticker = asyncio.create_task(_ticker(lags, stop_ticker))

        async def probing() -> None:
            while probe is not None and not stop_ticker.is_set():
                probes.append(await probe())
                await asyncio.sleep(probe_interval_s)

        prober = asyncio.create_task(probing())
        run_started = time.perf_counter()
        cpu_started = time.process_time()
        child_cpu_started = _children_cpu()
        runner = ProcessBatchRunner(engine_) if worker else BatchRunner(engine_)
        report = await runner.run(batch.items, scope="bench", max_concurrent=concurrency)
        wall = time.perf_counter() - run_started
        child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        cpu_s = (time.process_time() - cpu_started) + (_children_cpu() - child_cpu_started)
        stop_ticker.set()
        await asyncio.gather(ticker, prober)
        started = time.perf_counter()
        out = await asyncio.to_thread(results_csv_bytes, batch, report)
        write_ms = (time.perf_counter() - started) * 1000
    finally:
        await stop_prewarmed()
        await engine_.store.close()
        stop.set()
        calls = count_q.get(timeout=30)
        child.join(timeout=30)
    ideal = math.ceil(rows / concurrency) * 2 * latency
    return {
        "mode": ("warm workers" if prewarm else "cold workers") if worker else "in-process",
        "workers": worker_count(rows) if worker else 0, "rows": rows,
        "concurrency": concurrency, "latency_s": latency,
        "successful": report.successful_requests, "failed": report.failed_requests,
        "degraded": report.metrics["degraded_requests"],
        "llm_calls": calls - (0 if worker else 3 * concurrency), "wall_s": round(wall, 3), "ideal_s": round(ideal, 3),
        "throughput_rps": round(rows / wall, 2), "ideal_rps": round(rows / ideal, 2),
        "ratio_vs_ideal": round(ideal / wall, 3),
        "cpu_ms_per_row": round(cpu_s * 1000 / rows, 1),
        "row_ms_p50": report.metrics["row_ms_p50"], "row_ms_p95": report.metrics["row_ms_p95"],
        "loop_lag_ms_p50": round(pct(lags, 0.5) * 1000, 2),
        "loop_lag_ms_p99": round(pct(lags, 0.99) * 1000, 2),
        "loop_lag_ms_max": round(max(lags, default=float("nan")) * 1000, 2),
        "rss_mb_before": round(rss_before, 1), "rss_mb_after": round(_rss_mb(), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "worker_peak_rss_mb": round(child_rss, 1) if worker else None,
        "csv_parse_ms": round(parse_ms, 1), "csv_write_ms": round(write_ms, 1),
        "results_csv_bytes": len(out),
        "probe_p50_ms": round(pct(probes, 0.5) * 1000, 1) if probes else None,
        "probe_p99_ms": round(pct(probes, 0.99) * 1000, 1) if probes else None,
    }


def _table(results: list[dict[str, Any]]) -> str:
    columns = [("mode", "runner"), ("workers", "procs"), ("latency_s", "LLM s"), ("rows", "rows"),
               ("concurrency", "conc"),
               ("successful", "ok"), ("failed", "failed"), ("degraded", "degr"),
               ("llm_calls", "LLM calls"), ("wall_s", "wall s"), ("ideal_s", "ideal s"),
               ("throughput_rps", "rows/s"), ("ideal_rps", "ideal rows/s"),
               ("ratio_vs_ideal", "ratio"), ("cpu_ms_per_row", "CPU ms/row"), ("loop_lag_ms_p50", "lag p50 ms"),
               ("loop_lag_ms_p99", "lag p99 ms"), ("loop_lag_ms_max", "lag max ms"),
               ("peak_rss_mb", "peak RSS MB"), ("worker_peak_rss_mb", "worker RSS MB"),
               ("csv_parse_ms", "parse ms"), ("csv_write_ms", "write ms")]
    lines = ["| " + " | ".join(title for _, title in columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    for result in results:
        lines.append("| " + " | ".join(str(result[key]) for key, _ in columns) + " |")
    return "\n".join(lines)


def main() -> int:
    """Run the benchmark, print the table, write perf/results/bench_batch.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency", type=float, nargs="+", default=[1.0])
    parser.add_argument("--mode", choices=["in-process", "worker", "worker-warm", "both", "all"],
                        default="all", help="both: in-process and cold workers; all: and warm workers")
    args = parser.parse_args()
    os.environ.pop("OPENAI_API_KEY", None)
    results = []
    cold, warm, local = (True, False), (True, True), (False, False)
    modes = {"in-process": [local], "worker": [cold], "worker-warm": [warm], "both": [local, cold],
             "all": [local, cold, warm]}[args.mode]
    for latency in args.latency:
        for worker, prewarm in modes:
            result = asyncio.run(run_bench(rows=args.rows, concurrency=args.concurrency,
                                           latency=latency, worker=worker, prewarm=prewarm))
            results.append(result)
            print(json.dumps(result), file=sys.stderr)
    print(_table(results))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_batch.json").write_text(json.dumps({"results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
