"""Train the semantic cache's pair verifier (engine/meaning/weights/verifier.npz).

    .venv/bin/python scripts/train_verifier.py [--memo FILE] [--report] [--dry-run] [--candidate-score max_sentence]

Re-run after the intent weights change (the verifier reads intent distributions): one command,
deterministic (fixed seeds, full-batch Newton steps, no sampling). Learns only from
  - scripts/data/pairs_written.jsonl   threads written for training: paraphrase groups and hard negatives
  - the tuning half of the shared samples (perf/trust_sets.py)
  - scripts/data/intent_examples.txt   labelled single messages: pairs of different intents are negatives
Never from the held half, perf/data/held_new.jsonl, perf/data/held_fresh.jsonl or the blind set.
A run takes about a minute on two cores (encoding ~1,000 texts); --memo FILE keeps the encodings.

A pair is positive when both threads belong to the same group (the same situation, meaning and
facts, worded by different people); every pair of different groups is negative, and pairs within one
situation (an anchor and its hard negative: one meaning change) weigh more. Only pairs the cache would
show the verifier are used: cosine at least `FLOOR` and equal hard facts (engine/meaning/facts.py).

The thresholds come from cross-validation grouped by situation (no situation is in both the training
and the scoring folds): for each candidate cosine threshold, the verifier threshold is the highest
out-of-fold score of a negative plus a margin, and the candidate threshold kept is the one that lets
the most positive pairs through.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from memo_embedder import MemoEmbedder  # noqa: E402

import engine  # noqa: E402,F401  (offline model environment)
from engine.meaning.encoding import View, encode_views, view_of  # noqa: E402
from engine.meaning.facts import facts_agree, facts_of  # noqa: E402
from engine.meaning.intent import DECLINE, GO_AHEAD, IntentModel, reads_question  # noqa: E402
from engine.meaning.pairs import BASE_FEATURES, Side, pair_features  # noqa: E402
from engine.meaning.verifier import VERIFIER_WEIGHTS, PairVerifier  # noqa: E402
from perf.trust_sets import load_set, situation  # noqa: E402

DATA = ROOT / "scripts" / "data"
SEED = 12
FOLDS = 5
FLOOR = 0.45          # pairs below this cosine are never shown to the verifier at any threshold tried
COSINES = np.round(np.arange(0.50, 0.801, 0.05), 2)  # candidate thresholds tried
# Strong: 782 weights (|u-v| and u*v of every dimension) from a few hundred pairs. Chosen by the same
# grouped cross-validation (3, 10, 30, 100, 300 tried; 30 let the most positives through at zero wrong).
L2 = float(sys.argv[sys.argv.index("--l2") + 1]) if "--l2" in sys.argv else 30.0
HARD_WEIGHT = 5.0     # a hard negative (same situation, one meaning change) counts this much more
MARGIN = 0.5          # logit units above the highest out-of-fold negative
# The candidate score the cache searches by: the message views' cosine (`message`, what the cache does), or
# the best of it and any two sentences' cosine (`max_sentence`, measured as an alternative; not in the cache).
CANDIDATE_SCORE = sys.argv[sys.argv.index("--candidate-score") + 1] if "--candidate-score" in sys.argv else "message"


@dataclass(frozen=True)
class Item:
    """One training thread (or labelled message)."""

    key: str
    group: str
    situation: str
    intent: str
    view: View
    thread: str
    source: str


def read_jsonl(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def load_items() -> list[Item]:
    items = []
    for source, rows in (("tuning", load_set("tuning")), ("written", read_jsonl(DATA / "pairs_written.jsonl"))):
        for row in rows:
            items.append(Item(key=f"{source}:{row['id']}", group=f"{source}:{row['group']}",
                              situation=f"{source}:{situation(row['group'])}", intent=row["intent"],
                              view=view_of(row["thread"]), thread=row["thread"], source=source))
    for number, line in enumerate((DATA / "intent_examples.txt").read_text("utf-8").splitlines()):
        if line.strip() and not line.startswith("#"):
            intent, context, text = (part.strip() for part in line.split("|", 2))
            thread = (f"Rep: {context}\n" if context else "") + f"Prospect: {text}"
            items.append(Item(key=f"example:{number}", group=f"example:{number}", situation=f"example:{number}",
                              intent=intent, view=View(text=text, context=context), thread=thread,
                              source="example"))
    return items


def logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray, *, l2: float = L2) -> tuple[np.ndarray, float]:
    """Weighted L2 logistic regression by Newton's method (deterministic, converges in a few steps)."""
    design = np.hstack([x, np.ones((len(x), 1))])
    theta = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(design @ theta, -30, 30)))
        grad = design.T @ (weight * (p - y)) + penalty * theta
        hessian = (design * (weight * p * (1 - p))[:, None]).T @ design + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, grad)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return theta[:-1], float(theta[-1])


