"""Calendar periods written out, read as the cache's time keys: "the second quarter" is "q2" as "Q2" is,
"July to September" is "q3" too, "next wk" is "next_week" as "next week" is.

The short forms ("Q2", "next week") are read by the signature's time reader (engine/cache/signature.py); this
reads the other spellings of the same periods into the same keys, so a rewording that spells a period out
still agrees, and "Q2" still differs from "the third quarter".
"""

from __future__ import annotations

import re

from engine.text.dates import MONTH, MONTHS, WEEKDAY
from engine.text.numerals import blank

__all__ = ["COVERS", "named_periods", "quarter_months"]

# The marker a quarter written as its months leaves beside "q3" ("covers q3"): the month reader also reads
# "July" and "September" there, and the comparison (engine/meaning/facts.py) drops the months a marked
# quarter covers, so "July to September" and "Q3" agree while "July or September" stays two months.
COVERS = "covers "
_QUARTERS = {1: ("jan", "feb", "mar"), 2: ("apr", "may", "jun"), 3: ("jul", "aug", "sep"), 4: ("oct", "nov", "dec")}
# "July to September", "between July and September", "Jul-Sep", "July through September": first to last month.
_MONTH_RANGE = re.compile(rf"\b(?P<first>{MONTH})\.?\s*(?:-|–|to|through|thru|until|till|and)\s*(?P<last>{MONTH})",
                          re.IGNORECASE)

_QUARTER_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
                     "final": 4}
# "the second quarter", "Q2" spelled out; "in the final quarter (of the year)" is Q4. Not "a quarter of our
# budget" (no ordinal), not "the first quarter-hour".
_QUARTER = re.compile(r"\b(?P<n>first|1st|second|2nd|third|3rd|fourth|4th|final)\s+quarter\b(?!-)", re.IGNORECASE)
# "next Tuesday the 9th", "this Friday, 14th": the day of the month pins the week the signature reads from
# "next Tuesday", so that week is marked as covered ("covers next_week") and "Tuesday the 9th" agrees.
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_PINNED = re.compile(rf"\b(?P<which>next|this)\s+{WEEKDAY},?\s+(?:the\s+)?{_DAY}"
                     rf"(?![\d:.h])(?!\s*(?:am|pm|a\.m|p\.m)\b)"  # "next Tuesday 10am": an hour, the week stays
                     rf"|\b(?P<which2>next|this)\s+{WEEKDAY},?\s+(?:the\s+)?(?:{_DAY}\s+(?:of\s+)?)?{MONTH}"
                     rf"(?:\s+{_DAY})?", re.IGNORECASE)
# "next wk", "this wk": the week, abbreviated.
_WEEK = re.compile(r"\b(?P<which>next|this)\s+wk\b", re.IGNORECASE)


def named_periods(text: str) -> tuple[frozenset[str], str]:
    """The periods `text` spells out ("q2", "next_week") and the text with them blanked."""
    found: set[str] = set()
    for match in _MONTH_RANGE.finditer(text):
        first, last = MONTHS[match.group("first").lower()], MONTHS[match.group("last").lower()]
        quarter = next((q for q, months in _QUARTERS.items() if (months[0], months[-1]) == (first, last)), None)
        if quarter is not None:
            found |= {f"q{quarter}", f"{COVERS}q{quarter}"}
            text = blank(text, match.span())
    for match in _QUARTER.finditer(text):
        found.add(f"q{_QUARTER_ORDINALS[match.group('n').lower()]}")
        text = blank(text, match.span())
    for match in _PINNED.finditer(text):  # not blanked: the day is read by the day reader
        found.add(f"{COVERS}{(match.group('which') or match.group('which2')).lower()}_week")
    for match in _WEEK.finditer(text):
        found.add(f"{match.group('which').lower()}_week")
        text = blank(text, match.span())
    return frozenset(found), text


def quarter_months(quarter: str) -> tuple[str, ...]:
    """The months of a quarter key ("q3" -> jul, aug, sep), as the month reader names them."""
    return _QUARTERS[int(quarter.removeprefix("q"))]
