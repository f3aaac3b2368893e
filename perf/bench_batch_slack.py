"""`/draft` ack latency while a 1,000-row CSV batch, uploaded in Slack, runs in the same app.

`replycrew serve` runs in its own process as in production (HTTP mode, crew backends against
tests/fakes/openai_server.py with a fixed latency, SQLite store), with SLACK_API_URL pointing at
the fake Slack that this process serves (tests/fakes/slack_server.py). This process:

1. sends `/draft` every `--probe-interval` s for `--baseline-s` s with no batch (baseline acks);
2. shares a CSV of `--rows` rows (a `file_shared` event) and keeps probing until the batch's
   summary message reaches Slack (acks during the batch);
3. reads back from the fake Slack: the results CSV, the progress message's edits, the summary.

Table: ack p50/p99/max before and during the batch (target p99 < 300 ms; ratio during/before),
batch wall time and throughput vs the ideal (rows / concurrency x 2 LLM latencies), progress
edits and their rate. Writes perf/results/bench_batch_slack.json.

    python perf/bench_batch_slack.py [--rows 1000] [--concurrency 50] [--latency 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from perf.common import BENCH_SECRET, free_port, sample_csv, signed_headers, wait_healthy  # noqa: E402
from perf.common import percentile as pct  # noqa: E402
from tests.conftest import SAMPLES  # noqa: E402
from tests.fakes.slack_server import FakeSlack  # noqa: E402

TEAM = "T0TEST"
CHANNEL = "C0BATCH"
SHARE_TS = "1700000000.000100"
RESULTS = ROOT / "perf" / "results"


async def probe(http: aiohttp.ClientSession, url: str, fake: FakeSlack, text: str) -> float:
    """One signed `/draft <thread>`; returns the ack's milliseconds."""
    channel = f"C{uuid.uuid4().hex[:8].upper()}"
    body = urlencode({"command": "/draft", "text": text, "team_id": TEAM, "user_id": "U0REP",
                      "channel_id": channel, "trigger_id": f"{channel}.{time.time_ns()}",
                      "response_url": fake.response_url(channel), "api_app_id": "A0BENCH"})
    started = time.perf_counter()
    async with http.post(url, data=body.encode(),
                         headers=signed_headers(body)) as response:
        await response.read()
        assert response.status == 200, response.status
    return (time.perf_counter() - started) * 1000


async def share(http: aiohttp.ClientSession, url: str, file_id: str) -> None:
    body = json.dumps({"token": "x", "team_id": TEAM, "api_app_id": "A0BENCH", "type": "event_callback",
                       "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}", "event_time": int(time.time()),
                       "event": {"type": "file_shared", "file_id": file_id, "user_id": "U0REP",
                                 "file": {"id": file_id}, "channel_id": CHANNEL,
                                 "event_ts": f"{time.time():.6f}"}})
    headers = signed_headers(body, content_type="application/json")
    async with http.post(url, data=body.encode(), headers=headers) as response:
        assert response.status == 200, response.status


def start_llm(latency: float) -> tuple[subprocess.Popen[str], int]:
    """The fake OpenAI server in its own process; returns it and its port."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.openai_server", "--latency", str(latency)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


def start_server(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`replycrew serve` in its own process, logging to `log`."""
    with log.open("w") as stderr:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=stderr)