@dataclass
class Pairs:
    i: np.ndarray
    j: np.ndarray
    cosine: np.ndarray
    label: np.ndarray
    hard: np.ndarray


def best_sentence(sides: list[Side]) -> np.ndarray:
    """The best cosine between any sentence row of one thread and any of the other's, for every two threads."""
    rows = [side.sentences for side in sides]
    starts = np.cumsum([0] + [len(r) for r in rows[:-1]])
    stacked = np.concatenate(rows)
    sims = stacked @ stacked.T
    return np.maximum.reduceat(np.maximum.reduceat(sims, starts, axis=0), starts, axis=1)


def candidate_pairs(items: list[Item], sides: list[Side], facts: list) -> Pairs:  # type: ignore[type-arg]
    vectors = np.stack([side.message for side in sides])
    sims = vectors @ vectors.T
    if CANDIDATE_SCORE == "max_sentence":
        sims = np.maximum(sims, best_sentence(sides))
    out: list[tuple[int, int, float, int, int]] = []
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            a, b = items[i], items[j]
            if sims[i, j] < FLOOR:
                continue
            if "example" in (a.source, b.source) and a.intent == b.intent:
                continue  # a labelled message and another of its intent: same situation or not, nobody wrote down
            if not facts_agree(facts[i], facts[j]).ok or not facts_agree(facts[j], facts[i]).ok:
                continue
            same = a.group == b.group
            out.append((i, j, float(sims[i, j]), int(same), int(not same and a.situation == b.situation)))
    arr = np.array(out, dtype=np.float64)
    return Pairs(i=arr[:, 0].astype(int), j=arr[:, 1].astype(int), cosine=arr[:, 2], label=arr[:, 3],
                 hard=arr[:, 4].astype(bool))


def fold_of(items: list[Item]) -> np.ndarray:
    situations = sorted({item.situation for item in items})
    order = np.random.default_rng(SEED).permutation(len(situations))
    fold = {situations[k]: int(rank % FOLDS) for rank, k in enumerate(order)}
    return np.array([fold[item.situation] for item in items])


