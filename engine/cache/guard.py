"""The guard against false semantic hits: a close embedding is not enough, the facts must agree.

A cached analysis is served for a new thread only if their latest prospect messages agree on every
slot that changes the answer: the ask itself (with its polarity), numbers and quantities, dates and
timeframes, compliance standards, the people it points at (CFO, legal, fleet manager), and named
vendors, products, integrations and regions.
When in doubt the guard says no: a miss costs one analysis, a wrong hit costs a wrong reply.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.cache.signature import Signature

__all__ = ["MIN_WORDS", "Verdict", "agree"]

MIN_WORDS = 8  # distinct words in the latest prospect message


@dataclass(frozen=True)
class Verdict:
    """Whether a candidate may be served, and if not, which slot disagreed."""

    ok: bool
    reason: str = ""


def agree(query: Signature, candidate: Signature) -> Verdict:
    """Serve `candidate`'s analysis for `query` only if every answer-changing slot matches."""
    if min(len(query.words), len(candidate.words)) < MIN_WORDS:
        # "Yes please" means whatever the rep asked; too little here for the guard to vouch for.
        return Verdict(False, "too short to compare")
    for slot in ("asks", "numbers", "times", "standards", "roles"):
        if getattr(query, slot) != getattr(candidate, slot):
            return Verdict(False, f"{slot} differ")
    # Names are compared by containment both ways, so casing and word order do not matter
    # ("GitHub Actions" vs "github actions") but a vendor named on one side only does.
    if not query.entities <= candidate.words or not candidate.entities <= query.words:
        return Verdict(False, "named vendors, products or regions differ")
    return Verdict(True)
