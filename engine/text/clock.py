"""Clock times, normalised to 24 hours: "10am", "10 AM" and "10:00" are "at 10:00"; "2pm", "14:00" and
"14h00" are "at 14:00"; a range "2-4pm" shares its suffix. "2:00" on its own stays 02:00.

An hour with no am/pm where a meeting time stands, right after a weekday, "today"/"tomorrow" or a date
("Tuesday 10", "thurs at 2", "14 March at 3", "tue 10h"), is a clock time read in business hours: 7-11 the
morning, 12 noon, 1-6 the afternoon (nobody books a call at 3am), 13-23 as written. Before this rule
"Tuesday 10" was the count 10 and never met "Tuesday 10am".
"""

from __future__ import annotations

import re

from engine.text.dates import MONTH, WEEKDAY
from engine.text.facts import UNITS
from engine.text.numerals import UNIT_WORDS, blank

__all__ = ["clock_times"]

# Clock times: "10am", "10 AM", "10:00", "14.30", "2:30 p.m.", "noon"; a range "2-4pm" shares its suffix.
_MERIDIEM = r"(?P<{0}>[ap]\.?m\.?)(?!\w)"
_CLOCK = re.compile(
    r"(?<![\w:.,])(?P<h1>\d{1,2})(?:[:.](?P<m1>[0-5]\d))?\s*(?:-|–|to|until|till|and)\s*(?P<h2>\d{1,2})(?:[:.](?P<m2>[0-5]\d))?"
    r"\s*" + _MERIDIEM.format("mer2") +
    r"|(?<![\w:.,])(?P<h>\d{1,2})(?:(?:[:.](?P<m>[0-5]\d))?\s*" + _MERIDIEM.format("mer") + r"|[:h](?P<mm>[0-5]\d)\b)"
    r"|\b(?P<noon>noon|midday)\b",
    re.IGNORECASE)

_ORDINAL = r"(?:st|nd|rd|th)"
# Where a meeting time stands: a weekday, today/tomorrow, or a date ("14 March", "March 14th", "the 14th").
_WHEN = (rf"(?P<when>\b(?:{WEEKDAY}|today|tomorrow|tmrw)|\b\d{{1,2}}{_ORDINAL}?\s+(?:of\s+)?{MONTH}"
         rf"|\b{MONTH}\.?\s+\d{{1,2}}{_ORDINAL}?|\bthe\s+\d{{1,2}}{_ORDINAL})")
_BARE = re.compile(
    _WHEN + r",?\s+(?P<at>(?:at|@|around|from|by)\s*)?(?P<h>\d{1,2})(?:[:.h](?P<m>[0-5]\d)\b|(?P<hh>h)\b)?"
    # not a day ("Tuesday 12 January", "Friday 3rd"), a count ("Tuesday 10 users"), a range or a share
    rf"(?![\w%/]|[:.,\-–]\d|\s*(?:-|–|to)\s*\d|\s+(?:of\s+)?{MONTH}|\s+(?:{UNITS})\b)",
    re.IGNORECASE)


_HOUR_WORDS = {word: value for word, value in UNIT_WORDS.items() if 1 <= value <= 12}
_HOUR = rf"(?P<h>\d{{1,2}}|{'|'.join(sorted(_HOUR_WORDS, key=len, reverse=True))})"
# An hour said rather than written: "three in the afternoon", "3 o'clock", "half past three", "quarter to ten
# in the morning", "at 10 tomorrow". The part of the day sets am/pm; without one, business hours (below).
_SPOKEN = re.compile(
    rf"(?P<at>\b(?:at|around|about|by|from|until|till|after|before)\s+)?"
    rf"(?:(?P<past>half|quarter)\s+past\s+|(?P<to>quarter)\s+to\s+)?"
    rf"(?<![\w:.,]){_HOUR}(?:\s*o['’]?\s?clock\b(?P<oclock>)|(?=\s+(?:in\s+the\s+)?(?:morning|afternoon|evening)\b))"
    rf"(?:\s+(?:in\s+the\s+)?(?P<part>morning|afternoon|evening))?"
    rf"|(?<=\bat\s)(?P<h2>\d{{1,2}})(?=\s+(?:today|tomorrow|tmrw|on\s+{WEEKDAY}|{WEEKDAY}))",
    re.IGNORECASE)


def _spoken_hours(text: str) -> tuple[set[str], str]:
    """Hours said in words or with a part of the day (see `_SPOKEN`), as "at HH:MM"."""
    found: set[str] = set()
    for match in _SPOKEN.finditer(text):
        written = (match.group("h") or match.group("h2")).lower()
        hour = int(written) if written.isdigit() else _HOUR_WORDS[written]
        said = match.group("at") or match.group("past") or match.group("to") or match.group("oclock") is not None
        if (hour > 12 and not match.group("h2")) or not (said or match.group("h2")):
            continue  # "three in the afternoon shift": a count, unless an hour is said ("at three", "3 o'clock")
        minute = 30 if match.group("past") == "half" else 15 if match.group("past") else 0
        if match.group("to"):
            hour, minute = hour - 1, 45
        part = (match.group("part") or "").lower()
        if part in ("afternoon", "evening") and hour < 12:
            hour += 12
        elif not part:
            hour = _business_hour(hour)
        found.add(f"at {hour:02d}:{minute:02d}")
        start = match.start("past") if match.group("past") else match.start("to") if match.group("to") else \
            match.start("h") if match.group("h") else match.start("h2")
        text = blank(text, (start, match.end("part") if match.group("part") else match.end()))
    return found, text


def _business_hour(hour: int) -> int:
    return hour + 12 if 1 <= hour <= 6 else hour


def _bare_hours(text: str) -> tuple[set[str], str]:
    """Hours without am/pm right after a weekday or a date, in business hours (see the module docstring)."""
    found: set[str] = set()
    for match in _BARE.finditer(text):
        when = match.group("when")
        if when.lower().rstrip(".") in ("sat", "sun") and when.islower():
            continue  # "we sat 10 people": a verb, not Saturday
        hour, minute = int(match.group("h")), int(match.group("m") or 0)
        marked = bool(match.group("at") or match.group("hh") or match.group("m"))
        if hour > 23 or (hour > 12 and not marked):
            continue  # "Tuesday 14" is the 14th (engine/text/days.py), "Tuesday at 14" 14:00
        found.add(f"at {_business_hour(hour):02d}:{minute:02d}")
        text = blank(text, (match.start("h"), match.end()))
    return found, text


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
    spoken, text = _spoken_hours(text)
    bare, text = _bare_hours(text)
    return frozenset(found | spoken | bare), text
