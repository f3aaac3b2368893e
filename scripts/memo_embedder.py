"""The trainers' embedder: the shared MiniLM with a memo on disk, so re-running a trainer re-encodes nothing.

    MemoEmbedder(Path("/tmp/memo.npz"))   # or None: no memo, every text encoded

Token embeddings (`encode_with_tokens`, for the verifier) are memoised too, float16, in FILE.tokens.npz.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from engine.cache.embedder import get_embedder

__all__ = ["MemoEmbedder"]


class MemoEmbedder:
    """`encode_sync` / `encode_with_tokens` as the Embedder has them, remembering every text's vectors
    (in `path`, if given)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.memo: dict[str, np.ndarray] = {}
        self.tokens: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            with np.load(path, allow_pickle=False) as data:
                self.memo = dict(zip([str(t) for t in data["texts"]], data["vectors"], strict=True))
        if self._tokens_path is not None and self._tokens_path.exists():
            with np.load(self._tokens_path, allow_pickle=False) as data:
                ends = np.cumsum(data["lengths"])
                rows = np.split(data["rows"], ends[:-1])
                self.tokens = dict(zip([str(t) for t in data["texts"]], rows, strict=True))

    @property
    def _tokens_path(self) -> Path | None:
        return None if self.path is None else self.path.with_suffix(".tokens.npz")

    def encode_sync(self, texts: list[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self.memo]
        if missing:
            self.memo.update(zip(missing, get_embedder().encode_sync(missing), strict=True))
            if self.path is not None:
                np.savez(self.path, texts=np.array(list(self.memo)), vectors=np.stack(list(self.memo.values())))
        return np.stack([self.memo[text] for text in texts]).astype(np.float32)

    def encode_with_tokens(self, texts: list[str], *, rows: Sequence[int]) -> tuple[np.ndarray, list[np.ndarray]]:
        wanted = [texts[row] for row in rows]
        missing = [text for text in dict.fromkeys(wanted) if text not in self.tokens]
        if missing:
            _, tokens = get_embedder().encode_with_tokens(missing, rows=range(len(missing)))
            self.tokens.update(zip(missing, (t.astype(np.float16) for t in tokens), strict=True))
            if self._tokens_path is not None:
                np.savez(self._tokens_path, texts=np.array(list(self.tokens)),
                         lengths=np.array([len(t) for t in self.tokens.values()]),
                         rows=np.concatenate(list(self.tokens.values())))
        return self.encode_sync(texts), [self.tokens[text].astype(np.float32) for text in wanted]
