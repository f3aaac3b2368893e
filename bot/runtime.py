"""What every Slack handler shares: settings, the engine, the draft store and background tasks.

Bolt hands each listener a `context`; a global middleware (bot/app.py) puts the SlackRuntime in it
under RUNTIME_KEY, so any handler module (files, digests, ...) reaches it with `runtime_of(context)`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.drafts import DraftStore
from bot.settings import Settings
from engine.workflow import Engine

__all__ = ["RUNTIME_KEY", "SlackRuntime", "runtime_of"]

log = logging.getLogger(__name__)
RUNTIME_KEY = "replycrew"


@dataclass
class SlackRuntime:
    """The Slack app's shared state; one per process."""

    settings: Settings
    engine: Engine
    drafts: DraftStore
    # Progress edits on one message are at least this far apart (Slack: ~1 update/s per message).
    min_edit_interval_s: float = 1.0
    # Drafts wait for Slack requests being acknowledged, but never longer than this (see yield_to_acks).
    ack_priority_s: float = 1.0
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _inflight: int = 0
    _last_request: float = 0.0
    _quiet: asyncio.Event = field(default_factory=asyncio.Event)

    def request_started(self) -> None:
        """An HTTP request from Slack is being handled (it must be acked within 3 s)."""
        self._inflight += 1
        self._last_request = time.monotonic()
        self._quiet.clear()

    def request_finished(self) -> None:
        """That request was answered."""
        self._inflight -= 1
        if self._inflight == 0:
            self._quiet.set()

    async def yield_to_acks(self, *, settle_s: float = 0.02) -> None:
        """Let pending acks go first: wait until no Slack request is in flight (for `settle_s`).

        A draft's engine work runs on the same event loop as the acks; in a burst of commands the
        drafts started by the first acks would otherwise delay the acks of the rest past Slack's
        patience. Bounded by `ack_priority_s`, so a steady stream of requests cannot starve drafts.
        """
        deadline = time.monotonic() + self.ack_priority_s
        while (left := deadline - time.monotonic()) > 0:
            if self._inflight > 0:
                try:
                    await asyncio.wait_for(self._quiet.wait(), left)
                except TimeoutError:
                    return
                continue
            idle = time.monotonic() - self._last_request
            if idle >= settle_s:
                return
            await asyncio.sleep(min(settle_s - idle, left))

    def spawn(self, work: Awaitable[Any], *, name: str) -> asyncio.Task[Any]:
        """Run work after Slack's 3-second ack, keeping a reference so it is not collected."""

        async def run() -> Any:
            return await work

        task = asyncio.create_task(run(), name=name)
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    async def drain(self, *, grace_s: float | None = None) -> None:
        """Wait for background work (drafts in flight) to finish; cancel what is left after grace_s."""
        while self.tasks:
            pending = set(self.tasks)
            _, still = await asyncio.wait(pending, timeout=grace_s)
            if still:
                for task in still:
                    task.cancel()
                await asyncio.gather(*still, return_exceptions=True)
                return


def runtime_of(context: Mapping[str, Any]) -> SlackRuntime:
    """The SlackRuntime a Bolt listener's context carries."""
    runtime = context.get(RUNTIME_KEY)
    if not isinstance(runtime, SlackRuntime):
        raise RuntimeError("the Slack app was not built with bot.app.build_app")
    return runtime
