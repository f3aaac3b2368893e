"""What each hard-fact rule refuses on the training pairs, with no model: per series and per kind of fact.

    .venv/bin/python scripts/measure_facts.py [--label after] [--compare perf/results/facts_before.json]
                                              [--show KIND] [--sources pairs_written,tuning]

Reads only training data, as scripts/measure_gates.py does (the same threads and pairs: every two threads
of a group are a paraphrase pair, each hard negative is paired with every thread of its anchor's group).
Unlike measure_gates it runs no embedder, intent model or verifier: it compares the facts of EVERY pair
(engine/meaning/facts.py `fact_differences`), wherever the candidate stage would stand, so a rule's cost
and catch are seen whole. For each series and kind of fact it prints
  - `refused`: paraphrase pairs that this kind finds different (the true pairs it costs),
  - `caught`: hard-negative pairs that this kind finds different,
  - `alone`: hard-negative pairs that ONLY this kind finds different (what loosening it would let through
    to the verifier).
With --compare, the same numbers before -> after, and every pair whose verdict changed. Writes
perf/results/facts_<label>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from measure_gates import load_threads, make_pairs  # noqa: E402

from engine.meaning.encoding import view_of  # noqa: E402
from engine.meaning.facts import fact_differences, facts_of_view  # noqa: E402

RESULTS = ROOT / "perf" / "results"


def measure(sources: list[str]) -> dict[str, Any]:
    """Per pair, the kinds of fact that differ (both directions, as the cache may look up either side)."""
    threads = load_threads(sources)
    facts = [facts_of_view(item.thread, view_of(item.thread)) for item in threads]
    pairs: dict[str, Any] = {}
    for pair in make_pairs(threads):
        kinds = {check.kind for check in fact_differences(facts[pair.a], facts[pair.b])}
        kinds |= {check.kind for check in fact_differences(facts[pair.b], facts[pair.a])}
        key = f"{threads[pair.a].key}~{threads[pair.b].key}"
        pairs[key] = {"series": pair.source, "label": pair.label, "kinds": sorted(kinds)}
    return pairs


def table(pairs: dict[str, Any]) -> dict[str, dict[str, dict[str, int]]]:
    """series -> kind -> {refused, caught, alone}, plus the kind `any` and the pair totals."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for item in pairs.values():
        rows = out.setdefault(item["series"], {})
        paraphrase = item["label"] == "paraphrase"
        totals = rows.setdefault("pairs", Counter())
        totals["refused" if paraphrase else "caught"] += 1
        kinds = item["kinds"]
        if not paraphrase:  # every negative of this kind, and whether any fact catches it
            rows.setdefault(f"negatives: {item['label']}", Counter())["caught" if kinds else "missed"] += 1
        for kind in [*kinds, *(["any"] if kinds else [])]:
            row = rows.setdefault(kind, Counter())
            row["refused" if paraphrase else "caught"] += 1
            if not paraphrase and len(kinds) == 1 and kind != "any":
                row["alone"] += 1
    return {series: {kind: dict(row) for kind, row in rows.items()} for series, rows in out.items()}


def print_table(now: dict[str, Any], before: dict[str, Any] | None) -> None:
    """One block per series; with `before`, each cell as before -> after."""
    for series in now:
        rows, old = now[series], (before or {}).get(series, {})
        total = rows["pairs"]
        print(f"\n== {series}: {total.get('refused', 0)} paraphrase pairs, "
              f"{total.get('caught', 0)} hard-negative pairs")
        print(f"{'kind':26}{'paraphrases refused':>20}{'negatives caught':>18}{'by it alone':>14}{'missed':>10}")
        for kind in sorted({*rows, *old} - {"pairs"}, key=lambda k: (k.startswith("negatives"), k != "any", k)):
            cells = []
            for column in ("refused", "caught", "alone", "missed"):
                value = rows.get(kind, {}).get(column, 0)
                cells.append(f"{old.get(kind, {}).get(column, 0)} -> {value}" if before is not None else str(value))
            print(f"{kind:26}{cells[0]:>20}{cells[1]:>18}{cells[2]:>14}{cells[3]:>10}")


def print_changes(now: dict[str, Any], before: dict[str, Any], *, show: str) -> None:
    """Pairs whose verdict changed, and (with `show`) the pairs a kind refuses now."""
    for key, item in now.items():
        old = before.get(key)
        if old is None or bool(old["kinds"]) == bool(item["kinds"]):
            continue
        if item["label"] == "paraphrase":
            what = "paraphrase now agrees" if not item["kinds"] else "PARAPHRASE NOW REFUSED"
        else:
            what = "NEGATIVE NOW MISSED" if not item["kinds"] else "negative now caught"
        print(f"  {what:24} {item['label']:12} {key}  {old['kinds']} -> {item['kinds']}")
    if show:
        for key, item in now.items():
            if show in item["kinds"] and item["label"] == "paraphrase":
                print(f"  refused by {show}: {key} {item['kinds']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--label", default="after")
    parser.add_argument("--compare", type=Path, default=None, help="an earlier perf/results/facts_<label>.json")
    parser.add_argument("--show", default="", help="list the paraphrase pairs this kind refuses")
    parser.add_argument("--sources", default="pairs_written,tuning")
    args = parser.parse_args()
    pairs = measure(args.sources.split(","))
    before = json.loads(args.compare.read_text("utf-8")) if args.compare else None
    print_table(table(pairs), table(before["pairs"]) if before else None)
    print_changes(pairs, before["pairs"] if before else {}, show=args.show)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"facts_{args.label}.json"
    out.write_text(json.dumps({"label": args.label, "table": table(pairs), "pairs": pairs}, indent=1) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
