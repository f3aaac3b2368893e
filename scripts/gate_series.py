"""The verifier by whole writer series: main's recipe against the dual intent gate and the cleaned labels.

    .venv/bin/python scripts/gate_series.py --memo /tmp/gate7_memo.npz --mix-logits /tmp/ftintent_logits.npz
        [--labels scripts/data/labels7] [--folds 4] [--out perf/results/gate_series.json]
        [--mix-weights FILE]   (the mix reader whose temperature and thresholds commit; default: the shipped one)

The pairs are scripts/train_verifier.py's, built by its own functions (current facts, the LR gate read out
of fold as the shipped trainer reads it). Four variants:
  (i)   main's recipe: the LR gate, the labels as written;
  (ii)  the dual gate: the LR reader and the fine-tuned mix reader (read out of fold: scripts/mix_readings.py)
        each commit to one non-`general` intent on both sides;
  (iii) the LR gate with the cleaned labels: a cross-group pair an annotator labelled `same`
        (labels_*.tsv: pair, label, reason; the reasons are never read) is no negative: neither trained
        on nor counted in the bar;
  (iv)  both;
  (v)   (iv) with the stricter reading of "both readers commit to the same intent": all four readings equal
        (the LR reader's and the mix reader's, on both threads).
Folds are whole writer series (the first letter of a written id), dealt as session 6's cross-encoder work
dealt them (most threads first, to the fold with the fewest threads); the tuning half and the labelled
messages are never scored and train every fold. For each fold the LR verifier is refitted by the shipped
recipe (token features, L2 30, the shipped level, the token projection on the training threads only) on
every pair that does not touch the fold and scores the pairs inside it. A fold's bar is the highest
out-of-fold negative of the OTHER folds + the shipped margin (never below even odds); its candidate cosine
is either chosen on the other folds (the most of their positives through; on a tie the highest) or the
cache's 0.70. Reported per variant: the fold's positives before any intent gate, those reaching the
verifier, those passing, and the wrong passes: every negative, and those not labelled `same`.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import train_verifier as tv  # noqa: E402
from cross_data import ALWAYS_TRAIN, series_folds  # noqa: E402  (the same folds as the cross-encoder's)
from intent_crossfit import cross_fitted  # noqa: E402
from memo_embedder import MemoEmbedder  # noqa: E402
from mix_readings import mix_committed  # noqa: E402
from verifier_cv import Config, Data, _features  # noqa: E402

from engine.meaning.finetuned import FT_WEIGHTS  # noqa: E402
from engine.meaning.pairs import SENTENCE_FEATURES, pair_features  # noqa: E402
from engine.meaning.verifier import PairVerifier  # noqa: E402

__all__ = ["read_labels"]

CACHE_COSINE = 0.70


def _arg(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def read_labels(folder: Path) -> dict[frozenset[str], str]:
    """Each annotated pair (its two item keys) and its label; only the `pair` and `label` columns are read."""
    out: dict[frozenset[str], str] = {}
    for path in sorted(folder.glob("labels_*.tsv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                a, _, b = row["pair"].partition("~")
                out[frozenset((a.strip(), b.strip()))] = row["label"].strip()
    return out


def _bar(logits: np.ndarray, negatives: np.ndarray) -> float:
    return max((float(logits[negatives].max()) if negatives.any() else float("-inf")) + tv.MARGIN, 0.0)


def main() -> None:
    memo = MemoEmbedder(Path(_arg("--memo", "/tmp/gate7_memo.npz")))
    nfolds = int(_arg("--folds", "4"))
    items = tv.load_items()
    readings = cross_fitted(memo, items, tv.fold_of(items), tv.INTENT)  # as the shipped trainer reads them
    sides, committed, facts, raw = tv.sides_of(items, memo, "training", readings)
    mix = mix_committed(items, memo, Path(_arg("--mix-logits", "/tmp/ftintent_logits.npz")),
                        weights=Path(_arg("--mix-weights", str(FT_WEIGHTS))),
                        lower_memo=Path(_arg("--lower-memo", "/tmp/gate7_lower4.npz")))
    pairs = tv.candidate_pairs(items, sides, facts)
    series = np.array([item.key.split(":", 1)[1][:1] if item.source == "written" else "" for item in items])
    item_fold, members = series_folds(series, nfolds)
    fold_i, fold_j = item_fold[pairs.i], item_fold[pairs.j]
    inside = (fold_i == fold_j) & (fold_i >= 0)
    before_gate = {k: int((inside & (fold_i == k) & (pairs.label == 1)).sum()) for k in range(nfolds)}
    lr_gate = np.array([committed[i] == committed[j] != "general" for i, j in zip(pairs.i, pairs.j, strict=True)])
    mix_gate = np.array([mix[i] == mix[j] != "general" for i, j in zip(pairs.i, pairs.j, strict=True)])
    all_four = mix_gate & np.array([mix[i] == committed[i] for i in pairs.i])
    pairs = pairs.subset(lr_gate)
    mix_gate, all_four, fold_i, fold_j = mix_gate[lr_gate], all_four[lr_gate], fold_i[lr_gate], fold_j[lr_gate]
    keys = [item.key for item in items]
    annotated = read_labels(Path(_arg("--labels", str(ROOT / "scripts" / "data" / "labels7"))))
    label_of = [annotated.get(frozenset((keys[i], keys[j])), "") for i, j in zip(pairs.i, pairs.j, strict=True)]
    same = np.array([label == "same" for label in label_of]) & (pairs.label == 0)
    print(f"{len(items)} threads; folds of series: {members}; LR gate: {int(pairs.label.sum())} positive, "
          f"{int((pairs.label == 0).sum())} negative pairs; the mix reader agrees on {int(mix_gate.sum())} of them; "
          f"{len(annotated)} annotated pairs, {int(same.sum())} of the gated negatives labelled same")
    shipped = PairVerifier.load()
    config = Config(tokens=True, l2=tv.L2, level=shipped.level)
    base = np.stack([pair_features(sides[i], sides[j])[:SENTENCE_FEATURES]
                     for i, j in zip(pairs.i, pairs.j, strict=True)])
    report: dict[str, object] = {"folds": members, "positives_before_gate": before_gate, "variants": {}}
    gates = {"lr": np.ones(len(pairs.label), bool), "dual": mix_gate, "four": all_four}
    for name, gate, clean in (("i LR gate, labels as written", "lr", False), ("ii dual gate", "dual", False),
                              ("iii LR gate, cleaned labels", "lr", True),
                              ("iv dual gate, cleaned labels", "dual", True),
                              ("v dual gate (all four readings equal), cleaned labels", "four", True)):
        keep = gates[gate]
        train_keep = keep & ~(same if clean else np.zeros_like(same))
        sub = pairs.subset(keep)
        rows_of = np.flatnonzero(keep)
        data = Data(base=base[keep], raw=raw, item_fold=item_fold, i=sub.i, j=sub.j, cosine=sub.cosine,
                    label=sub.label, pair_fold=np.full(len(sub.label), -2), gate=1.0,
                    fit=lambda rows, x, l2, sub=sub: tv.fit(x, sub, rows, l2=l2))
        trainable = train_keep[rows_of]
        fi, fj = fold_i[rows_of], fold_j[rows_of]
        oof = np.full(len(sub.label), np.nan)
        for k in range(nfolds):
            x = _features(data, config, [ALWAYS_TRAIN, *(f for f in range(nfolds) if f != k)])
            train = np.flatnonzero((fi != k) & (fj != k) & trainable)
            test = np.flatnonzero((fi == k) & (fj == k))
            mean, std, coef, bias = data.fit(train, x, config.l2)
            oof[test] = ((x[test] - mean) / std) @ coef + bias
        counted = trainable  # negatives that set a bar (cleaned: no `same` pair)
        is_same = same[rows_of]
        table = []
        totals = {"chosen": [0, 0, 0, 0], "cache": [0, 0, 0, 0]}
        for k in range(nfolds):
            own = (fi == k) & (fj == k)
            others = ~np.isnan(oof) & ~own
            cuts = {}
            best = None
            for cosine in tv.COSINES:
                shown = others & (sub.cosine >= cosine)
                bar = _bar(oof, shown & (sub.label == 0) & counted)
                passed = int((shown & (sub.label == 1) & (oof >= bar)).sum())
                if best is None or (passed, cosine) >= (best[0], best[1]):
                    best = (passed, float(cosine), bar)
            assert best is not None
            shown = others & (sub.cosine >= CACHE_COSINE)
            cuts = {"chosen": (best[1], best[2]),
                    "cache": (CACHE_COSINE, _bar(oof, shown & (sub.label == 0) & counted))}
            line: dict[str, object] = {"fold": k, "series": members[k], "positives": before_gate[k],
                                       "reach_verifier": int((own & (sub.label == 1)).sum())}
            for how, (cosine, bar) in cuts.items():
                accepted = own & (sub.cosine >= cosine) & (oof >= bar)
                wrong = np.flatnonzero(accepted & (sub.label == 0))
                cells = [int((accepted & (sub.label == 1)).sum()), len(wrong), int((~is_same[wrong]).sum())]
                line[how] = {"cosine": cosine, "bar": round(bar, 3), "passed": cells[0], "wrong": cells[1],
                             "wrong_not_same": cells[2],
                             "wrong_pairs": [f"{keys[sub.i[w]]}~{keys[sub.j[w]]} "
                                             f"({label_of[rows_of[w]] or 'unlabelled'})" for w in wrong]}
                for n, value in enumerate([cells[0], cells[1], cells[2], 0]):
                    totals[how][n] += value
            table.append(line)
        negatives = np.flatnonzero(~np.isnan(oof) & (sub.label == 0) & (sub.cosine >= CACHE_COSINE))
        top = [{"pair": f"{keys[sub.i[n]]}~{keys[sub.j[n]]}", "logit": round(float(oof[n]), 2),
                "cosine": round(float(sub.cosine[n]), 3), "hard": bool(sub.hard[n]),
                "label": label_of[rows_of[n]] or "unlabelled"} for n in negatives[np.argsort(-oof[negatives])][:8]]
        report["variants"][name] = {"folds": table, "totals": totals, "top_negatives": top,  # type: ignore[index]
                                    "reach_positives": int(((fi == fj) & (fi >= 0) & (sub.label == 1)).sum()),
                                    "reach_negatives": int(((fi == fj) & (fi >= 0) & (sub.label == 0)).sum())}
        print(f"\n[{name}] positives reaching the verifier inside folds: "
              f"{report['variants'][name]['reach_positives']} of {sum(before_gate.values())}")  # type: ignore[index]
        for line in table:
            print(f"  fold {line['fold']} {','.join(line['series']):10} positives {line['positives']:4} reach "
                  f"{line['reach_verifier']:4} | " + " | ".join(
                      f"{how} cos {line[how]['cosine']:.2f} bar {line[how]['bar']:6.2f}: pass {line[how]['passed']:3} "  # type: ignore[index]
                      f"wrong {line[how]['wrong']} ({line[how]['wrong_not_same']} not same)"  # type: ignore[index]
                      for how in ("chosen", "cache")))
        for how, cells in totals.items():
            print(f"  total ({how}): {cells[0]} of {sum(before_gate.values())} pass, {cells[1]} wrong, "
                  f"{cells[2]} not labelled same")
        for entry in top[:5]:
            print(f"    top negative {entry['logit']:6.2f} cos {entry['cosine']:.2f} {entry['pair']} "
                  f"({entry['label']})")
    out = Path(_arg("--out", str(ROOT / "perf" / "results" / "gate_series.json")))
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
