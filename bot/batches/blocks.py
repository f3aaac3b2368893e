"""Block Kit for CSV batches: the progress message (bar, counts, Cancel) and the summary. Pure functions."""

from __future__ import annotations

from typing import Any

from bot.batches import messages as msg
from bot.mrkdwn import escape
from engine.batch.csv_io import BatchCsv
from engine.batch.runner import BatchProgress
from engine.models import BatchReport

__all__ = [
    "CANCEL_BATCH",
    "MAX_ERRORS_SHOWN",
    "batch_progress_blocks",
    "batch_summary_blocks",
    "progress_bar",
    "row_errors",
]

CANCEL_BATCH = "cancel_batch"
MAX_ERRORS_SHOWN = 10
_BAR_CELLS = 20
_MAX_SECTION_CHARS = 3000
_MAX_ERROR_CHARS = 200

Block = dict[str, Any]


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:_MAX_SECTION_CHARS]}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:_MAX_SECTION_CHARS]}]}


def progress_bar(done: int, total: int) -> str:
    """`▓▓▓▓░░░░ 50%` in a code span, so every client draws it the same width."""
    share = done / total if total else 1.0
    filled = min(_BAR_CELLS, int(share * _BAR_CELLS))
    return f"`{'█' * filled}{'░' * (_BAR_CELLS - filled)}` {int(share * 100)}%"


def _cancel_button(batch_id: str) -> Block:
    plain = {"type": "plain_text", "emoji": True}
    return {"type": "actions", "block_id": "batch_actions", "elements": [{
        "type": "button", "action_id": CANCEL_BATCH, "style": "danger", "value": batch_id,
        "text": {**plain, "text": msg.BATCH_CANCEL},
        "confirm": {"title": {**plain, "text": msg.BATCH_CANCEL_CONFIRM_TITLE},
                    "text": {**plain, "text": msg.BATCH_CANCEL_CONFIRM},
                    "confirm": {**plain, "text": msg.BATCH_CANCEL_STOP},
                    "deny": {**plain, "text": msg.BATCH_CANCEL_KEEP}, "style": "danger"},
    }]}


def batch_progress_blocks(*, header: str, progress: BatchProgress | None, total: int, batch_id: str,
                          notes: list[str] | None = None, final: str | None = None) -> list[Block]:
    """The progress message: header, bar, counts, speed and ETA, notes; Cancel until `final`."""
    done = progress.done if progress else 0
    line = msg.batch_progress_line(
        done=done, failed=progress.failed if progress else 0, total=total,
        throughput=progress.throughput if progress else 0.0,
        eta_s=progress.eta_s if progress else None)
    blocks = [_section(final or header), _section(f"{progress_bar(done, total)}\n{line}")]
    blocks += [_context(note) for note in (notes or [])[-3:]]
    if final is None and not (progress and progress.cancelled):
        blocks.append(_cancel_button(batch_id))
    return blocks


def row_errors(batch: BatchCsv, report: BatchReport) -> list[tuple[int, str]]:
    """(CSV row number, error) of every row that failed on its own (cancelled rows are not errors)."""
    return [(row.row, item.error) for row, item in zip(batch.rows, report.results, strict=True)
            if not item.ok and item.error and item.result is None and "cancelled" not in item.error]


def batch_summary_blocks(report: BatchReport, *, file_name: str,
                         errors: list[tuple[int, str]]) -> list[Block]:
    """The seed's metrics after the results file, then the first failed rows and why."""
    metrics = report.metrics
    blocks = [_section(msg.batch_summary(
        file_name=escape(file_name), total=report.total_requests,
        successful=report.successful_requests, failed=report.failed_requests,
        cancelled=int(metrics.get("cancelled_requests", 0)),
        resumed=int(metrics.get("resumed_requests", 0)), total_time=report.total_processing_time,
        average=report.average_time_per_request, throughput=report.throughput))]
    if errors:
        shown = [(row, escape(_shorten(error))) for row, error in errors]
        blocks.append(_section(msg.batch_row_errors(shown, shown=MAX_ERRORS_SHOWN)))
    return blocks


def _shorten(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MAX_ERROR_CHARS else line[: _MAX_ERROR_CHARS - 1] + "…"
