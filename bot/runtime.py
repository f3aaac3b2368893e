"""What every Slack handler shares: settings, the engine, the draft store and background tasks.

Bolt hands each listener a `context`; an `AppScoped` keeps one object per Slack app and a global
middleware puts it in that context. bot/app.py attaches the SlackRuntime (`runtime_of(context)`,
`RUNTIMES.of_app(app)`); handler modules attach their own (CSV batches, digests) the same way.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.async_app import AsyncBoltContext
from slack_bolt.response import BoltResponse

from bot.drafts import DraftStore
from bot.install.clients import TeamClients
from bot.ratelimit import SlackBudget
from bot.settings import Settings
from bot.stream_fallback import StreamPolicy
from engine.workflow import Engine

__all__ = ["RUNTIMES", "RUNTIME_KEY", "AppScoped", "SlackRuntime", "runtime_of"]

log = logging.getLogger(__name__)
RUNTIME_KEY = "replycrew"
T = TypeVar("T")


class AppScoped(Generic[T]):
    """One object of `kind` per Slack app, handed to every listener in its context under `key`."""

    def __init__(self, key: str, kind: type[T], *, what: str) -> None:
        self.key, self.kind, self.what = key, kind, what
        self._by_app: weakref.WeakKeyDictionary[AsyncApp, T] = weakref.WeakKeyDictionary()

    def attach(self, app: AsyncApp, value: T) -> T:
        """Keep `value` as the app's and add a middleware that puts it in every listener's context."""
        self._by_app[app] = value
        key = self.key

        async def put_in_context(context: AsyncBoltContext,
                                 next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
            context[key] = value
            result: BoltResponse = await next()
            return result

        app.middleware(put_in_context)
        return value

    def of_app(self, app: AsyncApp) -> T:
        """The object `attach` kept for this app."""
        return self._by_app[app]

    def of_context(self, context: Mapping[str, Any]) -> T:
        """The object a Bolt listener's context carries."""
        value = context.get(self.key)
        if not isinstance(value, self.kind):
            raise RuntimeError(f"{self.what}: build the Slack app with bot.app.build_app")
        return value


@dataclass
class SlackRuntime:
    """The Slack app's shared state; one per process."""

    settings: Settings
    engine: Engine
    drafts: DraftStore
    # Background work's Web API client per workspace (the installing team's token).
    clients: TeamClients
    # Our share of Slack's rate limits, shared by drafts, batches and digests (bot/ratelimit.py).
    budget: SlackBudget
    # Progress edits on one message are at least this far apart (Slack: ~1 update/s per message).
    min_edit_interval_s: float = 1.0
    # Drafts wait for Slack requests being acknowledged, but never longer than this (see yield_to_acks).
    ack_priority_s: float = 1.0
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    # Which workspaces refused chat.startStream (their drafts use the edited message).
    stream_policy: StreamPolicy | None = None
    _inflight: int = 0
    _last_request: float = 0.0
    _quiet: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        if self.stream_policy is None:
            self.stream_policy = StreamPolicy(self.engine.store)

    @property
    def streams(self) -> StreamPolicy:
        """The workspace streaming memory (always set after construction)."""
        assert self.stream_policy is not None
        return self.stream_policy

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


RUNTIMES = AppScoped(RUNTIME_KEY, SlackRuntime, what="the Slack app has no runtime")


def runtime_of(context: Mapping[str, Any]) -> SlackRuntime:
    """The SlackRuntime a Bolt listener's context carries."""
    return RUNTIMES.of_context(context)
