"""A batch's record in the store: its input, each row's one outcome, progress counts and cancel mark.

Both runners (in-process, `engine.batch.runner`; queued, `engine.batch.queued`) and the queue's
workers (`engine.batch.worker`) read and write a batch only through this class, so whichever
process drafts a row, the store holds the one truth about the batch (keys: `engine.batch.keys`).
A row's outcome is written with Store.set_if_absent: a row drafted twice (a job swept while it ran,
a retry after a lost acknowledgement) still has exactly one outcome, and only the first write
counts in the progress log.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace

from engine.batch.keys import BATCH_TTL_S, RUNNING_PREFIX, batch_key, input_key, outcome_key
from engine.batch.report import CANCELLED_ERROR, build_report
from engine.batch.rows import BatchMeta, BatchRow, BatchStatus, RowError, parse_finished, row_from_json, row_to_json
from engine.cache.store import Store
from engine.errors import BatchNotFound
from engine.models import BatchItem, BatchReport

__all__ = ["BatchCounts", "BatchRecord"]


class BatchCounts:
    """How many rows have an outcome, and how many of those failed (from the progress log)."""

    __slots__ = ("done", "failed")

    def __init__(self, done: int = 0, failed: int = 0) -> None:
        self.done = done
        self.failed = failed


class BatchRecord:
    """One batch id's keys in one store."""

    def __init__(self, store: Store, batch_id: str) -> None:
        self.store = store
        self.batch_id = batch_id

    # ---- the batch ---------------------------------------------------------------------------

    async def save(self, meta: BatchMeta, rows: list[BatchRow]) -> None:
        """Keep the input (rows first, then the meta that makes the batch visible)."""
        for index, row in enumerate(rows):
            await self.store.set(input_key(self.batch_id, index), row_to_json(row), ttl=BATCH_TTL_S)
            if index % 64 == 63:
                await asyncio.sleep(0)  # a 1,000-row save must not stall the event loop
        await self.store.set(batch_key(self.batch_id, "meta"), meta.to_json(), ttl=BATCH_TTL_S)
        await self.store.set(RUNNING_PREFIX + self.batch_id, meta.to_json(), ttl=BATCH_TTL_S)

    async def find_meta(self) -> BatchMeta | None:
        raw = await self.store.get(batch_key(self.batch_id, "meta"))
        return None if raw is None else BatchMeta.from_json(raw)

    async def meta(self) -> BatchMeta:
        """The batch's meta; BatchNotFound (with what to do) when the store has none."""
        meta = await self.find_meta()
        if meta is None:
            raise BatchNotFound(f"no batch {self.batch_id!r} in the {self.store.name} store; "
                                "it may have expired or never been started — start it again")
        return meta

    async def set_status(self, status: BatchStatus, meta: BatchMeta | None = None) -> BatchMeta:
        """Record the batch as running, done or cancelled (and whether a restart must pick it up)."""
        meta = replace(meta or await self.meta(), status=status)
        await self.store.set(batch_key(self.batch_id, "meta"), meta.to_json(), ttl=BATCH_TTL_S)
        if status == "running":
            await self.store.delete(batch_key(self.batch_id, "cancel"))  # a resume lifts a cancel
            await self.store.set(RUNNING_PREFIX + self.batch_id, meta.to_json(), ttl=BATCH_TTL_S)
        else:
            await self.store.delete(RUNNING_PREFIX + self.batch_id)
        return meta

    async def forget(self) -> None:
        """Delete every key of this batch id (before reusing the id for a fresh run)."""
        keys = [key async for key, _ in self.store.scan(batch_key(self.batch_id, ""))]
        for key in keys:
            await self.store.delete(key)
        await self.store.delete(batch_key(self.batch_id, "log"))
        await self.store.delete(RUNNING_PREFIX + self.batch_id)

    # ---- rows --------------------------------------------------------------------------------

    async def input(self, index: int) -> BatchRow:
        """Row `index`'s input; raises ValueError when the stored row cannot be read."""
        raw = await self.store.get(input_key(self.batch_id, index))
        if raw is None:
            return RowError("the row's input was lost from the store")
        return row_from_json(raw)

    async def inputs(self, total: int) -> list[BatchRow]:
        rows: list[BatchRow | None] = [None] * total
        async for key, value in self.store.scan(batch_key(self.batch_id, "in:")):
            index = int(key.rsplit(":", 1)[1])
            if 0 <= index < total:
                rows[index] = row_from_json(value)
        return [row if row is not None else RowError("the row's input was lost from the store")
                for row in rows]

    async def outcome(self, index: int) -> BatchItem | None:
        raw = await self.store.get(outcome_key(self.batch_id, index))
        return None if raw is None else BatchItem.model_validate(json.loads(raw)["item"])

    async def record(self, item: BatchItem, *, elapsed_ms: int | None = None) -> int | None:
        """Write row `item.index`'s outcome once: how many rows have one now, or None (and nothing
        written) when this row already had one."""
        if elapsed_ms is None:
            meta = await self.meta()
            elapsed_ms = int((time.time() - meta.created) * 1000)
        value = json.dumps({"item": item.model_dump(mode="json"), "elapsed_ms": elapsed_ms})
        if not await self.store.set_if_absent(outcome_key(self.batch_id, item.index), value,
                                              ttl=BATCH_TTL_S):
            return None
        return await self.store.append(batch_key(self.batch_id, "log"), f"{item.index}:{int(item.ok)}")

    async def finished(self) -> tuple[dict[int, BatchItem], int]:
        """Every outcome by row, and the latest batch time among them (ms)."""
        values = [value async for _, value in self.store.scan(batch_key(self.batch_id, "out:"))]
        # Parsing 1,000 finished rows takes a few hundred ms of CPU: not on the event loop.
        return await asyncio.to_thread(parse_finished, values)

    async def finished_indices(self) -> set[int]:
        """Which rows have an outcome (from the progress log: no result bodies are read)."""
        return {int(line.split(":", 1)[0]) for line in await self.store.read_from(
            batch_key(self.batch_id, "log"), 0)}

    async def counts(self) -> BatchCounts:
        """Rows with an outcome and failed rows, from the progress log (cheap enough to poll)."""
        lines = await self.store.read_from(batch_key(self.batch_id, "log"), 0)
        seen: dict[str, str] = dict(line.split(":", 1) for line in lines)  # one line per row, once
        return BatchCounts(done=len(seen), failed=sum(1 for ok in seen.values() if ok == "0"))

    async def report(self) -> BatchReport:
        """The report as the batch stands; rows without an outcome count as not run."""
        meta = await self.meta()
        done, elapsed = await self.finished()
        items = [done.get(index) or BatchItem(index=index, ok=False, error=CANCELLED_ERROR)
                 for index in range(meta.total)]
        return build_report(self.batch_id, items, total_ms=elapsed, max_concurrent=meta.max_concurrent,
                            status=meta.status)

    async def save_source(self, text: str) -> None:
        """Keep the uploaded CSV's text: the results CSV echoes its columns."""
        await self.store.set(batch_key(self.batch_id, "source"), text, ttl=BATCH_TTL_S)

    async def source(self) -> str | None:
        return await self.store.get(batch_key(self.batch_id, "source"))

    # ---- cancel --------------------------------------------------------------------------------

    async def cancel(self, by: str) -> None:
        """Mark the batch cancelled: no row starts after this, running rows stop at their next step."""
        await self.store.set_if_absent(batch_key(self.batch_id, "cancel"), by, ttl=BATCH_TTL_S)
        meta = await self.find_meta()
        if meta is not None and meta.status == "running":
            await self.set_status("cancelled", meta)

    async def cancelled_by(self) -> str | None:
        return await self.store.get(batch_key(self.batch_id, "cancel"))
