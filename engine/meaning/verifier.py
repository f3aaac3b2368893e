"""The pair verifier: may a cached analysis be served for a new thread that embeds close to it?

Meaning is judged by the trained intent model (engine/meaning/intent.py), read on both threads: the
verifier's score is the probability that the two threads carry the same intent, sum_k p(k) q(k) of
their intent distributions, and it is zero unless both readings commit to the same intent (never
`general`). A short reply is read together with the rep's question, so "Yes, that works!" to "shall I
take you off the list?" and to "shall I send the invite?" read differently. Hard facts are checked
exactly elsewhere (engine/meaning/facts.py). The threshold is chosen on the tuning half of the
samples by scripts/train_models.py and ships in weights/verifier.json; SEMANTIC_VERIFIER_THRESHOLD
overrides it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.meaning.encoding import Encoded
from engine.meaning.intent import Floats, IntentReading

__all__ = ["VERIFIER_WEIGHTS", "PairVerifier", "Side", "agreed"]

VERIFIER_WEIGHTS = Path(__file__).parent / "weights" / "verifier.json"


@dataclass(frozen=True)
class Side:
    """What the verifier needs of one thread (stored with each cache entry)."""

    short: bool
    probabilities: Floats
    intent: str

    @classmethod
    def of(cls, encoded: Encoded, reading: IntentReading) -> Side:
        """The side of a freshly encoded and read message."""
        return cls(short=encoded.short, probabilities=reading.probabilities, intent=reading.intent)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form (float16 probabilities, base64)."""
        return {"short": self.short, "intent": self.intent,
                "probabilities": base64.b64encode(self.probabilities.astype(np.float16).tobytes()).decode()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Side:
        """The inverse of `to_json`."""
        probabilities = np.frombuffer(base64.b64decode(data["probabilities"]), dtype=np.float16)
        return cls(short=bool(data["short"]), probabilities=probabilities.astype(np.float32),
                   intent=str(data["intent"]))


def agreed(query: Side, candidate: Side) -> bool:
    """Both readings commit to the same intent, and it is not `general`."""
    return query.intent == candidate.intent and query.intent != "general"


class PairVerifier:
    """Scores a pair by the probability that both threads mean the same intent."""

    def __init__(self, *, threshold: float, chosen_on: str = "") -> None:
        self.threshold = threshold  # the trainer's choice on the tuning half
        self.chosen_on = chosen_on

    @classmethod
    def load(cls, path: Path = VERIFIER_WEIGHTS) -> PairVerifier:
        """Read the shipped threshold."""
        data = json.loads(path.read_text("utf-8"))
        return cls(threshold=float(data["threshold"]), chosen_on=str(data.get("chosen_on", "")))

    def save(self, path: Path = VERIFIER_WEIGHTS) -> None:
        """Write the threshold and where it was chosen."""
        path.write_text(json.dumps({"threshold": self.threshold, "chosen_on": self.chosen_on}, indent=1) + "\n",
                        "utf-8")

    @staticmethod
    def score(query: Side, candidate: Side) -> float:
        """The probability that `candidate`'s analysis is right for `query` (0 if their readings differ)."""
        if len(query.probabilities) != len(candidate.probabilities) or not agreed(query, candidate):
            return 0.0  # entries written by another model version are never trusted
        return float(query.probabilities @ candidate.probabilities)
