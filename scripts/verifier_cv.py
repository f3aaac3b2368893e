"""Cross-validation for the pair verifier (scripts/train_verifier.py): folds grouped by situation, the
token projection fitted inside the training folds, thresholds chosen from out-of-fold logits, a
nested run (every choice made on the other folds only) for an honest estimate, and leave one writer's
series out (`by_series`: the choices made by the same cross-validation on the other series, then the
left-out series scored: a writer never seen).

A configuration is (features, L2, unaligned level): `tokens=False` is the sentence-level verifier
(engine/meaning/pairs.py's features without the token evidence), the one before issue 12 session 4.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.cache.embedder import DIMENSIONS
from engine.meaning.tokens import TOKEN_DIMS, TokenProjection, token_features

__all__ = ["Config", "Cut", "Data", "SeriesScore", "by_series", "choose_cut", "cross_logits", "fit_projection",
           "nested", "token_matrix"]

Fit = Callable[[np.ndarray, np.ndarray, float], tuple[np.ndarray, np.ndarray, np.ndarray, float]]


@dataclass(frozen=True)
class Config:
    tokens: bool
    l2: float
    level: float

    def __str__(self) -> str:
        return (f"tokens L2 {self.l2:g} level {self.level:g}" if self.tokens else f"sentence L2 {self.l2:g}")


@dataclass(frozen=True)
class Cut:
    """A candidate cosine and the verifier's logit bar, with the share of positives they let through."""

    share: float
    cosine: float
    bar: float


@dataclass
class Data:
    """Everything the cross-validation needs, computed once."""

    base: np.ndarray          # (pairs, SENTENCE_FEATURES)
    raw: list[np.ndarray]     # each item's raw token embeddings (tokens, DIMENSIONS)
    item_fold: np.ndarray     # fold of each item
    i: np.ndarray
    j: np.ndarray
    cosine: np.ndarray
    label: np.ndarray
    pair_fold: np.ndarray     # -1 when the two items lie in different folds
    gate: float               # share of positives that reach the verifier (same committed intent)
    fit: Fit                  # (rows, x, l2) -> mean, std, coef, bias
    cache: dict[tuple[tuple[int, ...], float], np.ndarray] = field(default_factory=dict)


def fit_projection(raw: Sequence[np.ndarray]) -> TokenProjection:
    """PCA of the centred token embeddings (each token counted once); signs fixed for determinism."""
    stacked = np.concatenate(list(raw)).astype(np.float64)
    mean = stacked.mean(axis=0)
    centred = stacked - mean
    values, vectors = np.linalg.eigh(centred.T @ centred / len(centred))
    basis = vectors[:, np.argsort(-values)[:TOKEN_DIMS]]
    basis *= np.where(basis[np.abs(basis).argmax(axis=0), np.arange(TOKEN_DIMS)] < 0, -1.0, 1.0)
    return TokenProjection(mean=mean.astype(np.float32).reshape(DIMENSIONS),
                           basis=basis.astype(np.float32))


def token_matrix(data: Data, projection: TokenProjection, level: float) -> np.ndarray:
    reduced = [projection.reduce(row) for row in data.raw]
    return np.stack([token_features(reduced[a], reduced[b], level=level) for a, b in zip(data.i, data.j, strict=True)])


def _features(data: Data, config: Config, train_folds: Sequence[int]) -> np.ndarray:
    if not config.tokens:
        return data.base
    key = (tuple(train_folds), config.level)
    if key not in data.cache:  # the same projection and level serve every L2 tried
        items = np.isin(data.item_fold, list(train_folds))
        projection = fit_projection([raw for raw, keep in zip(data.raw, items, strict=True) if keep])
        data.cache[key] = np.hstack([data.base, token_matrix(data, projection, config.level)])
    return data.cache[key]


def cross_logits(data: Data, config: Config, folds: Sequence[int]) -> np.ndarray:
    """Out-of-fold logits over `folds` (NaN for pairs outside them or across two folds)."""
    oof = np.full(len(data.label), np.nan)
    for fold in folds:
        rest = [f for f in folds if f != fold]
        x = _features(data, config, rest)
        train = np.flatnonzero(np.isin(data.pair_fold, rest))
        test = np.flatnonzero(data.pair_fold == fold)
        mean, std, coef, bias = data.fit(train, x, config.l2)
        oof[test] = ((x[test] - mean) / std) @ coef + bias
    return oof


