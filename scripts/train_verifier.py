"""Train the semantic cache's pair verifier (engine/meaning/weights/verifier.npz).

    .venv/bin/python scripts/train_verifier.py [--memo FILE] [--report] [--nested] [--first N] [--dry-run]
                                               [--candidate-score max_sentence] [--by-series] [--in-sample]
                                               [--cross-fit-series] [--intent NPZ]
                                               [--l2s 30,100] [--levels 0.9]
                                               [--mix-logits FILE] [--labels DIR]

The dual gate (--mix-logits FILE, as the cache gates since issue 12 session 7): a pair is shown to the
verifier only when the LR reader and the fine-tuned mix reader each commit to one non-`general` intent on
both threads; the mix reader's commitments are read out of fold from FILE (scripts/mix_readings.py).
Cleaned labels (--labels DIR): a cross-group pair that an annotator who never saw a score labelled `same`
(DIR/labels_*.tsv: pair, label, reason; only the first two columns are read) is no negative: it is
neither trained on nor counted in the bar. `different`, `unsure` and unlabelled pairs stay negatives.

Cross-fitting (scripts/intent_crossfit.py): the intent gate and the intent features read each training
thread out of fold, by an intent model re-trained by the shipped weights' recipe without the thread's
fold (--cross-fit-series: without its writer's whole series), as the cache reads a thread it never saw;
--in-sample reads them with the shipped weights instead (before session 5). The shipped verifier still
reads the shipped intent weights at run time. --by-series: leave one writer's series out (the candidate
cosine and the bar chosen by the same cross-validation on the other series; verifier_cv.by_series).
--intent NPZ: candidate intent weights instead of the shipped ones (to compare before shipping them).

Re-run after the intent weights change (the verifier reads intent distributions): one command,
deterministic (fixed seeds, PCA by eigen-decomposition with fixed signs, full-batch L-BFGS from zeros,
no sampling). Learns only from
  - scripts/data/pairs_written*.jsonl  threads written for training: paraphrase groups and hard negatives
    (--first 650: the first batch of 650 only, to compare)
  - the tuning half of the shared samples (perf/trust_sets.py)
  - scripts/data/intent_examples.txt   labelled single messages: pairs of different intents are negatives
Never from the held half, perf/data/held_*.jsonl or any blind set.
A run takes a few minutes on two cores; --memo FILE keeps the encodings (and the token embeddings).

A pair is positive when both threads belong to the same group (the same situation, meaning and
facts, worded by different people); every pair of different groups is negative, and pairs within one
situation (an anchor and its hard negative: one meaning change) weigh more. Only pairs the cache would
show the verifier are used: cosine at least `FLOOR`, equal hard facts (engine/meaning/facts.py) and
the same committed intent.

Everything is chosen by cross-validation grouped by situation (no situation is in both the training
and the scoring folds; the token projection is fitted on the training folds only): for each
configuration (L2 strength, unaligned level) and candidate cosine threshold, the verifier threshold is
the highest out-of-fold score of a negative plus a margin; the configuration and cosine kept let the
most positive pairs through. The sentence-level verifier (no token evidence) is scored on the same
folds for comparison, and --nested scores each fold with choices made on the other four only.
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from intent_crossfit import cross_fitted, load_reader  # noqa: E402
from memo_embedder import MemoEmbedder  # noqa: E402
from mix_readings import mix_committed  # noqa: E402
from verifier_cv import Config, Data, by_series, choose_cut, cross_logits, fit_projection, nested  # noqa: E402

import engine  # noqa: E402,F401  (offline model environment)
from engine.meaning.encoding import View, encode_views, view_of  # noqa: E402
from engine.meaning.facts import facts_agree, facts_of_view  # noqa: E402
from engine.meaning.intent import DECLINE, GO_AHEAD, INTENT_WEIGHTS, IntentModel, reads_question  # noqa: E402
from engine.meaning.pairs import BASE_FEATURES, SENTENCE_FEATURES, Side, pair_features  # noqa: E402
from engine.meaning.tokens import TOKEN_SCALARS  # noqa: E402
from engine.meaning.verifier import VERIFIER_WEIGHTS, PairVerifier  # noqa: E402
from perf.trust_sets import load_set, situation  # noqa: E402

DATA = ROOT / "scripts" / "data"
SEED = 12
FOLDS = 5
FLOOR = 0.45          # pairs below this cosine are never shown to the verifier at any threshold tried
COSINES = np.round(np.arange(0.50, 0.801, 0.05), 2)  # candidate thresholds tried
# Strong penalties: ~900 weights from a few hundred pairs. Chosen by the grouped cross-validation.
L2S = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
if "--l2s" in sys.argv:  # restrict the grid (the full grid takes tens of minutes on two shared cores)
    L2S = tuple(float(x) for x in sys.argv[sys.argv.index("--l2s") + 1].split(","))
LEVELS = (0.85, 0.9, 0.95)  # unaligned levels tried (the verifier ships the one chosen)
if "--levels" in sys.argv:
    LEVELS = tuple(float(x) for x in sys.argv[sys.argv.index("--levels") + 1].split(","))
L2 = 30.0
HARD_WEIGHT = 5.0     # a hard negative (same situation, one meaning change) counts this much more
MARGIN = 0.5          # logit units above the highest out-of-fold negative
# The candidate score the cache searches by: the message views' cosine (`message`, what the cache does), or
# the best of it and any two sentences' cosine (`max_sentence`, measured as an alternative; not in the cache).
# The intent weights the verifier reads (--intent NPZ: candidate weights, to compare before shipping them).
# The cache's gate and verifier read the LR reader (engine/meaning/models.py `Read.gate`); `--intent
# engine/meaning/weights/intent_ft.npz` cross-fits the fine-tuned reader instead (tried in session 6:
# 0.01 of paraphrases at zero wrong out of fold against 0.04, not shipped).
INTENT = Path(sys.argv[sys.argv.index("--intent") + 1]) if "--intent" in sys.argv else INTENT_WEIGHTS
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


def written_files() -> list[Path]:
    return sorted(DATA.glob("pairs_written*.jsonl"))


def written_rows() -> list[dict[str, str]]:
    """The written threads (--first N: only the first N, e.g. 650 to compare with the first batch)."""
    rows = [row for path in written_files() for row in read_jsonl(path)]
    return rows[:int(sys.argv[sys.argv.index("--first") + 1])] if "--first" in sys.argv else rows


def load_items() -> list[Item]:
    items = []
    sets = [("tuning", load_set("tuning")), ("written", written_rows())]
    for source, rows in sets:
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
    if len({item.key for item in items}) != len(items):
        raise SystemExit("two training threads share an id: ids must be unique across pairs_written*.jsonl")
    return items


def kinds() -> dict[str, str]:
    """The hard-negative kind of each written negative (scripts/data/pairs_written_kinds.tsv)."""
    lines = [line for line in (DATA / "pairs_written_kinds.tsv").read_text("utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    return {f"written:{row['id']}": row["kind"] for row in csv.DictReader(lines, delimiter="\t")}


def logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray, *, l2: float = L2) -> tuple[np.ndarray, float]:
    """Weighted L2 logistic regression (unpenalised bias) by L-BFGS from zeros: deterministic, and with
    ~900 weights far cheaper than Newton steps (each solves a 900 x 900 system)."""
    design = np.hstack([x, np.ones((len(x), 1))])
    penalty = np.full(design.shape[1], l2)
    penalty[-1] = 0.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ theta
        p = 1 / (1 + np.exp(-np.clip(z, -30, 30)))
        value = float(weight @ (np.logaddexp(0, z) - y * z) + 0.5 * penalty @ theta**2)
        return value, design.T @ (weight * (p - y)) + penalty * theta

    found = minimize(loss, np.zeros(design.shape[1]), jac=True, method="L-BFGS-B",
                     options={"maxiter": 5000, "gtol": 1e-7, "ftol": 1e-14})
    return found.x[:-1], float(found.x[-1])


@dataclass
class Pairs:
    i: np.ndarray
    j: np.ndarray
    cosine: np.ndarray
    label: np.ndarray
    hard: np.ndarray

    def subset(self, keep: np.ndarray) -> Pairs:
        return Pairs(i=self.i[keep], j=self.j[keep], cosine=self.cosine[keep], label=self.label[keep],
                     hard=self.hard[keep])


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


def same_labelled(items: list[Item], pairs: Pairs, folder: Path) -> np.ndarray:
    """Which negative pairs an annotator labelled `same` (folder/labels_*.tsv: `pair` is two item keys
    joined by `~`; the `reason` column is never read)."""
    same: set[frozenset[str]] = set()
    for path in sorted(folder.glob("labels_*.tsv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                if row["label"].strip() == "same":
                    same.add(frozenset(part.strip() for part in row["pair"].split("~", 1)))
    return np.array([pairs.label[k] == 0 and frozenset((items[i].key, items[j].key)) in same
                     for k, (i, j) in enumerate(zip(pairs.i, pairs.j, strict=True))])


def fold_of(items: list[Item]) -> np.ndarray:
    situations = sorted({item.situation for item in items})
    order = np.random.default_rng(SEED).permutation(len(situations))
    fold = {situations[k]: int(rank % FOLDS) for rank, k in enumerate(order)}
    return np.array([fold[item.situation] for item in items])


def fit(features: np.ndarray, pairs: Pairs, rows: np.ndarray, *, l2: float = L2
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    x = features[rows]
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    y = pairs.label[rows]
    positives = max(y.sum(), 1)
    negatives = max(len(y) - y.sum(), 1)
    weight = np.where(y == 1, 1 / positives, 1 / negatives) * len(y) / 2
    weight = weight * np.where(pairs.hard[rows], HARD_WEIGHT, 1.0)
    coef, bias = logistic((x - mean) / std, y, weight, l2=l2)
    return mean, std, coef, bias


def sides_of(items: list[Item], memo: MemoEmbedder, version: str, readings: list[np.ndarray] | None = None
             ) -> tuple[list[Side], list[str], list, list[np.ndarray]]:  # type: ignore[type-arg]
    """Each item's verifier side (no token vectors yet), the intent it commits to, its facts, and its
    message view's raw token embeddings (what the projection is fitted on). `readings`: each item's
    intent probabilities (cross-fitted: scripts/intent_crossfit.py); None: the shipped weights' own."""
    encoded = encode_views(memo, [item.view for item in items])  # type: ignore[arg-type]
    _, raw = memo.encode_with_tokens([item.view.embedded for item in items], rows=range(len(items)))
    intent = load_reader(INTENT)
    if readings is None and not isinstance(intent, IntentModel):
        raise SystemExit("--in-sample reads with LR intent weights only: the fine-tuned reader is cross-fitted")
    facts = [facts_of_view(item.thread, item.view) for item in items]
    sides, committed = [], []
    for n, (enc, fact) in enumerate(zip(encoded, facts, strict=True)):
        probabilities = intent.message_probabilities(enc) if readings is None else readings[n]
        mass = dict(zip(intent.labels, probabilities.tolist(), strict=True))
        sides.append(Side.of(enc, probabilities, version=version,
                             decline=sum(mass.get(k, 0.0) for k in DECLINE),
                             go_ahead=sum(mass.get(k, 0.0) for k in GO_AHEAD), tokens=fact.message.words))
        committed.append(intent.decide(probabilities, question=reads_question(enc))[0])
    return sides, committed, facts, raw


