"""Fine-tune MiniLM for the 16 intents (low-rank deltas on the top layers + a head), measure it against
the shipped logistic-regression reader by writer series, and optionally write its weights.

    nice -n 10 .venv/bin/python scripts/train_intent_finetune.py [--start 4] [--epochs 4] [--rank 8]
        [--unseen c,l] [--memo /tmp/ftintent] [--out perf/results/intent_finetune_series.json] [--ship ft|mix]

What it reads: the view the reader reads (engine/meaning/encoding.py: the latest prospect message, behind
the rep's question when the reply is short), from scripts/intent_data.py's rows (examples, contrasts,
written threads, the tuning half). Never the held half, perf/data/* or a blind set.

How it measures (the same for both readers, on the same folds):
  - 4 folds of whole writer series (SERIES_FOLDS); the rows of no series (examples, contrasts, tuning)
    are dealt into the same 4 folds by situation. Each fold is read by a model trained on the other 3.
  - For a scored fold, the temperature and the `general` thresholds (intent_training.choose, a flip
    costing --flip-cost right readings, 300 as shipped) are chosen on the out-of-fold logits of the
    OTHER folds' rows only: the scored fold's labels choose nothing it is scored on.
  - `--unseen` series (c, l: written after the models) are never trained on: read by a model trained
    on every other row, through thresholds chosen on all the out-of-fold logits; and by the shipped LR
    weights as they are.
The LR reader is the shipped recipe (`whole`: softmax regression on the whole-message features).
`mix` is the two readers' logits added. `--ship ft|mix` writes engine/meaning/weights/intent_ft.npz
(trained on every row but --unseen; `mix` with the LR weights in it) with the temperature and
thresholds chosen on all the out-of-fold logits of that reader, and its recipe.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import intent_training  # noqa: E402
from ft_intent_lora import base_state, fit_lora, lower_states, predict  # noqa: E402
from intent_data import fold_of, series_of, training_rows  # noqa: E402
from intent_pooled import inputs_of  # noqa: E402
from intent_training import choose, fit, score, softmax, temperature  # noqa: E402
from memo_embedder import MemoEmbedder  # noqa: E402

import engine  # noqa: E402,F401  (offline model environment)
from engine.meaning.encoding import encode_views  # noqa: E402
from engine.meaning.finetuned import FT_WEIGHTS  # noqa: E402
from engine.meaning.intent import IntentModel  # noqa: E402

SEED = 12
# Whole writer series per fold, about 500-650 threads each (t alone is 650).
SERIES_FOLDS = (("t",), ("u", "v", "w"), ("x", "s", "r", "z"), ("q", "k", "m"))


def _option(flag: str, default: str) -> str:
    return sys.argv[sys.argv.index(flag) + 1] if flag in sys.argv else default


def folds_of(rows: list, unseen: set[str]) -> np.ndarray:
    """Fold per row (-1: an unseen series, never trained on)."""
    # Only the groups of no series are dealt: new series change no other row's fold.
    dealt = iter(fold_of([row.group for row in rows if not series_of(row.source)], folds=len(SERIES_FOLDS),
                         seed=SEED))
    out = []
    for row in rows:
        series = series_of(row.source)
        if series in unseen:
            out.append(-1)
        elif series:
            matches = [i for i, names in enumerate(SERIES_FOLDS) if series in names]
            if not matches:
                raise SystemExit(f"series {series!r} is in no fold of SERIES_FOLDS: add it, or pass it in --unseen")
            out.append(matches[0])
        else:
            out.append(next(dealt))
    return np.array(out)


def decide_on_others(logits: np.ndarray, y: np.ndarray, labels: list[str], train: np.ndarray,
                     read: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
    """Readings of rows `read` by a temperature and thresholds chosen on rows `train` only."""
    scale = temperature(logits[train], y[train])
    choice = choose(softmax(logits[train] / scale), y[train], labels)
    said = choice.decide(softmax(logits[read] / scale), labels)
    return said, {"temperature": scale, "min_confidence": choice.min_confidence, "flip_mass": choice.flip_mass}


def line(name: str, said: np.ndarray, y: np.ndarray, labels: list[str]) -> dict[str, object]:
    accuracy, flips = score(said, y, labels)
    general = float((said == labels.index("general")).mean()) if len(said) else 0.0
    return {"set": name, "rows": len(said), "accuracy": round(accuracy, 3), "flips": flips,
            "general": round(general, 3)}


def main() -> None:
    start, epochs, rank = int(_option("--start", "4")), int(_option("--epochs", "4")), int(_option("--rank", "8"))
    intent_training.FLIP_COST = int(_option("--flip-cost", "300"))
    unseen = set(filter(None, _option("--unseen", "").split(",")))
    memo = _option("--memo", "/tmp/ftintent")
    rows = training_rows()
    labels = sorted({row.intent for row in rows})
    y = np.array([labels.index(row.intent) for row in rows])
    series = np.array([series_of(row.source) for row in rows])
    folds = folds_of(rows, unseen)
    texts = [row.view.embedded for row in rows]
    print(f"{len(rows)} rows; folds {np.bincount(folds[folds >= 0]).tolist()}; unseen {int((folds < 0).sum())}")
    memo_states = lower_states(texts, start=start, memo=Path(f"{memo}_lower{start}.npz"))
    states = [memo_states[text] for text in texts]
    features = inputs_of(encode_views(MemoEmbedder(Path(f"{memo}_embed.npz")), [row.view for row in rows])).x
    base = base_state()
    readers = {"lr": np.zeros((len(rows), len(labels))), "ft": np.zeros((len(rows), len(labels)))}
    seconds: list[float] = []
    for k in range(len(SERIES_FOLDS)):
        train, read = np.flatnonzero((folds >= 0) & (folds != k)), np.flatnonzero(folds == k)
        w, b = fit(features[train], y[train], len(labels))
        readers["lr"][read] = features[read] @ w + b
        # A fold's logits are memoised by what decides them (its training and read texts and labels, the
        # recipe): the same folds re-run with new --unseen series refit nothing.
        key = hashlib.sha256(json.dumps([start, rank, epochs, [texts[i] for i in train], y[train].tolist(),
                                         [texts[i] for i in read]]).encode()).hexdigest()[:16]
        cached = Path(f"{memo}_fold_{key}.npy")
        began = time.monotonic()
        if cached.exists():
            readers["ft"][read] = np.load(cached)
        else:
            model = fit_lora([states[i] for i in train], y[train], labels, start=start, rank=rank, epochs=epochs,
                             base=base)
            readers["ft"][read] = predict(model, [states[i] for i in read], base=base)
            np.save(cached, readers["ft"][read])
        seconds.append(time.monotonic() - began)
        print(f"fold {k}: {len(train)} training rows, fine-tuned in {seconds[-1]:.0f} s", flush=True)
    # Measured beside them: the two readers' logits added (both read from the lookup's one pass).
    readers["mix"] = readers["lr"] + readers["ft"]
    report: dict[str, object] = {"start": start, "epochs": epochs, "rank": rank, "flip_cost": intent_training.FLIP_COST,
                                 "series_folds": SERIES_FOLDS, "fit_seconds": [round(s) for s in seconds],
                                 "tables": {}, "thresholds": {}}
    for name, logits in readers.items():
        said = np.full(len(rows), -1)
        chosen = []
        for k in range(len(SERIES_FOLDS)):
            part, chosen_k = decide_on_others(logits, y, labels, (folds >= 0) & (folds != k), folds == k)
            said[folds == k] = part
            chosen.append(chosen_k)
        table = [line(f"fold {k} ({','.join(SERIES_FOLDS[k])})", said[(folds == k) & (series != "")],
                      y[(folds == k) & (series != "")], labels) for k in range(len(SERIES_FOLDS))]
        written = (folds >= 0) & (series != "")
        table.append(line("all written series", said[written], y[written], labels))
        table.append(line("no series (examples, contrasts, tuning)", said[(folds >= 0) & (series == "")],
                          y[(folds >= 0) & (series == "")], labels))
        tuning = np.array([row.source == "tuning" for row in rows])
        table.append(line("  of which tuning half", said[tuning], y[tuning], labels))
        report["tables"][name] = table  # type: ignore[index]
        report["thresholds"][name] = chosen  # type: ignore[index]
    if unseen or "--ship" in sys.argv:
        seen = np.flatnonzero(folds >= 0)
        left = np.flatnonzero(folds < 0)
        began = time.monotonic()
        final = fit_lora([states[i] for i in seen], y[seen], labels, start=start, rank=rank, epochs=epochs, base=base)
        report["fit_seconds_all"] = round(time.monotonic() - began)
        w, b = fit(features[seen], y[seen], len(labels))
        final_logits = {"ft": predict(final, [states[i] for i in left], base=base), "lr": features[left] @ w + b}
        final_logits["mix"] = final_logits["ft"] + final_logits["lr"]
        unseen_table = []
        for name, logits in readers.items():
            scale = temperature(logits[seen], y[seen])
            choice = choose(softmax(logits[seen] / scale), y[seen], labels)
            chosen_all = {"temperature": scale, "min_confidence": choice.min_confidence, "flip_mass": choice.flip_mass}
            report["thresholds"][f"{name}_all"] = chosen_all  # type: ignore[index]
            if name == _option("--ship", ""):
                final.min_confidence, final.flip_mass = choice.min_confidence, choice.flip_mass
                final.temperature = scale
                sources = ",".join(sorted({rows[i].source for i in seen}))
                final.recipe = f"{name}|start={start},rank={rank},epochs={epochs}|{sources}"
                if name == "mix":
                    final.lr_weights, final.lr_bias = w.astype(np.float32), b.astype(np.float32)
                final.save(Path(_option("--weights", str(FT_WEIGHTS))))
            if len(left):
                said = choice.decide(softmax(final_logits[name] / scale), labels)
                for s in sorted(unseen):
                    mask = series[left] == s
                    unseen_table.append({"reader": name, **line(f"series {s} (never trained on)", said[mask],
                                                                  y[left][mask], labels)})
        if len(left):
            shipped = IntentModel.load()
            encoded = encode_views(MemoEmbedder(Path(f"{memo}_embed.npz")), [rows[i].view for i in left])
            said = np.array([labels.index(shipped.read(e).intent) for e in encoded])
            for s in sorted(unseen):
                mask = series[left] == s
                unseen_table.append({"reader": "lr shipped weights", **line(f"series {s}", said[mask],
                                                                              y[left][mask], labels)})
        report["unseen"] = unseen_table
    np.savez(f"{memo}_logits.npz", y=y, folds=folds, series=series, **readers)
    out = Path(_option("--out", str(ROOT / "perf" / "results" / "intent_finetune_series.json")))
    out.write_text(json.dumps(report, indent=1) + "\n")
    for name, table in report["tables"].items():  # type: ignore[attr-defined]
        print(f"\n[{name}] by writer-series folds, thresholds chosen on the other folds")
        for entry in table:
            print(f"  {entry['set']:42} {entry['rows']:>5} {entry['accuracy']:>7.3f} {entry['flips']:>4} "
                  f"{entry['general']:>6.2f}")
    for entry in report.get("unseen", []):  # type: ignore[attr-defined]
        print(f"  {entry['reader']:20} {entry['set']:32} {entry['rows']:>5} {entry['accuracy']:>7.3f} "
              f"{entry['flips']:>4} {entry['general']:>6.2f}")


if __name__ == "__main__":
    main()
