"""What the verifier compares: one side per thread, and the features of a pair of sides.

A side is everything the verifier needs of one thread, computed from the lookup's single embedder
call and stored beside each cached analysis: the latest message's embedding (with the rep's question
when the reply is short), its sentences' embeddings, the rep's question, the intent model's
distribution, its length, and the version of the models that produced it (an entry written by
other models is never compared).

The pair features are symmetric (the order of the two threads does not matter) and mostly
similarities, so a few hundred written pairs are enough to weigh them:
  - cosine of the message views; sentence alignment (BERTScore-style best match of each sentence of
    one message among the other's, averaged and worst-case, both ways);
  - cosine of the rep's questions when both replies are short, and whether one is short and one not;
  - agreement of the intent distributions (sum p*q, total variation, decline / go-ahead mass gaps);
  - length ratio;
  - |u-v| and u*v of the message views, every dimension (the trainer weighs each, under a strong L2
    penalty: which directions of change matter is learned from the hard negatives);
  - token-level evidence of what differs (engine/meaning/tokens.py): the message views' contextual
    word pieces aligned BERTScore-style, and the pooled vectors of the pieces left unaligned.

Stored per entry (float16, base64 in JSON): the message, sentence and question vectors (384 dims each)
and at most MAX_TOKENS x TOKEN_DIMS reduced token vectors (9 KB at most, ~3 KB for a typical reply).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from engine.cache.embedder import DIMENSIONS
from engine.meaning.encoding import Encoded
from engine.meaning.tokens import TOKEN_DIMS, TOKEN_FEATURES, UNALIGNED, token_features

__all__ = ["BASE_FEATURES", "FEATURES", "SENTENCE_FEATURES", "Side", "pair_features"]

Floats = npt.NDArray[np.float32]

# Names of the scalar features, in order; |u-v| and u*v (DIMENSIONS each) follow them, then the token
# evidence (TOKEN_FEATURES: engine/meaning/tokens.py's scalars, then two pooled TOKEN_DIMS vectors).
BASE_FEATURES = ("cosine", "align_mean", "align_min", "worst_sentence", "context_cosine", "both_short",
                 "one_short", "intent_dot", "intent_tv", "decline_gap", "go_ahead_gap", "length_gap",
                 "word_overlap", "words_changed")


def _pack(array: Floats) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=np.float16).tobytes()).decode()


def _unpack(text: str, rows: int | None = None, *, width: int = DIMENSIONS) -> Floats:
    flat = np.frombuffer(base64.b64decode(text), dtype=np.float16).astype(np.float32)
    return flat if rows is None else flat.reshape(rows, width)


@dataclass(frozen=True)
class Side:
    """What the verifier needs of one thread (stored with each cache entry, float16)."""

    version: str
    short: bool
    words: int
    probabilities: Floats   # the intent model's distribution over its labels
    decline: float          # probability mass on declining labels
    go_ahead: float         # probability mass on going-ahead labels
    message: Floats         # the message view (with the rep's question if the reply is short)
    sentences: Floats       # one row per sentence; the message itself when it has one sentence
    context: Floats         # the rep's question (zeros unless the reply is short)
    tokens: frozenset[str]  # short hashes of the message's words (engine/cache/signature.py)
    # The message view's word pieces, reduced (engine/meaning/tokens.py); no rows when encoded without
    # the verifier's projection, and then the verifier refuses the pair.
    token_vectors: Floats = field(default_factory=lambda: np.zeros((0, TOKEN_DIMS), dtype=np.float32))

    @classmethod
    def of(cls, encoded: Encoded, probabilities: Floats, *, version: str, decline: float,
           go_ahead: float, tokens: frozenset[str]) -> Side:
        """The side of a freshly encoded and read message."""
        sentences = encoded.sentences if len(encoded.sentences) else encoded.message[None, :]
        return cls(version=version, short=encoded.short, words=encoded.words,
                   probabilities=np.asarray(probabilities, dtype=np.float32), decline=decline,
                   go_ahead=go_ahead, message=encoded.message, sentences=np.asarray(sentences, np.float32),
                   context=encoded.context, tokens=tokens,
                   token_vectors=np.asarray(encoded.tokens, np.float32).reshape(-1, TOKEN_DIMS))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"version": self.version, "short": self.short, "words": self.words,
                "probabilities": _pack(self.probabilities), "decline": round(self.decline, 4),
                "go_ahead": round(self.go_ahead, 4), "message": _pack(self.message),
                "sentences": _pack(self.sentences), "rows": len(self.sentences), "context": _pack(self.context),
                "tokens": sorted(self.tokens), "token_vectors": _pack(self.token_vectors),
                "token_rows": len(self.token_vectors)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Side:
        """The inverse of `to_json` (KeyError/ValueError on an entry of another format)."""
        return cls(version=str(data["version"]), short=bool(data["short"]), words=int(data["words"]),
                   probabilities=_unpack(data["probabilities"]), decline=float(data["decline"]),
                   go_ahead=float(data["go_ahead"]), message=_unpack(data["message"]),
                   sentences=_unpack(data["sentences"], int(data["rows"])), context=_unpack(data["context"]),
                   tokens=frozenset(data["tokens"]),
                   token_vectors=_unpack(data["token_vectors"], int(data["token_rows"]), width=TOKEN_DIMS))


def _alignment(a: Floats, b: Floats) -> tuple[float, float, float]:
    """Best match of each sentence of one side among the other's: mean both ways, the weaker
    direction's mean, and the single worst-matched sentence."""
    sims = a @ b.T
    forward, backward = sims.max(axis=1), sims.max(axis=0)
    means = (float(forward.mean()), float(backward.mean()))
    return (sum(means) / 2, min(means), float(min(forward.min(), backward.min())))


SENTENCE_FEATURES = len(BASE_FEATURES) + 2 * DIMENSIONS  # everything before the token evidence
FEATURES = SENTENCE_FEATURES + TOKEN_FEATURES


def pair_features(a: Side, b: Side, *, level: float = UNALIGNED) -> Floats:
    """The features of a pair (symmetric in a and b): FEATURES floats; `level` is the best-match cosine
    below which a token counts as unaligned (the verifier passes the one it was trained with)."""
    cosine = float(a.message @ b.message)
    align_mean, align_min, worst = _alignment(a.sentences, b.sentences)
    both_short = a.short and b.short
    context = float(a.context @ b.context) if both_short else 0.0
    intent_dot = float(a.probabilities @ b.probabilities)
    intent_tv = float(np.abs(a.probabilities - b.probabilities).sum() / 2)
    length_gap = abs(float(np.log((a.words + 1) / (b.words + 1))))
    # A near-copy with an edit ("we do" / "we don't do reseller programs") is where the embedding says
    # least about meaning: the share of words in common, and how many changed, let the model tell it
    # from a rewording by someone else.
    shared, changed = len(a.tokens & b.tokens), len(a.tokens ^ b.tokens)
    overlap = shared / max(len(a.tokens | b.tokens), 1)
    scalars = np.array([cosine, align_mean, align_min, worst, context, float(both_short),
                        float(a.short != b.short), intent_dot, intent_tv, abs(a.decline - b.decline),
                        abs(a.go_ahead - b.go_ahead), length_gap, overlap, float(np.log1p(changed))],
                       dtype=np.float32)
    return np.concatenate([scalars, np.abs(a.message - b.message), a.message * b.message,
                           token_features(a.token_vectors, b.token_vectors, level=level)]).astype(np.float32)
