"""Out-of-fold evaluation of the intent model, honest about its thresholds (scripts/train_models.py).

    logits_of    each row's logits from a model fitted without the row's fold (folds grouped by situation),
                 and, with `nested`, for each outer fold the inner out-of-fold logits of the other folds
    evaluate     temperature and thresholds chosen on the outer logits (what the shipped model uses), and
                 (nested) chosen again inside each outer fold from its inner logits only, then applied to
                 the outer fold: the rows that decide a threshold are never the rows it is scored on
    table        accuracy / flips / general per data source
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from intent_training import Choice, choose, score, softmax, temperature

__all__ = ["Evaluation", "Fit", "Logits", "Predict", "evaluate", "logits_of", "table"]

Array = npt.NDArray[np.float64]
Fit = Callable[[npt.NDArray[np.int64]], Any]             # training rows -> fitted model
Predict = Callable[[Any, npt.NDArray[np.int64]], Array]  # fitted model, rows -> logits


@dataclass(frozen=True)
class Evaluation:
    """Out-of-fold logits, the temperature and thresholds chosen on them, and the decisions."""

    logits: Array
    temperature: float
    choice: Choice
    said: npt.NDArray[np.int64]                   # thresholds chosen on all out-of-fold rows
    nested: npt.NDArray[np.int64] | None          # thresholds chosen inside each outer fold


@dataclass(frozen=True)
class Logits:
    """Outer out-of-fold logits, and per outer fold the inner out-of-fold logits (nested only)."""

    outer: Array
    inner: dict[int, Array]


def logits_of(fit: Fit, predict: Predict, y: npt.NDArray[np.int64], classes: int, folds: npt.NDArray[np.int64], *,
              nested: bool) -> Logits:
    """Out-of-fold logits (each pair of folds left out once more for the nested ones)."""
    fitted: dict[frozenset[int], Any] = {}

    def model(without: set[int]) -> Any:
        key = frozenset(without)
        if key not in fitted:
            fitted[key] = fit(np.flatnonzero(~np.isin(folds, list(without))))
        return fitted[key]

    names = sorted(set(folds.tolist()))
    outer = np.zeros((len(y), classes))
    for k in names:
        outer[folds == k] = predict(model({k}), np.flatnonzero(folds == k))
    inner: dict[int, Array] = {}
    for k in names if nested else []:
        inner[k] = np.zeros((len(y), classes))
        for j in names:
            if j != k:
                inner[k][folds == j] = predict(model({k, j}), np.flatnonzero(folds == j))
    return Logits(outer=outer, inner=inner)


def evaluate(logits: Logits, y: npt.NDArray[np.int64], labels: list[str], folds: npt.NDArray[np.int64], *,
             question: npt.NDArray[np.bool_] | None) -> Evaluation:
    """Decisions out of fold; `question` (short replies read with the rep's question) gets its own flip
    mass when given."""
    scale = temperature(logits.outer, y)
    choice = choose(softmax(logits.outer / scale), y, labels, question)
    said = choice.decide(softmax(logits.outer / scale), labels, question)
    inner_said = None
    if logits.inner:
        inner_said = np.zeros(len(y), dtype=np.int64)
        for k, inner in logits.inner.items():
            train, test = folds != k, folds == k
            inner_scale = temperature(inner[train], y[train])
            inner_choice = choose(softmax(inner[train] / inner_scale), y[train], labels,
                                  None if question is None else question[train])
            inner_said[test] = inner_choice.decide(softmax(logits.outer[test] / inner_scale), labels,
                                                   None if question is None else question[test])
    return Evaluation(logits=logits.outer, temperature=scale, choice=choice, said=said, nested=inner_said)


def table(title: str, said: npt.NDArray[np.int64], y: npt.NDArray[np.int64], labels: list[str],
          sources: list[str]) -> list[str]:
    """Lines of `source rows accuracy flips general`, one per source and one for all rows."""
    general = labels.index("general")
    source = np.array(sources)
    lines = [f"{title}", f"  {'source':12} {'rows':>5} {'accuracy':>9} {'flips':>6} {'general':>8}"]
    for name in [*sorted(set(sources)), "all"]:
        rows = np.ones(len(y), dtype=bool) if name == "all" else source == name
        accuracy, flips = score(said[rows], y[rows], labels)
        generals = int((said[rows] == general).sum())
        lines.append(f"  {name:12} {int(rows.sum()):>5} {accuracy:>9.3f} {flips:>6} {generals:>8}")
    return lines
