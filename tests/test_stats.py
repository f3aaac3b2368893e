"""The one percentile: the issue's example, and every report that shows a p50/p95 agreeing with it."""

from __future__ import annotations

import pytest

from bot.digests.report import DigestReport
from engine.batch.report import build_report
from engine.models import BatchItem
from engine.stats import percentile, percentile_ms
from perf.common import percentile as perf_percentile

DRAFT_MS = [100, 200, 300, 400]


def test_issue_example_is_nearest_rank() -> None:
    # Before: the dashboard said p50 300 and the digest 200 for these four draft times.
    assert percentile(DRAFT_MS, 0.5) == 200
    assert percentile(DRAFT_MS, 0.95) == 400
    assert percentile([400, 100, 300, 200], 0.25) == 100  # order of the input does not matter
    assert percentile([7], 0.99) == 7


def test_empty_and_out_of_range() -> None:
    assert percentile([], 0.5) is None and percentile_ms([], 0.5) is None
    with pytest.raises(ValueError, match="fraction"):
        percentile(DRAFT_MS, 50)


def test_digest_batch_report_and_perf_agree() -> None:
    report = DigestReport(team_id="T1", channel_id="C1", since=0.0, until=1.0, draft_ms=list(DRAFT_MS))
    assert (report.p50_ms, report.p95_ms) == (200, 400)
    items = [BatchItem(index=i, ok=False, error="x") for i in range(2)]
    assert build_report("b", items, total_ms=10).metrics["row_ms_p50"] is None
    assert perf_percentile(DRAFT_MS, 0.5) == 200.0


def test_dashboard_snapshot_uses_it() -> None:
    from engine import metrics

    metrics._RECENT_MS.clear()
    metrics._RECENT_MS.extend(DRAFT_MS)
    snapshot = metrics.snapshot()
    assert (snapshot["p50_ms"], snapshot["p95_ms"]) == (200, 400)
