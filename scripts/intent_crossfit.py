"""Out-of-fold intent readings of the verifier's training threads (cross-fitting, scripts/train_verifier.py).

The verifier sees the intent model's distributions, and the cache shows it only pairs whose readings
commit to the same intent. At run time both threads are new to the intent model; read with the shipped
weights, a training thread the intent model learned from is read with a confidence no new thread gets,
so confident in-sample readings let hard negatives through the intent gate and into training, and the
zero-wrong bar collapses (issue 12, session 4: 0.40 -> 0.01-0.04 with an intent model trained on every
row). Here each thread is read by an intent model trained by the shipped recipe without the verifier fold
that holds the thread's situation (nor any intent row of those situations or with the same text), through
the shipped temperature and thresholds (chosen on out-of-fold logits too). The shipped verifier still
reads the shipped intent weights at run time.

The recipe (whole message or with sentences, and the sources) is the one train_models.py stored in the
intent weights (`recipe`); weights without one are session 4's: `whole|examples,contrasts,pairs_t,tuning`.
Fine-tuned weights (engine/meaning/finetuned.py, recipe `lora|start=..,rank=..,epochs=..|sources`) are
re-fitted the same way by scripts/ft_intent_lora.py, one fine-tuning per verifier fold (minutes each).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from intent_data import training_rows
from intent_pooled import fit_pooled, inputs_of, pooled_logits
from intent_training import L2, fit, softmax

from engine.meaning.encoding import encode_views
from engine.meaning.finetuned import FinetunedIntent
from engine.meaning.intent import IntentModel

__all__ = ["SESSION4_RECIPE", "cross_fitted", "load_reader", "recipe_of"]

SESSION4_RECIPE = "whole|examples,contrasts,pairs_t,tuning"


def load_reader(weights: Path) -> IntentModel | FinetunedIntent:
    """The intent reader stored in `weights`: fine-tuned deltas (unbound: labels and thresholds only) or LR."""
    with np.load(weights, allow_pickle=False) as data:
        finetuned = "delta_names" in data.files
    return FinetunedIntent.load(weights) if finetuned else IntentModel.load(weights)


def recipe_of(model: IntentModel | FinetunedIntent) -> tuple[bool, frozenset[str]]:
    """(whole message only, the sources) the intent weights were trained with."""
    parts = (model.recipe or SESSION4_RECIPE).split("|")
    return parts[0] == "whole", frozenset(parts[-1].split(","))


def _intent_situation(group: str) -> str:
    """An intent row's group in the verifier's situation names (`pairs:t001` -> `written:t001`)."""
    source, _, name = group.partition(":")
    return {"pairs": f"written:{name}", "tuning": f"tuning:{name}"}.get(source, "")


def cross_fitted(embedder: Any, items: Sequence[Any], folds: np.ndarray, weights: Path, *,
                 by_series: bool = False) -> list[np.ndarray]:
    """Each training item's (train_verifier.Item) intent probabilities from the recipe's model fitted
    without the item's fold (`by_series`: a written thread without its writer's whole series instead)."""
    if by_series:
        names = sorted({item.key.split(":", 1)[1][:1] for item in items if item.source == "written"})
        folds = np.array([int(folds.max()) + 1 + names.index(item.key.split(":", 1)[1][:1])
                          if item.source == "written" else int(f) for item, f in zip(items, folds, strict=True)])
    views = [item.view for item in items]
    situations = [item.situation for item in items]
    shipped = load_reader(weights)
    whole, sources = recipe_of(shipped)
    rows = [row for row in training_rows() if row.source in sources]
    labels = sorted({row.intent for row in rows})
    if labels != shipped.labels:
        raise SystemExit(f"the intent weights' labels {shipped.labels} are not the recipe's {labels}: retrain "
                         "them with scripts/train_models.py first")
    fold_of_situation = dict(zip(situations, folds.tolist(), strict=True))
    fold_of_view: dict[tuple[str, str], set[int]] = {}
    for view, fold in zip(views, folds.tolist(), strict=True):
        fold_of_view.setdefault((view.text, view.context), set()).add(fold)
    # The verifier folds each intent row belongs to: its situation's, and any holding the same message.
    belongs = [fold_of_view.get((row.view.text, row.view.context), set())
               | ({fold_of_situation[_intent_situation(row.group)]}
                  if _intent_situation(row.group) in fold_of_situation else set()) for row in rows]
    y = np.array([labels.index(row.intent) for row in rows])
    if isinstance(shipped, FinetunedIntent):
        mixed = None
        if shipped.lr_weights is not None:  # `mix`: the LR reader's logits are re-fitted and added too
            mixed = (inputs_of(encode_views(embedder, [row.view for row in rows])).x,
                     inputs_of(encode_views(embedder, views)).x)
        return _cross_fitted_lora(shipped, rows, views, belongs, y, labels, folds, mixed)
    train_inputs = inputs_of(encode_views(embedder, [row.view for row in rows]))
    item_inputs = inputs_of(encode_views(embedder, views))
    out = np.zeros((len(views), len(labels)))
    fitted: dict[bytes, Any] = {}  # folds that hold no intent row share the model of all of them
    for k in sorted(set(folds.tolist())):
        keep = np.array([k not in b for b in belongs])
        read = np.flatnonzero(folds == k)
        if keep.tobytes() not in fitted:
            fitted[keep.tobytes()] = (fit(train_inputs.x[keep], y[keep], len(labels)) if whole else
                                      fit_pooled(train_inputs.take(np.flatnonzero(keep)), y[keep], len(labels),
                                                 l2=L2))
        model = fitted[keep.tobytes()]
        logits = item_inputs.x[read] @ model[0] + model[1] if whole else pooled_logits(model, item_inputs.take(read))
        out[read] = softmax(logits / shipped.temperature)
    return [row.astype(np.float32) for row in out]


def _cross_fitted_lora(shipped: FinetunedIntent, rows: Sequence[Any], views: Sequence[Any], belongs: list[set[int]],
                       y: np.ndarray, labels: list[str], folds: np.ndarray,
                       mixed: tuple[np.ndarray, np.ndarray] | None) -> list[np.ndarray]:
    """`cross_fitted` for fine-tuned weights: one fine-tuning per verifier fold, by the stored recipe
    (`mixed`: the LR features of the intent rows and of the items, for a reader that adds LR logits)."""
    from ft_intent_lora import base_state, fit_lora, lower_states, predict

    options = dict(part.split("=") for part in shipped.recipe.split("|")[1].split(","))
    start, rank, epochs = int(options["start"]), int(options["rank"]), int(options["epochs"])
    texts = [row.view.embedded for row in rows] + [view.embedded for view in views]
    states = lower_states(texts, start=start, memo=Path(f"/tmp/ftintent_lower{start}.npz"))
    train_states = [states[row.view.embedded] for row in rows]
    item_states = [states[view.embedded] for view in views]
    base = base_state()
    out = np.zeros((len(views), len(labels)))
    for k in sorted(set(folds.tolist())):
        keep = np.flatnonzero([k not in b for b in belongs])
        read = np.flatnonzero(folds == k)
        model = fit_lora([train_states[i] for i in keep], y[keep], labels, start=start, rank=rank, epochs=epochs,
                         base=base)
        logits = predict(model, [item_states[i] for i in read], base=base)
        if mixed is not None:
            w, b = fit(mixed[0][keep], y[keep], len(labels))
            logits = logits + mixed[1][read] @ w + b
        out[read] = softmax(logits / shipped.temperature)
        print(f"  cross-fitted fine-tuned intent, verifier fold {k}: {len(keep)} training rows", flush=True)
    return [row.astype(np.float32) for row in out]
