"""Drafts in a throttled workspace: Web API calls per draft and time to the final state.

    python perf/bench_slack_throttled.py [-n 30] [--channels 5] [--saturate 12]

In process: the Slack app served on loopback (signed requests) against tests/fakes/slack_server.py,
which enforces Slack's documented limits at their real rates (chat.update Tier 3 per workspace,
chat.postMessage ~1/s per channel). The offline engine drafts in ~0.1 s, so what is measured is
Slack's side. Two scenarios, N `/draft` commands sent at once:

- burst:     the limits alone. Ideal: 2 calls per draft (post, final edit), no 429.
- saturated: chat.update answers 429 (Retry-After 1 s) for `--saturate` seconds first, as when
             other traffic used the workspace's budget: longer than the SDK's 3 retries last.

Per draft: Web API calls (429s counted apart), and the time from sending the command to the final
state landing at Slack (p50/p95, and vs the ideal: the engine's time alone). Writes
perf/results/bench_slack_throttled.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from perf.common import percentile as pct  # noqa: E402
from tests.fakes.slack_server import FakeSlack  # noqa: E402
from tests.slack_helpers import slack_harness  # noqa: E402

THREAD = ("Rep (Jordan Lee): Hi {n}, worth a quick look at how we automate win-back journeys?\n"
          "Prospect {n}: Maybe. What does it cost for {n} seats? We'd need it before Q3.")


def _final(call: Any) -> bool:
    blocks = call.args.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return call.status == 200 and call.error is None and any(b.get("type") == "actions" for b in blocks)


async def scenario(name: str, *, n: int, channels: int, saturate: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        async with FakeSlack() as fake, slack_harness(data, fake=fake) as slack:
            if saturate:
                fake.saturate("chat.update", seconds=saturate, retry_after=1)
            started = time.time()
            await asyncio.gather(*(slack.command(THREAD.format(n=i), channel_id=f"C0B{i % channels}")
                                   for i in range(n)))
            await slack.settle(grace_s=900)
            finals = [c for c in fake.calls if _final(c)]
            per_draft = [c.wall - started for c in finals]
            posts = len([c for c in fake.calls_to("chat.postMessage") if c.status == 200])
            updates = len([c for c in fake.calls_to("chat.update") if c.status == 200])
            limited = len([c for c in fake.calls if c.status == 429])
            drafts = await _engine_ms(slack, channels)
    ideal = pct(drafts, 0.5) / 1000 if drafts else 0.0
    return {"scenario": name, "drafts": n, "channels": channels, "saturated_s": saturate,
            "finals": len(finals), "calls_per_draft": (posts + updates) / n, "posts": posts,
            "updates": updates, "http_429": limited, "final_p50_s": pct(per_draft, 0.5),
            "final_p95_s": pct(per_draft, 0.95), "final_max_s": max(per_draft, default=0.0),
            "engine_p50_s": ideal}


async def _engine_ms(slack: Any, channels: int) -> list[float]:
    found: list[float] = []
    for c in range(channels):
        async for record in slack.runtime.drafts.in_channel(slack.team_id, f"C0B{c}"):
            if record.current is not None:
                found.append(float(record.current.total_ms))
    return found


def table(rows: list[dict[str, Any]]) -> str:
    head = ("| scenario | drafts | finals | calls/draft (ideal 2) | 429s | final p50 | final p95 | final max "
            "| engine p50 |\n|---|---|---|---|---|---|---|---|---|")
    lines = [f"| {r['scenario']} | {r['drafts']} | {r['finals']} | {r['calls_per_draft']:.2f} "
             f"({r['calls_per_draft'] / 2:.2f}x) | {r['http_429']} | {r['final_p50_s']:.1f} s | "
             f"{r['final_p95_s']:.1f} s | {r['final_max_s']:.1f} s | {r['engine_p50_s']:.2f} s |" for r in rows]
    return "\n".join([head, *lines])


async def main(n: int, channels: int, saturate: float) -> None:
    rows = [await scenario("burst", n=n, channels=channels, saturate=0.0),
            await scenario(f"saturated {saturate:.0f} s", n=n, channels=channels, saturate=saturate)]
    print(table(rows))
    out = ROOT / "perf" / "results" / "bench_slack_throttled.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "at": time.time()}, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="drafts sent at once")
    parser.add_argument("--channels", type=int, default=5)
    parser.add_argument("--saturate", type=float, default=12.0, help="seconds of 429s on chat.update")
    options = parser.parse_args()
    asyncio.run(main(options.n, options.channels, options.saturate))
