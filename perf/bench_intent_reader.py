"""What reading intent costs per lookup: the LR reader vs the fine-tuned one, on one torch thread.

    nice -n 10 .venv/bin/python perf/bench_intent_reader.py [--rounds 3] [--label NAME]

Each thread of the tuning half is read as a lookup reads it: one forward pass over the message view
(with the verifier's word pieces), then the reader. `lr`: the pass without hidden states + the LR reader;
`ft`: the pass keeping layer `start`'s hidden states + the top layers again + the head (and the LR logits
for a `mix` reader). The ideal is the pass alone (what the lookup paid before any intent reading).
Prints p50/p95 per step and the ratio to the ideal; RSS before and after binding the fine-tuned reader;
writes perf/results/bench_intent_reader[_LABEL].json.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402,F401  (offline model environment)
from engine.cache.embedder import get_embedder  # noqa: E402
from engine.meaning.encoding import encode_views, view_of  # noqa: E402
from engine.meaning.finetuned import FT_WEIGHTS  # noqa: E402
from engine.meaning.intent import IntentModel  # noqa: E402
from engine.meaning.models import load_intent  # noqa: E402
from engine.meaning.verifier import PairVerifier  # noqa: E402
from perf.common import percentile  # noqa: E402
from perf.trust_sets import load_set  # noqa: E402


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    label = sys.argv[sys.argv.index("--label") + 1] if "--label" in sys.argv else ""
    embedder = get_embedder()
    embedder.load()
    projection = PairVerifier.load().projection
    lr = IntentModel.load()
    rss_before = _rss_mb()
    ft = load_intent(embedder)
    rss_after = _rss_mb()
    views = [view_of(row["thread"]) for row in load_set("tuning")]
    steps: dict[str, list[float]] = {"pass": [], "lr": [], "pass+states": [], "ft": []}
    for _ in range(rounds):
        for view in views:
            began = time.perf_counter()
            (encoded,) = encode_views(embedder, [view], projection=projection)
            steps["pass"].append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            lr.read(encoded)
            steps["lr"].append((time.perf_counter() - began) * 1000)
            if ft.layer is None:
                continue
            began = time.perf_counter()
            (encoded,) = encode_views(embedder, [view], projection=projection, layer=ft.layer)
            steps["pass+states"].append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            ft.read(encoded)
            steps["ft"].append((time.perf_counter() - began) * 1000)
    ideal = percentile(steps["pass"], 0.5)
    rows = []
    print(f"{'step':14} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'p50 / pass p50':>15}")
    for name, values in steps.items():
        if not values:
            continue
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        rows.append({"step": name, "n": len(values), "p50_ms": round(p50, 2), "p95_ms": round(p95, 2),
                     "ratio_vs_pass": round(p50 / ideal, 3)})
        print(f"{name:14} {len(values):>4} {p50:>8.2f} {p95:>8.2f} {p50 / ideal:>15.3f}")
    print(f"max RSS: {rss_before:.0f} MB before binding the reader, {rss_after:.0f} MB after "
          f"(weights file {FT_WEIGHTS.stat().st_size / 1e6 if FT_WEIGHTS.exists() else 0:.2f} MB)")
    out = ROOT / "perf" / "results" / f"bench_intent_reader{'_' + label if label else ''}.json"
    out.write_text(json.dumps({"rounds": rounds, "threads": len(views), "steps": rows, "rss_mb_before": rss_before,
                               "rss_mb_after": rss_after, "reader": type(ft).__name__,
                               "weights_bytes": FT_WEIGHTS.stat().st_size if FT_WEIGHTS.exists() else 0},
                              indent=1) + "\n")


if __name__ == "__main__":
    main()
