"""Trust benchmark: semantic reuse and offline reading, measured out of sample (issue 12).

    python perf/bench_trust.py [--shuffles 5] [--label after] [--threshold T] [--verifier-threshold V]

Sets (perf/trust_sets.py): `tuning` (half of the shared samples, by situation; thresholds are chosen
here), `held` (the other half), `new` (our own 64 threads in perf/data/held_new.jsonl), `fresh` and
`blind` (written by people who saw neither the models nor the other sets). Per set:

- replay through the semantic cache exactly as `replycrew cache replay` does (fresh store, one scope,
  look up then store each thread), in `--shuffles` seeded orders. Labels are read only afterwards:
  a hit is *wrong* when the matched thread belongs to another group (a hard negative is its own
  group); *reuse* = hits on a same-group thread / threads whose group was already stored;
- offline reading: the offline analysis step's intent against the label (accuracy), `general` counted
  as wrong but never as a flip; a *flip* reads a decline (not interested, unsubscribe, budget) as a
  go-ahead (meeting, trial, pricing) or the reverse;
- lookup latency p50/p95 (ms) over every lookup of every shuffle;
- which check decided each lookup whose group was already stored (the lookups reuse is counted on):
  no candidate above the cosine threshold, facts (by kind), intent readings differ, verifier score
  below its threshold, hit (right or wrong). Summed over shuffles: it says where reuse is lost;
- offline reading latency p50/p95 (ms): the analysis step per thread (one embedder call, the intent
  model, the rules' facts), models already loaded.

Prints the tables, writes perf/results/bench_trust_<label>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import Counter
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
    checks: Counter[str] = Counter()
    async for line in replay(order, **options):
        group = group_of[line["id"]]
        lookups.append(line["lookup_ms"])
        had_group = group in seen
        eligible += had_group
        if had_group:
            checks[_check_of(line, group_of, group)] += 1
        if line["decision"] == "hit" and line["matched_id"] is not None:
            if group_of[line["matched_id"]] == group:
                reused += 1
            else:
                wrong += 1
                wrong_pairs.append(f"{line['id']}<-{line['matched_id']}")
        seen.add(group)
    return {"seed": seed, "eligible": eligible, "reused": reused, "wrong": wrong, "wrong_pairs": wrong_pairs,
            "lookup_ms": lookups, "checks": dict(checks)}


def _check_of(line: dict[str, Any], group_of: dict[str, str], group: str) -> str:
    """The check that decided an eligible lookup; a hit is split into right and wrong."""
    if line["decision"] == "hit":
        return "hit" if group_of.get(line["matched_id"] or "") == group else "hit (wrong)"
    return str(line.get("check") or "miss")


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


async def verifier_ms(rows: list[dict[str, Any]], *, limit: int = 24) -> list[float]:
    """Milliseconds per pair for the verifier as a lookup runs it on a candidate that reaches it: decode
    the stored entry (JSON, base64 float16 vectors), compute the features, score (every pair is
    scored, whatever the facts and intents say). Labels are not read."""
    from engine.meaning.encoding import view_of
    from engine.meaning.facts import facts_of_view
    from engine.meaning.models import get_models

    models = get_models()
    models.load()
    seen = []
    for row in rows[:limit]:
        view = view_of(row["thread"])
        read = await models.read(view)
        facts = facts_of_view(row["thread"], view)
        seen.append((models.side(read, tokens=facts.message.words), read.reading.intent, facts))
    stored = [json.dumps({"side": s.to_json(), "facts": f.to_json(), "intent": i}) for s, i, f in seen]
    times = []
    from engine.meaning.pairs import Side

    for side, _, _ in seen:
        for raw in stored:
            started = time.perf_counter()
            models.verifier.logit(side, Side.from_json(json.loads(raw)["side"]))
            times.append((time.perf_counter() - started) * 1000)
    return times


async def bench_set(name: str, *, shuffles: int, options: dict[str, Any]) -> dict[str, Any]:
    rows = load_set(name)
    runs = [await replay_once(rows, seed=seed, options=options) for seed in range(shuffles)]
    pair_ms = await verifier_ms(rows)
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
        "verifier_pair_p50_ms": pct(pair_ms, 0.5), "verifier_pair_p95_ms": pct(pair_ms, 0.95),
        "checks": dict(sum((Counter(run["checks"]) for run in runs), Counter())), "eligible": eligible,
    }


def print_checks(results: list[dict[str, Any]]) -> None:
    """Which check decided the eligible lookups, per set (share of eligible lookups, over all shuffles)."""
    names = sorted({name for r in results for name in r["checks"]},
                   key=lambda name: (name.startswith("hit"), name.startswith("facts"), name))
    print(f"\nwhat decided the lookups whose group was already stored (share of them, {results[0]['shuffles']} "
          "shuffles):")
    print(f"{'check':22} " + " ".join(f"{r['set']:>8}" for r in results))
    print(f"{'(eligible lookups)':22} " + " ".join(f"{r['eligible']:>8}" for r in results))
    for name in names:
        print(f"{name:22} " + " ".join(f"{r['checks'].get(name, 0) / max(r['eligible'], 1):>8.2f}" for r in results))


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
          f"{'lookup p50':>11} {'p95':>7} {'reading p50':>12} {'p95':>7} {'verifier/pair p50':>18} {'p95':>6}")
    for r in results:
        print(f"{r['set']:8} {r['threads']:>7} {r['reuse']:>6.2f} {r['wrong_hits']:>6} "
              f"{r['intent_accuracy']:>7.2f} {r['flips']:>6} {r['read_as_general']:>8} "
              f"{r['lookup_p50_ms']:>9.1f}ms {r['lookup_p95_ms']:>5.1f}ms "
              f"{r['reading_p50_ms']:>10.1f}ms {r['reading_p95_ms']:>5.1f}ms "
              f"{r['verifier_pair_p50_ms']:>16.2f}ms {r['verifier_pair_p95_ms']:>4.2f}ms")
    print_checks(results)
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
