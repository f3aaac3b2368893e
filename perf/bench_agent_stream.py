"""Web API calls per draft: the edited progress message vs the streamed task timeline vs a refused stream.

    python perf/bench_agent_stream.py [-n 20] [--llm-latency 0.3 1.0] [--slack-latency 0.02]

The app runs in-process on loopback (the real aiohttp endpoint, signed slash commands) with the
crew backends talking to tests/fakes/openai_server.py and the Web API to tests/fakes/slack_server.py.
N `/draft` commands go out at once, one sample thread per channel, three times:

- `edited`: SLACK_STREAMING=false — today's progress message (chat.postMessage + chat.update edits);
- `stream`: the task timeline (anchor chat.postMessage, chat.startStream / appendStream / stopStream);
- `refused`: chat.startStream answers `unknown_method` (an older Grid policy, GovSlack): the first
  draft falls back and the workspace is remembered, the rest go straight to the edited message.

Per draft it counts Web API calls by method and chat.update calls (Tier 3: the budget a busy
workspace exhausts first), and the time from the command to the final state reaching Slack
(chat.stopStream, or the final chat.update). Writes perf/results/bench_agent_stream.json.
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
from tests.conftest import SAMPLES  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.fakes.slack_server import FakeSlack  # noqa: E402
from tests.slack_helpers import slack_harness  # noqa: E402

MODES = ("edited", "stream", "refused")
RESULTS = ROOT / "perf" / "results" / "bench_agent_stream.json"


def _threads(n: int) -> list[str]:
    lines = (SAMPLES / "threads.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(lines[i % len(lines)])["thread"] for i in range(n)]


def _final(call: Any) -> bool:
    if call.method == "chat.stopStream":
        return True
    blocks = call.args.get("blocks") or []
    return call.method == "chat.update" and any(b.get("type") == "actions" for b in blocks)


async def run_mode(mode: str, n: int, llm: FakeOpenAI, slack_latency: float) -> dict[str, Any]:
    fake = await FakeSlack(latency=slack_latency).start()
    if mode == "refused":
        fake.streaming.refuse_streaming("unknown_method")
    data_dir = Path(tempfile.mkdtemp(prefix=f"bench-agent-{mode}-"))
    sent: dict[str, float] = {}
    try:
        async with slack_harness(data_dir, fake=fake, slack_streaming=mode != "edited", semantic_cache="off",
                                 openai_api_key="sk-bench", openai_base_url=f"{llm.base_url}") as slack:
            # The workspace's first draft (first crew, auth.test; in `refused`, the fall-back itself).
            await slack.command(_threads(1)[0], channel_id="C0WARM")
            await slack.settle()
            first = [c.method for c in fake.calls if c.args.get("channel") == "C0WARM"
                     and c.method.startswith("chat.")]
            fake.calls.clear()
            texts = _threads(n)

            async def one(i: int) -> None:
                sent[f"C{i:03d}"] = time.perf_counter()
                await slack.command(texts[i], channel_id=f"C{i:03d}")

            await asyncio.gather(*(one(i) for i in range(n)))
            await slack.settle(grace_s=300)
            engine_ms: dict[str, int] = {}
            for channel in sent:
                async for record in slack.runtime.drafts.in_channel(slack.team_id, channel):
                    engine_ms[channel] = record.versions[0].total_ms if record.versions else 0
        per_draft, updates, to_final, by_method, ratios = [], [], [], {}, []
        for channel, started in sent.items():
            mine = [c for c in fake.calls if c.args.get("channel") == channel and c.method.startswith("chat.")]
            per_draft.append(len(mine))
            updates.append(sum(c.method == "chat.update" for c in mine))
            finals = [c.at for c in mine if _final(c)]
            to_final.append((max(finals) - started) * 1000 if finals else float("nan"))
            ratios.append(to_final[-1] / max(engine_ms.get(channel, 0), 1))
            for call in mine:
                by_method[call.method] = by_method.get(call.method, 0) + 1
    finally:
        await fake.close()
    return {
        "mode": mode, "n": n,
        "calls_per_draft_p50": pct(per_draft, 0.5), "calls_per_draft_p95": pct(per_draft, 0.95),
        "chat_update_per_draft_p50": pct(updates, 0.5), "chat_update_per_draft_p95": pct(updates, 0.95),
        "chat_update_total": sum(updates), "calls_by_method": dict(sorted(by_method.items())),
        "final_ms_p50": round(pct(to_final, 0.5), 1), "final_ms_p95": round(pct(to_final, 0.95), 1),
        "engine_ms_p50": pct(list(engine_ms.values()), 0.5),
        "final_over_engine_p50": round(pct(ratios, 0.5), 3), "final_over_engine_p95": round(pct(ratios, 0.95), 3),
        "first_draft_calls": first,
    }


async def main(n: int, llm_latency: float, slack_latency: float) -> list[dict[str, Any]]:
    llm = await FakeOpenAI(latency=llm_latency).start()
    try:
        return [await run_mode(mode, n, llm, slack_latency) for mode in MODES]
    finally:
        await llm.close()


def table(rows: list[dict[str, Any]], llm_latency: float, slack_latency: float) -> str:
    edited = rows[0]
    lines = [f"/draft x{rows[0]['n']} concurrent · fake LLM {llm_latency} s/call · fake Slack {slack_latency} s/call",
             f"{'mode':<9} {'calls/draft p50':>15} {'p95':>5} {'chat.update/draft p50':>21} {'p95':>5} "
             f"{'updates vs edited':>17} {'final ms p50':>12} {'p95':>8} {'engine ms p50':>13} "
             f"{'final/engine p50':>16} {'p95':>6}"]
    for row in rows:
        ratio = row["chat_update_total"] / max(edited["chat_update_total"], 1)
        lines.append(f"{row['mode']:<9} {row['calls_per_draft_p50']:>15} {row['calls_per_draft_p95']:>5} "
                     f"{row['chat_update_per_draft_p50']:>21} {row['chat_update_per_draft_p95']:>5} "
                     f"{ratio:>17.2f} {row['final_ms_p50']:>12} {row['final_ms_p95']:>8} {row['engine_ms_p50']:>13} "
                     f"{row['final_over_engine_p50']:>16} {row['final_over_engine_p95']:>6}")
    for row in rows:
        lines.append(f"  {row['mode']}: {row['calls_by_method']}")
    for row in rows:
        lines.append(f"  {row['mode']}, the workspace's first draft: {row['first_draft_calls']}")
    lines.append("ideal: stream = 0 chat.update (ratio 0.00); refused = the edited figures plus one "
                 "chat.startStream and one anchor edit, for the first draft of the workspace only; "
                 "final/engine = 1.0")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--llm-latency", type=float, nargs="+", default=[0.3, 1.0],
                        help="seconds per completion; one table per value")
    parser.add_argument("--slack-latency", type=float, default=0.02)
    options = parser.parse_args()
    runs = []
    for latency in options.llm_latency:
        rows = asyncio.run(main(options.n, latency, options.slack_latency))
        print(table(rows, latency, options.slack_latency), end="\n\n")
        runs.append({"llm_latency_s": latency, "slack_latency_s": options.slack_latency, "rows": rows})
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"runs": runs}, indent=2) + "\n")
