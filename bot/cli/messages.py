"""Every word `replycrew worker` and the queued `replycrew batch` print, in one place."""

from __future__ import annotations

__all__ = [
    "WORKER_NEEDS_REDIS",
    "batch_detached",
    "batch_needs_redis",
    "batch_status_line",
    "batch_submitted",
    "worker_draining",
    "worker_ready",
]

WORKER_NEEDS_REDIS = (
    "error: workers need Redis: they take batch rows from a queue on it.\n"
    "Set REDIS_URL (e.g. REDIS_URL=redis://localhost:6379/0, or REDIS_HOST and REDIS_PORT) to the "
    "Redis your `replycrew serve` and `replycrew batch` use, then start `replycrew worker` again.\n"
    "Without Redis, batches run inside `replycrew serve` and `replycrew batch` themselves.")


def batch_needs_redis(command: str) -> str:
    return (f"error: `replycrew batch {command}` reads batches from the queue's store, so it needs "
            "REDIS_URL (the same Redis the workers use). Batches run with --local keep no queue record.")


def worker_ready(concurrency: int, metrics_port: int | None) -> str:
    where = f"; metrics on :{metrics_port}/metrics" if metrics_port else ""
    return f"worker ready: drafting up to {concurrency} rows at once{where}"


def worker_draining() -> str:
    return "stopping: taking no new rows; the rows in flight finish first"


def batch_submitted(batch_id: str, total: int) -> str:
    return f"batch {batch_id}: {total} rows queued for the workers"


def batch_detached(batch_id: str, output: str) -> str:
    return ("\ndetached: the workers keep drafting this batch. Follow it up with\n"
            f"  replycrew batch status {batch_id}\n"
            f"  replycrew batch results {batch_id} -o {output}")


def batch_status_line(batch_id: str, *, status: str, done: int, failed: int, total: int) -> str:
    return f"batch {batch_id}: {status}, {done} of {total} rows finished ({failed} failed)"
