"""Which gate refuses each training pair before the verifier sees it: the candidate stage or the facts.

    .venv/bin/python scripts/measure_gates.py [--memo FILE] [--label before] [--show N] [--sources written,tuning]
                                              [--dual]

Reads only training data: scripts/data/pairs_written*.jsonl (each file a source of its own, so threads
that landed later are reported apart) and the tuning half of the shared samples. Pairs:
  - paraphrase: every two threads of one group (same situation, meaning and facts, other words);
  - hard negative: each hard negative (`tNNN-n1`) against every thread of its anchor's group, with its
    kind from scripts/data/pairs_written_kinds.tsv (`samples` for the tuning half, which has none).
For each pair, the gates in the cache's order: the candidate stage (cosine of the message views at least
`--threshold`, and within the top `--top-k` of the other thread's source in one direction at least),
then the exact facts (engine/meaning/facts.py, the first kind that differs), then the committed intents
and the shipped verifier at its threshold. Prints per gate and fact kind the paraphrase pairs refused and
the hard negatives caught (by kind), the fact sets of refused paraphrases side by side (`--show`), and
candidate recall per cosine threshold and top-k for several candidate scores. --dual: the intent gate of
the dual-gate cache (issue 12 session 7): the shipped fine-tuned mix reader must commit to one intent on
both threads as well (its layer-4 states memoised in FILE.lower4.npz beside --memo). Writes
perf/results/gates_<label>.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from memo_embedder import MemoEmbedder  # noqa: E402

import engine  # noqa: E402,F401  (offline model environment)
from engine.cache.signature import _TOKEN, _h, clean_message  # noqa: E402
from engine.meaning.encoding import Encoded, encode_views, view_of  # noqa: E402
from engine.meaning.facts import Facts, facts_agree, facts_of_view  # noqa: E402
from engine.meaning.intent import DECLINE, GO_AHEAD, IntentModel  # noqa: E402
from engine.meaning.pairs import Side  # noqa: E402
from engine.meaning.verifier import PairVerifier  # noqa: E402
from perf.trust_sets import load_set, situation  # noqa: E402

DATA = ROOT / "scripts" / "data"
RESULTS = ROOT / "perf" / "results"


@dataclass(frozen=True)
class Thread:
    key: str
    source: str
    group: str
    situation: str
    kind: str  # the hard-negative kind, "" for anchors and paraphrases
    thread: str


@dataclass
class Pair:
    a: int
    b: int
    label: str       # "paraphrase" or the hard-negative kind
    source: str
    cosine: float = 0.0
    in_top: bool = False
    facts: str = ""    # "" when the facts agree, else "facts:<kind>"
    conflict: bool = False  # the facts differ where both sides name a fact of that kind
    gate: str = ""     # the first gate that refuses: candidate, facts:<kind>, intent, verifier, or "" (served)


def load_threads(sources: list[str]) -> list[Thread]:
    kinds = {}
    for line in (DATA / "pairs_written_kinds.tsv").read_text("utf-8").splitlines():
        if line and not line.startswith(("#", "id\t")):
            key, kind = line.split("\t")[:2]
            kinds[key] = kind
    out = []
    files = dict.fromkeys(s if s == "tuning" or (DATA / f"{s}.jsonl").exists() else "pairs_written" for s in sources)
    for source in files:
        rows = load_set("tuning") if source == "tuning" else [
            json.loads(line) for line in (DATA / f"{source}.jsonl").read_text("utf-8").splitlines() if line.strip()]
        for row in rows:
            negative = row["group"] != situation(row["group"])
            kind = (kinds.get(row["group"], "unlabelled") if source != "tuning" else "samples") if negative else ""
            # Threads that landed later (u001, v001: other writers) are reported apart from the first 650 (t001).
            origin = f"{source}_{row['id'][0]}" if source == "pairs_written" and row["id"][0] != "t" else source
            if origin not in sources and source not in sources:
                continue
            out.append(Thread(f"{origin}:{row['id']}", origin, f"{origin}:{row['group']}",
                              f"{origin}:{situation(row['group'])}", kind, row["thread"]))
    return out


def make_pairs(threads: list[Thread]) -> list[Pair]:
    by_group: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(threads):
        by_group[item.group].append(index)
    pairs = []
    for members in by_group.values():
        first = threads[members[0]]
        if first.kind:  # a hard negative against every thread of its anchor's group
            for n in members:
                for m in by_group.get(first.situation, []):
                    pairs.append(Pair(m, n, first.kind, first.source))
            continue
        pairs += [Pair(x, y, "paraphrase", first.source) for i, x in enumerate(members) for y in members[i + 1:]]
    return pairs


def fact_lines(item: Thread, facts: Facts) -> str:
    """The facts of a thread, readable (entity hashes turned back into the message's words)."""
    text = clean_message(item.thread).text
    words = {_h(w): w for w in _TOKEN.findall(text)}
    words.update({_h(w[:-1]): w[:-1] for w in _TOKEN.findall(text) if w[:-1].isupper() and w.endswith("s")})
    sig = facts.message
    parts = [f"{name}={sorted(getattr(sig, name))}" for name in ("numbers", "times", "standards", "roles", "regions")
             if getattr(sig, name)]
    if sig.entities:
        parts.append(f"entities={sorted(words.get(h, h) for h in sig.entities)}")
    if facts.lengths:
        parts.append(f"durations={sorted(facts.lengths)}")
    if facts.context is not None:
        ctx = facts.context
        parts.append("question:" + ",".join(f"{n}={sorted(getattr(ctx, n))}" for n in ("numbers", "times",
                                                                                        "standards", "roles")
                                             if getattr(ctx, n)))
    return "; ".join(parts) or "-"


def conflicting(a: Facts, b: Facts) -> bool:
    """Whether the facts differ where both sides name a fact of the kind (not only one side naming it):
    the refusals a "present on one side only agrees" policy would keep."""
    def clash(x: frozenset[str], y: frozenset[str]) -> bool:
        return bool(x) and bool(y) and x != y

    sides = [(a.message, b.message)] + ([(a.context, b.context)] if a.context and b.context else [])
    for one, other in sides:
        if any(clash(getattr(one, slot), getattr(other, slot))
               for slot in ("numbers", "times", "standards", "roles", "regions")):
            return True
        known, other_known = (x.words | getattr(x, "forms", frozenset()) for x in (one, other))
        if one.entities and other.entities and (not one.entities <= other_known or not other.entities <= known):
            return True
    return clash(a.lengths, b.lengths)


def scores(encoded: list[Encoded]) -> dict[str, np.ndarray]:
    """Candidate scores between every two threads: the message view, and alternatives."""
    message = np.stack([e.message for e in encoded])
    rows = [e.sentences if len(e.sentences) else e.message[None, :] for e in encoded]
    n = len(encoded)
    best_sentence = np.zeros((n, n), dtype=np.float32)
    mean_align = np.zeros((n, n), dtype=np.float32)
    for i in range(n):
        for j in range(i, n):
            sims = rows[i] @ rows[j].T
            best_sentence[i, j] = best_sentence[j, i] = sims.max()
            mean_align[i, j] = mean_align[j, i] = (sims.max(axis=1).mean() + sims.max(axis=0).mean()) / 2
    cos = message @ message.T
    return {"message": cos, "max(message,sentence)": np.maximum(cos, best_sentence),
            "sentence align": mean_align, "max(message,align)": np.maximum(cos, mean_align)}


def in_top(score: np.ndarray, threads: list[Thread], a: int, b: int, k: int) -> bool:
    """b among a's k nearest threads of its source, or a among b's (the later one looks up the other)."""
    def rank(q: int, t: int) -> int:
        same = [i for i, item in enumerate(threads) if item.source == threads[q].source and i != q]
        return int((score[q, same] > score[q, t]).sum())
    return rank(a, b) < k or rank(b, a) < k


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--memo", type=Path, default=None)
    parser.add_argument("--label", default="before")
    parser.add_argument("--threshold", type=float, default=0.60)
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--dual", action="store_true", help="the dual intent gate (LR and fine-tuned mix reader)")
    parser.add_argument("--show", type=int, default=0, help="print the facts of this many refused paraphrases")
    parser.add_argument("--sources", default="pairs_written,tuning",
                        help="files of scripts/data and `tuning`; pairs_written_u: the u threads of pairs_written")
    args = parser.parse_args()
    sources = args.sources.split(",")
    threads = load_threads(sources)
    views = [view_of(item.thread) for item in threads]
    facts = [facts_of_view(item.thread, view) for item, view in
             zip(threads, views, strict=True)]
    encoded = encode_views(MemoEmbedder(args.memo), views)  # type: ignore[arg-type]
    intent, verifier = IntentModel.load(), PairVerifier.load()
    sides, committed = [], []
    for enc, fact in zip(encoded, facts, strict=True):
        probabilities = intent.message_probabilities(enc)
        mass = dict(zip(intent.labels, probabilities.tolist(), strict=True))
        sides.append(Side.of(enc, probabilities, version=verifier.version,
                             decline=sum(mass.get(k, 0.0) for k in DECLINE),
                             go_ahead=sum(mass.get(k, 0.0) for k in GO_AHEAD), tokens=fact.message.words))
        committed.append(intent.decide(probabilities)[0])
    if args.dual:  # the fine-tuned mix reader's commitments (the shipped weights, as the cache reads)
        committed_ft = mix_commitments(encoded, views, args.memo)
        committed = [f"{lr}|{ft}" if "general" not in (lr, ft) else "general"
                     for lr, ft in zip(committed, committed_ft, strict=True)]
    candidate_scores = scores(encoded)
    cos = candidate_scores["message"]
    pairs = make_pairs(threads)
    for pair in pairs:
        pair.cosine = float(cos[pair.a, pair.b])
        pair.in_top = in_top(cos, threads, pair.a, pair.b, args.top_k)
        checked = facts_agree(facts[pair.a], facts[pair.b])
        pair.facts = "" if checked.ok else f"facts:{checked.kind}"
        pair.conflict = not checked.ok and conflicting(facts[pair.a], facts[pair.b])
        if pair.cosine < args.threshold or not pair.in_top:
            pair.gate = "candidate"
        elif pair.facts:
            pair.gate = pair.facts
        elif committed[pair.a] != committed[pair.b] or "general" in (committed[pair.a], committed[pair.b]):
            pair.gate = "intent"
        elif 1 / (1 + np.exp(-verifier.logit(sides[pair.a], sides[pair.b]))) < verifier.threshold:
            pair.gate = "verifier"
    report: dict[str, Any] = {"label": args.label, "threshold": args.threshold, "top_k": args.top_k}
    for source in dict.fromkeys(item.source for item in threads):
        chosen = [p for p in pairs if p.source == source]
        report[source] = print_tables(source, chosen, threads, facts, show=args.show)
    report["recall"] = print_recall(pairs, threads, candidate_scores, args.top_k)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"gates_{args.label}.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


def mix_commitments(encoded: list[Encoded], views: list[Any], memo: Path | None) -> list[str]:
    """The shipped fine-tuned mix reader's committed intent for each thread."""
    from ft_intent_lora import base_state, lower_states

    from engine.meaning.finetuned import FinetunedIntent

    reader = FinetunedIntent.load()
    reader.bind(base_state())
    states = lower_states([view.embedded for view in views], start=reader.start,
                          memo=memo.with_suffix(".lower4.npz") if memo else None)
    out = []
    for enc, view in zip(encoded, views, strict=True):
        probabilities = reader.message_probabilities(dataclasses.replace(enc, states=states[view.embedded]
                                                                         .astype(np.float32)))
        out.append(reader.decide(probabilities)[0])
    return out


def print_tables(source: str, pairs: list[Pair], threads: list[Thread], facts: list[Facts], *,
                 show: int) -> dict[str, Any]:
    kinds = sorted({p.label for p in pairs if p.label != "paraphrase"})
    columns = ["paraphrase", *kinds]
    totals = Counter(p.label for p in pairs)
    print(f"\n== {source}: pairs per column: " + ", ".join(f"{c} {totals[c]}" for c in columns))
    print("first gate that refuses (paraphrase = refused, others = hard negatives caught); 'facts (any)' counts "
          "every pair whose facts differ, wherever the candidate stage stands")
    gates = sorted({p.gate or "served" for p in pairs} | {f"any {p.facts}" for p in pairs if p.facts},
                   key=lambda g: (g.startswith("any"), g))
    print(f"{'gate':28}" + "".join(f"{c[:10]:>11}" for c in columns))
    table: dict[str, dict[str, int]] = {}
    for gate in gates:
        row = {c: sum(1 for p in pairs if p.label == c and ((p.gate or "served") == gate
                                                            or gate == f"any {p.facts}")) for c in columns}
        table[gate] = row
        print(f"{gate:28}" + "".join(f"{row[c]:>11}" for c in columns))
    caught = {c: sum(1 for p in pairs if p.label == c and p.facts) for c in columns}
    table["facts (any kind)"] = caught
    print(f"{'facts (any kind)':28}" + "".join(f"{caught[c]:>11}" for c in columns))
    clashes = {c: sum(1 for p in pairs if p.label == c and p.conflict) for c in columns}
    table["facts: both sides name it"] = clashes
    print(f"{'  of which both name it':28}" + "".join(f"{clashes[c]:>11}" for c in columns))
    refused = [p for p in pairs if p.label == "paraphrase" and p.facts]
    for p in refused[:show]:
        a, b = threads[p.a], threads[p.b]
        print(f"\n  {p.facts} cos {p.cosine:.2f}  {a.key} ~ {b.key}")
        print(f"    A: {fact_lines(a, facts[p.a])}\n    B: {fact_lines(b, facts[p.b])}")
    return {"table": table, "refused_paraphrases": [f"{threads[p.a].key}~{threads[p.b].key} {p.facts}"
                                                    for p in refused],
            "negatives_caught_by_facts": sorted(f"{threads[p.a].key}~{threads[p.b].key} {p.facts}"
                                                for p in pairs if p.label != "paraphrase" and p.facts)}


def print_recall(pairs: list[Pair], threads: list[Thread], candidate_scores: dict[str, np.ndarray],
                 top_k: int) -> dict[str, Any]:
    """Share of paraphrase pairs (and hard-negative pairs) that reach the facts, per score and threshold."""
    print(f"\ncandidate recall: share of pairs with score >= T (and within the top {top_k} one way)")
    paraphrases = [p for p in pairs if p.label == "paraphrase"]
    negatives = [p for p in pairs if p.label != "paraphrase"]
    out: dict[str, Any] = {}
    thresholds = (0.45, 0.50, 0.55, 0.60, 0.65, 0.70)
    print(f"{'score':24} {'pairs':>10}" + "".join(f"{t:>8.2f}" for t in thresholds) + f"{'top-k only':>12}")
    for name, score in candidate_scores.items():
        top = {id(p): in_top(score, threads, p.a, p.b, top_k) for p in pairs}
        for label, chosen in (("paraphrase", paraphrases), ("hard neg", negatives)):
            shares = [sum(1 for p in chosen if score[p.a, p.b] >= t and top[id(p)]) / max(len(chosen), 1)
                      for t in thresholds]
            only_top = sum(1 for p in chosen if top[id(p)]) / max(len(chosen), 1)
            out[f"{name} / {label}"] = dict(zip([str(t) for t in thresholds], shares, strict=True)) | {
                "top_k_only": only_top}
            print(f"{name:24} {label:>10}" + "".join(f"{s:>8.2f}" for s in shares) + f"{only_top:>12.2f}")
    return out


if __name__ == "__main__":
    main()
