"""Our own share of Slack's rate limits, budgeted before each call instead of discovered by 429s.

Slack limits chat.update per workspace (Tier 3, 50+ a minute) and chat.postMessage per channel
(about one a second, https://docs.slack.dev/apis/web-api/rate-limits), per app, whichever process
makes the call. Draft progress, batch progress, button updates and digests all draw from one
budget per workspace (updates) and per channel (posts), kept in the engine's Store: with Redis,
every process shares it.

A budget is a row of fixed windows, each with `capacity` slots; a call claims the first free slot
with Store.set_if_absent (atomic in SQLite and on Redis) and waits for its window to open. Final
states (a draft, a batch's outcome, an Approve) wait for a slot however busy the workspace is;
progress edits take one only if it opens within their own throttle interval, else they are
skipped (the next edit, or the final one, shows newer state anyway). A store outage never blocks
Slack: the call goes out unbudgeted and Slack's own 429s (retried by the SDK) take over.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from engine import keys
from engine.cache.store import Store
from engine.errors import ReplycrewError

__all__ = ["Rule", "SlackBudget", "TeamBudget"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    """`capacity` calls per `window_s` seconds."""

    window_s: float
    capacity: int


@dataclass
class SlackBudget:
    """Every budget of one app, in one store."""

    store: Store
    # chat.update, per workspace: 50 a minute as 5 every 6 s (short bursts, never over the tier).
    update: Rule = field(default_factory=lambda: Rule(window_s=6.0, capacity=5))
    # chat.postMessage, per channel: one a second.
    post: Rule = field(default_factory=lambda: Rule(window_s=1.0, capacity=1))
    clock: Callable[[], float] = time.time  # wall clock: windows line up across processes
    owner: str = field(default_factory=lambda: f"{os.getpid()}")
    waited_s: float = 0.0  # total time calls waited for a slot (for /metrics and the benchmarks)
    skipped: int = 0  # progress edits skipped for want of a slot

    @classmethod
    def scaled(cls, store: Store, *, scale: float) -> SlackBudget:
        """Slack's budgets with every window `scale` times shorter (tests, benchmarks)."""
        return cls(store=store, update=Rule(window_s=6.0 / scale, capacity=5),
                   post=Rule(window_s=1.0 / scale, capacity=1))

    def for_team(self, team: str) -> TeamBudget:
        return TeamBudget(self, team)

    async def claim(self, name: str, rule: Rule, *, horizon_s: float | None) -> bool:
        """Wait for a slot of `name`; None horizon waits as long as it takes. False: none in time."""
        now = self.clock()
        first = math.floor(now / rule.window_s)
        last = None if horizon_s is None else math.floor((now + horizon_s) / rule.window_s)
        window = first
        try:
            while last is None or window <= last:
                ttl = max(1, math.ceil((window - first + 2) * rule.window_s))
                for slot in range(rule.capacity):
                    if await self.store.set_if_absent(f"{keys.SLACK_RATE}{name}:{window}:{slot}", self.owner,
                                                      ttl=ttl):
                        wait = window * rule.window_s - self.clock()
                        if wait > 0:
                            self.waited_s += wait
                            await asyncio.sleep(wait)
                        return True
                window += 1
        except ReplycrewError as exc:  # the store is down: Slack's own 429s will pace us
            log.warning("rate budget %s unavailable (%s): calling Slack unbudgeted", name, exc)
            return True
        return False


@dataclass(frozen=True)
class TeamBudget:
    """One workspace's share: its chat.update budget, and chat.postMessage per channel."""

    budget: SlackBudget
    team: str

    async def update(self, *, final: bool, horizon_s: float = 0.0) -> bool:
        """Before a chat.update: a final state always gets a slot; progress only within `horizon_s`."""
        got = await self.budget.claim(f"chat.update:{self.team}", self.budget.update,
                                      horizon_s=None if final else horizon_s)
        if not got:
            self.budget.skipped += 1
        return got

    async def post(self, channel: str) -> None:
        """Before a chat.postMessage in `channel`."""
        await self.budget.claim(f"chat.postMessage:{self.team}:{channel}", self.budget.post, horizon_s=None)
