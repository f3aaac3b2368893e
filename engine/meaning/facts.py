"""Exact checks of hard facts before a cached analysis is reused: numbers, money, dates, timeframes,
standards, roles, and named vendors, products and regions.

These are facts, not meaning, so rules decide them: two threads that differ in "40 vans" vs "4,000
vehicles" or "SOC 2" vs "ISO 27001" never share an analysis, however alike they read. A short reply
("yes please") carries its facts in the rep's question, so that is compared too.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.cache.signature import Signature, signature

__all__ = ["FACT_KINDS", "FactCheck", "Facts", "facts_agree", "facts_of"]

_SLOTS = ("numbers", "times", "standards", "roles")


# The kinds of fact a check can find different (the `kind` of a failed FactCheck), in checking order.
FACT_KINDS = (*_SLOTS, "entities", "short_reply")


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

    def to_json(self) -> dict[str, dict[str, list[str]] | None]:
        """A JSON-ready form, stored beside each cached analysis."""
        return {"message": self.message.to_json(),
                "context": None if self.context is None else self.context.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, dict[str, list[str]] | None]) -> Facts:
        """The inverse of `to_json`."""
        message, context = data.get("message"), data.get("context")
        return cls(message=Signature.from_json(message or {}),
                   context=None if context is None else Signature.from_json(context))


def facts_of(thread: str, *, context: str | None = None) -> Facts:
    """The hard facts of a thread (its signature's `asks` are meaning, not facts, and are not used);
    `context` is the rep's question, given for short replies."""
    return Facts(message=signature(thread), context=signature(context) if context else None)


def facts_agree(query: Facts, candidate: Facts) -> FactCheck:
    """The messages' facts agree, and so do the rep's questions' when either reply is short."""
    found = _agree(query.message, candidate.message)
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
