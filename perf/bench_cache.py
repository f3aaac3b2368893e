"""Cache benchmark: embedding latency, index lookup at 1k/10k/100k, exact hits over HTTP, sample replay.

    python perf/bench_cache.py [--lookups 500] [--http 300]

- embedding: one text, and a batch of 32, through the MiniLM embedder (in the calling thread);
- index lookup: VectorIndex.search at 1k / 10k / 100k entries, embedding excluded (target p99 <= 5 ms
  at 100k); vectors are clustered like real ones (topics + noise), queries are near-duplicates;
- exact hit: POST /run-parallel of an already-answered request through bot.server.build_web_app on an
  aiohttp TestServer over loopback, SQLite store (target p50 <= 10 ms);
- replay: the sample threads through the semantic cache (as `replycrew cache replay`), scored with
  the labels afterwards: paraphrase hit rate and wrong hits, at several thresholds.

Ratios compare each p50/p99 with its target, measured in this one run. Writes
perf/results/bench_cache.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from perf.common import percentile as pct  # noqa: E402
from tests.conftest import SAMPLES  # noqa: E402

RESULTS = ROOT / "perf" / "results"
THRESHOLDS = (0.85, 0.75, 0.65, 0.6, 0.5, 0.3, 0.0)  # 0.0: the guard alone decides


def bench_embedding(rounds: int = 30) -> dict[str, Any]:
    from engine.cache.embedder import get_embedder

    embedder = get_embedder()
    started = time.perf_counter()
    embedder.load()
    load_s = time.perf_counter() - started
    rows = [json.loads(line) for line in (SAMPLES / "threads.jsonl").read_text("utf-8").splitlines()]
    texts = [row["thread"].splitlines()[-1] for row in rows]
    embedder.encode_sync(texts[:4])  # warm-up
    one = []
    for i in range(rounds):
        t = time.perf_counter()
        embedder.encode_sync([texts[i % len(texts)]])
        one.append((time.perf_counter() - t) * 1000)
    batch = []
    for i in range(max(5, rounds // 5)):
        t = time.perf_counter()
        embedder.encode_sync([texts[(i + k) % len(texts)] for k in range(32)])
        batch.append((time.perf_counter() - t) * 1000)
    return {"load_s": round(load_s, 2),
            "one_text_ms": {"p50": pct(one, 0.5), "p99": pct(one, 0.99)},
            "batch32_ms": {"p50": pct(batch, 0.5), "p99": pct(batch, 0.99),
                           "per_text_p50": pct(batch, 0.5) / 32}}


def bench_index(sizes: tuple[int, ...], lookups: int) -> dict[str, Any]:
    import numpy as np

    from engine.cache.index import VectorIndex

    rng = np.random.default_rng(7)
    topics = rng.standard_normal((3000, 384)).astype(np.float32)
    out: dict[str, Any] = {}
    for size in sizes:
        vectors = topics[rng.integers(0, len(topics), size)] + 0.7 * rng.standard_normal((size, 384)).astype(
            np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        index = VectorIndex(384)
        expires = time.time() + 3600
        for row in range(size):
            index.add(f"rc:sv:s:{row}", vectors[row], expires=expires)
        t = time.perf_counter()
        if index.needs_rebuild():
            index.rebuild()
        rebuild_s = time.perf_counter() - t
        picks = rng.integers(0, size, lookups)
        queries = vectors[picks] + 0.01 * rng.standard_normal((lookups, 384)).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        times, found = [], 0
        for query, pick in zip(queries, picks, strict=True):
            t = time.perf_counter()
            candidates = index.search(query, threshold=0.85)
            times.append((time.perf_counter() - t) * 1000)
            found += bool(candidates) and candidates[0].key == f"rc:sv:s:{pick}"
        # Paraphrase-like queries (cosine ~0.68 to their target): does the target come back at all?
        loose = vectors[picks] + 0.055 * rng.standard_normal((lookups, 384)).astype(np.float32)
        loose /= np.linalg.norm(loose, axis=1, keepdims=True)
        recalled = sum(any(c.key == f"rc:sv:s:{pick}" for c in index.search(query, threshold=0.5))
                       for query, pick in zip(loose, picks, strict=True))
        out[str(size)] = {"p50_ms": pct(times, 0.5), "p99_ms": pct(times, 0.99),
                          "recall_at_1": found / lookups, "recall_paraphrase_like": recalled / lookups,
                          "rebuild_s": round(rebuild_s, 2),
                          "layout": "exact" if size < index.exact_limit else "clustered"}
    return out


async def bench_http(requests: int) -> dict[str, Any]:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.server import build_web_app
    from bot.settings import Settings

    with tempfile.TemporaryDirectory(prefix="replycrew-bench-cache-") as workdir:
        # The rate limiter would answer 429 after its per-minute budget: lift it for the benchmark.
        app = build_web_app(Settings(data_dir=Path(workdir), rate_limit_per_minute=1_000_000))
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            body = {"conversation_thread": "Rep (Jordan Lee): Hi Ana, worth a look?\n"
                                           "Ana Souza: Can you send pricing for 12 seats?", "channel": "email"}
            first = await (await client.post("/run-parallel", json=body)).json()
            miss_ms = first["total_ms"]
            times, server_ms = [], []
            for _ in range(requests):
                t = time.perf_counter()
                response = await client.post("/run-parallel", json=body)
                result = await response.json()
                assert response.status == 200, result
                times.append((time.perf_counter() - t) * 1000)
                server_ms.append(float(result["total_ms"]))
                assert result["steps"][0]["source"] == "exact_cache", result["steps"]
    return {"p50_ms": pct(times, 0.5), "p99_ms": pct(times, 0.99),
            "engine_total_ms_p50": pct(server_ms, 0.5), "first_run_total_ms": miss_ms}


async def bench_replay() -> dict[str, Any]:
    from engine.cache.embedder import Embedder, get_embedder
    from engine.cache.replay import replay

    rows = [json.loads(line) for line in (SAMPLES / "threads.jsonl").read_text("utf-8").splitlines()]
    labels = {row["id"]: row for row in rows}
    items = [{"id": r["id"], "channel": r["channel"], "thread": r["thread"]} for r in rows]  # no labels
    shared = get_embedder()

    class Memo(Embedder):
        """Encodes each text once across the threshold sweep (the decisions do not change)."""

        def __init__(self) -> None:
            super().__init__()
            self.seen: dict[str, Any] = {}
            self.tokens: dict[str, Any] = {}

        def encode_sync(self, texts: Any) -> Any:
            import numpy as np

            missing = [t for t in texts if t not in self.seen]
            if missing:
                for text, vector in zip(missing, shared.encode_sync(missing), strict=True):
                    self.seen[text] = vector
            return np.stack([self.seen[t] for t in texts])

        def encode_with_tokens(self, texts: Any, *, rows: Any) -> Any:
            wanted = [texts[row] for row in rows]
            missing = [t for t in dict.fromkeys(wanted) if t not in self.tokens]
            if missing:
                _, tokens = shared.encode_with_tokens(missing, rows=range(len(missing)))
                self.tokens.update(zip(missing, tokens, strict=True))
            return self.encode_sync(texts), [self.tokens[t] for t in wanted]

        def encode_rows(self, texts: Any, *, rows: Any, layer: Any = None) -> Any:
            return shared.encode_rows(texts, rows=rows, layer=layer)  # the fine-tuned reader's states: not memoised

        def state(self) -> Any:
            return shared.state()

    memo = Memo()
    scores: dict[str, Any] = {}
    for threshold in THRESHOLDS:
        lines = [line async for line in replay(items, threshold=threshold, embedder=memo)]
        hits = [line for line in lines if line["decision"] == "hit"]
        wrong = [line for line in hits if labels[line["matched_id"]]["group"] != labels[line["id"]]["group"]]
        paraphrase_hits = [line for line in hits if labels[line["id"]]["role"] == "paraphrase"
                           and line not in wrong]
        negatives = [line for line in lines if labels[line["id"]]["role"] == "hard_negative"]
        scores[f"{threshold:.2f}"] = {
            "paraphrase_hit_rate": len(paraphrase_hits) / 50,
            "wrong_hits": len(wrong),
            "hard_negatives": {d: sum(1 for line in negatives if line["decision"] == d)
                               for d in ("hit", "guard_rejected", "miss")},
            "guard_rejected_total": sum(1 for line in lines if line["decision"] == "guard_rejected"),
            "lookup_ms_p50": pct([line["lookup_ms"] for line in lines[1:]], 0.5),
        }
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--http", type=int, default=300)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    args = parser.parse_args()

    embedding = bench_embedding()
    index = bench_index(tuple(args.sizes), args.lookups)
    http = asyncio.run(bench_http(args.http))
    replay_scores = asyncio.run(bench_replay())

    print(f"load average (1 min) after the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'measure':<34} {'p50 ms':>9} {'p99 ms':>9} {'target':>9} {'p99/target':>11}")
    print(f"{'embed 1 text':<34} {embedding['one_text_ms']['p50']:>9.2f} {embedding['one_text_ms']['p99']:>9.2f}"
          f" {'-':>9} {'-':>11}")
    print(f"{'embed batch of 32':<34} {embedding['batch32_ms']['p50']:>9.2f} "
          f"{embedding['batch32_ms']['p99']:>9.2f} {'-':>9} {'-':>11}")
    for size, row in index.items():
        target = 5.0
        print(f"{'index lookup ' + size + ' (' + row['layout'] + ')':<34} {row['p50_ms']:>9.3f} "
              f"{row['p99_ms']:>9.3f} {target:>9.1f} {row['p99_ms'] / target:>11.2f}   "
              f"recall@1 {row['recall_at_1']:.3f}, at cos~0.68 {row['recall_paraphrase_like']:.3f}")
    print(f"{'exact hit POST /run-parallel':<34} {http['p50_ms']:>9.2f} {http['p99_ms']:>9.2f} "
          f"{10.0:>9.1f} {http['p50_ms'] / 10.0:>11.2f}   (p50/target)")
    print()
    print(f"{'threshold':<10} {'paraphrase hits':>16} {'wrong hits':>11} {'negatives refused':>18}")
    for threshold, score in replay_scores.items():
        refused = score["hard_negatives"]["guard_rejected"] + score["hard_negatives"]["miss"]
        print(f"{threshold:<10} {score['paraphrase_hit_rate']:>16.0%} {score['wrong_hits']:>11} "
              f"{refused:>15}/25")

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"embedding": embedding, "index": index, "exact_hit_http": http, "replay": replay_scores,
           "load_average": os.getloadavg()[0], "cpu_count": os.cpu_count()}
    (RESULTS / "bench_cache.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
