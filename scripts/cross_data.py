"""The cross-encoder's pairs and writer-series folds, with the shipped LR verifier scored on the same folds.

    .venv/bin/python scripts/cross_data.py --memo /tmp/memo.npz --out /tmp/cross_pairs.npz [--folds 4]

The pairs are scripts/train_verifier.py's, built by its own functions: every two training threads (the
written series, the samples' tuning half, the labelled messages) that the cache would show the verifier
(message cosine >= FLOOR, equal hard facts, the same committed intent read out of fold); positive when
both are of one group, hard when they are of one situation (an anchor and its hard negative).

Folds are of whole writer series (the first letter of a written id), dealt greedily to balance the folds'
threads; the tuning half and the labelled messages are never scored and train every fold. For each fold
the LR verifier is refitted by the shipped recipe (token features, the shipped L2 and level, the token
projection fitted on the training threads only) on every pair that does not touch the fold, and scores
the pairs inside the fold: the "before" column of scripts/rerank_eval.py's table (and of session 6's
train_cross.py on branch ftcross). `build` and `lr_out_of_fold` serve scripts/rerank_eval.py; main writes one
.npz with the views' texts (also with the rep's message always in front), the pairs, their series folds
and the LR out-of-fold logits. A view's text is scrubbed of names (engine/text/scrub.py) as a cache entry
keeps it, so a model reads what the cache would have.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import train_verifier as tv  # noqa: E402
from intent_crossfit import cross_fitted  # noqa: E402
from memo_embedder import MemoEmbedder  # noqa: E402
from verifier_cv import Config, Data, _features  # noqa: E402

from engine.meaning.pairs import SENTENCE_FEATURES, pair_features  # noqa: E402
from engine.meaning.verifier import PairVerifier  # noqa: E402
from engine.text.scrub import scrub_text  # noqa: E402

__all__ = ["Built", "build", "lr_out_of_fold", "main", "series_folds"]

ALWAYS_TRAIN = -1  # the fold of the tuning half and the labelled messages: trained on, never scored


def _arg(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def series_folds(series: np.ndarray, folds: int) -> tuple[np.ndarray, list[list[str]]]:
    """Each item's fold (ALWAYS_TRAIN when it has no series) and the series of each fold: the series, most
    threads first, each dealt to the fold with the fewest threads so far (t alone outweighs three others)."""
    names = sorted(set(series.tolist()) - {""}, key=lambda s: (-int((series == s).sum()), s))
    members: list[list[str]] = [[] for _ in range(folds)]
    sizes = [0] * folds
    for name in names:
        k = sizes.index(min(sizes))
        members[k].append(name)
        sizes[k] += int((series == name).sum())
    fold = {name: k for k, group in enumerate(members) for name in group}
    return np.array([fold.get(s, ALWAYS_TRAIN) for s in series.tolist()]), [sorted(m) for m in members]


@dataclass
class Built:
    """The pairs the verifier would see, with what the LR refit per fold needs."""

    items: list[Any]
    views: list[str]          # the scrubbed message views (a short reply with the rep's message)
    views_context: list[str]  # the scrubbed views with the rep's preceding message always in front
    series: np.ndarray
    item_fold: np.ndarray
    members: list[list[str]]
    pairs: Any
    positives: dict[str, int]
    data: Data
    config: Config


def _with_context(item: Any) -> str:
    view = item.view
    return f"{view.context}\n{view.text}" if view.context else view.text


def build(memo: MemoEmbedder, folds: int, *, l2: float = 30.0) -> Built:
    """train_verifier.py's pairs (its own functions, the shipped facts and out-of-fold intent) and folds of series."""
    items = tv.load_items()
    readings = cross_fitted(memo, items, tv.fold_of(items), tv.INTENT)  # as the shipped trainer reads them
    sides, committed, facts, raw = tv.sides_of(items, memo, "training", readings)
    pairs = tv.candidate_pairs(items, sides, facts)
    series = np.array([item.key.split(":", 1)[1][:1] if item.source == "written" else "" for item in items])
    positives = {s: int(((pairs.label == 1) & (series[pairs.i] == s)).sum()) for s in sorted(set(series) - {""})}
    keep = np.array([committed[i] == committed[j] != "general" for i, j in zip(pairs.i, pairs.j, strict=True)])
    pairs = pairs.subset(keep)
    item_fold, members = series_folds(series, folds)
    print(f"{len(items)} threads; folds of series: {members}")
    print(f"pairs the verifier would see: {int(pairs.label.sum())} positive, {int((pairs.label == 0).sum())} "
          f"negative ({int(pairs.hard.sum())} hard); positives before the intent gate per series: {positives}")
    shipped = PairVerifier.load()
    config = Config(tokens=True, l2=l2, level=shipped.level)
    base = np.stack([pair_features(sides[i], sides[j])[:SENTENCE_FEATURES] for i, j in zip(pairs.i, pairs.j,
                                                                                          strict=True)])
    fold_i, fold_j = item_fold[pairs.i], item_fold[pairs.j]
    data = Data(base=base, raw=raw, item_fold=item_fold, i=pairs.i, j=pairs.j, cosine=pairs.cosine,
                label=pairs.label, pair_fold=np.where(fold_i == fold_j, fold_i, -2), gate=1.0,
                fit=lambda rows, x, l2: tv.fit(x, pairs, rows, l2=l2))
    return Built(items=items, views=[scrub_text(item.view.embedded, thread=item.thread) for item in items],
                 views_context=[scrub_text(_with_context(item), thread=item.thread) for item in items],
                 series=series, item_fold=item_fold, members=members, pairs=pairs, positives=positives,
                 data=data, config=config)


def lr_out_of_fold(built: Built, extra: np.ndarray | None = None) -> np.ndarray:
    """The LR verifier refitted by the shipped recipe without each fold, scoring the pairs inside it
    (`extra`: per-pair columns appended to its features, e.g. another model's scores)."""
    data, folds = built.data, len(built.members)
    fold_i, fold_j = built.item_fold[data.i], built.item_fold[data.j]
    lr = np.full(len(data.label), np.nan)
    for fold in range(folds):
        rest = [ALWAYS_TRAIN, *(f for f in range(folds) if f != fold)]
        x = _features(data, built.config, rest)
        if extra is not None:
            x = np.hstack([x, extra])
        train = np.flatnonzero((fold_i != fold) & (fold_j != fold))
        test = np.flatnonzero((fold_i == fold) & (fold_j == fold))
        mean, std, coef, bias = data.fit(train, x, built.config.l2)
        lr[test] = ((x[test] - mean) / std) @ coef + bias
        print(f"  fold {fold} {built.members[fold]}: LR trained on {len(train)} pairs, scored {len(test)}", flush=True)
    return lr


def main() -> None:
    built = build(MemoEmbedder(Path(_arg("--memo", "/tmp/cross_memo.npz"))), int(_arg("--folds", "4")),
                  l2=float(_arg("--l2", "30")))
    lr = lr_out_of_fold(built)
    pairs = built.pairs
    np.savez(_arg("--out", "/tmp/cross_pairs.npz"), keys=np.array([item.key for item in built.items]),
             views=np.array(built.views), views_context=np.array(built.views_context),
             series=built.series, item_fold=built.item_fold,
             i=pairs.i, j=pairs.j, cosine=pairs.cosine, label=pairs.label, hard=pairs.hard, lr=lr,
             positives_series=np.array(list(built.positives)),
             positives_count=np.array(list(built.positives.values())),
             members=np.array([",".join(m) for m in built.members]))


if __name__ == "__main__":
    main()
