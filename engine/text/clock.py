"""Clock times, normalised to 24 hours: "10am", "10 AM" and "10:00" are "at 10:00"; "2pm", "14:00" and
"14h00" are "at 14:00"; a range "2-4pm" shares its suffix. "2:00" without am/pm stays 02:00: a rule
never guesses the afternoon.
"""

from __future__ import annotations

import re

from engine.text.numerals import blank

__all__ = ["clock_times"]

# Clock times: "10am", "10 AM", "10:00", "14.30", "2:30 p.m.", "noon"; a range "2-4pm" shares its suffix.
_MERIDIEM = r"(?P<{0}>[ap]\.?m\.?)(?!\w)"
_CLOCK = re.compile(
    r"(?<![\w:.,])(?P<h1>\d{1,2})(?:[:.](?P<m1>[0-5]\d))?\s*(?:-|–|to|until|till|and)\s*(?P<h2>\d{1,2})(?:[:.](?P<m2>[0-5]\d))?"
    r"\s*" + _MERIDIEM.format("mer2") +
    r"|(?<![\w:.,])(?P<h>\d{1,2})(?:(?:[:.](?P<m>[0-5]\d))?\s*" + _MERIDIEM.format("mer") + r"|[:h](?P<mm>[0-5]\d)\b)"
    r"|\b(?P<noon>noon|midday)\b",
    re.IGNORECASE)

def _hour(hour: int, minute: int, meridiem: str | None) -> str:
    mer = (meridiem or "").lower().replace(".", "")
    if mer == "pm" and hour < 12:
        hour += 12
    elif mer == "am" and hour == 12:
        hour = 0
    return f"at {hour:02d}:{minute:02d}"


def clock_times(text: str) -> tuple[frozenset[str], str]:
    """The clock times of `text` ("at 14:00") and the text with them blanked out."""
    found: set[str] = set()
    for match in _CLOCK.finditer(text):
        if match.group("noon"):
            found.add("at 12:00")
        elif match.group("h1"):
            mer = match.group("mer2")
            first, second = int(match.group("h1")), int(match.group("h2"))
            if first > 12 or second > 12:
                continue
            # "11-1pm" runs from 11am; "2-4pm" from 2pm.
            first_mer = "am" if mer.lower().startswith("p") and first > second and first != 12 else mer
            found.add(_hour(first, int(match.group("m1") or 0), first_mer))
            found.add(_hour(second, int(match.group("m2") or 0), mer))
        else:
            hour, minute = int(match.group("h")), int(match.group("m") or match.group("mm") or 0)
            if hour > 23 or (match.group("mer") and hour > 12):
                continue
            found.add(_hour(hour, minute, match.group("mer")))
        text = blank(text, match.span())
    return frozenset(found), text
