"""Fitting the intent model and choosing when it says `general`, by cross-validation grouped by situation.

    fit            softmax regression (cross-entropy + L2, balanced classes) by L-BFGS: deterministic
    out_of_fold    logits of every row from a model that never saw the row's group
    temperature    one scale fitted to the out-of-fold log-likelihood, so probabilities mean what they say
    choose         min_confidence and flip_mass (one for short replies read with the rep's question, one for
                   the rest): the most right readings, a flip costing FLIP_COST of them, flips counted with
                   a margin (at looser thresholds than the ones shipped)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from engine.meaning.intent import DECLINE, GO_AHEAD

__all__ = ["FLIP_COST", "FOLDS", "L2", "Choice", "choose", "fit", "out_of_fold", "score", "softmax", "temperature"]

FOLDS = 5
L2 = 3e-5  # chosen by grouped cross-validation (3e-5 .. 1e-2 tried): the fewest out-of-fold flips
# A reply that assumes the wrong side of decline / go-ahead costs as much as this many replies that
# ask instead of assuming (`general`, counted as wrong). Zero out-of-fold flips with accuracy >= 0.8 is
# out of reach on this (hard-negative heavy) data: 10 keeps ~0.81 (0.87 on the tuning half) at ~6 flips
# in 1,000 rows; 15 and above buy zero flips (also at the looser margin) at ~0.72 (0.71 on the tuning
# half). The issue says never flip, and a `general` reading still gets a reply that asks, so the smallest
# cost with zero flips: 15. Chosen by the lead before the blind set was measured. With the 400 threads
# of the fourth session (1,469 rows) and the sentence reading, no threshold pair reaches zero flips out
# of fold any more: 15 gives 2 flips at 0.732 (flip mass 0.01), 40 and above 1 flip at 0.700 (0.005,
# the grid's floor); nested, 7 and 4 flips. Kept at 15 (the lead's number); see the issue 12 note.
FLIP_COST = 15
# The margin: flips are also counted at a looser setting than the one shipped, so that the chosen
# thresholds are not sitting right on the edge of a flip.
MARGIN_CONFIDENCE = 0.05
MARGIN_MASS = 1.5

Array = npt.NDArray[np.float64]


def softmax(logits: Array) -> Array:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    out: Array = exp / exp.sum(axis=-1, keepdims=True)
    return out


def fit(x: Array, y: npt.NDArray[np.int64], classes: int, *, l2: float = L2) -> tuple[Array, Array]:
    """Weights and bias of an L2-regularised softmax regression with balanced class weights."""
    x = x.astype(np.float64)
    n, d = x.shape
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    weight = (n / (classes * np.maximum(counts, 1)))[y]
    onehot = np.eye(classes)[y]

    def loss(theta: Array) -> tuple[float, Array]:
        w, b = theta[: d * classes].reshape(d, classes), theta[d * classes:]
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        value = -(weight * (logp * onehot).sum(axis=1)).sum() / n + 0.5 * l2 * float((w * w).sum())
        grad = (np.exp(logp) - onehot) * weight[:, None] / n
        return value, np.concatenate([(x.T @ grad + l2 * w).ravel(), grad.sum(axis=0)])

    result = minimize(loss, np.zeros(d * classes + classes), jac=True, method="L-BFGS-B",
                      options={"maxiter": 1000})
    theta = result.x
    return theta[: d * classes].reshape(d, classes), theta[d * classes:]


def out_of_fold(x: Array, y: npt.NDArray[np.int64], folds: list[int], classes: int) -> Array:
    """Each row's logits from the model fitted on the other folds."""
    fold = np.asarray(folds)
    logits = np.zeros((len(y), classes))
    for k in sorted(set(folds)):
        w, b = fit(x[fold != k], y[fold != k], classes)
        logits[fold == k] = x[fold == k] @ w + b
    return logits


def temperature(logits: Array, y: npt.NDArray[np.int64]) -> float:
    """The scale of the logits that minimises the out-of-fold negative log-likelihood."""
    def nll(t: float) -> float:
        logp = np.log(softmax(logits / t))
        return float(-logp[np.arange(len(y)), y].mean())
    return float(min(np.round(np.arange(0.2, 3.001, 0.01), 2), key=nll))


def _side(labels: list[str]) -> npt.NDArray[np.int64]:
    return np.array([1 if label in DECLINE else -1 if label in GO_AHEAD else 0 for label in labels])


def _parts(p: Array, labels: list[str]) -> tuple[npt.NDArray[np.int64], Array, Array]:
    """What the decision reads of each row: the top label, the other side's mass, the top probability."""
    side = _side(labels)
    top = p.argmax(axis=1)
    other = np.where(side[top] == 1, p[:, side == -1].sum(axis=1),
                     np.where(side[top] == -1, p[:, side == 1].sum(axis=1), 0.0))
    return top, other, p.max(axis=1)


