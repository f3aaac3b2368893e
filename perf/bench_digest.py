"""Digest and metrics benchmark: what a digest, a scrape and the metrics listener cost.

    digest build   build_report over a channel with N drafts (plus as many in another channel),
                   against the ideal of only reading and parsing that channel's draft records
    metrics hook   offline workflow runs with the metrics listener attached vs without it
    scrape         one /metrics exposition of the registry, and one dashboard snapshot

    python perf/bench_digest.py [--drafts 200 2000] [--runs 400] [--repeat 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine.steps.crew.env  # noqa: E402,F401  (crewai environment before crewai is imported)
from bot.digests.activity import IntentIndex  # noqa: E402
from bot.digests.report import build_report  # noqa: E402
from bot.drafts import DraftRecord, DraftStore, DraftVersion, StepSummary  # noqa: E402
from engine import metrics  # noqa: E402
from engine.cache.store import SQLiteStore  # noqa: E402
from engine.models import DraftRequest  # noqa: E402
from engine.settings import EngineSettings  # noqa: E402
from engine.workflow import Engine  # noqa: E402
from perf.common import percentile as pct  # noqa: E402

RESULTS = ROOT / "perf" / "results"
THREAD = ("Rep (Jordan Lee): Hi Mateus, worth a quick look?\n"
          "Mateus Oliveira: What would pricing look like for 40 seats? Can you send it over?")


async def _time(fn: Callable[[], Awaitable[Any]], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


async def _seed(store: SQLiteStore, count: int) -> None:
    drafts = DraftStore(store)
    now = time.time()
    steps = [StepSummary(name=n, status="ok", source="offline", elapsed_ms=400) for n in
             ("profile", "analysis", "reply")]
    for index in range(count):
        for channel in ("C0SALES", "C0OTHER"):
            at = now - (index % 48) * 1800
            record = DraftRecord(team_id="T1", channel_id=channel, message_ts=f"{int(at)}.{index:06d}",
                                 user_id="U1", request=DraftRequest(conversation_thread=THREAD),
                                 status="ready" if index % 3 else "approved",
                                 versions=[DraftVersion(number=1, text="Hi Mateus", created_at=at,
                                                        request_id=f"{channel}{index}", total_ms=1200,
                                                        steps=steps)],
                                 created_at=at)
            await drafts.create(record)
            await store.set(f"digest-intent:{channel}{index}", "asks_pricing")


async def _bench_size(size: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "store.sqlite3")
        await _seed(store, size)
        drafts, intents = DraftStore(store), IntentIndex(store)
        until = time.time() + 1

        async def report() -> None:
            await build_report(store=store, drafts=drafts, intents=intents, team_id="T1",
                               channel_id="C0SALES", since=until - 86400, until=until,
                               slack_api_url="https://slack.com/api/")

        async def read_only() -> None:
            async for _ in drafts.in_channel("T1", "C0SALES"):
                pass

        await report()
        built = await _time(report, repeat)
        ideal = await _time(read_only, repeat)
        await store.close()
    return {"case": f"digest build, {size} drafts", "p50_ms": pct(built, 0.5),
            "p95_ms": pct(built, 0.95), "ideal_p50_ms": pct(ideal, 0.5),
            "ratio": pct(built, 0.5) / pct(ideal, 0.5)}


async def bench_digest(sizes: list[int], repeat: int) -> list[dict[str, Any]]:
    return [await _bench_size(size, repeat) for size in sizes]


async def bench_hook(runs: int) -> dict[str, Any]:
    from engine.models import DraftRequest as Request

    async def run_many(engine_: Engine) -> list[float]:
        request = Request(conversation_thread=THREAD, use_cache=False)
        for _ in range(20):  # warm up
            await engine_.run(request, scope="bench")
        return await _time(lambda: engine_.run(request, scope="bench"), runs)

    with tempfile.TemporaryDirectory() as tmp:
        settings = EngineSettings(data_dir=Path(tmp))
        bare = await run_many(Engine(settings))
        hooked_engine = Engine(settings)
        metrics.attach(hooked_engine)
        hooked = await run_many(hooked_engine)
    return {"case": f"offline run with metrics hook ({runs} runs)", "p50_ms": pct(hooked, 0.5),
            "p95_ms": pct(hooked, 0.95), "ideal_p50_ms": pct(bare, 0.5),
            "ratio": pct(hooked, 0.5) / pct(bare, 0.5)}


async def bench_scrape(repeat: int) -> list[dict[str, Any]]:
    async def scrape() -> None:
        metrics.exposition()

    async def snap() -> None:
        metrics.snapshot()

    rows = []
    for name, fn in (("/metrics exposition", scrape), ("dashboard snapshot", snap)):
        times = await _time(fn, repeat * 10)
        rows.append({"case": name, "p50_ms": pct(times, 0.5), "p95_ms": pct(times, 0.95),
                     "ideal_p50_ms": None, "ratio": None})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drafts", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    async def everything() -> list[dict[str, Any]]:
        rows = await bench_digest(args.drafts, args.repeat)
        rows.append(await bench_hook(args.runs))
        rows += await bench_scrape(args.repeat)
        return rows

    rows = asyncio.run(everything())
    print(f"{'case':<44} {'p50 ms':>9} {'p95 ms':>9} {'ideal p50':>10} {'ratio':>7}")
    for row in rows:
        ideal = "-" if row["ideal_p50_ms"] is None else f"{row['ideal_p50_ms']:.3f}"
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}"
        print(f"{row['case']:<44} {row['p50_ms']:>9.3f} {row['p95_ms']:>9.3f} {ideal:>10} {ratio:>7}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "bench_digest.json"
    out.write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
