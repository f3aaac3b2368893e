"""Bolt's assistant thread context (which channel a rep opened the agent thread from), kept in our Store.

Bolt's default store writes the context into the metadata of the app's first reply with chat.update
and reads it back with conversations.replies: a Tier 3 edit per context change and the
`im:history` scope just for this. Ours is two store calls, shared by every process.
"""

from __future__ import annotations

import json

from slack_bolt.context.assistant.thread_context import AssistantThreadContext
from slack_bolt.context.assistant.thread_context_store.async_store import AsyncAssistantThreadContextStore

from engine import keys
from engine.cache.store import Store

__all__ = ["StoreThreadContext"]

_TTL_S = 90 * 24 * 3600  # an agent thread left alone for a quarter starts afresh


class StoreThreadContext(AsyncAssistantThreadContextStore):
    """`AsyncAssistantThreadContextStore` on the app's store (key `slack-thread-context:<channel>:<ts>`)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def save(self, *, channel_id: str, thread_ts: str, context: dict[str, str]) -> None:
        await self.store.set(f"{keys.SLACK_THREAD_CONTEXT}{channel_id}:{thread_ts}", json.dumps(context),
                             ttl=_TTL_S)

    async def find(self, *, channel_id: str, thread_ts: str) -> AssistantThreadContext | None:
        raw = await self.store.get(f"{keys.SLACK_THREAD_CONTEXT}{channel_id}:{thread_ts}")
        if not raw:
            return None
        payload = json.loads(raw)
        return AssistantThreadContext(payload) if payload.get("channel_id") else None
