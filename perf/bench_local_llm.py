"""Per step, tokens and seconds against a real local LLM: llama-cpp-python's server with Gemma 3 270M.

    REPLYCREW_E2E_PYTHON=/tmp/replycrew-e2e-venv/bin/python python perf/bench_local_llm.py [-n 3] [--label after]

Needs the venv `make e2e` builds (llama-cpp-python[server]==0.3.36 from source, ~10 minutes on 2
cores, and the packaged model); without REPLYCREW_E2E_PYTHON it says so and exits 0, so `make
bench` stays runnable on a machine without it. Each run drafts one thread (three threads in turn)
in sequential mode, so the server answers one call at a time and each call's time is its own.

Per step: how often it came back from the LLM, the answer's tokens (completion_tokens) p50/p95
against the step's output cap (the ideal: an answer that ends well before the cap; 1.0 = cut off
at the cap), and seconds p50/p95 (the step's time, json_schema refusal and fallback included).

Writes perf/results/bench_local_llm[-LABEL].json. Before/after: run it in a checkout of the commit
before bounded local schemas with `--label before` (copy this file and tests/e2e/llama_server.py in).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402,F401  (crewai environment first)
from engine.llm_events import LLMCallEvent, add_listener, remove_listener  # noqa: E402
from engine.models import DraftRequest  # noqa: E402
from engine.settings import EngineSettings  # noqa: E402
from engine.steps.crew.families import STEP_CAPS  # noqa: E402
from engine.workflow import Engine  # noqa: E402
from perf.common import percentile as pct  # noqa: E402
from tests.e2e.llama_server import MODEL_ALIAS, llama_cpp_server  # noqa: E402

STEPS = ("profile", "analysis", "reply")
THREADS: list[tuple[str, str]] = [
    ("email", "Rep (Ana Ruiz): Thanks for the call, Tom.\n"
              "Tom Becker: Can you send pricing for 12 seats? We need SOC 2 before next quarter."),
    ("linkedin", "Rep (Jordan Lee): Hi Mateus, worth a quick look?\n"
                 "Mateus Oliveira: We run 40 vehicles. Do you have a case study from a logistics company?"),
    ("slack", "Rep (Sam Park): Following up on the trial.\n"
              "Priya Nair: Not right now, budgets are frozen until Q3. Ping me then?"),
]


async def run(base_url: str, n: int) -> list[dict[str, Any]]:
    runs = []
    for index in range(n):
        channel, thread = THREADS[index % len(THREADS)]
        with tempfile.TemporaryDirectory() as data:
            settings = EngineSettings(openai_base_url=base_url, llm_model=MODEL_ALIAS, data_dir=Path(data),
                                      step_timeout_s=600, llm_timeout_s=600, llm_max_retries=0,
                                      _env_file=None)  # type: ignore[call-arg]
            calls: list[LLMCallEvent] = []
            add_listener(calls.append)
            try:
                result = await Engine(settings).run(DraftRequest(conversation_thread=thread, channel=channel,
                                                                 mode="sequential"), scope="bench", use_cache=False)
            finally:
                remove_listener(calls.append)
        steps = {s.name: s for s in result.steps}
        # Sequential mode: one call per step, in step order.
        row = {name: {"llm": steps[name].status == "ok" and steps[name].source == "llm",
                      "seconds": steps[name].elapsed_ms / 1000, "error": steps[name].error,
                      "tokens": _tokens(calls[i] if i < len(calls) else None, STEP_CAPS[name])}
               for i, name in enumerate(STEPS)}
        print(f"run {index + 1}/{n} ({channel}): " + ", ".join(
            f"{k} {'llm' if v['llm'] else 'FAILED'} {v['tokens']} tok {v['seconds']:.1f} s" for k, v in row.items()),
            flush=True)
        runs.append(row)
    return runs


def _tokens(call: LLMCallEvent | None, cap: int) -> int:
    """The answer's tokens; a failed call reports none, but one cut off at the cap had used it all."""
    if call is None:
        return 0
    return call.completion_tokens if call.ok else (cap if call.cause == "truncated" else 0)


def table(runs: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    print(f"\n{'step':<9} {'from LLM':>8} {'tokens p50':>10} {'p95':>5} {'cap':>5} {'p50/cap':>7} "
          f"{'seconds p50':>11} {'p95':>6}")
    for name in STEPS:
        tokens = [float(r[name]["tokens"]) for r in runs]
        seconds = [r[name]["seconds"] for r in runs]
        ok = sum(r[name]["llm"] for r in runs)
        row = {"from_llm": ok, "runs": len(runs), "tokens_p50": pct(tokens, 0.5), "tokens_p95": pct(tokens, 0.95),
               "cap": STEP_CAPS[name], "seconds_p50": pct(seconds, 0.5), "seconds_p95": pct(seconds, 0.95)}
        summary[name] = row
        print(f"{name:<9} {ok:>4}/{len(runs):<3} {row['tokens_p50']:>10.0f} {row['tokens_p95']:>5.0f} "
              f"{row['cap']:>5} {row['tokens_p50'] / row['cap']:>7.2f} {row['seconds_p50']:>11.1f} "
              f"{row['seconds_p95']:>6.1f}")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3, help="drafts (threads taken in turn)")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    python = os.environ.get("REPLYCREW_E2E_PYTHON", "")
    if not python:
        print("bench_local_llm: skipped; set REPLYCREW_E2E_PYTHON to the venv `make e2e` builds")
        return
    with llama_cpp_server(python) as base_url:
        runs = asyncio.run(run(base_url, args.n))
    out = ROOT / "perf" / "results" / f"bench_local_llm{'-' + args.label if args.label else ''}.json"
    out.write_text(json.dumps({"model": MODEL_ALIAS, "server": "llama-cpp-python 0.3.36", "runs": runs}, indent=2))
    summary = table(runs)
    out.write_text(json.dumps({"model": MODEL_ALIAS, "server": "llama-cpp-python 0.3.36", "runs": runs,
                               "steps": summary}, indent=2))
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
