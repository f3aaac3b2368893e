"""Every store key prefix a batch uses, in one place (to move into engine/keys.py with the others).

The store, not the queue, is the record of a batch (values are JSON; they expire after BATCH_TTL_S):

    batch:{id}:meta          scope, total, max_concurrent, status, caller context
    batch:{id}:in:{index}    one input row: a DraftRequest, or why the row cannot run
    batch:{id}:out:{index}   one finished row (written once: Store.set_if_absent), and when it finished
    batch:{id}:log           one "index:ok" line per finished row, appended once: progress counts
    batch:{id}:source        the uploaded CSV's text, when the batch came from a file
    batch:{id}:cancel        who cancelled the batch (every queued row reads it before each step)
    batches:running:{id}     the meta again, while the batch is unfinished (found on restart)
"""

from __future__ import annotations

__all__ = [
    "BATCH_PREFIX",
    "BATCH_TTL_S",
    "RUNNING_PREFIX",
    "batch_key",
    "input_key",
    "outcome_key",
]

BATCH_PREFIX = "batch:"
RUNNING_PREFIX = "batches:running:"
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
