"""Score verifiers by whole writer series: each fold's candidate cosine and bars chosen on the OTHER folds.

Session 6's evaluation (branch ftcross, scripts/train_cross.py), kept here so any score can be measured the
same way: for each fold, the candidate cosine and each model's bar (the highest negative among the other
folds' pairs + MARGIN; with two models a pair must pass both and the bars are chosen jointly) that let the
most of the other folds' positives through; then the fold's pairs at that cosine are scored. The share is
over each fold's true pairs counted before the intent gate (the pairs file's per-series counts).

`drop`: negatives left out of everything (the bar and the count), e.g. pairs that two annotators label as
the same situation; `flag`: negatives still in the bar and the count, whose wrong passes are also counted
apart (wrong_flagged) so the table can say how many wrong passes they are.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["COSINES", "MARGIN", "auc", "choose", "evaluate"]

MARGIN = 0.5
COSINES = np.round(np.arange(0.50, 0.801, 0.05), 2)


def _bar_of(negatives: np.ndarray, margin: float) -> float:
    return (float(negatives.max()) if len(negatives) else float("-inf")) + margin


def choose(logits: list[np.ndarray], d: dict[str, Any], chosen_on: np.ndarray, cosines: np.ndarray = COSINES,
           *, margin: float = MARGIN) -> tuple[float, list[float]]:
    """The candidate cosine and bars (one per model; a pair must pass all) letting the most of the
    `chosen_on` pairs' positives through with none of their negatives within `margin` of passing."""
    best: tuple[int, float, list[float]] = (-1, 0.0, [])
    for cosine in cosines:
        shown = chosen_on & (d["cosine"] >= cosine)
        negatives = shown & (d["label"] == 0)
        positives = shown & (d["label"] == 1)
        if len(logits) == 1:
            options = [[_bar_of(logits[0][negatives], margin)]]
        else:  # every bar of the first model; the second then blocks the negatives the first lets near
            first = logits[0][negatives]
            options = []
            for bar in sorted({*(first + margin), float("-inf")}):
                near = negatives.copy()
                near[negatives] = first + margin > bar
                options.append([bar, _bar_of(logits[1][near], margin)])
        for bars in options:
            passed = int((positives & np.all([lg >= b for lg, b in zip(logits, bars, strict=True)], axis=0)).sum())
            if passed >= best[0]:  # a tie goes to the higher cosine: fewer candidates to read
                best = (passed, float(cosine), bars)
    return best[1], best[2]


def evaluate(d: dict[str, Any], models: dict[str, list[np.ndarray]], *, cosines: np.ndarray = COSINES,
             drop: np.ndarray | None = None, flag: np.ndarray | None = None) -> dict[str, Any]:
    """Per model and fold: positives passing and negatives passing, with choices made on the other folds."""
    folds = len(d["members"])
    fold_i, fold_j = d["item_fold"][d["i"]], d["item_fold"][d["j"]]
    pair_fold = np.where(fold_i == fold_j, fold_i, -2)
    kept = np.ones(len(d["label"]), bool) if drop is None else ~drop
    flagged = np.zeros(len(d["label"]), bool) if flag is None else flag
    series_of_fold = [set(str(m).split(",")) for m in d["members"]]
    counts = dict(zip(d["positives_series"].tolist(), d["positives_count"].tolist(), strict=True))
    out: dict[str, Any] = {}
    for name, logits in models.items():
        rows = []
        for fold in range(folds):
            others = (pair_fold >= 0) & (pair_fold != fold) & kept
            cosine, bars = choose(logits, d, others, cosines)
            test = (pair_fold == fold) & (d["cosine"] >= cosine) & kept
            accepted = test & np.all([lg >= b for lg, b in zip(logits, bars, strict=True)], axis=0)
            wrong = accepted & (d["label"] == 0)
            rows.append({"fold": fold, "series": sorted(series_of_fold[fold]), "cosine": cosine,
                         "bars": [round(b, 3) for b in bars],
                         "positives": sum(counts.get(s, 0) for s in series_of_fold[fold]),
                         "passed": int((accepted & (d["label"] == 1)).sum()), "wrong": int(wrong.sum()),
                         "wrong_flagged": int((wrong & flagged).sum()),
                         "wrong_pairs": [f"{d['keys'][d['i'][k]]}~{d['keys'][d['j'][k]]}"
                                         for k in np.flatnonzero(wrong)],
                         "negatives": int(((pair_fold == fold) & (d["label"] == 0) & kept).sum())})
        total = sum(r["positives"] for r in rows)
        out[name] = {"folds": rows, "share": round(sum(r["passed"] for r in rows) / max(total, 1), 4),
                     "passed": sum(r["passed"] for r in rows), "positives": total,
                     "wrong": sum(r["wrong"] for r in rows), "wrong_flagged": sum(r["wrong_flagged"] for r in rows)}
    return out


def auc(scores: np.ndarray, positive: np.ndarray, negative: np.ndarray) -> float:
    """Probability that a positive outscores a negative (ties count half); NaN scores are left out."""
    pos = scores[positive & ~np.isnan(scores)]
    neg = scores[negative & ~np.isnan(scores)]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return round(float(greater / (len(pos) * len(neg))), 4)
