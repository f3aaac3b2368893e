"""Where a Slack batch came from and where it reports, as kept in the store (see service.py)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from engine.batch.runner import BatchRow
from engine.models import BatchReport

__all__ = ["ACTIVE_PREFIX", "RunnerLike", "SlackBatchInfo", "batch_key"]

ACTIVE_PREFIX = "slack-batches:active:"


class RunnerLike(Protocol):
    """What the service needs of a batch runner (in this process, or on the queue's workers)."""

    def cancel(self) -> None: ...
    async def run(self, rows: list[BatchRow], *, scope: str, max_concurrent: int = 10,
                  context: dict[str, Any] | None = None) -> BatchReport: ...
    async def resume(self) -> BatchReport: ...


@dataclass(frozen=True)
class SlackBatchInfo:
    """Where a batch came from and where it reports."""

    batch_id: str
    team_id: str
    channel: str
    thread_ts: str
    progress_ts: str
    user_id: str | None
    file_id: str
    file_name: str
    total: int
    created: float = field(default_factory=time.time)
    enterprise_id: str | None = None  # Enterprise Grid: with team_id, whose token runs the batch

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SlackBatchInfo:
        return cls(**json.loads(text))


def batch_key(batch_id: str, part: str) -> str:
    return f"slack-batch:{batch_id}:{part}"
