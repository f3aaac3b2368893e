"""Calendar periods written out, read as the cache's time keys: "the second quarter" is "q2" as "Q2" is,
"next wk" is "next_week" as "next week" is.

The short forms ("Q2", "next week") are read by the signature's time reader (engine/cache/signature.py); this
reads the other spellings of the same periods into the same keys, so a rewording that spells a period out
still agrees, and "Q2" still differs from "the third quarter".
"""

from __future__ import annotations

import re

from engine.text.numerals import blank

__all__ = ["named_periods"]

_QUARTER_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
                     "final": 4}
# "the second quarter", "Q2" spelled out; "in the final quarter (of the year)" is Q4. Not "a quarter of our
# budget" (no ordinal), not "the first quarter-hour".
_QUARTER = re.compile(r"\b(?P<n>first|1st|second|2nd|third|3rd|fourth|4th|final)\s+quarter\b(?!-)", re.IGNORECASE)
# "next wk", "this wk": the week, abbreviated.
_WEEK = re.compile(r"\b(?P<which>next|this)\s+wk\b", re.IGNORECASE)


def named_periods(text: str) -> tuple[frozenset[str], str]:
    """The periods `text` spells out ("q2", "next_week") and the text with them blanked."""
    found: set[str] = set()
    for match in _QUARTER.finditer(text):
        found.add(f"q{_QUARTER_ORDINALS[match.group('n').lower()]}")
        text = blank(text, match.span())
    for match in _WEEK.finditer(text):
        found.add(f"{match.group('which').lower()}_week")
        text = blank(text, match.span())
    return frozenset(found), text
