"""A batch's rows and records: input rows, per-row errors, progress and what a resume needs.

The data the runner (`engine.batch.runner`) checkpoints in the store, and how it is (de)serialised.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from engine.models import BatchItem, DraftRequest

__all__ = [
    "BatchMeta",
    "BatchProgress",
    "BatchRow",
    "BatchStatus",
    "RowError",
    "batch_of",
    "parse_finished",
    "row_from_json",
    "row_request_id",
    "row_to_json",
]

BatchStatus = Literal["running", "done", "cancelled"]


@dataclass(frozen=True)
class RowError:
    """A row that cannot run, and why. `message` is the whole readable text (it names the column);
    `column` names the field at fault for programs, when there is one."""

    message: str
    column: str | None = None
    row: int | None = None  # the 1-based data-row number in the user's file, when it came from one


BatchRow = DraftRequest | RowError


@dataclass(frozen=True)
class BatchProgress:
    """Where a batch stands: `done` counts finished rows (successful or not); `failed` is part of it."""

    batch_id: str
    done: int
    failed: int
    total: int
    resumed: int
    elapsed_s: float
    throughput: float  # rows finished per second in this process
    eta_s: float | None
    cancelled: bool = False

    @property
    def succeeded(self) -> int:
        return self.done - self.failed


@dataclass(frozen=True)
class BatchMeta:
    """What a batch needs to be resumed by another process."""

    batch_id: str
    scope: str
    total: int
    max_concurrent: int
    status: BatchStatus = "running"
    created: float = field(default_factory=time.time)
    context: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"batch_id": self.batch_id, "scope": self.scope, "total": self.total,
                           "max_concurrent": self.max_concurrent, "status": self.status,
                           "created": self.created, "context": self.context})

    @classmethod
    def from_json(cls, text: str) -> BatchMeta:
        data = json.loads(text)
        return cls(batch_id=data["batch_id"], scope=data["scope"], total=int(data["total"]),
                   max_concurrent=int(data["max_concurrent"]), status=data.get("status", "running"),
                   created=float(data.get("created", 0.0)), context=dict(data.get("context") or {}))


def row_request_id(batch_id: str, index: int) -> str:
    """The request id of one batch row: `{batch_id}.{index}`."""
    return f"{batch_id}.{index}"


def batch_of(request_id: str) -> str | None:
    """The batch id a row's request id belongs to, or None for a single run."""
    head, dot, tail = request_id.rpartition(".")
    return head if dot and tail.isdigit() else None


def parse_finished(values: list[str]) -> tuple[dict[int, BatchItem], int]:
    """Finished rows by index from their checkpoints, and the latest batch time among them."""
    done: dict[int, BatchItem] = {}
    elapsed_ms = 0
    for value in values:
        data = json.loads(value)
        item = BatchItem.model_validate(data["item"])
        done[item.index] = item
        elapsed_ms = max(elapsed_ms, int(data.get("elapsed_ms", 0)))
    return done, elapsed_ms


def row_to_json(row: BatchRow) -> str:
    """One input row as stored in `rc:batch:{id}:in:{index}`."""
    if isinstance(row, RowError):
        return json.dumps({"error": row.message, "column": row.column, "row": row.row})
    return json.dumps({"request": row.model_dump(mode="json")})


def row_from_json(text: str) -> BatchRow:
    """An input row read back from its checkpoint."""
    data = json.loads(text)
    if "request" in data:
        return DraftRequest.model_validate(data["request"])
    return RowError(str(data["error"]), column=data.get("column"), row=data.get("row"))