async def run(rows: int, concurrency: int, latency: float, probe_interval: float,
              baseline_s: float) -> dict[str, Any]:
    llm, llm_port = start_llm(latency)
    fake = await FakeSlack(latency=0.02).start()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-batch-slack-"))
    port = free_port()
    env = {**os.environ, "SLACK_BOT_TOKEN": fake.token, "SLACK_SIGNING_SECRET": BENCH_SECRET,
           "SLACK_API_URL": fake.url, "OPENAI_API_KEY": "sk-bench",
           "OPENAI_BASE_URL": f"http://127.0.0.1:{llm_port}/v1", "DATA_DIR": str(data_dir),
           "PORT": str(port), "HOST": "127.0.0.1", "MAX_CONCURRENT_REQUESTS": str(concurrency),
           "MAX_BATCH_ROWS": str(max(rows, 1000)), "LLM_MAX_RETRIES": "0"}
    for name in ("REDIS_URL", "REDIS_HOST", "API_KEYS", "AZURE_OPENAI_API_KEY"):
        env.pop(name, None)
    server = start_server(env, data_dir / "serve.log")
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/slack/events"
    texts = [json.loads(line)["thread"] for line in (SAMPLES / "threads.jsonl").read_text().splitlines()]
    before: list[float] = []
    during: list[float] = []
    try:
        await wait_healthy(base, server)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            await probe(http, url, fake, texts[0])  # warm-up: auth.test, first crew; not counted
            await asyncio.sleep(3)
            deadline = time.monotonic() + baseline_s
            while time.monotonic() < deadline:
                before.append(await probe(http, url, fake, texts[len(before) % len(texts)]))
                await asyncio.sleep(probe_interval)
            info = fake.add_file("prospects.csv", sample_csv(rows), channel=CHANNEL, ts=SHARE_TS)
            started = time.perf_counter()
            await share(http, url, info["id"])

            def summary_posted() -> bool:
                return any("Batch summary" in m.text for m in fake.messages_in(CHANNEL, thread_ts=SHARE_TS))

            while not summary_posted():
                during.append(await probe(http, url, fake, texts[len(during) % len(texts)]))
                await asyncio.sleep(probe_interval)
                if server.poll() is not None:
                    raise RuntimeError("replycrew serve exited during the batch")
            wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
        llm.terminate()
        llm.wait(timeout=10)
    thread = fake.messages_in(CHANNEL, thread_ts=SHARE_TS)
    progress = thread[0]
    results = [f for f in fake.files.values() if str(f.get("title", "")).startswith("Drafts for")]
    out_rows = list(csv.DictReader(io.StringIO(results[0]["_content"].decode("utf-8-sig")))) if results else []
    await fake.close()
    ideal = math.ceil(rows / concurrency) * 2 * latency
    return {
        "rows": rows, "concurrency": concurrency, "llm_latency_s": latency,
        "probe_interval_s": probe_interval,
        "ack_before_n": len(before), "ack_before_p50_ms": round(pct(before, 0.5), 1),
        "ack_before_p99_ms": round(pct(before, 0.99), 1),
        "ack_during_n": len(during), "ack_during_p50_ms": round(pct(during, 0.5), 1),
        "ack_during_p99_ms": round(pct(during, 0.99), 1),
        "ack_during_max_ms": round(max(during, default=float("nan")), 1),
        "ack_target_p99_ms": 300,
        "ack_p99_during_over_before": round(pct(during, 0.99) / pct(before, 0.99), 2),
        "results_rows": len(out_rows),
        "drafted": sum(1 for row in out_rows if row["status"] in ("ok", "degraded")),
        "degraded": sum(1 for row in out_rows if row["status"] == "degraded"),
        "batch_wall_s": round(wall, 2), "ideal_s": round(ideal, 2),
        "throughput_rps": round(rows / wall, 2), "ideal_rps": round(rows / ideal, 2),
        "ratio_vs_ideal": round(ideal / wall, 3),
        "progress_edits": progress.updates, "progress_edits_per_s": round(progress.updates / wall, 3),
        "rate_limited": sum(1 for c in fake.calls if c.status == 429),
    }


def table(row: dict[str, Any]) -> str:
    return "\n".join([
        f"{row['rows']} rows, concurrency {row['concurrency']}, fake LLM {row['llm_latency_s']} s/call, "
        f"/draft every {row['probe_interval_s']} s",
        f"| {'metric':<34} | {'p50':>8} | {'p99':>8} | {'max/n':>8} | {'target':>7} |",
        f"|{'-' * 36}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 9}|",
        f"| {'/draft ack ms, no batch':<34} | {row['ack_before_p50_ms']:>8} | {row['ack_before_p99_ms']:>8} "
        f"| {row['ack_before_n']:>8} | {'':>7} |",
        f"| {'/draft ack ms, during the batch':<34} | {row['ack_during_p50_ms']:>8} | "
        f"{row['ack_during_p99_ms']:>8} | {row['ack_during_max_ms']:>8} | {'< 300':>7} |",
        f"| {'ack p99 ratio during / no batch':<34} | {'':>8} | {row['ack_p99_during_over_before']:>8} "
        f"| {'':>8} | {'':>7} |",
        "",
        f"batch: {row['drafted']} of {row['results_rows']} rows drafted ({row['degraded']} degraded) in "
        f"{row['batch_wall_s']} s; ideal {row['ideal_s']} s; {row['throughput_rps']} rows/s vs ideal "
        f"{row['ideal_rps']} (ratio {row['ratio_vs_ideal']})",
        f"progress message: {row['progress_edits']} edits ({row['progress_edits_per_s']}/s); "
        f"429s from Slack: {row['rate_limited']}",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--probe-interval", type=float, default=0.5)
    parser.add_argument("--baseline-s", type=float, default=15.0)
    options = parser.parse_args()
    row = asyncio.run(run(options.rows, options.concurrency, options.latency, options.probe_interval,
                          options.baseline_s))
    print(table(row))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_batch_slack.json").write_text(json.dumps(row, indent=2) + "\n")
    print(f"wrote {(RESULTS / 'bench_batch_slack.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
