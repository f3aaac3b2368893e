"""The offline intent model: softmax regression over a message's MiniLM embeddings, read whole and
sentence by sentence.

Whole-message features, all from the one embedder call the lookup makes anyway: the whole message
(with the rep's question in front when the message is short), the mean and the element-wise max of its
sentences, its first sentence (where the answer to the rep's question usually is) and its last (where
the ask usually is), the rep's question on its own weights (only for a short reply, so a bare "yes
please" reads as whatever was asked), and a short-message flag.

Sentence by sentence: every sentence gets its own intent logits from a second, smaller projection, and
per intent the sentences are pooled by a smooth maximum (log-mean-exp): the one sentence of a long
e-mail that says "we are not going ahead with it" speaks for the message even when three polite ones
around it read as a meeting; for a one-sentence message it is the whole message again. Both readings
add up before the softmax and are trained together (scripts/intent_pooled.py). Weights without the
sentence projection read the whole message only: the shipped weights are such (they flipped decline
and go-ahead less often out of fold; see scripts/train_models.py `--whole`).

The weights are trained by scripts/train_models.py on labelled examples and threads in scripts/data/
and the tuning half of the samples; the temperature and the thresholds below are chosen by
cross-validation grouped by situation on the same data. When the model is unsure it says `general`
rather than guess: the reply then asks instead of assuming, and a decline is never read as a go-ahead
(or the reverse) on a coin toss. A short reply read with the rep's question may have a flip mass of
its own (`question_flip_mass`; the trainer tried it, and ships the one flip mass the cross-validation
supported).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from engine.meaning.encoding import Encoded
from engine.models import Intent

__all__ = ["DECLINE", "GO_AHEAD", "INTENT_WEIGHTS", "IntentModel", "IntentReading", "decide_label",
           "intent_features", "reads_question", "sentence_rows", "softmax"]

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


def sentence_rows(encoded: Encoded) -> Floats:
    """The rows the sentence projection reads: each sentence, or the message when it has none."""
    rows: Floats = encoded.sentences if len(encoded.sentences) else encoded.message[None, :]
    return rows


def reads_question(encoded: Encoded) -> bool:
    """Whether the message is a short reply read with the rep's question (decided by its own threshold)."""
    return encoded.short and bool(np.any(encoded.context))


def pooled_sentence_logits(rows: Floats, weights: Floats, bias: Floats) -> Floats:
    """Per intent, the smooth maximum over sentences (log of the mean of exp) of the sentence logits."""
    logits = rows.astype(np.float32) @ weights + bias
    top = logits.max(axis=0)
    pooled: Floats = (top + np.log(np.exp(logits - top).mean(axis=0))).astype(np.float32)
    return pooled


@dataclass(frozen=True)
class IntentReading:
    """The model's reading of one message: probabilities over labels, and the intent it commits to."""

    probabilities: Floats
    intent: Intent
    confidence: float


