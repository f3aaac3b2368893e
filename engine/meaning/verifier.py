"""The pair verifier: may a cached analysis be served for a new thread that embeds close to it?

A trained pair classifier (logistic regression over engine/meaning/pairs.py's features: cosines of
the message views, sentence alignment, the rep's questions, the intent model's distributions, word
overlap, length, |u-v| / u*v of the message embeddings, and the aligned contextual tokens with the
pooled vectors of those left unaligned, engine/meaning/tokens.py) scores the probability that two threads are the same
situation with the same meaning. It only scores pairs whose intent readings commit to the same
intent (never `general`): a decline is never served for a go-ahead because they embed alike. Hard
facts are checked exactly before it (engine/meaning/facts.py).

The weights, the threshold and the candidate cosine threshold it was cross-validated with are
trained by scripts/train_verifier.py and ship in weights/verifier.npz (about 80 KB, with the token
projection the lookups reduce their tokens with);
SEMANTIC_VERIFIER_THRESHOLD overrides the threshold. `version` names the verifier and intent
weights together: an entry stored by other weights is never trusted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.meaning.intent import INTENT_WEIGHTS, Floats
from engine.meaning.pairs import FEATURES, Side, pair_features
from engine.meaning.tokens import TokenProjection

__all__ = ["VERIFIER_WEIGHTS", "PairVerifier", "Verdict"]

VERIFIER_WEIGHTS = Path(__file__).parent / "weights" / "verifier.npz"


@dataclass(frozen=True)
class Verdict:
    """The verifier's word on a pair: a score in [0, 1] and, when it is zero by rule, why."""

    score: float
    check: str = "verifier"  # "intent" when the readings differ, "version" for another model's entry
    reason: str = ""


@dataclass(frozen=True)
class PairVerifier:
    """Standardised features -> logistic regression; `similarity` is the candidate cosine it was
    validated with (the default of SEMANTIC_SIMILARITY_THRESHOLD follows it)."""

    mean: Floats
    std: Floats
    coef: Floats
    bias: float
    threshold: float
    similarity: float
    version: str
    projection: TokenProjection  # what each side's token embeddings are reduced with
    level: float                 # best-match cosine below which a token is unaligned (engine/meaning/tokens.py)
    chosen_on: str = ""

    @classmethod
    def load(cls, path: Path = VERIFIER_WEIGHTS, *, intent_path: Path = INTENT_WEIGHTS) -> PairVerifier:
        """Read the shipped weights (numpy .npz, no pickles); the version hashes both weight files."""
        digest = hashlib.blake2b(path.read_bytes() + intent_path.read_bytes(), digest_size=6).hexdigest()
        with np.load(path, allow_pickle=False) as data:
            if "token_basis" not in data:
                raise ValueError(f"{path.name} has no token projection: it was trained for other code; run "
                                 "scripts/train_verifier.py")
            projection = TokenProjection(mean=data["token_mean"].astype(np.float32),
                                         basis=data["token_basis"].astype(np.float32))
            verifier = cls(mean=data["mean"].astype(np.float32),
                           std=data["std"].astype(np.float32), coef=data["coef"].astype(np.float32),
                           bias=float(data["bias"]), threshold=float(data["threshold"]),
                           similarity=float(data["similarity"]), version=digest, projection=projection,
                           level=float(data["level"]),
                           chosen_on=str(data["chosen_on"]))
        if not len(verifier.coef) == len(verifier.mean) == len(verifier.std) == FEATURES:
            raise ValueError(f"{path.name} has {len(verifier.coef)} weights for {FEATURES} features: it was trained "
                             "for other code; run scripts/train_verifier.py")
        return verifier

    def save(self, path: Path = VERIFIER_WEIGHTS) -> None:
        """Write the weights (numpy .npz)."""
        np.savez_compressed(path, mean=self.mean, std=self.std, coef=self.coef, bias=self.bias,
                            threshold=self.threshold, similarity=self.similarity, chosen_on=self.chosen_on,
                            token_mean=self.projection.mean, token_basis=self.projection.basis, level=self.level)

    def logit(self, a: Side, b: Side) -> float:
        """The classifier's log-odds that the pair is the same situation and meaning (no rules)."""
        features = pair_features(a, b, level=self.level)
        return float(((features - self.mean) / self.std) @ self.coef + self.bias)

    def judge(self, query: Side, candidate: Side, *, committed: tuple[str, str]) -> Verdict:
        """The probability that `candidate`'s analysis is right for `query`; `committed` holds the
        intents the intent model commits to for each (`general` when unsure)."""
        if query.version != self.version or candidate.version != self.version:
            return Verdict(0.0, "version", "entry stored by other model weights")
        if not len(query.token_vectors) or not len(candidate.token_vectors):
            return Verdict(0.0, "version", "a side without token vectors (encoded without the verifier's projection)")
        if committed[0] != committed[1] or "general" in committed:
            return Verdict(0.0, "intent", f"intents differ: {committed[0]} / {committed[1]}")
        return Verdict(float(1 / (1 + np.exp(-self.logit(query, candidate)))))
