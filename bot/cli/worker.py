"""`replycrew worker`: a queue worker that drafts batch rows (REDIS_URL), one process per core.

Start as many as there are cores, on any machine that reaches the Redis; each warms its engine
before taking rows, exposes its own /metrics with `--metrics-port`, and on SIGTERM stops taking
rows and lets those in flight finish.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from bot.cli import messages as msg

__all__ = ["DEFAULT_CONCURRENCY", "add_worker_command", "worker_command"]

log = logging.getLogger(__name__)

# Rows wait on the LLM most of the time: 20 in flight keep a core busy at 0.3-1 s per call
# (perf/bench_batch.py) without the GIL-bound CPU per row starving the event loop.
DEFAULT_CONCURRENCY = 20


def add_worker_command(commands: Any) -> None:
    """Register `worker` on the CLI's subcommands."""
    worker = commands.add_parser(
        "worker", help="draft batch rows from the queue on Redis (REDIS_URL); run one per core")
    worker.add_argument("--concurrency", type=int, default=None, metavar="N",
                        help=f"rows drafted at once (default {DEFAULT_CONCURRENCY}, at most "
                             "MAX_CONCURRENT_REQUESTS)")
    worker.add_argument("--metrics-port", type=int, default=None, metavar="PORT",
                        help="serve this worker's /metrics and /healthz on HOST:PORT")
    worker.set_defaults(func=worker_command)


def worker_command(args: argparse.Namespace) -> int:
    """Run a worker until SIGTERM/SIGINT; 2 without Redis or with a bad option."""
    from bot.settings import Settings

    settings = Settings()
    if not settings.redis_dsn:
        print(msg.WORKER_NEEDS_REDIS, file=sys.stderr)
        return 2
    concurrency = args.concurrency or min(DEFAULT_CONCURRENCY, settings.max_concurrent_requests)
    if concurrency < 1:
        print("error: --concurrency must be at least 1", file=sys.stderr)
        return 2
    concurrency = min(concurrency, settings.max_concurrent_requests)
    return asyncio.run(_run(settings, concurrency=concurrency, metrics_port=args.metrics_port))


async def _run(settings: Any, *, concurrency: int, metrics_port: int | None) -> int:
    from aiohttp import web

    from bot.rest.metrics import metrics_endpoint
    from engine import metrics
    from engine.batch.worker import BatchWorker

    worker = BatchWorker(settings, concurrency=concurrency)
    runner: web.AppRunner | None = None

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": worker.ready.is_set(), **worker.info()},
                                 status=200 if worker.ready.is_set() else 503)

    if metrics_port:
        app = web.Application()
        app.router.add_get("/metrics", metrics_endpoint)
        app.router.add_get("/healthz", healthz)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, settings.host, metrics_port).start()

    async def ready() -> None:
        assert worker.engine is not None
        metrics.attach(worker.engine)
        print(msg.worker_ready(concurrency, metrics_port), file=sys.stderr, flush=True)

    worker.on_stop = lambda: print(msg.worker_draining(), file=sys.stderr, flush=True)
    try:
        await worker.run(on_ready=ready)
    finally:
        if runner is not None:
            await runner.cleanup()
    return 0