def fit(features: np.ndarray, pairs: Pairs, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    x = features[rows]
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    y = pairs.label[rows]
    positives = max(y.sum(), 1)
    negatives = max(len(y) - y.sum(), 1)
    weight = np.where(y == 1, 1 / positives, 1 / negatives) * len(y) / 2
    weight = weight * np.where(pairs.hard[rows], HARD_WEIGHT, 1.0)
    coef, bias = logistic((x - mean) / std, y, weight, l2=L2)
    return mean, std, coef, bias


def sides_of(items: list[Item], memo: Path | None, version: str) -> tuple[list[Side], list[str], list]:  # type: ignore[type-arg]
    """Each item's verifier side, the intent it commits to, and its facts."""
    encoded = encode_views(MemoEmbedder(memo), [item.view for item in items])  # type: ignore[arg-type]
    intent = IntentModel.load()
    facts = [facts_of(item.thread, context=item.view.context if enc.short else None, rep=item.view.context)
             for item, enc in zip(items, encoded, strict=True)]
    sides, committed = [], []
    for enc, fact in zip(encoded, facts, strict=True):
        probabilities = intent.message_probabilities(enc)
        mass = dict(zip(intent.labels, probabilities.tolist(), strict=True))
        sides.append(Side.of(enc, probabilities, version=version,
                             decline=sum(mass.get(k, 0.0) for k in DECLINE),
                             go_ahead=sum(mass.get(k, 0.0) for k in GO_AHEAD), tokens=fact.message.words))
        committed.append(intent.decide(probabilities, question=reads_question(enc))[0])
    return sides, committed, facts


def main() -> None:
    memo = Path(sys.argv[sys.argv.index("--memo") + 1]) if "--memo" in sys.argv else None
    report = "--report" in sys.argv
    items = load_items()
    print(f"threads: {sum(i.source == 'tuning' for i in items)} tuning, {sum(i.source == 'written' for i in items)} "
          f"written, {sum(i.source == 'example' for i in items)} labelled messages")
    sides, committed, facts = sides_of(items, memo, "training")
    pairs = candidate_pairs(items, sides, facts)
    positives = int(pairs.label.sum())
    # The verifier scores only pairs whose intent readings commit to the same intent: train on those.
    keep = np.array([committed[i] == committed[j] != "general" for i, j in zip(pairs.i, pairs.j, strict=True)])
    print(f"pairs above cosine {FLOOR} with equal facts: {positives} positive, {int((1 - pairs.label).sum())} "
          f"negative ({int(pairs.hard.sum())} hard: same situation); the same committed intent: "
          f"{int(pairs.label[keep].sum())} positive, {int((1 - pairs.label[keep]).sum())} negative")
    pairs = Pairs(i=pairs.i[keep], j=pairs.j[keep], cosine=pairs.cosine[keep], label=pairs.label[keep],
                  hard=pairs.hard[keep])
    folds = fold_of(items)
    pair_fold = np.where(folds[pairs.i] == folds[pairs.j], folds[pairs.i], -1)

    features = np.stack([pair_features(sides[i], sides[j]) for i, j in zip(pairs.i, pairs.j, strict=True)])

    oof = np.full(len(pairs.label), np.nan)
    for fold in range(FOLDS):
        train = np.flatnonzero((pair_fold != fold) & (pair_fold != -1))
        test = np.flatnonzero(pair_fold == fold)
        mean, std, coef, bias = fit(features, pairs, train)
        oof[test] = ((features[test] - mean) / std) @ coef + bias
    scored = ~np.isnan(oof)
    scored_positives = int((scored & (pairs.label == 1)).sum())
    print(f"out-of-fold (grouped by situation, {FOLDS} folds): {scored_positives} positive, "
          f"{int((scored & (pairs.label == 0)).sum())} negative pairs scored")
    print(f"{'cosine':>6} {'max neg logit':>13} {'threshold':>9} {'positives passing (of all with equal facts)':>44}")
    best: tuple[float, float, float] | None = None
    for cosine in COSINES:
        shown = scored & (pairs.cosine >= cosine)
        negatives = oof[shown & (pairs.label == 0)]
        top = float(negatives.max()) if len(negatives) else float("-inf")
        bar = max(top + MARGIN, 0.0)  # never below even odds
        passed = int((shown & (pairs.label == 1) & (oof >= bar)).sum())
        # the share of scored positives the cache would reuse, gate losses included
        share = passed / max(scored_positives, 1) * pairs.label.sum() / max(positives, 1)
        print(f"{cosine:>6.2f} {top:>13.2f} {1 / (1 + np.exp(-bar)):>9.3f} {share:>44.2f}")
        if best is None or share > best[0]:
            best = (share, float(cosine), float(1 / (1 + np.exp(-bar))))
        if report:
            for k in [k for k in np.argsort(-np.nan_to_num(oof, nan=-99)) if pairs.label[k] == 0 and shown[k]][:3]:
                print(f"     neg {oof[k]:6.2f} cos {pairs.cosine[k]:.2f} "
                      f"{items[pairs.i[k]].key} ~ {items[pairs.j[k]].key}")
    assert best is not None
    share, similarity, threshold = best
    if report:
        shown = scored & (pairs.cosine >= best[1])
        print("  top out-of-fold negative logits:", np.round(np.sort(oof[shown & (pairs.label == 0)])[::-1][:10], 2))
        print("  positive logit quantiles (10..90%):",
              np.round(np.quantile(oof[shown & (pairs.label == 1)], np.linspace(0.1, 0.9, 9)), 2))
    print(f"chosen: candidate cosine {similarity:.2f}, verifier threshold {threshold:.4f} "
          f"(highest out-of-fold negative + {MARGIN} logit): {share:.2f} of positive pairs pass out of fold, "
          "0 negatives")
    mean, std, coef, bias = fit(features, pairs, np.arange(len(pairs.label)))
    verifier = PairVerifier(mean=mean.astype(np.float32), std=std.astype(np.float32),
                            coef=coef.astype(np.float32), bias=bias, threshold=round(threshold, 4),
                            similarity=similarity, version="",
                            chosen_on=f"grouped {FOLDS}-fold cross-validation on tuning + pairs_written + "
                                      f"intent_examples; {share:.2f} of positive pairs at 0 wrong out of fold")
    if "--dry-run" not in sys.argv:
        verifier.save()
    for name, weight in zip(BASE_FEATURES, coef, strict=False):
        print(f"  weight {name:16} {weight:+.3f}")
    print(f"  |u-v| weights: L2 norm {np.linalg.norm(coef[len(BASE_FEATURES):][:384]):.3f}; "
          f"u*v weights: L2 norm {np.linalg.norm(coef[len(BASE_FEATURES) + 384:]):.3f}")
    print(f"wrote {VERIFIER_WEIGHTS.relative_to(ROOT)} ({VERIFIER_WEIGHTS.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
