"""A batch's store keys, built from its two prefixes in `engine.keys` (BATCH, BATCH_RUNNING).

The store, not the queue, is the record of a batch (values are JSON; they expire after BATCH_TTL_S):

    rc:batch:{id}:meta          scope, total, max_concurrent, status, caller context
    rc:batch:{id}:in:{index}    one input row: a DraftRequest, or why the row cannot run
    rc:batch:{id}:out:{index}   one finished row (written once: Store.set_if_absent), and when it finished
    rc:batch:{id}:log           one "index:ok" line per finished row, appended once: progress counts
    rc:batch:{id}:source        the uploaded CSV's text, when the batch came from a file
    rc:batch:{id}:cancel        who cancelled the batch (every queued row reads it before each step)
    rc:batch-running:{id}       the meta again, while the batch is unfinished (found on restart)

saq keeps its own keys (`saq:replycrew-batches:*`, `saq:job:replycrew-batches:*`) in the same
Redis; they are the queue's, not our record, and expire on their own.
"""

from __future__ import annotations

from engine import keys

__all__ = [
    "BATCH_PREFIX",
    "BATCH_TTL_S",
    "RUNNING_PREFIX",
    "batch_key",
    "input_key",
    "outcome_key",
]

BATCH_PREFIX = keys.BATCH
RUNNING_PREFIX = keys.BATCH_RUNNING
BATCH_TTL_S = 7 * 24 * 3600  # a week: long enough to resume after a weekend's outage


def batch_key(batch_id: str, part: str) -> str:
    """`batch:{id}:{part}` (meta, log, cancel, or a prefix such as `in:` / `out:`)."""
    return f"{BATCH_PREFIX}{batch_id}:{part}"


def input_key(batch_id: str, index: int) -> str:
    """Where row `index`'s input is kept (zero-padded, so a scan returns rows in order)."""
    return batch_key(batch_id, f"in:{index:06d}")


def outcome_key(batch_id: str, index: int) -> str:
    """Where row `index`'s one outcome is kept."""
    return batch_key(batch_id, f"out:{index:06d}")