class IntentModel:
    """Weights (whole message and per sentence), labels and the thresholds that decide when to say
    `general`: the least confidence, and the most probability the opposite side (decline vs go-ahead)
    may keep, for a short reply read with the rep's question and for any other message."""

    def __init__(self, *, weights: Floats, bias: Floats, labels: list[str], min_confidence: float,
                 flip_mass: float, sentence_weights: Floats | None = None, sentence_bias: Floats | None = None,
                 question_flip_mass: float | None = None, temperature: float = 1.0, recipe: str = "") -> None:
        self.weights = weights
        self.bias = bias
        self.labels = labels
        self.min_confidence = min_confidence
        self.flip_mass = flip_mass
        # Without a sentence projection (older weights, unit tests) the whole-message reading stands alone.
        self.sentence_weights = sentence_weights
        self.sentence_bias = sentence_bias
        self.question_flip_mass = flip_mass if question_flip_mass is None else question_flip_mass
        # The smooth maximum over sentences is not linear in its weights, so the temperature cannot be
        # folded into them: it divides the summed logits.
        self.temperature = temperature
        # How the weights were trained (`whole|sources`, scripts/train_models.py): the verifier's trainer
        # re-trains intent models by it to read its training threads out of fold.
        self.recipe = recipe

    @classmethod
    def load(cls, path: Path = INTENT_WEIGHTS) -> IntentModel:
        """Read the shipped weights (numpy .npz, no pickles)."""
        with np.load(path, allow_pickle=False) as data:
            sentences = "sentence_weights" in data.files
            return cls(weights=data["weights"].astype(np.float32), bias=data["bias"].astype(np.float32),
                       labels=[str(label) for label in data["labels"]],
                       min_confidence=float(data["min_confidence"]), flip_mass=float(data["flip_mass"]),
                       sentence_weights=data["sentence_weights"].astype(np.float32) if sentences else None,
                       sentence_bias=data["sentence_bias"].astype(np.float32) if sentences else None,
                       question_flip_mass=float(data["question_flip_mass"])
                       if "question_flip_mass" in data.files else None,
                       temperature=float(data["temperature"]) if "temperature" in data.files else 1.0,
                       recipe=str(data["recipe"]) if "recipe" in data.files else "")

    def save(self, path: Path = INTENT_WEIGHTS) -> None:
        """Write the weights (float16 halves the file; the scores move by < 1e-3)."""
        arrays: dict[str, Any] = {
            "weights": self.weights.astype(np.float16), "bias": self.bias, "labels": np.array(self.labels),
            "min_confidence": self.min_confidence, "flip_mass": self.flip_mass,
            "question_flip_mass": self.question_flip_mass, "temperature": self.temperature}
        if self.recipe:
            arrays["recipe"] = self.recipe
        if self.sentence_weights is not None and self.sentence_bias is not None:
            arrays |= {"sentence_weights": self.sentence_weights.astype(np.float16),
                       "sentence_bias": self.sentence_bias}
        np.savez_compressed(path, **arrays)

    def logits(self, encoded: Encoded) -> Floats:
        """One message's logits: the whole-message reading plus the pooled sentence reading, over the
        temperature."""
        logits: Floats = intent_features(encoded) @ self.weights + self.bias
        if self.sentence_weights is not None and self.sentence_bias is not None:
            logits = logits + pooled_sentence_logits(sentence_rows(encoded), self.sentence_weights,
                                                     self.sentence_bias)
        scaled: Floats = (logits / self.temperature).astype(np.float32)
        return scaled

    def message_probabilities(self, encoded: Encoded) -> Floats:
        """One message's probabilities over the labels."""
        probabilities: Floats = softmax(self.logits(encoded)[None, :])[0]
        return probabilities

    # The LR reader reads the lookup's sentence vectors only: no lower layer's hidden states needed.
    layer: int | None = None

    def decide(self, probabilities: Floats, *, question: bool = False) -> tuple[str, float]:
        """The committed label for one probability row: `general` when unsure or torn across the divide
        (`question`: the message is a short reply read with the rep's question)."""
        return decide_label(probabilities, self.labels, min_confidence=self.min_confidence,
                            flip_mass=self.question_flip_mass if question else self.flip_mass)

    def read(self, encoded: Encoded) -> IntentReading:
        """Read one encoded message."""
        probabilities = self.message_probabilities(encoded)
        label, confidence = self.decide(probabilities, question=reads_question(encoded))
        return IntentReading(probabilities=probabilities, intent=label,  # type: ignore[arg-type]
                             confidence=confidence)


def decide_label(probabilities: Floats, labels: list[str], *, min_confidence: float, flip_mass: float,
                 ) -> tuple[str, float]:
    """The label a probability row commits to: `general` below `min_confidence`, or when the other side
    of decline / go-ahead keeps `flip_mass` or more."""
    order = np.argsort(-probabilities)
    top = labels[int(order[0])]
    confidence = float(probabilities[order[0]])
    if confidence < min_confidence:
        return "general", confidence
    # Committing to a decline (or a go-ahead) needs the other side's total probability below
    # `flip_mass`: a reply that assumes the wrong one of the two is the costliest mistake.
    other = GO_AHEAD if top in DECLINE else DECLINE if top in GO_AHEAD else frozenset()
    mass = sum(float(p) for label, p in zip(labels, probabilities, strict=True) if label in other)
    if mass >= flip_mass:
        return "general", confidence
    return top, confidence


def softmax(logits: Floats) -> Floats:
    """Row-wise softmax, float32."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    out: Floats = (exp / exp.sum(axis=-1, keepdims=True)).astype(np.float32)
    return out
