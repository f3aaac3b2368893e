"""Train the offline intent model (engine/meaning/weights/intent.npz); the semantic cache's pair
verifier is trained by scripts/train_verifier.py (run it after this: it reads the intent weights).

    .venv/bin/python scripts/train_models.py [--memo FILE]

Reproducible: fixed seeds and folds, L-BFGS from zeros (no sampling). The intent model learns from
the rows of scripts/intent_data.py: scripts/data/intent_examples.txt, intent_contrasts.txt,
pairs_written.jsonl and the tuning half of the shared samples (perf/trust_sets.py). Never from the
held half, perf/data/* or any blind set.

The intent model's temperature and its `general` thresholds are chosen on out-of-fold logits,
cross-validated with folds grouped by situation (a hard negative is held out with its anchor).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from intent_data import fold_of, training_rows  # noqa: E402
from intent_training import FOLDS, choose, decide, fit, out_of_fold, score, softmax, temperature  # noqa: E402
from memo_embedder import MemoEmbedder  # noqa: E402

import engine  # noqa: E402,F401  (offline model environment)
from engine.meaning.encoding import encode_views  # noqa: E402
from engine.meaning.intent import IntentModel, intent_features  # noqa: E402

SEED = 12


def main() -> None:
    memo = Path(sys.argv[sys.argv.index("--memo") + 1]) if "--memo" in sys.argv else None
    embedder = MemoEmbedder(memo)
    rows = training_rows()
    labels = sorted({row.intent for row in rows})
    y = np.array([labels.index(row.intent) for row in rows])
    sources = sorted({row.source for row in rows})
    print(f"encoding {len(rows)} rows: " + ", ".join(f"{sum(r.source == s for r in rows)} {s}" for s in sources))
    encoded = encode_views(embedder, [row.view for row in rows])
    x = np.stack([intent_features(e) for e in encoded]).astype(np.float64)

    # 1. Intent: out-of-fold logits, folds grouped by situation; temperature and thresholds from them.
    folds = fold_of([row.group for row in rows], folds=FOLDS, seed=SEED)
    logits = out_of_fold(x, y, folds, len(labels))
    scale = temperature(logits, y)
    oof = softmax(logits / scale)
    choice = choose(oof, y, labels)
    said = decide(oof, labels, min_confidence=choice.min_confidence, flip_mass=choice.flip_mass)
    top_accuracy, top_flips = score(oof.argmax(axis=1), y, labels)
    print(f"intent out of fold ({FOLDS} folds grouped by situation): top label {top_accuracy:.3f} accuracy, "
          f"{top_flips} flips; temperature {scale}")
    print(f"intent thresholds: min_confidence {choice.min_confidence}, flip_mass {choice.flip_mass} -> "
          f"{choice.accuracy:.3f} accuracy, {choice.flips} flips ({choice.flips_with_margin} at the looser margin), "
          f"{int((said == labels.index('general')).sum())} read as general")
    for source in sources:
        mask = np.array([row.source == source for row in rows])
        accuracy, flips = score(said[mask], y[mask], labels)
        print(f"  {source:10} {int(mask.sum()):5} rows: {accuracy:.3f} accuracy, {flips} flips")
    for i in np.flatnonzero(said != y):
        if labels[said[i]] != "general":
            print(f"  miss {rows[i].group}: {labels[y[i]]} -> {labels[said[i]]}: {rows[i].view.text[:80]!r}")
    w, b = fit(x, y, len(labels))
    intent = IntentModel(weights=(w / scale).astype(np.float32), bias=(b / scale).astype(np.float32),
                         labels=labels, min_confidence=choice.min_confidence, flip_mass=choice.flip_mass)
    intent.save()


if __name__ == "__main__":
    np.random.seed(SEED)
    main()
