"""Drafts posted in Slack, kept in the store so buttons work after a restart and digests can list them.

Store layout (all values JSON unless said otherwise):

    rc:draft:{team}:{draft_id}           the DraftRecord: where it was posted, the request, every version,
                                      status and who approved/edited it; no TTL
    rc:draft-team:{draft_id}             the team id that owns the draft (plain text), so a button
                                      clicked in another workspace gets a clear answer
    rc:draft-channel:{team}:{channel}    append-only log (Store.append) of draft ids posted in a
                                      channel, oldest first: `DraftStore.in_channel` reads it
    rc:slack-once:{key}                  re-delivery guard (see bot/redelivery.py), with a TTL
    rc:draft-busy:{team}:{draft_id}      held while a new version is being written (TTL 5 min)

A draft's status goes `drafting` -> `ready` -> `approved` (or `failed`). Regenerate and Edit add a
version; earlier versions are kept in order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Literal

from pydantic import BaseModel, Field

from engine import keys
from engine.cache.store import Store
from engine.models import Channel, DraftRequest, Result, new_request_id

__all__ = ["DraftRecord", "DraftStatus", "DraftStore", "DraftVersion", "StepSummary"]

DraftStatus = Literal["drafting", "ready", "approved", "failed"]
_BUSY_TTL_S = 300


class StepSummary(BaseModel):
    """One step of a version, as shown in the context line."""

    name: str
    status: str
    source: str | None = None
    similarity: float | None = None
    elapsed_ms: int = 0
    error: str | None = None


class DraftVersion(BaseModel):
    """One version of a draft: drafted by the engine, or edited by a person."""

    number: int
    text: str
    subject: str | None = None
    channel: Channel = "linkedin"
    created_at: float = Field(default_factory=time.time)
    created_by: str | None = None  # who asked for it (command, shortcut, Regenerate or Edit)
    kind: Literal["drafted", "regenerated", "edited"] = "drafted"
    request_id: str | None = None
    mode: str | None = None
    total_ms: int = 0
    offline: bool = False
    degraded: bool = False
    steps: list[StepSummary] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @classmethod
    def from_result(cls, result: Result, *, number: int, user_id: str | None,
                    kind: Literal["drafted", "regenerated"]) -> DraftVersion:
        """The version a workflow result makes."""
        return cls(
            number=number, text=result.draft.text, subject=result.draft.subject,
            channel=result.draft.channel, created_by=user_id, kind=kind,
            request_id=result.request_id, mode=result.mode, total_ms=result.total_ms,
            offline=result.offline, degraded=result.degraded, notes=list(result.notes),
            steps=[StepSummary(name=s.name, status=s.status, source=s.source, similarity=s.similarity,
                               elapsed_ms=s.elapsed_ms, error=s.error) for s in result.steps],
        )


class DraftRecord(BaseModel):
    """A draft as posted in Slack."""

    draft_id: str = Field(default_factory=new_request_id)
    team_id: str
    channel_id: str
    message_ts: str | None = None
    thread_ts: str | None = None
    user_id: str | None = None
    trigger: Literal["command", "modal", "shortcut", "mention", "agent"] = "command"
    request: DraftRequest
    status: DraftStatus = "drafting"
    versions: list[DraftVersion] = Field(default_factory=list)
    created_at: float = Field(default_factory=time.time)
    updated_at: float = Field(default_factory=time.time)
    approved_by: str | None = None
    approved_at: float | None = None
    approved_version: int | None = None
    edited_by: str | None = None
    edited_at: float | None = None
    error: str | None = None
    # How the draft is shown: an edited message, or a stream (task timeline) replying in thread_ts.
    delivery: Literal["message", "stream"] = "message"
    feedback: dict[str, Literal["good", "bad"]] = Field(default_factory=dict)  # user id -> Slack feedback

    @property
    def current(self) -> DraftVersion | None:
        """The version shown in Slack: the latest."""
        return self.versions[-1] if self.versions else None


class DraftStore:
    """Reads and writes DraftRecords in the store (layout in the module docstring)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Read-modify-write of one record is serialised per process; across processes the
        # busy key keeps two new versions from being written at once.
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, team_id: str, draft_id: str) -> asyncio.Lock:
        """The in-process lock for one draft's record."""
        return self._locks.setdefault(f"{team_id}:{draft_id}", asyncio.Lock())

    async def create(self, record: DraftRecord) -> None:
        """Save a new draft and index it by team and channel."""
        await self.save(record)
        await self.store.set(f"{keys.DRAFT_TEAM}{record.draft_id}", record.team_id)
        await self.store.append(f"{keys.DRAFT_CHANNEL}{record.team_id}:{record.channel_id}", record.draft_id)

    async def save(self, record: DraftRecord) -> None:
        """Write a record back."""
        record.updated_at = time.time()
        await self.store.set(f"{keys.DRAFT}{record.team_id}:{record.draft_id}", record.model_dump_json())

    async def load(self, team_id: str, draft_id: str) -> DraftRecord | None:
        """A team's draft, or None."""
        raw = await self.store.get(f"{keys.DRAFT}{team_id}:{draft_id}")
        return None if raw is None else DraftRecord.model_validate_json(raw)

    async def owner(self, draft_id: str) -> str | None:
        """The team that owns a draft id, or None for an unknown draft."""
        return await self.store.get(f"{keys.DRAFT_TEAM}{draft_id}")

    async def in_channel(self, team_id: str, channel_id: str) -> AsyncIterator[DraftRecord]:
        """Every draft posted in a channel, oldest first."""
        for draft_id in await self.store.read_from(f"{keys.DRAFT_CHANNEL}{team_id}:{channel_id}", 0):
            record = await self.load(team_id, draft_id)
            if record is not None:
                yield record

    async def claim_busy(self, team_id: str, draft_id: str) -> bool:
        """Mark a draft as having a version in progress; False if it already has one."""
        return await self.store.set_if_absent(f"{keys.DRAFT_BUSY}{team_id}:{draft_id}", "1", ttl=_BUSY_TTL_S)

    async def release_busy(self, team_id: str, draft_id: str) -> None:
        """A new version is done (or failed)."""
        await self.store.delete(f"{keys.DRAFT_BUSY}{team_id}:{draft_id}")