def _said(parts: tuple[npt.NDArray[np.int64], Array, Array], general: int, min_confidence: float,
          mass: Array | float) -> npt.NDArray[np.int64]:
    top, other, confidence = parts
    return np.where((confidence < min_confidence) | (other >= mass), general, top)


def decide(p: Array, labels: list[str], *, min_confidence: float, flip_mass: float,
           question: npt.NDArray[np.bool_] | None = None, question_flip_mass: float | None = None,
           ) -> npt.NDArray[np.int64]:
    """IntentModel.decide over many rows (label indices); `question` marks the short replies read with
    the rep's question, held to `question_flip_mass`."""
    mass = np.full(len(p), flip_mass)
    if question is not None and question_flip_mass is not None:
        mass[question] = question_flip_mass
    return _said(_parts(p, labels), labels.index("general"), min_confidence, mass)


def score(said: npt.NDArray[np.int64], y: npt.NDArray[np.int64], labels: list[str]) -> tuple[float, int]:
    """Accuracy and decline <-> go-ahead flips."""
    side = _side(labels)
    return float((said == y).mean()), int((side[y] * side[said] == -1).sum())


@dataclass(frozen=True)
class Choice:
    """The chosen thresholds and what they give out of fold."""

    min_confidence: float
    flip_mass: float
    accuracy: float
    flips: int
    flips_with_margin: int
    question_flip_mass: float | None = None

    def decide(self, p: Array, labels: list[str], question: npt.NDArray[np.bool_] | None = None,
               ) -> npt.NDArray[np.int64]:
        """These thresholds applied to many rows."""
        return decide(p, labels, min_confidence=self.min_confidence, flip_mass=self.flip_mass, question=question,
                      question_flip_mass=self.question_flip_mass)


CONFIDENCES = np.round(np.arange(0.0, 0.951, 0.01), 2)
# Down to 0.0005: with a high flip cost, leaving one writer's series out (session 5) wanted flip masses
# below the old floor of 0.005 (cost 300 on every series: 2 flips at the old floor, 1 below it).
MASSES = np.round(np.concatenate([[0.0005, 0.001, 0.002, 0.003], np.arange(0.005, 0.05, 0.005),
                                  np.arange(0.05, 0.61, 0.01)]), 4)


def _value(parts: tuple[npt.NDArray[np.int64], Array, Array], y: npt.NDArray[np.int64], labels: list[str],
           c: float, m: float) -> tuple[int, int, int]:
    """Right readings, flips, and flips counted with the margin, at thresholds (c, m)."""
    general = labels.index("general")
    said = _said(parts, general, c, m)
    right, flips = int((said == y).sum()), score(said, y, labels)[1]
    loose = _said(parts, general, max(c - MARGIN_CONFIDENCE, 0.0), m * MARGIN_MASS)
    return right, flips, max(flips, score(loose, y, labels)[1])


def choose(p: Array, y: npt.NDArray[np.int64], labels: list[str], question: npt.NDArray[np.bool_] | None = None,
           ) -> Choice:
    """The thresholds with the most right readings, each flip (counted with the margin) costing FLIP_COST.
    With `question`, the flip mass of short replies read with the rep's question is chosen on its own
    (right readings and flips add up over the two kinds of message, so each is chosen on its rows)."""
    subsets = [np.ones(len(y), dtype=bool)] if question is None else [question, ~question]
    parts = [_parts(p[rows], labels) for rows in subsets]
    best: tuple[tuple[float, ...], Choice] | None = None
    for c in CONFIDENCES:
        picks = []
        for k, rows in enumerate(subsets):
            if not rows.any():
                picks.append(((0, 0, 0), float(MASSES[0])))
                continue
            # Ties: the smaller room for the other side (commit across the divide only when it is nearly
            # ruled out).
            picks.append(max(((_value(parts[k], y[rows], labels, c, m), float(m)) for m in MASSES),
                             key=lambda v: (v[0][0] - FLIP_COST * v[0][2], -v[1])))
        right, flips, margin_flips = (sum(v[0][k] for v in picks) for k in range(3))
        # Ties: the lower confidence bar (say `general` rarely).
        key = (right - FLIP_COST * margin_flips, -c)
        if best is None or key > best[0]:
            best = (key, Choice(min_confidence=float(c), flip_mass=picks[-1][1], accuracy=right / len(y),
                                flips=flips, flips_with_margin=margin_flips,
                                question_flip_mass=picks[0][1] if question is not None else None))
    assert best is not None
    return best[1]