def choose_cut(data: Data, oof: np.ndarray, cosines: Sequence[float], margin: float) -> tuple[Cut, list[Cut]]:
    """For each candidate cosine: the bar is the highest out-of-fold negative + `margin` (never below even
    odds); the cut kept lets the most positives through (on a tie the highest cosine: fewer candidates to
    score for the same reuse; session 5's data tied every cosine at zero)."""
    scored = ~np.isnan(oof)
    positives = max(int((scored & (data.label == 1)).sum()), 1)
    cuts = []
    for cosine in cosines:
        shown = scored & (data.cosine >= cosine)
        negatives = oof[shown & (data.label == 0)]
        bar = max((float(negatives.max()) if len(negatives) else float("-inf")) + margin, 0.0)
        passed = int((shown & (data.label == 1) & (oof >= bar)).sum())
        cuts.append(Cut(share=passed / positives * data.gate, cosine=float(cosine), bar=bar))
    return max(cuts, key=lambda cut: (cut.share, cut.cosine)), cuts


def nested(data: Data, configs: Sequence[Config], folds: int, cosines: Sequence[float],
           margin: float) -> tuple[float, list[int], int, list[str]]:
    """Each outer fold scored by the configuration, cosine and bar chosen on the other folds only:
    (share of positives passing, the negative pairs passing, negatives scored, choices)."""
    passed = negatives = positives = 0
    wrong: list[int] = []
    choices = []
    for outer in range(folds):
        rest = [f for f in range(folds) if f != outer]
        best: tuple[Cut, Config] | None = None
        for config in configs:
            cut, _ = choose_cut(data, cross_logits(data, config, rest), cosines, margin)
            if best is None or cut.share > best[0].share:
                best = (cut, config)
        assert best is not None
        cut, config = best
        x = _features(data, config, rest)
        mean, std, coef, bias = data.fit(np.flatnonzero(np.isin(data.pair_fold, rest)), x, config.l2)
        test = data.pair_fold == outer
        logits = ((x - mean) / std) @ coef + bias
        accepted = test & (data.cosine >= cut.cosine) & (logits >= cut.bar)
        passed += int((accepted & (data.label == 1)).sum())
        wrong += np.flatnonzero(accepted & (data.label == 0)).tolist()
        positives += int((test & (data.label == 1)).sum())
        negatives += int((test & (data.label == 0)).sum())
        choices.append(f"{config}, cosine {cut.cosine:.2f}")
    return passed / max(positives, 1) * data.gate, wrong, negatives, choices


@dataclass(frozen=True)
class SeriesScore:
    """One left-out series: its positive pairs (before the intent gate) and how many pass, the wrong hits
    among its own pairs and against the other series' threads, and the choices made without it."""

    series: str
    positives: int
    passed: int
    negatives: int
    wrong: list[int]
    cross_negatives: int
    cross_wrong: list[int]
    choice: str


def by_series(data: Data, configs: Sequence[Config], folds: int, cosines: Sequence[float], margin: float, *,
              item_series: np.ndarray, positives: dict[str, int]) -> list[SeriesScore]:
    """Leave one writer's series out: for each series S, the configuration, candidate cosine and bar are
    chosen by the grouped cross-validation on the pairs of the other threads only (the token projection
    fitted on them too), the verifier is fitted on all those pairs, and S's pairs are scored. `positives`:
    each series' positive pairs before the intent gate (what the share is of)."""
    out = []
    for name in sorted(set(item_series.tolist()) - {""}):
        left = item_series == name
        touches = left[data.i] | left[data.j]
        train = Data(base=data.base, raw=data.raw, item_fold=np.where(left, -2, data.item_fold), i=data.i,
                     j=data.j, cosine=data.cosine, label=data.label,
                     pair_fold=np.where(touches, -1, data.pair_fold), gate=1.0, fit=data.fit)
        best: tuple[Cut, Config] | None = None
        for config in configs:
            cut, _ = choose_cut(train, cross_logits(train, config, range(folds)), cosines, margin)
            if best is None or (cut.share, config.l2) > (best[0].share, best[1].l2):
                best = (cut, config)
        assert best is not None
        cut, config = best
        x = _features(train, config, range(folds))
        mean, std, coef, bias = data.fit(np.flatnonzero(~touches), x, config.l2)
        accepted = (data.cosine >= cut.cosine) & (((x - mean) / std) @ coef + bias >= cut.bar)
        own = left[data.i] & left[data.j]
        cross = touches & ~own
        out.append(SeriesScore(series=name, positives=positives.get(name, 0),
                               passed=int((own & accepted & (data.label == 1)).sum()),
                               negatives=int((own & (data.label == 0)).sum()),
                               wrong=np.flatnonzero(own & accepted & (data.label == 0)).tolist(),
                               cross_negatives=int((cross & (data.label == 0)).sum()),
                               cross_wrong=np.flatnonzero(cross & accepted & (data.label == 0)).tolist(),
                               choice=f"{config}, cosine {cut.cosine:.2f}, bar {cut.bar:.2f}"))
    return out
