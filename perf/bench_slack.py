"""50 concurrent `/draft` commands against the fake Slack and the fake LLM, each in its own process.

    python perf/bench_slack.py [-n 50] [--llm-latency 0.3] [--slack-latency 0.02]

`replycrew serve` runs as it would in production (HTTP mode, crew backends, SQLite store) with
SLACK_API_URL pointing at tests/fakes/slack_server.py and OPENAI_BASE_URL at
tests/fakes/openai_server.py. This process sends N signed slash commands at once, each with a
different sample thread (so the caches mostly miss) and channel, and measures:

- ack latency: send -> HTTP response (Slack gives up after 3 s; target p99 < 300 ms);
- Web API calls per draft and chat.update edits per message (from the fake Slack's record);
- draft completion: send -> the final chat.update landing at Slack, vs the engine's own total_ms
  for that draft (read back from the store). The ratio is what Slack adds around the engine.

Writes perf/results/bench_slack.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.drafts import DraftStore  # noqa: E402
from engine.cache.store import SQLiteStore  # noqa: E402
from perf.common import BENCH_SECRET, free_port, signed_headers, wait_healthy  # noqa: E402
from perf.common import percentile as pct  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "samples" / "threads.jsonl"
TOKEN = "xoxb-test-token"
TEAM = "T0TEST"


def start(module: str, *args: str) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


def start_server(profile: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`replycrew serve` in its own process, logging to `log`."""
    with log.open("w") as stderr:
        return subprocess.Popen([sys.executable, *profile, "-m", "bot.cli", "serve"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=stderr)


def threads(n: int) -> list[str]:
    lines = SAMPLES.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["thread"] for line in lines[:n]]


async def send(http: aiohttp.ClientSession, url: str, text: str, channel: str, slack: str) -> dict[str, Any]:
    body = urlencode({"command": "/draft", "text": text, "team_id": TEAM, "user_id": "U0REP",
                      "channel_id": channel, "trigger_id": f"{channel}.{time.time_ns()}",
                      "response_url": f"{slack}/response/{channel}", "api_app_id": "A0BENCH"})
    sent_wall, started = time.time(), time.perf_counter()
    async with http.post(url, data=body.encode(), headers=signed_headers(body)) as response:
        await response.read()
        return {"channel": channel, "status": response.status, "sent": sent_wall,
                "ack_ms": (time.perf_counter() - started) * 1000}


async def fake_calls(slack: str) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(f"{slack}/_fake/calls") as response:
        calls: list[dict[str, Any]] = await response.json()
        return calls


