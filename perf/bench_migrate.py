"""Start-up key migration: how long `migrate_store` takes on a store the previous release wrote.

    python perf/bench_migrate.py [--keys 1000 10000] [--repeat 5]

Each repeat fills a fresh store (SQLite file, and a real redis-server on loopback) with old-style
keys as the previous release wrote them (per draft: the record, its team, one channel-log entry,
plus a slack-once key with a TTL), then times `migrate_store` (the first start after the upgrade)
and a second call (every later start: one read of the marker). The ideal is one pass that only
reads the same keys (`Store.scan` over the old prefixes), the least a rename could cost.
Writes perf/results/bench_migrate.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import keys  # noqa: E402
from engine.cache.store import RedisStore, SQLiteStore, Store  # noqa: E402
from engine.migrate import migrate_store  # noqa: E402
from perf.common import free_port  # noqa: E402
from perf.common import percentile as pct  # noqa: E402

RESULTS = ROOT / "perf" / "results"


async def _fill(store: Store, drafts: int) -> int:
    for i in range(drafts):
        await store.set(f"draft:T1:d{i}", json.dumps({"draft_id": f"d{i}", "text": "x" * 400}))
        await store.set(f"draft-team:d{i}", "T1")
        await store.append(f"draft-channel:T1:C{i % 50}", f"d{i}")
        await store.set_if_absent(f"slack-once:T1:Ev{i}", "1", ttl=3600)
    return drafts * 3 + min(drafts, 50)


async def _case(name: str, make: Any, size: int, repeat: int) -> dict[str, Any]:
    first, later, ideal = [], [], []
    for _ in range(repeat):
        store = await make()
        moved_expected = await _fill(store, size // 4)
        t = time.perf_counter()
        for old in keys.LEGACY:
            async for _item in store.scan(old):
                pass
        ideal.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        moved = await migrate_store(store)
        first.append((time.perf_counter() - t) * 1000)
        assert moved == moved_expected, (moved, moved_expected)
        t = time.perf_counter()
        assert await migrate_store(store) == 0
        later.append((time.perf_counter() - t) * 1000)
        await store.close()
    return {"case": f"{name}, {size} old keys", "p50_ms": pct(first, 0.5), "p95_ms": pct(first, 0.95),
            "ideal_p50_ms": pct(ideal, 0.5), "ratio": pct(first, 0.5) / pct(ideal, 0.5),
            "later_start_p50_ms": pct(later, 0.5)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-migrate-"))
    port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(workdir)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"

    async def sqlite() -> Store:
        return SQLiteStore(Path(tempfile.mkdtemp(dir=workdir)) / "store.sqlite3")

    async def on_redis() -> Store:
        store = RedisStore(url)
        await store._redis.flushdb()  # benchmark-only: a clean database per repeat
        return store

    async def everything() -> list[dict[str, Any]]:
        for _ in range(100):
            if await RedisStore(url).ping():
                break
            await asyncio.sleep(0.05)
        rows = []
        for size in args.keys:
            rows.append(await _case("sqlite", sqlite, size, args.repeat))
            rows.append(await _case("redis", on_redis, size, args.repeat))
        return rows

    try:
        rows = asyncio.run(everything())
    finally:
        redis.terminate()
        redis.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{'case':<28} {'p50 ms':>9} {'p95 ms':>9} {'ideal p50':>10} {'ratio':>7} {'later start':>12}")
    for row in rows:
        print(f"{row['case']:<28} {row['p50_ms']:>9.2f} {row['p95_ms']:>9.2f} {row['ideal_p50_ms']:>10.2f} "
              f"{row['ratio']:>7.2f} {row['later_start_p50_ms']:>12.3f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "bench_migrate.json"
    out.write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
