"""Cross-fitting before/after on the same scored pairs (issue 12, session 5): does the verifier trained with
the intent gate and features read in-sample (the shipped weights on their own training threads) or read out
of fold (scripts/intent_crossfit.py) let fewer hard negatives through on threads the intent model never saw?

    .venv/bin/python scripts/crossfit_check.py [--memo FILE] [--intent NPZ] [--l2 30] [--level 0.9]

Folds grouped by situation (train_verifier.fold_of). Both verifiers are scored on the same pairs, gated and
featured as the cache sees a new thread: by the out-of-fold readings. Only the training pairs differ (their
gate and intent features). Prints the share of positive pairs (before the intent gate) passing at 0 wrong
out of fold, per candidate cosine, for each.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_verifier as tv
from intent_crossfit import cross_fitted
from memo_embedder import MemoEmbedder
from verifier_cv import Data, choose_cut, fit_projection

from engine.meaning.pairs import pair_features


def _option(flag: str, default: str) -> str:
    return sys.argv[sys.argv.index(flag) + 1] if flag in sys.argv else default


def main() -> None:
    memo = MemoEmbedder(Path(_option("--memo", "")) if "--memo" in sys.argv else None)
    l2, level = float(_option("--l2", "30")), float(_option("--level", "0.9"))
    items = tv.load_items()
    folds = tv.fold_of(items)
    readings = cross_fitted(memo, items, folds, tv.INTENT)
    sides = {"in-sample": tv.sides_of(items, memo, "training"), "cross-fitted": tv.sides_of(items, memo, "training",
                                                                                            readings)}
    facts, raw = sides["in-sample"][2], sides["in-sample"][3]
    pairs = tv.candidate_pairs(items, sides["in-sample"][0], facts)
    pair_fold = np.where(folds[pairs.i] == folds[pairs.j], folds[pairs.i], -1)
    gate = {name: np.array([c[i] == c[j] != "general" for i, j in zip(pairs.i, pairs.j, strict=True)])
            for name, (_, c, _, _) in sides.items()}
    scored = (pair_fold >= 0) & gate["cross-fitted"]  # scored as the cache sees new threads
    positives = int(((pair_fold >= 0) & (pairs.label == 1)).sum())
    oof = {name: np.full(len(pairs.label), np.nan) for name in sides}
    for k in range(tv.FOLDS):
        projection = fit_projection([r for r, f in zip(raw, folds, strict=True) if f != k])
        features = {}
        for name, (side, _, _, _) in sides.items():
            reduced = [replace(s, token_vectors=projection.reduce(t)) for s, t in zip(side, raw, strict=True)]
            features[name] = np.stack([pair_features(reduced[i], reduced[j], level=level)
                                       for i, j in zip(pairs.i, pairs.j, strict=True)])
        test = np.flatnonzero(scored & (pair_fold == k))
        for name in sides:
            train = np.flatnonzero((pair_fold >= 0) & (pair_fold != k) & gate[name])
            mean, std, coef, bias = tv.fit(features[name], pairs, train, l2=l2)
            oof[name][test] = ((features["cross-fitted"][test] - mean) / std) @ coef + bias
    data = Data(base=np.zeros((0, 0)), raw=[], item_fold=folds, i=pairs.i, j=pairs.j, cosine=pairs.cosine,
                label=pairs.label, pair_fold=pair_fold,
                gate=float((scored & (pairs.label == 1)).sum() / max(positives, 1)), fit=tv.fit)  # type: ignore[arg-type]
    print(f"scored pairs (out-of-fold gate): {int((scored & (pairs.label == 1)).sum())} positive of {positives}, "
          f"{int((scored & (pairs.label == 0)).sum())} negative; tokens L2 {l2:g} level {level:g}")
    print(f"{'training gate':14} " + " ".join(f"{c:>5.2f}" for c in tv.COSINES))
    for name in sides:
        best, cuts = choose_cut(data, oof[name], tv.COSINES, tv.MARGIN)
        print(f"{name:14} " + " ".join(f"{cut.share:>5.2f}" for cut in cuts)
              + f"   best {best.share:.2f} at cosine {best.cosine:.2f}")


if __name__ == "__main__":
    main()
