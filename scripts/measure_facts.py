"""What each hard-fact rule refuses on the training pairs, with no model: per series and per kind of fact.

    .venv/bin/python scripts/measure_facts.py [--label after] [--compare perf/results/facts_before.json]
                                              [--show KIND] [--sources pairs_written,tuning]
                                              [--groups "read=c,t,u,v,z,w,x,s;set aside=r,q,k,m,l"]

Reads only training data, as scripts/measure_gates.py does (the same threads and pairs: every two threads
of a group are a paraphrase pair, each hard negative is paired with every thread of its anchor's group).
Unlike measure_gates it runs no embedder, intent model or verifier: it compares the facts of EVERY pair
(engine/meaning/facts.py `fact_differences`), wherever the candidate stage would stand, so a rule's cost
and catch are seen whole. For each series and kind of fact it prints
  - `refused`: paraphrase pairs that this kind finds different (the true pairs it costs),
  - `caught`: hard-negative pairs that this kind finds different,
  - `alone`: hard-negative pairs that ONLY this kind finds different (what loosening it would let through
    to the verifier).
With --compare, the same numbers before -> after, and every pair whose verdict changed. With --groups,
one markdown table per group of series (the letters of the threads' ids; `tuning` for the samples): per
kind of fact the paraphrase pairs refused and the hard-negative pairs caught, and per kind of hard negative
how many any fact catches (rules written reading one group can be reported on another). Writes
perf/results/facts_<label>.json.
"""

from __future__ import annotations

import argparse
import functools
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


def _letter(series: str) -> str:
    """The writer's series of a measure_gates source: `pairs_written` is t, `pairs_written_c` is c."""
    return "tuning" if series == "tuning" else "t" if series == "pairs_written" else series.rsplit("_", 1)[-1]


def group_rows(pairs: dict[str, Any], members: set[str]) -> dict[str, Counter[str]]:
    """For the pairs of these series: `refused`/`caught` per fact kind (and `any`), `negatives`/`total` per
    kind of hard negative, and the pair totals under `pairs`."""
    rows: dict[str, Counter[str]] = {"refused": Counter(), "caught": Counter(), "negatives": Counter(),
                                     "total": Counter(), "pairs": Counter()}
    for item in pairs.values():
        if _letter(item["series"]) not in members:
            continue
        paraphrase = item["label"] == "paraphrase"
        rows["pairs"]["paraphrase" if paraphrase else "negative"] += 1
        for kind in [*item["kinds"], *(["any"] if item["kinds"] else [])]:
            rows["refused" if paraphrase else "caught"][kind] += 1
        if not paraphrase:
            rows["total"][item["label"]] += 1
            rows["negatives"][item["label"]] += bool(item["kinds"])
    return rows


def _cell(rows: dict[str, Counter[str]], old: dict[str, Counter[str]] | None, table: str, key: str) -> str:
    return str(rows[table][key]) if old is None else f"{old[table][key]} -> {rows[table][key]}"


def print_groups(now: dict[str, Any], before: dict[str, Any] | None, groups: str) -> None:
    """One markdown table per group ("name=letters;name=letters"), each cell before -> after with `before`."""
    for spec in filter(None, groups.split(";")):
        name, letters = spec.split("=", 1)
        members = {letter.strip() for letter in letters.split(",")}
        rows, old = group_rows(now, members), group_rows(before or {}, members)
        cell = functools.partial(_cell, rows, old if before is not None else None)

        print(f"\n### {name} ({','.join(sorted(members))}): {rows['pairs']['paraphrase']} paraphrase pairs, "
              f"{rows['pairs']['negative']} hard-negative pairs\n")
        print("| fact kind | paraphrase pairs refused | hard-negative pairs caught |\n|---|---|---|")
        kinds = {*rows["refused"], *rows["caught"], *old["refused"], *old["caught"]}
        for kind in sorted(kinds, key=lambda k: (k != "any", k)):
            print(f"| {kind} | {cell('refused', kind)} | {cell('caught', kind)} |")
        print("\n| hard negative | caught by any fact |\n|---|---|")
        for label in sorted(rows["total"]):
            print(f"| {label} | {cell('negatives', label)} of {rows['total'][label]} |")


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
    parser.add_argument("--groups", default="", help='markdown tables per group: "read=c,t,u;set aside=r,q"')
    args = parser.parse_args()
    pairs = measure(args.sources.split(","))
    before = json.loads(args.compare.read_text("utf-8")) if args.compare else None
    print_table(table(pairs), table(before["pairs"]) if before else None)
    print_changes(pairs, before["pairs"] if before else {}, show=args.show)
    if args.groups:
        print_groups(pairs, before["pairs"] if before else None, args.groups)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"facts_{args.label}.json"
    out.write_text(json.dumps({"label": args.label, "table": table(pairs), "pairs": pairs}, indent=1) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
