"""A batch's report: the seed's metrics (wall time, average per request, throughput) over its rows."""

from __future__ import annotations

from typing import Any

from engine.models import BatchItem, BatchReport
from engine.stats import percentile_ms

__all__ = ["CANCELLED_ERROR", "build_report"]

CANCELLED_ERROR = "not run: the batch was cancelled before this row started"


def build_report(batch_id: str, items: list[BatchItem], *, total_ms: int, resumed: int = 0,
                 max_concurrent: int | None = None, status: str = "done",
                 checkpoint_errors: int = 0) -> BatchReport:
    """The seed's metrics over rows in input order (wall time, average per request, throughput)."""
    cancelled = sum(1 for item in items if item.error == CANCELLED_ERROR)
    successful = sum(1 for item in items if item.ok)
    failed = len(items) - successful - cancelled
    finished = successful + failed
    seconds = total_ms / 1000
    rate = finished / seconds if seconds > 0 else 0.0
    average = seconds / finished if finished else 0.0
    row_ms = sorted(item.result.total_ms for item in items if item.result is not None)
    metrics: dict[str, Any] = {
        "status": status, "total_processing_s": round(seconds, 3), "throughput_rps": round(rate, 3),
        "average_time_per_request_s": round(average, 4), "cancelled_requests": cancelled,
        "resumed_requests": resumed, "degraded_requests": sum(
            1 for item in items if item.result is not None and item.result.degraded),
        "row_ms_p50": percentile_ms(row_ms, 0.50), "row_ms_p95": percentile_ms(row_ms, 0.95),
    }
    if max_concurrent is not None:
        metrics["max_concurrent"] = max_concurrent
    if checkpoint_errors:
        metrics["checkpoint_errors"] = checkpoint_errors
    return BatchReport(
        batch_id=batch_id, total_requests=len(items), successful_requests=successful,
        failed_requests=failed, total_processing_time=f"{seconds:.2f}s",
        average_time_per_request=f"{average:.2f}s", throughput=f"{rate:.2f} requests/second",
        total_processing_ms=total_ms, results=items, metrics=metrics,
    )