async def run(n: int, llm_latency: float, slack_latency: float, *, offline: bool) -> dict[str, Any]:
    llm, llm_port = start("tests.fakes.openai_server", "--latency", str(llm_latency))
    fake, slack_port = start("tests.fakes.slack_server", "--latency", str(slack_latency))
    slack = f"http://127.0.0.1:{slack_port}"
    data_dir = Path(tempfile.mkdtemp(prefix="bench-slack-"))
    port = free_port()
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": BENCH_SECRET,
           "SLACK_API_URL": f"{slack}/api/", "OPENAI_API_KEY": "sk-bench",
           "OPENAI_BASE_URL": f"http://127.0.0.1:{llm_port}/v1", "DATA_DIR": str(data_dir),
           "PORT": str(port), "HOST": "127.0.0.1", "MAX_CONCURRENT_REQUESTS": str(max(n, 50))}
    for name in ("REDIS_URL", "REDIS_HOST", "API_KEYS", "AZURE_OPENAI_API_KEY"):
        env.pop(name, None)
    if offline:
        env.pop("OPENAI_API_KEY")
    profile = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]] if os.environ.get("BENCH_PROFILE") else []
    app = start_server(profile, env, data_dir / "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(base)
        texts = threads(n + 1)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            # Warm-up (first crew, first embedder load, auth.test): one draft, not counted.
            await send(http, f"{base}/slack/events", texts[-1], "C0WARM", slack)
            await wait_final(slack, data_dir, {"C0WARM"})
            acks = await asyncio.gather(*[send(http, f"{base}/slack/events", texts[i], f"C{i:03d}", slack)
                                          for i in range(n)])
        channels = {a["channel"] for a in acks}
        await wait_final(slack, data_dir, channels)
        calls = await fake_calls(slack)
    finally:
        app.terminate()
        app.wait(timeout=60)
        for proc in (llm, fake):
            proc.terminate()
            proc.wait(timeout=10)
    store = SQLiteStore(data_dir / "replycrew.sqlite3")
    drafts = DraftStore(store)
    per_draft, edits, completion, engine_ms, ratios = [], [], [], [], []
    sources: dict[str, int] = {}
    step_ms: dict[str, list[float]] = {}
    for ack in acks:
        mine = [c for c in calls if c["channel"] == ack["channel"]]
        per_draft.append(len(mine))
        edits.append(sum(1 for c in mine if c["method"] == "chat.update"))
        final = max(c["wall"] for c in mine if c["method"] == "chat.update" and c["final"])
        record = next(iter([r async for r in drafts.in_channel(TEAM, ack["channel"])]))
        version = record.versions[0]
        done_ms = (final - ack["sent"]) * 1000
        completion.append(done_ms)
        engine_ms.append(version.total_ms)
        ratios.append(done_ms / max(version.total_ms, 1))
        for step in version.steps:
            step_ms.setdefault(step.name, []).append(step.elapsed_ms)
            sources[f"{step.name}:{step.source}"] = sources.get(f"{step.name}:{step.source}", 0) + 1
    await store.close()
    ack_ms = [a["ack_ms"] for a in acks]
    return {
        "n": n, "llm_latency_s": llm_latency, "slack_latency_s": slack_latency,
        "ack_statuses": sorted({a["status"] for a in acks}),
        "ack_p50_ms": round(pct(ack_ms, 0.5), 1), "ack_p99_ms": round(pct(ack_ms, 0.99), 1),
        "ack_max_ms": round(max(ack_ms), 1), "ack_target_p99_ms": 300,
        "web_api_calls_per_draft_p50": pct(per_draft, 0.5), "web_api_calls_per_draft_max": max(per_draft),
        "edits_per_message_p50": pct(edits, 0.5), "edits_per_message_max": max(edits),
        "rate_limited_calls": sum(1 for c in calls if c["status"] == 429),
        "completion_p50_ms": round(pct(completion, 0.5), 1), "completion_p99_ms": round(pct(completion, 0.99), 1),
        "engine_p50_ms": round(pct(engine_ms, 0.5), 1), "engine_p99_ms": round(pct(engine_ms, 0.99), 1),
        "completion_over_engine_p50": round(pct(ratios, 0.5), 3),
        "completion_over_engine_p99": round(pct(ratios, 0.99), 3),
        "step_sources": sources,
        "step_p50_ms": {name: pct(values, 0.5) for name, values in step_ms.items()},
        "offline": offline,
    }


async def wait_final(slack: str, data_dir: Path, channels: set[str], *, within: float = 300.0) -> None:
    """Until every channel's draft is ready in the store and its final edit reached Slack."""
    store = SQLiteStore(data_dir / "replycrew.sqlite3")
    drafts = DraftStore(store)
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            ready = 0
            for channel in channels:
                records = [r async for r in drafts.in_channel(TEAM, channel)]
                ready += bool(records) and records[0].status in ("ready", "failed")
            if ready == len(channels):
                break
            await asyncio.sleep(0.25)
        else:
            raise TimeoutError(f"drafts did not finish within {within} s")
    finally:
        await store.close()
    # The record is saved just before the final chat.update is sent: wait for those to land.
    while time.monotonic() < deadline:
        calls = await fake_calls(slack)
        finals = {c["channel"] for c in calls if c["method"] == "chat.update" and c.get("final")}
        if channels <= finals:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("final edits did not reach Slack")


def table(row: dict[str, Any]) -> str:
    lines = [
        f"/draft x{row['n']} concurrent · "
        + ("offline engine · " if row["offline"] else f"fake LLM {row['llm_latency_s']} s/call · ") +
        f"fake Slack {row['slack_latency_s']} s/call",
        f"{'metric':<34} {'p50':>9} {'p99':>9} {'target/ideal':>13}",
        f"{'ack latency (ms)':<34} {row['ack_p50_ms']:>9} {row['ack_p99_ms']:>9} {'< 300':>13}",
        f"{'Web API calls per draft':<34} {row['web_api_calls_per_draft_p50']:>9} "
        f"{row['web_api_calls_per_draft_max']:>9} {'2..5':>13}",
        f"{'chat.update edits per message':<34} {row['edits_per_message_p50']:>9} "
        f"{row['edits_per_message_max']:>9} {'1..4':>13}",
        f"{'engine total_ms':<34} {row['engine_p50_ms']:>9} {row['engine_p99_ms']:>9} {'':>13}",
        f"{'draft completion in Slack (ms)':<34} {row['completion_p50_ms']:>9} {row['completion_p99_ms']:>9} {'':>13}",
        f"{'completion / engine':<34} {row['completion_over_engine_p50']:>9} "
        f"{row['completion_over_engine_p99']:>9} {'1.0':>13}",
        f"429s from Slack: {row['rate_limited_calls']} · ack statuses: {row['ack_statuses']}",
        f"step sources: {row['step_sources']} · step p50 ms: {row['step_p50_ms']}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--llm-latency", type=float, default=0.3)
    parser.add_argument("--slack-latency", type=float, default=0.02)
    parser.add_argument("--offline", action="store_true", help="only the offline run (no fake LLM)")
    options = parser.parse_args()
    rows = {}
    for offline in (True,) if options.offline else (True, False):
        row = asyncio.run(run(options.n, options.llm_latency, options.slack_latency, offline=offline))
        print(table(row), end="\n\n")
        rows["offline" if offline else "llm"] = row
    out = ROOT / "perf" / "results" / "bench_slack.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
