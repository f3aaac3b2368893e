"""Weekday and month names, listed once, as the facts, template variables and the cache guard read them.

Each spelling maps to a canonical three-letter form (`Thurs` -> `thu`, `Sept` -> `sep`), so two
messages naming the same day compare equal. `WEEKDAY` and `MONTH` are regex alternations of every
spelling; `FULL_WEEKDAY` and `FULL_MONTH` only of the full names, for readers that must not take
"sun" or "mar" in running text for a date.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["FULL_MONTH", "FULL_WEEKDAY", "MONTH", "MONTHS", "WEEKDAY", "WEEKDAYS"]

_WEEKDAY_NAMES = {"monday": ("mon",), "tuesday": ("tue", "tues"), "wednesday": ("wed", "weds"),
                  "thursday": ("thu", "thur", "thurs"), "friday": ("fri",), "saturday": ("sat",),
                  "sunday": ("sun",)}
_MONTH_NAMES = {"january": ("jan",), "february": ("feb",), "march": ("mar",), "april": ("apr",), "may": (),
                "june": ("jun",), "july": ("jul",), "august": ("aug",), "september": ("sep", "sept"),
                "october": ("oct",), "november": ("nov",), "december": ("dec",)}

# Every spelling, lower-case -> canonical three letters.
WEEKDAYS: dict[str, str] = {spelling: full[:3] for full, short in _WEEKDAY_NAMES.items()
                            for spelling in (full, *short)}
MONTHS: dict[str, str] = {spelling: full[:3] for full, short in _MONTH_NAMES.items() for spelling in (full, *short)}


def _alternation(words: Iterable[str]) -> str:
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"  # longest first


WEEKDAY = _alternation(WEEKDAYS) + r"\b\.?"
MONTH = _alternation(MONTHS) + r"\b"
FULL_WEEKDAY = _alternation(full.capitalize() for full in _WEEKDAY_NAMES)
FULL_MONTH = _alternation(full.capitalize() for full in _MONTH_NAMES)
