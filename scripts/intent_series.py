"""Leave-one-series-out evaluation of the intent model: how it reads a writer it has never seen.

A series is one writer's threads (the first letter of a written id: t, u, v, z, w, x, s). For each
series S: the model is fitted on the configuration's rows minus S (the examples, contrasts and tuning
rows are no writer's series and always stay in training), its temperature and `general` thresholds are
chosen on out-of-fold logits of those training rows only, and S is read with them. Nothing of S decides
anything that S is scored on.

    series_logits   the left-out logits of every series' rows, and per series the out-of-fold logits of
                    its training rows (`inner`: `shared`, the default and cheapest: one model per series
                    and per situation fold, each training row read as it is when its own series is left out
                    (so the model that read it saw S, but S's labels never choose S's thresholds);
                    `situation`: nested, folds grouped by situation inside the training rows, as the shipped
                    thresholds are chosen; `series`: nested, each training series read without it)
    decide_series   per series: temperature and thresholds chosen on its training rows, then its reading
    series_table    accuracy / flips / share read as `general` per left-out series
    mixed_folds     the `series` folds: written rows by series, the other sources by situation fold
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from intent_eval import Fit, Predict
from intent_training import choose, score, softmax, temperature

__all__ = ["SeriesLogits", "decide_series", "mixed_folds", "series_logits", "series_table"]

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SeriesLogits:
    """Each written row's logits from the model fitted without its series; per series, the training
    rows (a mask) and their out-of-fold logits (what its thresholds are chosen on)."""

    series: npt.NDArray[np.str_]
    outer: Array
    inner: dict[str, tuple[npt.NDArray[np.bool_], Array]]


def mixed_folds(series: npt.NDArray[np.str_], folds: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Fold numbers: one per writer's series, and the situation folds for the rows of no series."""
    names = sorted(set(series.tolist()) - {""})
    return np.array([len(set(folds.tolist())) + names.index(s) if s else int(f)
                     for s, f in zip(series.tolist(), folds.tolist(), strict=True)])


def _out_of_fold(fit: Fit, predict: Predict, rows: npt.NDArray[np.int64], folds: npt.NDArray[np.int64],
                 out: Array) -> None:
    for k in sorted(set(folds.tolist())):
        out[rows[folds == k]] = predict(fit(rows[folds != k]), rows[folds == k])


def series_logits(fit: Fit, predict: Predict, classes: int, *, series: npt.NDArray[np.str_],
                  allowed: npt.NDArray[np.bool_], folds: npt.NDArray[np.int64], inner: str = "situation",
                  ) -> SeriesLogits:
    """Left-out logits of every series (whether or not the configuration trains on it: `allowed` marks
    the rows it may learn from)."""
    outer = np.zeros((len(series), classes))
    inners: dict[str, tuple[npt.NDArray[np.bool_], Array]] = {}
    names = sorted(set(series.tolist()) - {""})
    if inner == "shared":
        mixed = mixed_folds(series, folds)
        shared = np.zeros((len(series), classes))
        rows = np.flatnonzero(allowed)
        _out_of_fold(fit, predict, rows, mixed[rows], shared)
        rest = np.flatnonzero(~allowed)
        if len(rest):  # the series the configuration never trains on: one model, on all it may learn from
            shared[rest] = predict(fit(rows), rest)
        return SeriesLogits(series=series, outer=shared,
                            inner={name: (allowed & (series != name), shared) for name in names})
    inner_folds = folds if inner == "situation" else mixed_folds(series, folds)
    for name in names:
        train = allowed & (series != name)
        rows = np.flatnonzero(train)
        logits = np.zeros((len(series), classes))
        _out_of_fold(fit, predict, rows, inner_folds[rows], logits)
        inners[name] = (train, logits)
        left = np.flatnonzero(series == name)
        outer[left] = predict(fit(rows), left)
    return SeriesLogits(series=series, outer=outer, inner=inners)


def decide_series(logits: SeriesLogits, y: npt.NDArray[np.int64], labels: list[str]) -> npt.NDArray[np.int64]:
    """Each written row's reading, by thresholds chosen on its left-out series' training rows (-1 for
    the rows of no series)."""
    said = np.full(len(y), -1, dtype=np.int64)
    for name, (train, inner) in logits.inner.items():
        scale = temperature(inner[train], y[train])
        choice = choose(softmax(inner[train] / scale), y[train], labels)
        left = logits.series == name
        said[left] = choice.decide(softmax(logits.outer[left] / scale), labels)
    return said


def series_table(title: str, said: npt.NDArray[np.int64], y: npt.NDArray[np.int64], labels: list[str],
                 series: npt.NDArray[np.str_]) -> list[str]:
    """Lines of `left-out series rows accuracy flips general-share`, and all series together."""
    general = labels.index("general")
    lines = [title, f"  {'left out':10} {'rows':>5} {'accuracy':>9} {'flips':>6} {'general':>8}"]
    names = sorted(set(series.tolist()) - {""})
    for name in [*names, "all"]:
        rows = series != "" if name == "all" else series == name
        accuracy, flips = score(said[rows], y[rows], labels)
        lines.append(f"  {name:10} {int(rows.sum()):>5} {accuracy:>9.3f} {flips:>6} "
                     f"{float((said[rows] == general).mean()):>8.2f}")
    return lines
