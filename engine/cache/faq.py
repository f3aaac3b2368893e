"""Answers to recurring prospect questions (pricing, security, integrations, trials), as snippets.

A team's approved answer to a recurring question is kept for CACHE_TTL_FAQ (24 h) per tenant scope
and handed to the reply step whenever a new thread asks the same kind of question. Answers come
from whoever holds an approved one (`remember`): an approved draft, an admin, a seed file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import partial

from engine.cache import keys
from engine.cache.health import CacheHealth
from engine.models import ThreadAnalysis

__all__ = ["TOPICS", "StoredFAQ", "topics_for"]

TOPICS: dict[str, re.Pattern[str]] = {
    "pricing": re.compile(r"\b(pric(e|es|ing)|quote|cost|how much|licen[cs]e|per (seat|user|month))\b", re.I),
    "security": re.compile(r"\b(soc ?2|iso ?27001|hipaa|gdpr|security|pen(etration)? ?test|encrypt\w*|dpa)\b",
                           re.I),
    "integrations": re.compile(r"\b(integrat\w*|connector|api|sync|middleware)\b", re.I),
    "trials": re.compile(r"\b(trial|poc|proof of concept|pilot|sandbox)\b", re.I),
}
_INTENT_TOPIC = {
    "asks_pricing": "pricing",
    "asks_security_compliance": "security",
    "asks_integration_question": "integrations",
    "wants_trial": "trials",
}
MAX_SNIPPET_CHARS = 1200


def topics_for(analysis: ThreadAnalysis) -> list[str]:
    """The recurring-question topics an analysis raises, most relevant first."""
    found: list[str] = []
    if analysis.intent in _INTENT_TOPIC:
        found.append(_INTENT_TOPIC[analysis.intent])
    text = " ".join(analysis.questions)
    found += [topic for topic, pattern in TOPICS.items() if pattern.search(text) and topic not in found]
    return found


class StoredFAQ:
    """FAQ snippets per scope and topic, kept CACHE_TTL_FAQ seconds from when they were written."""

    def __init__(self, health: CacheHealth, *, ttl: int) -> None:
        self._health = health
        self._ttl = ttl

    async def snippets(self, analysis: ThreadAnalysis, *, scope: str) -> Sequence[str]:
        found: list[str] = []
        for topic in topics_for(analysis):
            key = keys.FAQ + f"{keys.scope_digest(scope)}:{topic}"
            raw = await self._health.call(partial(self._health.store.get, key), None)
            if raw:
                found += [s for s in json.loads(raw) if s not in found]
        return found

    async def remember(self, topic: str, answer: str, *, scope: str) -> None:
        """Keep `answer` as this scope's current answer for `topic` (pricing, security, integrations, trials)."""
        if topic not in TOPICS:
            raise ValueError(f"unknown FAQ topic {topic!r}; expected one of {', '.join(TOPICS)}")
        text = answer.strip()[:MAX_SNIPPET_CHARS]
        if not text:
            return
        key = keys.FAQ + f"{keys.scope_digest(scope)}:{topic}"
        await self._health.call(partial(self._health.store.set, key, json.dumps([text]), ttl=self._ttl), None)
