"""The one percentile every latency figure uses: the dashboard, digests, batch reports and perf/.

It is numpy's `percentile` with method "inverted_cdf" (Hyndman & Fan definition 1, the
nearest-rank percentile): the answer is always a time some request really took, never a blend of
two, and p50 of 100, 200, 300, 400 ms is 200 ms. Before this module four hand-written versions
answered 200, 250 and 300 for that same list.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["percentile", "percentile_ms"]


def percentile(values: Sequence[float], q: float) -> float | None:
    """The `q`-th percentile of `values` (`q` in [0, 1], 0.5 is the median); None when there are none."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"a percentile is asked for as a fraction in [0, 1]; got {q}")
    if len(values) == 0:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q * 100, method="inverted_cdf"))


def percentile_ms(values: Sequence[int], q: float) -> int | None:
    """`percentile` of whole milliseconds, as whole milliseconds (exact: the answer is one of `values`)."""
    found = percentile(values, q)
    return None if found is None else int(found)
