"""Lengths of time and rates, normalised: "half an hour" and "30 minutes" are "30 minute" ("three quarters of an
hour" 45), "a 14-day trial" and "two weeks" are "14 day", "a 30-day pilot" and "a one-month pilot" are "1 month",
"another two years" is "24 month"; "£1,200 a month", "monthly" and "2,500 loads a month" are "per month".
Hours count in minutes, weeks in days, quarters and years in months; "3 months ago" is a date, not a length.
"""

from __future__ import annotations

import re

from engine.text.numerals import WORD, blank, count_value

__all__ = ["lengths_of_time"]

# Lengths of time: "a 14-day trial", "two more years", "half an hour", "an hour and a half", "45 min".
_TIME_UNITS = {"min": ("minute", 1), "mins": ("minute", 1), "minute": ("minute", 1), "hr": ("minute", 60),
               "hrs": ("minute", 60), "hour": ("minute", 60), "day": ("day", 1), "wk": ("day", 7),
               "wks": ("day", 7), "week": ("day", 7), "fortnight": ("day", 14), "month": ("month", 1),
               "mo": ("month", 1), "mos": ("month", 1), "quarter": ("month", 3), "year": ("month", 12),
               "yr": ("month", 12), "yrs": ("month", 12)}
_UNIT = r"(?P<{0}>min(?:ute)?s?|hours?|hrs?|days?|weeks?|wks?|fortnights?|months?|mos?|quarters?|years?|yrs?)"
_COUNT = rf"(?P<count>\d+(?:[.,]\d+)?|{WORD}|an?|couple|few|several)"
_LENGTH = re.compile(
    rf"\b(?P<quarter>(?:a|one|three)\s+quarters?\s+of\s+an\s+hour|(?:a\s+)?quarter[\s-]hour)"
    rf"|\b(?P<half>half an? hour|an? hour and a half|\d+ and a half (?:hours?|days?|weeks?|months?|years?))"
    rf"|(?P<rate>(?<!\w)(?:per|a|an|each|every)|/)\s?{_UNIT.format('per')}\b"  # "£1,200/month" too
    rf"|\b{_COUNT}(?:\s+of)?(?:\s+(?:more|additional|extra|further|full))?[\s-]*{_UNIT.format('unit')}\b"
    rf"(?P<ago>\s+ago\b)?",
    re.IGNORECASE)
# "a month" right after an amount or a count is a rate: "£1,200 a month", "300 users a month", "twice a year".
_AFTER_AMOUNT = re.compile(r"(\d[\d,.]*\s?[kmb%]?|\b(?:users?|seats?|licen[cs]es?|twice|once|times|people|person"
                           r"|head|each|usd|eur|gbp|aud|cad|chf|inr|dollars?|euros?|pounds?|bucks))$", re.IGNORECASE)
# "2,500 loads a month", "~150 companies a year", "200 rooftop systems a year": a count of something, then "a
# month", is a rate too, however the things are named; "3 trucks for a month" is a length ("for", "in" before it).
_AFTER_COUNT = re.compile(r"\d[\d,.]*\s?(?:k|m|bn|million|thousand)?\+?(?:\s+(?:or so|odd|ish))?"
                          r"(?:\s+[a-z][\w-]*){1,3}$", re.IGNORECASE)
_NOT_RATE = re.compile(r"\b(?:for|in|within|over|after|of|than|about|around|only|just|once|every|per|each|than|"
                       r"under|to|by|from|until|till|at|on|is|are|was|were|be|been|takes?|took|lasts?|needs?)$",
                       re.IGNORECASE)
# Whole months written in days ("a 30-day trial" is "a one-month trial", "90 days" "3 months"); other day
# counts stay days (a week is 7 days, "14 days" two weeks, never half a month).
_DAYS_PER_MONTH, _DAYS_PER_YEAR = 30, 365
_RATE_WORDS = re.compile(r"\b(?P<w>month-to-month|monthly|annually|annual|yearly|per annum|p\.a\.|weekly|daily"
                         r"|hourly)\b", re.IGNORECASE)
_RATE_OF = {"month-to-month": "month", "monthly": "month", "annually": "year", "annual": "year", "yearly": "year",
            "per annum": "year", "p.a.": "year", "weekly": "week", "daily": "day", "hourly": "hour"}


def lengths_of_time(text: str) -> tuple[frozenset[str], str]:
    """Lengths of time ("14 day", "90 minute") and rates ("per month"), and the text with them blanked.

    Hours are counted in minutes, weeks in days and quarters and years in months, so "two weeks" is
    "14 days" and "an hour" is "60 minutes"; "3 months ago" is a date, not a length, and is dropped.
    """
    found: set[str] = set()
    for match in _LENGTH.finditer(text):
        if match.group("quarter"):  # "three quarters of an hour" 45 minutes, not nine months
            found.add("45 minute" if match.group("quarter").lower().startswith("three") else "15 minute")
        elif match.group("half"):
            phrase = match.group("half").lower()
            if phrase.startswith(("half", "an hour", "a hour")):
                found.add("30 minute" if phrase.startswith("half") else "90 minute")
            else:
                number, unit = phrase.split(" and a half ")
                name, factor = _TIME_UNITS[unit.rstrip("s")]
                found.add(f"{(int(number) + 0.5) * factor:g} {name}")
        elif match.group("rate"):
            rate, unit = match.group("rate").lower(), match.group("per").lower()
            before = text[:match.start()].rstrip()
            # "a month" after an amount or a count is a rate ("£1,200 a month", "twice a year").
            if rate in ("a", "an") and not _AFTER_AMOUNT.search(before) and not _counted(before):
                name, value = _normal_unit(unit, 1)
                found.add(f"{value:g} {name}")
            else:
                found.add(f"per {_plain_unit(unit)}")
        elif not match.group("ago"):
            count = count_value(match.group("count"))
            unit = match.group("unit").lower()
            if count == "few":
                found.add(f"few {_plain_unit(unit)}")
            else:
                try:
                    name, value = _normal_unit(unit, float(count))
                except ValueError:
                    continue
                found.add(f"{value:g} {name}")
        text = blank(text, match.span())
    for match in _RATE_WORDS.finditer(text):
        found.add(f"per {_RATE_OF[match.group('w').lower()]}")
        text = blank(text, match.span())
    return frozenset(found), text


def _counted(before: str) -> bool:
    """`before` ends in a count and the things counted ("2,500 loads", "~150 companies we place"), not in a
    word that makes the next "a month" a length ("for", "in")."""
    return _AFTER_COUNT.search(before) is not None and _NOT_RATE.search(before) is None


def _plain_unit(unit: str) -> str:
    unit = unit.lower()
    unit = unit[:-1] if unit.endswith("s") and unit not in ("hrs", "mins", "wks", "mos", "yrs") else unit
    return {"min": "minute", "mins": "minute", "hr": "hour", "hrs": "hour", "wk": "week", "wks": "week",
            "mo": "month", "mos": "month", "yr": "year", "yrs": "year"}.get(unit, unit)


def _normal_unit(unit: str, count: float) -> tuple[str, float]:
    plain = _plain_unit(unit)
    name, factor = _TIME_UNITS.get(plain, (plain, 1))
    value = count * factor
    if name == "day" and value >= _DAYS_PER_MONTH and value % _DAYS_PER_MONTH == 0 and value <= 12 * _DAYS_PER_MONTH:
        return "month", value // _DAYS_PER_MONTH
    if name == "day" and value % _DAYS_PER_YEAR == 0:
        return "month", value // _DAYS_PER_YEAR * 12
    return name, value
