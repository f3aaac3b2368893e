"""The one row function: draft one batch row into a BatchItem, whichever runner calls it.

The in-process runner (`engine.batch.runner`, no Redis) and the queue's row job
(`engine.batch.worker`, REDIS_URL) both draft a row here, so a row means the same thing in both:
an invalid row is its own error, a ReplycrewError (a refused or unusable request) is the row's
error at once, and any other exception is the row's error only on its last attempt — before that
it propagates, so the queue retries the row with backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from engine.batch.rows import BatchRow, RowError, row_request_id
from engine.errors import ReplycrewError
from engine.models import BatchItem, Result, StepEvent
from engine.workflow import Engine

__all__ = ["draft_row", "failed_item"]

log = logging.getLogger(__name__)

OnStep = Callable[[StepEvent], Awaitable[None]]
StopCheck = Callable[[], Awaitable[bool]]


async def draft_row(engine: Engine, row: BatchRow, *, batch_id: str, index: int, scope: str,
                    on_step: OnStep | None = None, stop: StopCheck | None = None,
                    last_attempt: bool = True) -> BatchItem | None:
    """Draft one row; None when `stop()` said so between steps (the row then has no outcome).

    `on_step` runs as each step starts and finishes (the queue's heartbeat); `stop` is asked at
    the same moments (a cancelled batch stops its running rows at their next step)."""
    if isinstance(row, RowError):
        return BatchItem(index=index, ok=False, error=row.message)
    try:
        async for item in engine.stream(row, scope=scope, request_id=row_request_id(batch_id, index)):
            if isinstance(item, Result):
                return BatchItem(index=index, ok=True, result=item)
            if on_step is not None:
                await on_step(item)
            if stop is not None and await stop():
                return None  # leaving the stream cancels the steps still running
    except asyncio.CancelledError:
        raise
    except ReplycrewError as exc:
        return BatchItem(index=index, ok=False, error=str(exc))
    except Exception as exc:  # one failing row never fails the batch
        if not last_attempt:
            raise  # the queue retries it
        log.exception("batch %s row %d failed", batch_id, index)
        return failed_item(index, exc)
    raise AssertionError("workflow ended without a result")  # pragma: no cover


def failed_item(index: int, exc: BaseException, *, attempts: int | None = None) -> BatchItem:
    """The row's error after its last attempt, in words a results CSV can show."""
    detail = str(exc) or type(exc).__name__
    tries = f" after {attempts} attempts" if attempts and attempts > 1 else ""
    return BatchItem(index=index, ok=False, error=f"drafting failed{tries}: {detail}")
