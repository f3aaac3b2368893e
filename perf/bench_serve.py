"""Serving benchmark: 300 `/run-parallel` drafts at 50 concurrent through `replycrew serve`, with one
serving process and with `--workers N` (SO_REUSEPORT), against the fake OpenAI server at 300 ms.

Ideal: ceil(300 / 50) x 2 LLM latencies (profile || analysis, then reply) = 3.6 s, p50 0.6 s.
CPU ms per draft sums every serving process's CPU (from /proc) over the run.

    python perf/bench_serve.py [--drafts 300] [--concurrency 50] [--latency 0.3] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from perf.common import free_port, wait_healthy  # noqa: E402
from perf.common import percentile as pct  # noqa: E402

RESULTS = ROOT / "perf" / "results"


def _start_fake(latency: float) -> tuple[subprocess.Popen[str], str]:
    fake = subprocess.Popen([sys.executable, "-m", "tests.fakes.openai_server", "--latency", str(latency)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert fake.stdout is not None
    port = int(fake.stdout.readline())
    return fake, f"http://127.0.0.1:{port}/v1"


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _family(pid: int) -> list[int]:
    """The serving process and the children it started."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [pid, *(int(child) for child in children.read_text().split())] if children.exists() else [pid]


def _threads(index: int) -> dict[str, Any]:
    return {"conversation_thread": f"Rep: following up on the pilot.\nProspect: what would {index} seats cost "
                                   "per month, and can we start next week?",
            "channel": "email", "prospect_name": "Dana Fox", "use_cache": False}


async def _drive(base: str, *, drafts: int, concurrency: int) -> tuple[list[float], float, set[int]]:
    times: list[float] = []
    slots = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=True)  # new connections: spread by the kernel
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=300)) as http:

        async def one(index: int) -> None:
            async with slots:
                started = time.perf_counter()
                async with http.post(f"{base}/run-parallel", json=_threads(index)) as response:
                    assert response.status == 200, await response.text()
                    await response.read()
                times.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*[one(index) for index in range(drafts)])
        wall = time.perf_counter() - started
        pids = set()
        for _ in range(20):
            async with http.get(f"{base}/healthz") as response:
                pids.add(int((await response.json())["pid"]))
    return times, wall, pids


async def bench(*, workers: int, drafts: int, concurrency: int, llm_url: str, latency: float) -> dict[str, Any]:
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="bench-serve-")
    env = {**os.environ, "OPENAI_API_KEY": "sk-fake", "OPENAI_BASE_URL": llm_url, "PORT": str(port),
           "DATA_DIR": data_dir, "MAX_CONCURRENT_REQUESTS": str(concurrency), "LLM_MAX_RETRIES": "0",
           "SEMANTIC_CACHE": "off", "RATE_LIMIT_PER_MINUTE": "1000000"}
    server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--workers", str(workers)],  # noqa: ASYNC220
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(base, server, within_s=120)
        await asyncio.sleep(2 + 3 * workers)  # every child up and listening, too
        await _drive(base, drafts=concurrency, concurrency=concurrency)  # warm-up: crews built
        pids = _family(server.pid)
        cpu_before = sum(_cpu_s(pid) for pid in pids)
        times, wall, answered = await _drive(base, drafts=drafts, concurrency=concurrency)
        cpu = sum(_cpu_s(pid) for pid in pids) - cpu_before
    finally:
        server.terminate()
        server.wait(timeout=60)
    ideal = math.ceil(drafts / concurrency) * 2 * latency
    return {"workers": workers, "drafts": drafts, "concurrency": concurrency, "latency_s": latency,
            "wall_s": round(wall, 2), "ideal_s": round(ideal, 2), "ratio_vs_ideal": round(ideal / wall, 3),
            "p50_s": round(pct(times, 0.5), 3), "p95_s": round(pct(times, 0.95), 3),
            "ideal_p50_s": round(2 * latency, 3), "cpu_ms_per_draft": round(cpu * 1000 / drafts, 1),
            "processes_answering": len(answered)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    fake, llm_url = _start_fake(args.latency)
    try:
        results = [asyncio.run(bench(workers=workers, drafts=args.drafts, concurrency=args.concurrency,
                                     llm_url=llm_url, latency=args.latency)) for workers in args.workers]
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    columns = [("workers", "serve --workers"), ("drafts", "drafts"), ("concurrency", "conc"),
               ("wall_s", "wall s"), ("ideal_s", "ideal s"), ("ratio_vs_ideal", "ratio"), ("p50_s", "p50 s"),
               ("p95_s", "p95 s"), ("ideal_p50_s", "ideal p50 s"), ("cpu_ms_per_draft", "CPU ms/draft"),
               ("processes_answering", "procs answering")]
    print("| " + " | ".join(title for _, title in columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for result in results:
        print("| " + " | ".join(str(result[key]) for key, _ in columns) + " |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_serve.json").write_text(json.dumps({"results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
