"""What the benchmarks share: one percentile definition, signed Slack requests, sample CSVs, readiness.

Run the benchmarks as `python perf/bench_*.py` from the repo root; each puts the root on sys.path
before importing this module.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import hmac
import io
import json
import subprocess
import time
from collections.abc import Sequence

import aiohttp

from engine.stats import percentile as stats_percentile
from tests.conftest import SAMPLES, free_port

__all__ = ["BENCH_SECRET", "FORM", "free_port", "percentile", "sample_csv", "signed_headers", "wait_healthy"]

BENCH_SECRET = "bench-signing-secret"  # the signing secret the benchmarks give `replycrew serve`
FORM = "application/x-www-form-urlencoded"


def percentile(values: Sequence[float], q: float) -> float:
    """engine.stats.percentile (the one the app reports with), NaN for no values so tables still print."""
    found = stats_percentile(values, q)
    return float("nan") if found is None else found


def signed_headers(body: str, *, secret: str = BENCH_SECRET, content_type: str = FORM) -> dict[str, str]:
    """Headers of a request signed the way Slack signs them (v0 HMAC-SHA256)."""
    stamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}",
            "Content-Type": content_type}


def sample_csv(rows: int) -> bytes:
    """`rows` batch-CSV rows cycling the sample threads (no website column: nothing is fetched)."""
    threads = [json.loads(line) for line in (SAMPLES / "threads.jsonl").read_text().splitlines()]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["conversation_thread", "channel", "prospect_profile_url", "prospect_name"])
    for index in range(rows):
        item = threads[index % len(threads)]
        slug = item["prospect_name"].lower().replace(" ", "-")
        writer.writerow([item["thread"], item["channel"], f"https://www.linkedin.com/in/{slug}-{index}",
                         item["prospect_name"]])
    return out.getvalue().encode()


async def wait_healthy(base: str, server: subprocess.Popen[bytes] | None = None, *,
                       within_s: float = 60.0) -> None:
    """Wait until `GET {base}/healthz` answers 200; fail early if `server` exited."""
    deadline = time.monotonic() + within_s
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if server is not None and server.poll() is not None:
                raise RuntimeError("replycrew serve exited; see its log")
            try:
                async with http.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("replycrew serve did not start")