def kind_table(items: list[Item], pairs: Pairs, oof: np.ndarray, cosine: float, bar: float) -> dict[str, str]:
    """Per hard-negative kind: pairs shown at `cosine`, the closest one's logit minus the bar, and passes."""
    kind_of = kinds()
    out: dict[str, list[float]] = {}
    for k in np.flatnonzero(pairs.hard & (pairs.label == 0) & ~np.isnan(oof) & (pairs.cosine >= cosine)):
        found = sorted({kind_of.get(items[pairs.i[k]].key, ""), kind_of.get(items[pairs.j[k]].key, "")} - {""})
        name = "samples" if not found else found[0] if len(found) == 1 else "two edits"
        out.setdefault(name, []).append(float(oof[k]))
    return {name: f"{len(v):3} shown, closest {max(v) - bar:+6.2f}, {sum(x >= bar for x in v)} pass"
            for name, v in sorted(out.items())}


def main() -> None:
    memo = MemoEmbedder(Path(sys.argv[sys.argv.index("--memo") + 1]) if "--memo" in sys.argv else None)
    report = "--report" in sys.argv
    items = load_items()
    print(f"threads: {sum(i.source == 'tuning' for i in items)} tuning, {sum(i.source == 'written' for i in items)} "
          f"written ({', '.join(p.name for p in written_files())}), "
          f"{sum(i.source == 'example' for i in items)} labelled messages")
    # Cross-fitting: the gate and the intent features read each thread out of fold, as the cache reads a
    # new thread (--in-sample: with the shipped weights, as before session 5).
    readings = None if "--in-sample" in sys.argv else cross_fitted(memo, items, fold_of(items), INTENT,
                                                                   by_series="--cross-fit-series" in sys.argv)
    sides, committed, facts, raw = sides_of(items, memo, "training", readings)
    pairs = candidate_pairs(items, sides, facts)
    positives = int(pairs.label.sum())
    # The verifier scores only pairs whose intent readings commit to the same intent: train on those.
    keep = np.array([committed[i] == committed[j] != "general" for i, j in zip(pairs.i, pairs.j, strict=True)])
    if "--mix-logits" in sys.argv:  # the dual gate: the fine-tuned mix reader must agree too (out of fold)
        mix = mix_committed(items, memo, Path(sys.argv[sys.argv.index("--mix-logits") + 1]),
                            lower_memo=memo.path.with_suffix(".lower4.npz") if memo.path else None)
        agree = np.array([mix[i] == mix[j] != "general" for i, j in zip(pairs.i, pairs.j, strict=True)])
        print(f"dual gate: the mix reader agrees on {int((keep & agree).sum())} of {int(keep.sum())} LR-gated pairs")
        keep &= agree
    if "--labels" in sys.argv:  # cleaned labels: a cross-group pair labelled `same` is no negative
        same = same_labelled(items, pairs, Path(sys.argv[sys.argv.index("--labels") + 1]))
        print(f"cleaned labels: {int((keep & same).sum())} gated negatives labelled `same` are dropped")
        keep &= ~same
    print(f"pairs above cosine {FLOOR} with equal facts: {positives} positive, {int((1 - pairs.label).sum())} "
          f"negative ({int(pairs.hard.sum())} hard: same situation); the same committed intent: "
          f"{int(pairs.label[keep].sum())} positive, {int((1 - pairs.label[keep]).sum())} negative "
          f"({int(pairs.hard[keep].sum())} hard)")
    series = np.array([item.key.split(":", 1)[1][:1] if item.source == "written" else "" for item in items])
    series_positives = {str(s): int(((pairs.label == 1) & (series[pairs.i] == s)).sum()) for s in set(series)}
    pairs = pairs.subset(keep)
    folds = fold_of(items)
    base = np.stack([pair_features(sides[i], sides[j])[:SENTENCE_FEATURES]
                     for i, j in zip(pairs.i, pairs.j, strict=True)])
    data = Data(base=base, raw=raw, item_fold=folds, i=pairs.i, j=pairs.j, cosine=pairs.cosine, label=pairs.label,
                pair_fold=np.where(folds[pairs.i] == folds[pairs.j], folds[pairs.i], -1),
                gate=float(pairs.label.sum() / max(positives, 1)),
                fit=lambda rows, x, l2: fit(x, pairs, rows, l2=l2))
    scored = data.pair_fold >= 0
    print(f"out of fold (grouped by situation, {FOLDS} folds): {int((scored & (pairs.label == 1)).sum())} positive, "
          f"{int((scored & (pairs.label == 0)).sum())} negative pairs scored "
          f"({int((scored & pairs.hard).sum())} hard)")
    configs = [Config(tokens=False, l2=l2, level=0.0) for l2 in L2S]
    configs += [Config(tokens=True, l2=l2, level=level) for l2 in L2S for level in LEVELS]
    print(f"{'configuration':28} " + " ".join(f"{c:>5.2f}" for c in COSINES)
          + "   share of positives passing at 0 wrong, per candidate cosine")
    results = {}
    for config in configs:
        oof = cross_logits(data, config, range(FOLDS))
        best, cuts = choose_cut(data, oof, COSINES, MARGIN)
        results[config] = (best, oof)
        print(f"{config!s:28} " + " ".join(f"{cut.share:>5.2f}" for cut in cuts))
    chosen: dict[bool, Config] = {}
    for tokens in (False, True):
        # the most positives through; on a tie the stronger penalty (fewer effective weights)
        chosen[tokens] = max((c for c in configs if c.tokens == tokens), key=lambda c: (results[c][0].share, c.l2))
        best, oof = results[chosen[tokens]]
        print(f"{'after' if tokens else 'before'}: {chosen[tokens]}, cosine {best.cosine:.2f}, verifier threshold "
              f"{1 / (1 + np.exp(-best.bar)):.6f} (logit {best.bar:.2f}): {best.share:.2f} of positive pairs pass "
              "out of fold, 0 negatives")
        for name, line in kind_table(items, pairs, oof, best.cosine, best.bar).items():
            print(f"    {name:14} {line}")
    if "--nested" in sys.argv:
        for tokens in (False, True):
            share, wrong, negatives, choices = nested(data, [c for c in configs if c.tokens == tokens], FOLDS,
                                                      COSINES, MARGIN)
            print(f"nested ({'tokens' if tokens else 'sentence'}): {share:.2f} of positives pass, {len(wrong)} wrong "
                  f"of {negatives} negatives; choices: {'; '.join(choices)}")
            for k in wrong:
                a, b = items[pairs.i[k]].key, items[pairs.j[k]].key
                kind = kinds().get(a) or kinds().get(b) or ("same situation" if pairs.hard[k] else "other situation")
                print(f"     wrong: cos {pairs.cosine[k]:.2f} {a} ~ {b} ({kind})")
    if "--by-series" in sys.argv:  # leave one writer's series out
        print("leave one series out (choices made on the other series by the same cross-validation):")
        # The configuration (L2, level) chosen above on every series (the full grid per series takes an hour
        # here); the candidate cosine and the bar, which decide the wrong hits, on the other series only.
        for score in by_series(data, [chosen[True]], FOLDS, COSINES, MARGIN, item_series=series,
                               positives=series_positives):
            print(f"  {score.series}: {score.passed / max(score.positives, 1):.2f} of {score.positives} positives "
                  f"pass, {len(score.wrong)} wrong of {score.negatives} negatives, {len(score.cross_wrong)} wrong "
                  f"of {score.cross_negatives} against other series; {score.choice}")
            for k in score.wrong + score.cross_wrong:
                print(f"     wrong: cos {pairs.cosine[k]:.2f} {items[pairs.i[k]].key} ~ {items[pairs.j[k]].key}")
    config = chosen[True]
    best, oof = results[config]
    if report:
        shown = ~np.isnan(oof) & (pairs.cosine >= best.cosine)
        print("  top out-of-fold negative logits:", np.round(np.sort(oof[shown & (pairs.label == 0)])[::-1][:10], 2))
        for k in [k for k in np.argsort(-np.nan_to_num(oof, nan=-99)) if pairs.label[k] == 0 and shown[k]][:5]:
            print(f"     neg {oof[k]:6.2f} cos {pairs.cosine[k]:.2f} {items[pairs.i[k]].key} ~ {items[pairs.j[k]].key}")
        print("  positive logit quantiles (10..90%):",
              np.round(np.quantile(oof[shown & (pairs.label == 1)], np.linspace(0.1, 0.9, 9)), 2))
    projection = fit_projection(raw)
    sides = [replace(side, token_vectors=projection.reduce(tokens)) for side, tokens in zip(sides, raw, strict=True)]
    features = np.stack([pair_features(sides[i], sides[j], level=config.level)
                         for i, j in zip(pairs.i, pairs.j, strict=True)])
    mean, std, coef, bias = fit(features, pairs, np.arange(len(pairs.label)), l2=config.l2)
    threshold = round(float(1 / (1 + np.exp(-best.bar))), 8)  # logits of 10 and more: 4 digits would say 1.0
    verifier = PairVerifier(mean=mean.astype(np.float32), std=std.astype(np.float32),
                            coef=coef.astype(np.float32), bias=bias, threshold=threshold,
                            similarity=best.cosine, version="", projection=projection, level=config.level,
                            chosen_on=f"grouped {FOLDS}-fold cross-validation on tuning + "
                                      f"{sum(i.source == 'written' for i in items)} written threads + intent_examples; "
                                      f"{config}; "
                                      f"{best.share:.2f} of positive pairs at 0 wrong out of fold")
    if "--dry-run" not in sys.argv:
        verifier.save()
        print(f"wrote {VERIFIER_WEIGHTS.relative_to(ROOT)} ({VERIFIER_WEIGHTS.stat().st_size} bytes)")
    for name, weight in zip(BASE_FEATURES + TOKEN_SCALARS, np.r_[coef[:len(BASE_FEATURES)],
                                                                 coef[SENTENCE_FEATURES:][:len(TOKEN_SCALARS)]],
                            strict=True):
        print(f"  weight {name:20} {weight:+.3f}")
    pooled = coef[SENTENCE_FEATURES + len(TOKEN_SCALARS):]
    print(f"  |u-v|, u*v weights: L2 norm {np.linalg.norm(coef[len(BASE_FEATURES):SENTENCE_FEATURES]):.3f}; "
          f"pooled unaligned token weights: L2 norm {np.linalg.norm(pooled):.3f}")


if __name__ == "__main__":
    main()
