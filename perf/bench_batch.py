"""Batch benchmark: N CSV rows at concurrency C through the real crew backends, in-process or as saq
jobs on 1 and 2 `replycrew worker` processes, against the fake OpenAI server (tests/fakes/openai_server.py,
in its own process) with a fixed latency.

Measures throughput against the ideal (C rows per critical path of 2 LLM latencies: profile ||
analysis, then reply), CPU per row (this process plus the workers), the submitting ("web")
process's event-loop lag while the batch runs (a 5 ms ticker's lateness: with the queue, rows no
longer run there), and peak memory per worker. In-process rows are checkpointed in SQLite, as
`replycrew batch --local` does; queued rows in a throwaway redis-server.

    python perf/bench_batch.py [--rows 1000] [--concurrency 50] [--latency 0.3 1.0] [--workers 0 1 2]

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
import shutil
import signal
import socket
import subprocess
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


def _proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process (workers are not waited-for children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _proc_rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _start_redis(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    from perf.common import free_port

    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (scripts/ensure-test-services.sh installs it)"
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")


async def _start_workers(count: int, env: dict[str, str], concurrency: int) -> list[asyncio.subprocess.Process]:
    """`count` `replycrew worker` processes, returned once each says it is ready (warmed up)."""
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "worker", "--concurrency", str(concurrency), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE) for _ in range(count)]

    async def ready(proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        while line := await proc.stderr.readline():
            if line.startswith(b"worker ready"):
                _readers.add(asyncio.create_task(_drain_pipe(proc)))  # keep its stderr from filling up
                return
        raise RuntimeError("a worker exited before it was ready")

    await asyncio.wait_for(asyncio.gather(*[ready(proc) for proc in procs]), timeout=180)
    return procs


_readers: set[asyncio.Task[None]] = set()


async def _drain_pipe(proc: asyncio.subprocess.Process) -> None:
    assert proc.stderr is not None
    while await proc.stderr.readline():
        pass


async def run_bench(*, rows: int, concurrency: int, latency: float, workers: int = 0,
                    probe: Probe | None = None, probe_interval_s: float = 0.25) -> dict[str, Any]:
    """One measured batch: in this process (`workers=0`), or as queue jobs drafted by `workers`
    `replycrew worker` processes (concurrency split between them) while this process only submits
    and follows it, as `replycrew serve` does; returns the table's numbers."""
    from bot.cli.batch import size_default_executor
    from engine.batch.csv_io import read_batch_csv, results_csv_bytes
    from engine.batch.queue import BatchQueue
    from engine.batch.queued import QueueBatchRunner
    from engine.batch.runner import BatchRunner
    from engine.build import build_engine
    from engine.cache.store import open_store
    from engine.settings import EngineSettings

    ctx = multiprocessing.get_context("spawn")
    port_q, count_q, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    child = ctx.Process(target=_serve_fake, args=(latency, port_q, stop, count_q), daemon=True)
    child.start()
    port = port_q.get(timeout=60)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    llm = {"OPENAI_API_KEY": "sk-fake", "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
           "LLM_MAX_RETRIES": "0", "MAX_CONCURRENT_REQUESTS": str(concurrency)}
    redis_proc: subprocess.Popen[bytes] | None = None
    procs: list[asyncio.subprocess.Process] = []
    queue: BatchQueue | None = None
    worker_cpu: dict[int, float] = {}
    worker_rss: list[float] = []
    if workers:
        redis_proc, redis_url = _start_redis(data_dir)
        # This process only submits and follows: no LLM key (the workers draft every row).
        settings = EngineSettings(_env_file=None, data_dir=data_dir, redis_url=redis_url,
                                  max_batch_rows=rows)
        env = {**os.environ, **llm, "REDIS_URL": redis_url, "DATA_DIR": str(data_dir)}
        procs = await _start_workers(workers, env, max(1, concurrency // workers))
        store = open_store(settings)
        queue = BatchQueue(settings)
        await queue.connect()
    else:
        settings = EngineSettings(openai_api_key="sk-fake", openai_base_url=llm["OPENAI_BASE_URL"],
                                  data_dir=data_dir, max_concurrent_requests=concurrency,
                                  max_batch_rows=max(rows, concurrency), llm_max_retries=0)
        engine_ = build_engine(settings)
        store = engine_.store
        size_default_executor(concurrency)  # as `replycrew batch --local` does (see there why)
        # Warm-up (not measured): one crew per concurrent step, as a server up a while has, and
        # as each worker builds before it says it is ready.
        warm = read_batch_csv(sample_csv(concurrency), max_rows=concurrency, defaults={"use_cache": False})
        await BatchRunner(engine_, checkpoint=False).run(warm.items, scope="bench", max_concurrent=concurrency)
    try:
        rss_before = _rss_mb()
        data = sample_csv(rows)
        started = time.perf_counter()
        batch = await asyncio.to_thread(read_batch_csv, data, max_rows=rows, defaults={"use_cache": False})
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
        worker_cpu = {proc.pid: _proc_cpu_s(proc.pid) for proc in procs}
        run_started = time.perf_counter()
        cpu_started = time.process_time()
        if queue is not None:
            report = await QueueBatchRunner(store, queue, poll_s=0.25).run(batch.items, scope="bench")
        else:
            report = await BatchRunner(engine_).run(batch.items, scope="bench", max_concurrent=concurrency)
        wall = time.perf_counter() - run_started
        own_cpu = time.process_time() - cpu_started
        cpu_s = own_cpu + sum(_proc_cpu_s(pid) - before for pid, before in worker_cpu.items())
        worker_rss = [_proc_rss_mb(proc.pid, "VmHWM") for proc in procs]
        stop_ticker.set()
        await asyncio.gather(ticker, prober)
        started = time.perf_counter()
        out = await asyncio.to_thread(results_csv_bytes, batch, report)
        write_ms = (time.perf_counter() - started) * 1000
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            await asyncio.wait_for(proc.wait(), timeout=60)
        if queue is not None:
            await queue.close()
        await store.close()
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)
        stop.set()
        calls = count_q.get(timeout=30)
        child.join(timeout=30)
    ideal = math.ceil(rows / concurrency) * 2 * latency
    return {
        "mode": f"queue, {workers} worker{'s' if workers > 1 else ''}" if workers else "in-process",
        "workers": workers, "rows": rows, "concurrency": concurrency, "latency_s": latency,
        "successful": report.successful_requests, "failed": report.failed_requests,
        "degraded": report.metrics["degraded_requests"],
        "llm_calls": calls - (0 if workers else 3 * concurrency), "wall_s": round(wall, 3),
        "ideal_s": round(ideal, 3), "throughput_rps": round(rows / wall, 2),
        "ideal_rps": round(rows / ideal, 2), "ratio_vs_ideal": round(ideal / wall, 3),
        "cpu_ms_per_row": round(cpu_s * 1000 / rows, 1),
        "web_cpu_ms_per_row": round(own_cpu * 1000 / rows, 2),
        "row_ms_p50": report.metrics["row_ms_p50"], "row_ms_p95": report.metrics["row_ms_p95"],
        "loop_lag_ms_p50": round(pct(lags, 0.5) * 1000, 2),
        "loop_lag_ms_p99": round(pct(lags, 0.99) * 1000, 2),
        "loop_lag_ms_max": round(max(lags, default=float("nan")) * 1000, 2),
        "rss_mb_before": round(rss_before, 1), "rss_mb_after": round(_rss_mb(), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "worker_peak_rss_mb": round(max(worker_rss), 1) if worker_rss else None,
        "csv_parse_ms": round(parse_ms, 1), "csv_write_ms": round(write_ms, 1),
        "results_csv_bytes": len(out),
        "probe_p50_ms": round(pct(probes, 0.5) * 1000, 1) if probes else None,
        "probe_p99_ms": round(pct(probes, 0.99) * 1000, 1) if probes else None,
    }


def _table(results: list[dict[str, Any]]) -> str:
    columns = [("mode", "runner"), ("latency_s", "LLM s"), ("rows", "rows"),
               ("concurrency", "conc"),
               ("successful", "ok"), ("failed", "failed"), ("degraded", "degr"),
               ("llm_calls", "LLM calls"), ("wall_s", "wall s"), ("ideal_s", "ideal s"),
               ("throughput_rps", "rows/s"), ("ideal_rps", "ideal rows/s"),
               ("ratio_vs_ideal", "ratio"), ("cpu_ms_per_row", "CPU ms/row"),
               ("web_cpu_ms_per_row", "web CPU ms/row"), ("loop_lag_ms_p50", "web lag p50 ms"),
               ("loop_lag_ms_p99", "web lag p99 ms"), ("loop_lag_ms_max", "web lag max ms"),
               ("worker_peak_rss_mb", "peak RSS MB per worker"),
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
    parser.add_argument("--concurrency", type=int, default=50, help="rows in flight in all")
    parser.add_argument("--latency", type=float, nargs="+", default=[0.3, 1.0])
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2],
                        help="0 = in-process; N = N `replycrew worker` processes on a queue")
    args = parser.parse_args()
    os.environ.pop("OPENAI_API_KEY", None)
    results = []
    for latency in args.latency:
        for workers in args.workers:
            result = asyncio.run(run_bench(rows=args.rows, concurrency=args.concurrency,
                                           latency=latency, workers=workers))
            results.append(result)
            print(json.dumps(result), file=sys.stderr)
    print(_table(results))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_batch.json").write_text(json.dumps({"results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
