"""The offline intent model: softmax regression over a message's MiniLM embeddings.

Features, all from the one embedder call the lookup makes anyway: the whole message (with the rep's
question in front when the message is short), the mean and the element-wise max of its sentences (so
the one sentence that says "no budget" is not averaged away by three polite ones), its first sentence
(where the answer to the rep's question usually is) and its last (where the ask usually is), the rep's
question on its own weights (only for a short reply, so a bare "yes please" reads as whatever was
asked), and a short-message flag. The weights are trained by scripts/train_models.py on labelled
examples in scripts/data/ and the tuning half of the samples; the temperature and the thresholds
below are chosen by cross-validation grouped by situation on the same data.

When the model is unsure it says `general` rather than guess: the reply then asks instead of
assuming, and a decline is never read as a go-ahead (or the reverse) on a coin toss.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from engine.meaning.encoding import Encoded
from engine.models import Intent

__all__ = ["DECLINE", "GO_AHEAD", "INTENT_WEIGHTS", "IntentModel", "IntentReading", "intent_features"]

INTENT_WEIGHTS = Path(__file__).parent / "weights" / "intent.npz"
# Readings that must never be swapped for one another (issue 12): declining vs going ahead.
DECLINE = frozenset({"not_interested", "unsubscribe_request", "budget_objection"})
GO_AHEAD = frozenset({"interested_book_meeting", "wants_trial", "asks_pricing"})

Floats = npt.NDArray[np.float32]


def intent_features(encoded: Encoded) -> Floats:
    """Model input for an encoded message (one vector): message; sentence mean, max, first and last; rep's
    question (short replies only); short flag."""
    short = 1.0 if encoded.short else 0.0
    # A one-sentence message has no sentence rows: the message stands for its only sentence.
    sentences = encoded.sentences if len(encoded.sentences) else encoded.message[None, :]
    parts = [encoded.message, sentences.mean(axis=0), sentences.max(axis=0), sentences[0], sentences[-1],
             encoded.context * short, np.array([short], dtype=np.float32)]
    return np.concatenate(parts).astype(np.float32)


@dataclass(frozen=True)
class IntentReading:
    """The model's reading of one message: probabilities over labels, and the intent it commits to."""

    probabilities: Floats
    intent: Intent
    confidence: float


class IntentModel:
    """Weights, labels and the two thresholds that decide when to say `general`: the least confidence,
    and the most probability the opposite side (decline vs go-ahead) may keep."""

    def __init__(self, *, weights: Floats, bias: Floats, labels: list[str], min_confidence: float,
                 flip_mass: float) -> None:
        self.weights = weights
        self.bias = bias
        self.labels = labels
        self.min_confidence = min_confidence
        self.flip_mass = flip_mass

    @classmethod
    def load(cls, path: Path = INTENT_WEIGHTS) -> IntentModel:
        """Read the shipped weights (numpy .npz, no pickles)."""
        with np.load(path, allow_pickle=False) as data:
            return cls(weights=data["weights"].astype(np.float32), bias=data["bias"].astype(np.float32),
                       labels=[str(label) for label in data["labels"]],
                       min_confidence=float(data["min_confidence"]), flip_mass=float(data["flip_mass"]))

    def save(self, path: Path = INTENT_WEIGHTS) -> None:
        """Write the weights (float16 halves the file; the scores move by < 1e-3)."""
        np.savez_compressed(path, weights=self.weights.astype(np.float16), bias=self.bias,
                            labels=np.array(self.labels), min_confidence=self.min_confidence,
                            flip_mass=self.flip_mass)

    def probabilities(self, rows: Floats) -> Floats:
        """Softmax over labels, one row per feature row (the temperature is folded into the weights)."""
        return _softmax(rows @ self.weights + self.bias)

    def message_probabilities(self, encoded: Encoded) -> Floats:
        """One message's probabilities over the labels."""
        probabilities: Floats = self.probabilities(intent_features(encoded)[None, :])[0]
        return probabilities

    def decide(self, probabilities: Floats) -> tuple[str, float]:
        """The committed label for one probability row: `general` when unsure or torn across the divide."""
        order = np.argsort(-probabilities)
        top = self.labels[int(order[0])]
        confidence = float(probabilities[order[0]])
        if confidence < self.min_confidence:
            return "general", confidence
        # Committing to a decline (or a go-ahead) needs the other side's total probability below
        # `flip_mass`: a reply that assumes the wrong one of the two is the costliest mistake.
        other = GO_AHEAD if top in DECLINE else DECLINE if top in GO_AHEAD else frozenset()
        mass = sum(float(p) for label, p in zip(self.labels, probabilities, strict=True) if label in other)
        if mass >= self.flip_mass:
            return "general", confidence
        return top, confidence

    def read(self, encoded: Encoded) -> IntentReading:
        """Read one encoded message."""
        probabilities = self.message_probabilities(encoded)
        label, confidence = self.decide(probabilities)
        return IntentReading(probabilities=probabilities, intent=label,  # type: ignore[arg-type]
                             confidence=confidence)


def _softmax(logits: Floats) -> Floats:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    out: Floats = (exp / exp.sum(axis=-1, keepdims=True)).astype(np.float32)
    return out
