"""The trainers' embedder: the shared MiniLM with a memo on disk, so re-running a trainer re-encodes nothing.

    MemoEmbedder(Path("/tmp/memo.npz"))   # or None: no memo, every text encoded
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.cache.embedder import get_embedder

__all__ = ["MemoEmbedder"]


class MemoEmbedder:
    """`encode_sync` as the Embedder has it, remembering every text's vector (in `path`, if given)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.memo: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            with np.load(path, allow_pickle=False) as data:
                self.memo = dict(zip([str(t) for t in data["texts"]], data["vectors"], strict=True))

    def encode_sync(self, texts: list[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self.memo]
        if missing:
            self.memo.update(zip(missing, get_embedder().encode_sync(missing), strict=True))
            if self.path is not None:
                np.savez(self.path, texts=np.array(list(self.memo)), vectors=np.stack(list(self.memo.values())))
        return np.stack([self.memo[text] for text in texts]).astype(np.float32)
