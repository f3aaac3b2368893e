"""The intent model's two readings trained together: the whole message, and its sentences one by one.

    logits = features @ W + b + log-mean-exp over sentences (sentence @ V + c), per intent

(engine/meaning/intent.py reads a message this way at run time.) Cross-entropy with balanced class
weights and L2 on W and V, minimised by L-BFGS from zeros with the analytic gradient: deterministic,
no sampling. The smooth maximum is what lets one decisive sentence of a long e-mail speak for it; from
zeros every sentence starts equal, and the gradient sends each intent's weight to the sentences that
carry it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from engine.meaning.encoding import MAX_SENTENCES, Encoded
from engine.meaning.intent import intent_features, reads_question, sentence_rows

__all__ = ["L2_SENTENCES", "Inputs", "Pooled", "fit_pooled", "inputs_of", "pooled_logits"]

Array = npt.NDArray[np.float64]
# The same L2 as the whole-message weights (intent_training.L2); 3e-4 on V was tried and was no better
# out of fold.
L2_SENTENCES = 3e-5


@dataclass(frozen=True)
class Inputs:
    """Model inputs of many messages: whole-message features, sentences padded to MAX_SENTENCES (and
    which are real), and whether each is a short reply read with the rep's question."""

    x: Array
    sentences: Array
    mask: npt.NDArray[np.bool_]
    question: npt.NDArray[np.bool_]

    def take(self, rows: npt.NDArray[np.int64]) -> Inputs:
        return Inputs(x=self.x[rows], sentences=self.sentences[rows], mask=self.mask[rows],
                      question=self.question[rows])


def inputs_of(encoded: list[Encoded]) -> Inputs:
    """Stack the encoded messages."""
    sentences = np.zeros((len(encoded), MAX_SENTENCES, encoded[0].message.shape[0]))
    mask = np.zeros((len(encoded), MAX_SENTENCES), dtype=bool)
    for i, e in enumerate(encoded):
        rows = sentence_rows(e)[:MAX_SENTENCES]
        sentences[i, :len(rows)] = rows
        mask[i, :len(rows)] = True
    return Inputs(x=np.stack([intent_features(e) for e in encoded]).astype(np.float64), sentences=sentences,
                  mask=mask, question=np.array([reads_question(e) for e in encoded]))


@dataclass(frozen=True)
class Pooled:
    """Fitted weights: whole message (w, b) and per sentence (v, c)."""

    w: Array
    b: Array
    v: Array
    c: Array


def _pool(inputs: Inputs, v: Array, c: Array) -> tuple[Array, Array]:
    """Log-mean-exp over each message's sentences, and each sentence's share of it (for the gradient)."""
    s = np.einsum("nkd,dc->nkc", inputs.sentences, v) + c
    s = np.where(inputs.mask[:, :, None], s, -np.inf)
    top = s.max(axis=1, keepdims=True)
    e = np.exp(s - top)
    total = e.sum(axis=1)
    pooled = top[:, 0] + np.log(total) - np.log(inputs.mask.sum(axis=1))[:, None]
    return pooled, e / total[:, None, :]


def pooled_logits(model: Pooled, inputs: Inputs) -> Array:
    """Logits of many messages (before the temperature)."""
    pooled, _ = _pool(inputs, model.v, model.c)
    out: Array = inputs.x @ model.w + model.b + pooled
    return out


def fit_pooled(inputs: Inputs, y: npt.NDArray[np.int64], classes: int, *, l2: float,
               l2_sentences: float = L2_SENTENCES) -> Pooled:
    """Both readings' weights, fitted together."""
    n, d = inputs.x.shape
    e_dim = inputs.sentences.shape[2]
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    weight = (n / (classes * np.maximum(counts, 1)))[y]
    onehot = np.eye(classes)[y]
    sizes = [d * classes, classes, e_dim * classes, classes]

    def unpack(theta: Array) -> Pooled:
        parts, at = [], 0
        for size in sizes:
            parts.append(theta[at:at + size])
            at += size
        return Pooled(w=parts[0].reshape(d, classes), b=parts[1], v=parts[2].reshape(e_dim, classes), c=parts[3])

    def loss(theta: Array) -> tuple[float, Array]:
        m = unpack(theta)
        pooled, share = _pool(inputs, m.v, m.c)
        z = inputs.x @ m.w + m.b + pooled
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        value = (-(weight * (logp * onehot).sum(axis=1)).sum() / n + 0.5 * l2 * float((m.w * m.w).sum())
                 + 0.5 * l2_sentences * float((m.v * m.v).sum()))
        grad = (np.exp(logp) - onehot) * weight[:, None] / n
        per_sentence = share * grad[:, None, :]
        gv = np.einsum("nkd,nkc->dc", inputs.sentences, per_sentence) + l2_sentences * m.v
        return value, np.concatenate([(inputs.x.T @ grad + l2 * m.w).ravel(), grad.sum(axis=0), gv.ravel(),
                                      per_sentence.sum(axis=(0, 1))])

    options: dict[str, Any] = {"maxiter": 1000}
    result = minimize(loss, np.zeros(sum(sizes)), jac=True, method="L-BFGS-B", options=options)
    return unpack(result.x)
