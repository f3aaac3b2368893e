"""Out-of-fold readings of the fine-tuned mix reader for the verifier's training threads (the dual gate).

The cache's dual intent gate (engine/cache/semantic.py) shows the verifier a pair only when the LR reader
and the fine-tuned mix reader (engine/meaning/finetuned.py) each commit to one non-`general` intent on
both sides. The verifier's trainer must see the mix reader's commitments as the cache would for threads it
never saw: out of fold. Fine-tuning per verifier fold takes many minutes per fold, so they come from the
out-of-fold logits scripts/train_intent_finetune.py wrote (`<memo>_logits.npz`: keys y, folds, series, lr,
ft, mix; one row per scripts/intent_data.training_rows() row, four folds of writer series). Rows of the
series that reader never trained on (fold -1: c, l) hold no logits there; the shipped reader, trained on
every other row, reads them here (out of sample too). The shipped reader's temperature and `general`
thresholds decide the commitment.

Rows are matched to the verifier's items by source and order, and every match is checked by its message,
the rep's message and its label: a logits file written for other data is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from intent_data import training_rows

from engine.meaning.encoding import encode_views
from engine.meaning.finetuned import FT_WEIGHTS, FinetunedIntent
from engine.meaning.intent import decide_label, intent_features, softmax

__all__ = ["mix_committed"]


def _row_source(source: str) -> str:
    """An intent row's source in the verifier's terms: `example`, `written`, `tuning` (contrasts: none)."""
    if source == "examples":
        return "example"
    if source.startswith("pairs"):
        return "written"
    return source if source == "tuning" else ""


def mix_committed(items: Sequence[Any], embedder: Any, logits_path: Path, *, weights: Path = FT_WEIGHTS,
                  lower_memo: Path | None = None) -> list[str]:
    """The intent the mix reader commits to for each verifier item (train_verifier.Item), read out of fold."""
    rows = training_rows()
    with np.load(logits_path, allow_pickle=False) as data:
        y, folds, mix = data["y"], data["folds"], data["mix"].astype(np.float64)
    shipped = FinetunedIntent.load(weights)
    if len(rows) != len(y) or any(shipped.labels.index(row.intent) != int(label)
                                  for row, label in zip(rows, y, strict=True)):
        raise SystemExit(f"{logits_path} was written for other training rows ({len(y)} rows, "
                         f"{len(rows)} now): re-run scripts/train_intent_finetune.py")
    by_source: dict[str, list[int]] = {}
    for n, row in enumerate(rows):
        by_source.setdefault(_row_source(row.source), []).append(n)
    taken: dict[str, int] = {}
    index = []
    for item in items:
        position = taken.get(item.source, 0)
        taken[item.source] = position + 1
        n = by_source.get(item.source, [])[position]
        row = rows[n]
        if (row.view.text, row.view.context, row.intent) != (item.view.text, item.view.context, item.intent):
            raise SystemExit(f"{item.key} does not match intent row {n} ({row.group}): the logits file is for "
                             "other data")
        index.append(n)
    unread = [n for n in index if folds[n] < 0]
    if unread:  # series the fine-tuned folds never trained on: the shipped reader never saw them either
        mix = mix.copy()
        mix[unread] = _shipped_logits(shipped, [rows[n].view for n in unread], embedder, lower_memo)
    probabilities = softmax((mix[index] / shipped.temperature).astype(np.float32))
    return [decide_label(p, shipped.labels, min_confidence=shipped.min_confidence, flip_mass=shipped.flip_mass)[0]
            for p in probabilities]


def _shipped_logits(shipped: FinetunedIntent, views: Sequence[Any], embedder: Any, memo: Path | None) -> np.ndarray:
    """The shipped mix reader's logits (before its temperature) for `views`."""
    from ft_intent_lora import base_state, lower_states

    shipped.bind(base_state())
    states = lower_states([view.embedded for view in views], start=shipped.start, memo=memo)
    encoded = encode_views(embedder, list(views))
    out = np.stack([shipped.logits(states[view.embedded].astype(np.float32)) for view in views])
    if shipped.lr_weights is not None and shipped.lr_bias is not None:
        out = out + np.stack([intent_features(e) for e in encoded]) @ shipped.lr_weights + shipped.lr_bias
    return out
