"""Slack's rate limits: one budget per workspace and channel, and the final state always lands."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bot.ratelimit import Rule, SlackBudget
from engine.cache.store import RedisStore, SQLiteStore
from engine.models import Draft, DraftRequest, ProspectProfile, ThreadAnalysis
from engine.steps.offline import OfflineReply
from tests.fakes.slack_server import FakeSlack
from tests.slack_helpers import offline_engine, slack_harness

THREAD = ("Rep (Jordan Lee): Hi Ana, worth a quick look at how we automate win-back journeys?\n"
          "Ana Ruiz: Maybe. What does it cost for 40 seats? We'd need it before Q3.")


def _final(slack_message_blocks: list[dict[str, object]]) -> bool:
    return any(b.get("type") == "actions" for b in slack_message_blocks)


async def test_the_final_draft_appears_under_sustained_429s(data_dir: Path) -> None:
    """chat.update answers 429 (Retry-After 1 s) for 7 s: longer than the SDK's 3 retries last."""
    async with slack_harness(data_dir) as slack:
        slack.fake.saturate("chat.update", seconds=7, retry_after=1)
        started = time.monotonic()
        await slack.command(THREAD)
        await slack.settle(grace_s=60)
        [message] = slack.fake.messages_in(slack.channel_id)
        assert _final(message.blocks) and "Hi Ana," in message.all_text  # never left on "Drafting…"
        updates = slack.fake.calls_to("chat.update")
        assert sum(c.status == 429 for c in updates) >= 5  # past the SDK's own retries
        assert updates[-1].status == 200 and time.monotonic() - started >= 7


class SlowReply(OfflineReply):
    def __init__(self) -> None:
        self.gate = asyncio.Event()

    async def draft(self, request: DraftRequest, *, profile: ProspectProfile | None,
                    analysis: ThreadAnalysis | None, snippets: Sequence[str] = ()) -> Draft:
        await self.gate.wait()
        return await super().draft(request, profile=profile, analysis=analysis, snippets=snippets)


async def test_a_progress_message_that_cannot_be_edited_is_replaced_by_a_fresh_final(data_dir: Path) -> None:
    reply = SlowReply()
    engine = offline_engine(data_dir, reply=reply)
    try:
        async with slack_harness(data_dir, engine=engine) as slack:
            await slack.command(THREAD)
            await slack.fake.wait_for(lambda f: bool(f.messages))
            [(key, progress)] = list(slack.fake.messages.items())
            del slack.fake.messages[key]  # someone deleted the "Drafting…" message
            reply.gate.set()
            await slack.settle()
            [message] = slack.drafts_posted()
            assert message.ts != progress.ts and _final(message.blocks)
            value = next(e["value"] for b in message.blocks if b["type"] == "actions" for e in b["elements"])
            record = await slack.runtime.drafts.load(slack.team_id, str(value))
            assert record is not None and record.message_ts == message.ts  # the buttons work there
    finally:
        await engine.store.close()


async def test_a_burst_of_drafts_stays_inside_slacks_limits(data_dir: Path) -> None:
    """Twelve drafts at once in one workspace (three channels): the fake enforces Slack's limits
    (windows shortened 10x on both sides); our budget keeps every call under them."""
    async with FakeSlack(rate_scale=10) as fake, slack_harness(data_dir, fake=fake, slack_rate_scale=10,
                                                               min_edit_interval_s=0.05) as slack:
        await asyncio.gather(*(slack.command(THREAD, channel_id=f"C0{n % 3}") for n in range(12)))
        await slack.settle(grace_s=60)
        finals = [m for n in range(3) for m in slack.fake.messages_in(f"C0{n}") if _final(m.blocks)]
        assert len(finals) == 12
        assert fake.budgets.limited == []  # not one 429


async def test_budgets_are_shared_by_processes_through_redis(redis_server: str) -> None:
    """Two processes' budgets on one Redis: together never more than `capacity` calls a window."""
    stores = [RedisStore(redis_server), RedisStore(redis_server)]
    rule = Rule(window_s=0.2, capacity=2)
    budgets = [SlackBudget(store=store, update=rule, owner=f"p{n}") for n, store in enumerate(stores)]
    stamps: list[float] = []

    async def call(budget: SlackBudget) -> None:
        await budget.for_team("T0SHARED").update(final=True)
        stamps.append(time.time())

    try:
        await asyncio.gather(*(call(budgets[n % 2]) for n in range(12)))
        per_window = Counter(math.floor(t / rule.window_s + 1e-3) for t in stamps)
        assert len(stamps) == 12 and max(per_window.values()) <= rule.capacity
        # A progress edit finds no slot in the next instant of a busy window: skipped, not queued.
        await asyncio.gather(*(budgets[0].for_team("T0BUSY").update(final=True) for _ in range(2)))
        assert await budgets[1].for_team("T0BUSY").update(final=False, horizon_s=0.0) is False
    finally:
        for store in stores:
            await store.close()


async def test_budgets_in_one_sqlite_store_pace_posts_per_channel(data_dir: Path) -> None:
    store = SQLiteStore(data_dir / "s.sqlite3")
    budget = SlackBudget(store=store, post=Rule(window_s=0.1, capacity=1))
    try:
        started = time.monotonic()
        await asyncio.gather(*(budget.for_team("T").post("C1") for _ in range(5)))
        await budget.for_team("T").post("C2")  # another channel has its own budget
        assert time.monotonic() - started >= 0.3  # five posts: at least four windows apart
    finally:
        await store.close()
