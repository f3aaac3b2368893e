"""POST /run-template end to end vs the full offline and stub-LLM paths, on the 100 sample threads.

    python perf/bench_template.py [--rounds 3] [--latency 0.3] [--llm-threads 20] [--no-llm]

Every request goes over loopback HTTP to bot.server.build_web_app (aiohttp TestServer), one at a
time, with `use_cache: false` so each path does its real work. Paths:

    template             POST /run-template, offline (no LLM key)
    template+workflow    POST /run-parallel with use_templates, offline
    offline              POST /run-parallel, offline heuristics (the full offline path)
    template (LLM set)   POST /run-template with an LLM configured: still no LLM call
    stub-LLM             POST /run-parallel against tests/fakes/openai_server.py (own process,
                         fixed latency per call; crew backends)

Target: template p50 <= 15 ms. Ratios are each path's p50 over the template p50, measured in one
run. Writes perf/results/bench_template.json.
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

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

import engine.steps.crew.env  # noqa: E402,F401  (crewai environment before crewai is imported)
from bot.server import build_web_app  # noqa: E402
from bot.settings import Settings  # noqa: E402
from engine.build import build_engine  # noqa: E402
from perf.common import percentile as pct  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "samples" / "threads.jsonl"
TARGET_P50_MS = 15.0


def load_rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]


def body_for(row: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"conversation_thread": row["thread"], "channel": row["channel"], "use_cache": False, **extra}


async def measure(settings: Settings, path: str, bodies: list[dict[str, Any]], *, rounds: int,
                  warmup: int = 5) -> dict[str, Any]:
    """Latency of `path` over loopback HTTP for every body, `rounds` times; checks every answer."""
    app = build_web_app(settings, engine=build_engine(settings))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        for body in bodies[:warmup]:
            response = await client.post(path, json=body)
            assert response.status == 200, await response.text()
        walls: list[float] = []
        sources: dict[str, int] = {}
        for _ in range(rounds):
            for body in bodies:
                started = time.perf_counter()
                response = await client.post(path, json=body)
                payload = await response.json()
                walls.append((time.perf_counter() - started) * 1000)
                assert response.status == 200, payload
                source = payload["steps"][2]["source"] or "failed"
                sources[source] = sources.get(source, 0) + 1
    return {"path": path, "n": len(walls), "p50_ms": round(pct(walls, 0.5), 2),
            "p95_ms": round(pct(walls, 0.95), 2), "p99_ms": round(pct(walls, 0.99), 2),
            "reply_sources": sources}


def start_fake(latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.openai_server", "--latency", str(latency)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}/v1"


def selection_accuracy(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """How often the selected template is one for the labelled intent (offline analysis)."""
    from engine.models import DraftRequest
    from engine.settings import EngineSettings
    from engine.steps.heuristics import analyse_thread
    from engine.templates.library import Templates

    templates = Templates.load(EngineSettings())
    right = 0
    by_role: dict[str, list[int]] = {}
    for row in rows:
        request = DraftRequest(conversation_thread=row["thread"], channel=row["channel"])
        selection = templates.select(request, profile=None, analysis=analyse_thread(row["thread"]))
        ok = int(selection.template is not None and row["intent"] in selection.template.meta.intents)
        right += ok
        by_role.setdefault(row["role"], []).append(ok)
    return {"accuracy": round(right / len(rows), 3), "n": len(rows),
            "by_role": {role: round(sum(v) / len(v), 3) for role, v in by_role.items()}}


def print_table(result: dict[str, Any]) -> None:
    base = result["paths"]["template"]["p50_ms"]
    print(f"\nPOST end to end over loopback, {result['threads']} sample threads x {result['rounds']} rounds "
          f"(stub LLM: {result['stub_latency_ms']:g} ms per call, {result['llm_threads']} threads)")
    print(f"{'path':<22}{'n':>5}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'x template':>12}  reply sources")
    for name, row in result["paths"].items():
        ratio = row["p50_ms"] / base if base else float("nan")
        print(f"{name:<22}{row['n']:>5}{row['p50_ms']:>10}{row['p95_ms']:>10}{row['p99_ms']:>10}{ratio:>12.1f}  "
              f"{row['reply_sources']}")
    verdict = "meets" if base <= TARGET_P50_MS else "MISSES"
    print(f"template p50 {base} ms {verdict} the {TARGET_P50_MS:g} ms target "
          f"(ideal: 0 ms of work beyond HTTP; ratio vs target {base / TARGET_P50_MS:.2f})")
    accuracy = result["selection"]
    print(f"template selection accuracy on labelled intents: {accuracy['accuracy']:.1%} of {accuracy['n']} "
          f"(by role: {accuracy['by_role']})")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.3, help="stub LLM seconds per call")
    parser.add_argument("--llm-threads", type=int, default=20, help="threads sent down the stub-LLM path")
    parser.add_argument("--no-llm", action="store_true", help="skip the stub-LLM paths")
    options = parser.parse_args()
    rows = load_rows()
    bodies = [body_for(row) for row in rows]
    result: dict[str, Any] = {"threads": len(rows), "rounds": options.rounds, "target_p50_ms": TARGET_P50_MS,
                              "stub_latency_ms": options.latency * 1000, "llm_threads": options.llm_threads,
                              "paths": {}}
    with tempfile.TemporaryDirectory() as tmp:
        offline = Settings(data_dir=Path(tmp) / "offline", rate_limit_per_minute=10**9, _env_file=None)
        paths = result["paths"]
        paths["template"] = await measure(offline, "/run-template", bodies, rounds=options.rounds)
        paths["template+workflow"] = await measure(offline, "/run-parallel",
                                                   [body_for(r, use_templates=True) for r in rows],
                                                   rounds=options.rounds)
        paths["offline"] = await measure(offline, "/run-parallel", bodies, rounds=options.rounds)
        if not options.no_llm:
            proc, base_url = start_fake(options.latency)
            try:
                online = Settings(data_dir=Path(tmp) / "llm", openai_api_key="sk-bench", openai_base_url=base_url,
                                  rate_limit_per_minute=10**9,
                                  _env_file=None)
                paths["template (LLM set)"] = await measure(online, "/run-template", bodies, rounds=1)
                few = bodies[:options.llm_threads]
                paths["stub-LLM"] = await measure(online, "/run-parallel", few, rounds=1, warmup=2)
            finally:
                proc.terminate()
                proc.wait(timeout=10)
    result["selection"] = selection_accuracy(rows)
    print_table(result)
    out = ROOT / "perf" / "results" / "bench_template.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
