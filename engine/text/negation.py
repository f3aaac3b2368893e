"""Negation scope for cue words, NegEx-style: is "demo" asked for, or "no need for a demo"?"""

from __future__ import annotations

import re

__all__ = ["live", "negator_before"]

# Clause boundaries: sentence ends, dashes, colons, semicolons, and contrastive/causal joints.
_CLAUSE = re.compile(r"[.!?;:\n—–(),]+|\s(?:but|so|because|before|"
                     r"whereas|though|although|however)\s", re.IGNORECASE)
_NEGATOR = re.compile(
    r"\b(?:no|not|never|without|nor|neither|don'?t|do not|doesn'?t|does not|didn'?t|did not|won'?t|"
    r"will not|wouldn'?t|would not|isn'?t|is not|aren'?t|are not|haven'?t|have not|hasn'?t|has not|"
    r"can'?t|cannot|shouldn'?t|no need (?:for|to)|rather than|instead of|already|skip|zero|"
    r"dont|didnt|wont|isnt|arent|havent|cant)\b",
    re.IGNORECASE,
)
# "X isn't the issue": X is not what the prospect is asking about.
_NOT_THE_ISSUE = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:isn'?t|is not|aren'?t|are not)\s+(?:the|an?|our|my)?\s*(?:issue|problem|concern|"
    r"question|blocker)", re.IGNORECASE)
_WINDOW = 9  # words a negator reaches forward, as in NegEx


def _clauses(text: str) -> list[str]:
    return [part for part in _CLAUSE.split(text) if part and part.strip()]


def live(pattern: re.Pattern[str], text: str) -> bool:
    """True if the pattern occurs at least once in the text without being negated or dismissed."""
    for clause in _clauses(text):
        for match in pattern.finditer(clause):
            before = clause[: match.start()].split()[-_WINDOW:]
            if _NEGATOR.search(" ".join(before)):
                continue
            if _NOT_THE_ISSUE.search(clause[match.end():]):
                continue
            return True
    return False


def negator_before(text: str, start: int, end: int) -> str | None:
    """The negator governing text[start:end] ("no need for", "already", "isn't the issue"), if any."""
    boundary = max((m.end() for m in _CLAUSE.finditer(text, 0, start)), default=0)
    before = text[boundary:start].split()[-_WINDOW:]
    found = list(_NEGATOR.finditer(" ".join(before)))
    if found:
        return found[-1].group(0).lower()
    after_match = _CLAUSE.search(text, end)
    after = text[end: after_match.start() if after_match else len(text)]
    return "isn't the issue" if _NOT_THE_ISSUE.search(after) else None
