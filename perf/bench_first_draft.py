"""First draft after start-up vs a steady draft, parallel-mode overhead and RSS, through HTTP.

    python perf/bench_first_draft.py [--latency 0.3] [-n 20] [--code DIR] [--label after]

`replycrew serve` runs in its own process with default settings and an LLM configured (OPENAI_BASE_URL
at tests/fakes/openai_server.py in a third process, fixed latency L), so the semantic cache is on
(SEMANTIC_CACHE=auto). As soon as /healthz answers, one POST /run-parallel is timed: the first
draft. Then, once /healthz reports the models ready (or after 60 s), `-n` drafts of distinct threads
(samples, then perf/data/held_new.jsonl), one at a time: the steady drafts. Parallel mode's ideal is
2L (profile || analysis, then the reply); the overhead is wall - 2L, counted on drafts whose analysis
came from the LLM. RSS is read from /proc after the steady drafts. `--code DIR` runs another checkout
of the code (e.g. a worktree of main) with this venv: the 'before' row.

Prints a table; writes perf/results/bench_first_draft_<label>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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

from perf.common import free_port, percentile, wait_healthy  # noqa: E402
from tests.conftest import SAMPLES  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def threads() -> list[str]:
    rows = [json.loads(line) for path in (SAMPLES / "threads.jsonl", ROOT / "perf" / "data" / "held_new.jsonl")
            for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [row["thread"] for row in rows]


async def draft(http: aiohttp.ClientSession, base: str, thread: str) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    async with http.post(f"{base}/run-parallel", json={"conversation_thread": thread}) as response:
        body = await response.json()
        assert response.status == 200, body
    return (time.perf_counter() - started) * 1000, body


async def models_ready(http: aiohttp.ClientSession, base: str, *, within_s: float = 60.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < within_s:
        async with http.get(f"{base}/healthz") as response:
            body = await response.json()
        semantic = body.get("cache", {}).get("semantic", {})
        if (semantic.get("semantic_reuse", "on") == "on" and "models" in semantic) or \
                ("semantic_reuse" not in semantic and semantic):  # the old code has no readiness field
            return time.perf_counter() - started
        await asyncio.sleep(0.2)
    return float("nan")


def start_fake(latency: float) -> tuple[subprocess.Popen[str], int]:
    fake = subprocess.Popen([sys.executable, "-m", "tests.fakes.openai_server", "--latency", str(latency)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert fake.stdout is not None
    return fake, int(fake.stdout.readline())


def start_serve(env: dict[str, str], code: Path | None, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=code or ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


async def run(latency: float, n: int, code: Path | None) -> dict[str, Any]:
    fake, llm_port = start_fake(latency)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-first-"))
    port = free_port()
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": f"http://127.0.0.1:{llm_port}/v1",
           "DATA_DIR": str(data_dir), "PORT": str(port), "HOST": "127.0.0.1"}
    for name in ("REDIS_URL", "REDIS_HOST", "API_KEYS", "AZURE_OPENAI_API_KEY", "SLACK_BOT_TOKEN",
                 "SEMANTIC_CACHE", "SEMANTIC_SIMILARITY_THRESHOLD", "SEMANTIC_VERIFIER_THRESHOLD"):
        env.pop(name, None)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    app = start_serve(env, code, data_dir / "serve.log")
    try:
        await wait_healthy(base, app, within_s=120)
        up_s = time.perf_counter() - started
        texts = threads()
        async with aiohttp.ClientSession() as http:
            first_ms, first = await draft(http, base, texts[0])
            ready_s = await models_ready(http, base)
            walls, over = [], []
            for thread in texts[1:n + 1]:
                wall, body = await draft(http, base, thread)
                walls.append(wall)
                analysis = next(step for step in body["steps"] if step["name"] == "analysis")
                if analysis.get("source") == "llm":
                    over.append(wall - 2 * latency * 1000)
        rss = rss_mb(app.pid)
    finally:
        app.terminate()
        app.wait(timeout=20)
        fake.terminate()
        fake.wait(timeout=10)
    steady = percentile(walls, 0.5)
    return {"latency_ms": latency * 1000, "n": n, "code": str(code or ROOT), "serve_up_s": round(up_s, 2),
            "models_ready_after_first_s": round(ready_s, 2), "first_draft_ms": round(first_ms, 1),
            "first_analysis_source": next(s for s in first["steps"] if s["name"] == "analysis").get("source"),
            "first_steps": {s["name"]: [s.get("started_ms"), s.get("elapsed_ms")] for s in first["steps"]},
            "steady_p50_ms": round(steady, 1), "steady_p95_ms": round(percentile(walls, 0.95), 1),
            "first_over_steady": round(first_ms / steady, 2),
            "overhead_p50_ms": round(percentile(over, 0.5), 1), "overhead_p95_ms": round(percentile(over, 0.95), 1),
            "llm_analyses": len(over), "rss_mb": round(rss, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--code", type=Path, default=None, help="run this checkout's code (default: this one)")
    parser.add_argument("--label", default="after")
    args = parser.parse_args()
    row = asyncio.run(run(args.latency, args.n, args.code))
    print(f"\nfirst draft vs steady ({args.label}), L = {row['latency_ms']:.0f} ms, parallel ideal 2L")
    print(f"{'first':>9} {'steady p50':>11} {'p95':>8} {'ratio':>6} {'(bar 1.5, goal 1.2)':>20} "
          f"{'overhead p50':>13} {'p95':>7} {'RSS':>8}")
    print(f"{row['first_draft_ms']:>7.0f}ms {row['steady_p50_ms']:>9.0f}ms {row['steady_p95_ms']:>6.0f}ms "
          f"{row['first_over_steady']:>6.2f} {'':>20} {row['overhead_p50_ms']:>11.1f}ms "
          f"{row['overhead_p95_ms']:>5.1f}ms {row['rss_mb']:>6.0f}MB")
    print(f"  overhead ratio vs bar 40 ms: {row['overhead_p50_ms'] / 40:.2f}x; vs goal 25 ms: "
          f"{row['overhead_p50_ms'] / 25:.2f}x; first analysis from {row['first_analysis_source']}; "
          f"models ready {row['models_ready_after_first_s']} s after the first draft")
    out = ROOT / "perf" / "results" / f"bench_first_draft_{args.label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(row, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
