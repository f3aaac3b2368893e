"""Token-level evidence of WHAT differs between two messages, from MiniLM's own contextual tokens.

Sentence vectors of "we are going ahead" and "we are not going ahead" are nearly the same point; the
token that differs is not. The lookup's single forward pass already computes a contextual embedding
for every word piece of the message view; each side keeps them, reduced to TOKEN_DIMS dimensions by a
projection the trainer fits (PCA of centred token embeddings, shipped in weights/verifier.npz) and
L2-normalised, at most MAX_TOKENS of them.

Two sides are aligned BERTScore-style: each token's best cosine match among the other side's tokens.
Tokens whose best match is below UNALIGNED have no counterpart: they are the difference. The features
are symmetric in the two sides: alignment mean / weakest side / worst token, how many tokens are
unaligned and their share, and the weighted mean and the element-wise max of the unaligned tokens'
vectors (both sides pooled together). Which differences change meaning (a "not", another ask, another
role) and which do not (a greeting, a rewording) is left to the trained verifier, which weighs every
pooled dimension: nothing here lists words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.cache.embedder import DIMENSIONS

__all__ = ["MAX_TOKENS", "TOKEN_DIMS", "TOKEN_FEATURES", "TOKEN_SCALARS", "UNALIGNED", "TokenProjection",
           "token_features"]

Floats = npt.NDArray[np.float32]

MAX_TOKENS = 96   # word pieces kept per message (the written threads' longest has 63): the first and last halves
TOKEN_DIMS = 48   # dimensions kept per token: 48 x 96 x float16 = 9 KB per entry at most
# Best-match cosine (in the reduced space) below which a token has no counterpart on the other side: the
# default; the shipped verifier carries the level its grouped cross-validation chose (scripts/train_verifier.py).
UNALIGNED = 0.9
TOKEN_SCALARS = ("token_align_mean", "token_align_weak", "token_align_min", "unaligned_count",
                 "unaligned_count_max", "unaligned_share", "unaligned_share_max", "nothing_unaligned")
TOKEN_FEATURES = len(TOKEN_SCALARS) + 2 * TOKEN_DIMS


@dataclass(frozen=True)
class TokenProjection:
    """Centre, project and normalise MiniLM token embeddings (fitted by scripts/train_verifier.py)."""

    mean: Floats   # (DIMENSIONS,)
    basis: Floats  # (DIMENSIONS, TOKEN_DIMS), orthonormal columns

    def __post_init__(self) -> None:
        if self.mean.shape != (DIMENSIONS,) or self.basis.shape != (DIMENSIONS, TOKEN_DIMS):
            raise ValueError(f"a token projection must be {DIMENSIONS} -> {TOKEN_DIMS}; got "
                             f"{self.basis.shape}: run scripts/train_verifier.py")

    def reduce(self, tokens: Floats) -> Floats:
        """(n, DIMENSIONS) token embeddings -> (min(n, MAX_TOKENS), TOKEN_DIMS) unit rows, float32."""
        if len(tokens) > MAX_TOKENS:
            # The answer to the rep's question tends to open a message and the ask to close it.
            half = MAX_TOKENS // 2
            tokens = np.concatenate([tokens[:half], tokens[-(MAX_TOKENS - half):]])
        reduced = (np.asarray(tokens, dtype=np.float32) - self.mean) @ self.basis
        norms = np.maximum(np.linalg.norm(reduced, axis=1, keepdims=True), 1e-6)
        out: Floats = (reduced / norms).astype(np.float32)
        return out


def token_features(a: Floats, b: Floats, *, level: float = UNALIGNED) -> Floats:
    """TOKEN_FEATURES floats for two sides' reduced tokens (symmetric in a and b); zeros if either has none."""
    if not len(a) or not len(b):
        return np.zeros(TOKEN_FEATURES, dtype=np.float32)
    sims = a @ b.T
    forward, backward = sims.max(axis=1), sims.max(axis=0)
    means = (float(forward.mean()), float(backward.mean()))
    loose_a, loose_b = forward < level, backward < level
    counts = (int(loose_a.sum()), int(loose_b.sum()))
    shares = (counts[0] / len(a), counts[1] / len(b))
    # Both sides' unaligned tokens in one bag: "not" added to A or to B is the same difference.
    loose = np.concatenate([a[loose_a], b[loose_b]])
    weight = np.concatenate([level - forward[loose_a], level - backward[loose_b]])
    if len(loose):
        mean = (weight[:, None] * loose).sum(axis=0) / max(float(weight.sum()), 1e-6)
        peak = loose.max(axis=0)
    else:
        mean = peak = np.zeros(TOKEN_DIMS, dtype=np.float32)
    scalars = np.array([sum(means) / 2, min(means), float(min(forward.min(), backward.min())),
                        np.log1p(sum(counts)), np.log1p(max(counts)), sum(counts) / (len(a) + len(b)),
                        max(shares), float(not len(loose))], dtype=np.float32)
    return np.concatenate([scalars, mean, peak]).astype(np.float32)
