"""What a batch command leaves behind: the results file (written whole or not at all) and the summary."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.batch.csv_io import BatchCsv
    from engine.models import BatchReport

__all__ = ["print_summary", "write_atomically"]

MAX_ERRORS_SHOWN = 10


def write_atomically(path: Path, data: bytes) -> None:
    """Write a results file whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)  # a crash never leaves half a results file


def print_summary(report: BatchReport, batch: BatchCsv, output: Path) -> None:
    """The seed's metrics, then the first errors by row number."""
    metrics = report.metrics
    lines = [
        ("batch", report.batch_id),
        ("total requests", str(report.total_requests)),
        ("successful", str(report.successful_requests)),
        ("failed", str(report.failed_requests)),
        ("cancelled", str(metrics.get("cancelled_requests", 0))),
        ("resumed", str(metrics.get("resumed_requests", 0))),
        ("total processing time", report.total_processing_time),
        ("average per request", report.average_time_per_request),
        ("throughput", report.throughput),
        ("results", str(output)),
    ]
    width = max(len(name) for name, _ in lines)
    for name, value in lines:
        print(f"{name:<{width}}  {value}")
    errors = [(row.row, item.error) for row, item in zip(batch.rows, report.results, strict=True)
              if not item.ok and item.error]
    for number, error in errors[:MAX_ERRORS_SHOWN]:
        print(f"row {number}: {error}")
    if len(errors) > MAX_ERRORS_SHOWN:
        print(f"... and {len(errors) - MAX_ERRORS_SHOWN} more; see the error column of {output}")
    if metrics.get("status") == "cancelled":
        print("cancelled: the rows above that ran are in the results; run the same command to "
              "finish the rest.")
