"""Exact checks of hard facts before a cached analysis is reused: numbers, money, dates, timeframes,
standards, roles, and named vendors, products and regions.

These are facts, not meaning, so rules decide them: two threads that differ in "40 vans" vs "4,000
vehicles" or "SOC 2" vs "ISO 27001" never share an analysis, however alike they read. A short reply
("yes please") carries its facts in the rep's question, so that is compared too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from engine.cache.signature import Signature, clean_message, signature

__all__ = ["FACT_KINDS", "FactCheck", "Facts", "durations", "facts_agree", "facts_of"]

_SLOTS = ("numbers", "times", "standards", "roles")


# The kinds of fact a check can find different (the `kind` of a failed FactCheck), in checking order.
FACT_KINDS = (*_SLOTS, "entities", "durations", "short_reply")
# A length of time: "3 months" is not "3 weeks", though both carry the number 3 ("since 3 months",
# "a 14-day trial", "two-year contract"). The unit is the fact the number slot cannot see.
_COUNTS = {"a": "1", "an": "1", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
           "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
           "couple": "2", "few": "few", "several": "few"}
_DURATION = re.compile(r"\b(\d+(?:[.,]\d+)?|" + "|".join(_COUNTS) + r")(?:\s+of)?[\s-]+"
                       r"(minute|hour|day|week|month|quarter|year)s?\b", re.IGNORECASE)


def durations(text: str) -> frozenset[str]:
    """The lengths of time a text names, normalised ("a 14-day trial" -> "14 day", "two years" -> "2 year")."""
    found = set()
    for match in _DURATION.finditer(text):
        count = match.group(1).lower()
        found.add(f"{_COUNTS.get(count, count.replace(',', '.'))} {match.group(2).lower()}")
    return frozenset(found)


@dataclass(frozen=True)
class FactCheck:
    """Whether the hard facts agree, and if not, which kind of fact did not (and in whose words)."""

    ok: bool
    reason: str = ""
    kind: str = ""  # one of FACT_KINDS; prefixed "question:" when the rep's questions differ


@dataclass(frozen=True)
class Facts:
    """The facts of the latest prospect message, and of the rep's question when the reply is short."""

    message: Signature
    context: Signature | None
    lengths: frozenset[str] = field(default_factory=frozenset)  # durations of the message (and question)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form, stored beside each cached analysis."""
        return {"message": self.message.to_json(),
                "context": None if self.context is None else self.context.to_json(),
                "durations": sorted(self.lengths)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Facts:
        """The inverse of `to_json`."""
        message, context = data.get("message"), data.get("context")
        return cls(message=Signature.from_json(message or {}),
                   context=None if context is None else Signature.from_json(context),
                   lengths=frozenset(data.get("durations", ())))


def facts_of(thread: str, *, context: str | None = None) -> Facts:
    """The hard facts of a thread (its signature's `asks` are meaning, not facts, and are not used);
    `context` is the rep's question, given for short replies."""
    lengths = durations(clean_message(thread).text) | {f"question: {d}" for d in durations(context or "")}
    return Facts(message=signature(thread), context=signature(context) if context else None, lengths=lengths)


def facts_agree(query: Facts, candidate: Facts) -> FactCheck:
    """The messages' facts agree, and so do the rep's questions' when either reply is short."""
    found = _agree(query.message, candidate.message)
    if found.ok and query.lengths != candidate.lengths:
        found = FactCheck(False, "lengths of time differ", kind="durations")
    if not found.ok or (query.context is None and candidate.context is None):
        return found
    if query.context is None or candidate.context is None:
        return FactCheck(False, "only one reply needs the rep's question", kind="short_reply")
    found = _agree(query.context, candidate.context)
    return found if found.ok else FactCheck(False, f"the rep's questions differ: {found.reason}",
                                            kind=f"question:{found.kind}")


def _agree(query: Signature, candidate: Signature) -> FactCheck:
    for slot in _SLOTS:
        if getattr(query, slot) != getattr(candidate, slot):
            return FactCheck(False, f"{slot} differ", kind=slot)
    if not query.entities <= candidate.words or not candidate.entities <= query.words:
        return FactCheck(False, "named vendors, products or regions differ", kind="entities")
    return FactCheck(True)
