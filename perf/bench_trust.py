"""Trust benchmark: semantic reuse and offline reading, measured out of sample (issue 12).

    python perf/bench_trust.py [--shuffles 5] [--label after] [--threshold T] [--verifier-threshold V]

Sets (perf/trust_sets.py): `tuning` (half of the shared samples, by situation; thresholds are chosen
here), `held` (the other half) and `new` (our own 64 threads in perf/data/held_new.jsonl). Per set:

- replay through the semantic cache exactly as `replycrew cache replay` does (fresh store, one scope,
  look up then store each thread), in `--shuffles` seeded orders. Labels are read only afterwards:
  a hit is *wrong* when the matched thread belongs to another group (a hard negative is its own
  group); *reuse* = hits on a same-group thread / threads whose group was already stored;
- offline reading: the offline analysis step's intent against the label (accuracy), `general` counted
  as wrong but never as a flip; a *flip* reads a decline (not interested, unsubscribe, budget) as a
  go-ahead (meeting, trial, pricing) or the reverse;
- lookup latency p50/p95 (ms) over every lookup of every shuffle;
- offline reading latency p50/p95 (ms): the analysis step per thread (one embedder call, the intent
  model, the rules' facts), models already loaded.

Prints one table, writes perf/results/bench_trust_<label>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402,F401  (offline model environment before sentence-transformers loads)
from perf.common import percentile as pct  # noqa: E402
from perf.trust_sets import DECLINE, GO_AHEAD, SETS, load_set  # noqa: E402

RESULTS = ROOT / "perf" / "results"


async def replay_once(rows: list[dict[str, Any]], *, seed: int, options: dict[str, Any]) -> dict[str, Any]:
    from engine.cache.replay import replay

    order = list(rows)
    random.Random(seed).shuffle(order)
    group_of = {row["id"]: row["group"] for row in rows}
    seen: set[str] = set()
    eligible = reused = wrong = 0
    wrong_pairs: list[str] = []
    lookups: list[float] = []
    async for line in replay(order, **options):
        group = group_of[line["id"]]
        lookups.append(line["lookup_ms"])
        had_group = group in seen
        eligible += had_group
        if line["decision"] == "hit" and line["matched_id"] is not None:
            if group_of[line["matched_id"]] == group:
                reused += 1
            else:
                wrong += 1
                wrong_pairs.append(f"{line['id']}<-{line['matched_id']}")
        seen.add(group)
    return {"seed": seed, "eligible": eligible, "reused": reused, "wrong": wrong, "wrong_pairs": wrong_pairs,
            "lookup_ms": lookups}


async def intents(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from engine.meaning.models import get_models
    from engine.settings import EngineSettings
    from engine.steps.offline import offline_backends

    analysis = offline_backends(EngineSettings()).analysis
    await get_models().warm()  # reading latency is measured with the models loaded, as on a warm server
    right = flips = general = 0
    misses: list[str] = []
    reading_ms: list[float] = []
    for row in rows:
        started = time.perf_counter()
        got = (await analysis.analyse(row["thread"])).intent
        reading_ms.append((time.perf_counter() - started) * 1000)
        want = row["intent"]
        right += got == want
        general += got == "general"
        if (want in DECLINE and got in GO_AHEAD) or (want in GO_AHEAD and got in DECLINE):
            flips += 1
            misses.append(f"FLIP {row['id']}: {want} -> {got}")
        elif got != want:
            misses.append(f"{row['id']}: {want} -> {got}")
    return {"accuracy": right / len(rows), "flips": flips, "general": general, "misses": misses,
            "reading_ms": reading_ms}


async def bench_set(name: str, *, shuffles: int, options: dict[str, Any]) -> dict[str, Any]:
    rows = load_set(name)
    runs = [await replay_once(rows, seed=seed, options=options) for seed in range(shuffles)]
    eligible = sum(run["eligible"] for run in runs)
    lookups = [ms for run in runs for ms in run["lookup_ms"]]
    reading = await intents(rows)
    return {
        "set": name, "threads": len(rows), "shuffles": shuffles,
        "reuse": sum(run["reused"] for run in runs) / eligible if eligible else 0.0,
        "reuse_per_shuffle": [round(run["reused"] / max(run["eligible"], 1), 3) for run in runs],
        "wrong_hits": sum(run["wrong"] for run in runs),
        "wrong_pairs": sorted({pair for run in runs for pair in run["wrong_pairs"]}),
        "intent_accuracy": reading["accuracy"], "flips": reading["flips"], "read_as_general": reading["general"],
        "intent_misses": reading["misses"],
        "reading_p50_ms": pct(reading["reading_ms"], 0.5), "reading_p95_ms": pct(reading["reading_ms"], 0.95),
        "lookup_p50_ms": pct(lookups, 0.5), "lookup_p95_ms": pct(lookups, 0.95),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--shuffles", type=int, default=5)
    parser.add_argument("--label", default="after")
    parser.add_argument("--threshold", type=float, default=None, help="default: SEMANTIC_SIMILARITY_THRESHOLD")
    parser.add_argument("--verifier-threshold", type=float, default=None,
                        help="default: SEMANTIC_VERIFIER_THRESHOLD")
    parser.add_argument("--sets", default=",".join(SETS))
    args = parser.parse_args()
    from engine.settings import EngineSettings

    settings = EngineSettings()
    options: dict[str, Any] = {"threshold": args.threshold if args.threshold is not None
                               else settings.semantic_similarity_threshold}
    verifier_threshold = args.verifier_threshold if args.verifier_threshold is not None else getattr(
        settings, "semantic_verifier_threshold", None)
    if verifier_threshold is not None:
        options["verifier_threshold"] = verifier_threshold
    started = time.perf_counter()
    results = [asyncio.run(bench_set(name, shuffles=args.shuffles, options=options))
               for name in args.sets.split(",")]
    print(f"\ntrust benchmark ({args.label}): {args.shuffles} shuffles, options {options}")
    print(f"{'set':8} {'threads':>7} {'reuse':>6} {'wrong':>6} {'intent':>7} {'flips':>6} {'general':>8} "
          f"{'lookup p50':>11} {'p95':>7} {'reading p50':>12} {'p95':>7}")
    for r in results:
        print(f"{r['set']:8} {r['threads']:>7} {r['reuse']:>6.2f} {r['wrong_hits']:>6} "
              f"{r['intent_accuracy']:>7.2f} {r['flips']:>6} {r['read_as_general']:>8} "
              f"{r['lookup_p50_ms']:>9.1f}ms {r['lookup_p95_ms']:>5.1f}ms "
              f"{r['reading_p50_ms']:>10.1f}ms {r['reading_p95_ms']:>5.1f}ms")
    for r in results:
        if r["wrong_pairs"]:
            print(f"  {r['set']} wrong hits: {', '.join(r['wrong_pairs'])}")
        print(f"  {r['set']} intent misses: {'; '.join(r['intent_misses']) or 'none'}")
    # Ratios against the bars: wrong hits 0, reuse >= 0.25, intent >= 0.8, flips 0.
    for r in results:
        print(f"  {r['set']}: reuse/bar {r['reuse'] / 0.25:.2f}x, intent/bar {r['intent_accuracy'] / 0.8:.2f}x")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bench_trust_{args.label}.json"
    out.write_text(json.dumps({"label": args.label, "options": options, "sets": results,
                               "seconds": round(time.perf_counter() - started, 1)}, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
