"""Numbers as hard facts, normalised: counts, amounts, currencies, multipliers, clock times, lengths of time.

The semantic cache compares these exactly (engine/cache/signature.py, engine/meaning/facts.py), so two
messages that say the same thing in other words must read the same: "six" and "6", "a dozen" and
"12", "2k", "2,000" and "two thousand", "10am", "10:00" and "10 AM", "half an hour" and "30 minutes",
"14 days" and "two weeks", "£1,200 a month" and "£1,200 monthly", "twice" and "2x"; and two that say
different things must not: "2pm" is not "3pm", "3 months" is not "3 weeks", "€" is not "$".

Rules, because these are facts, not meaning. What is deliberately not a number fact:
  - the count 1 ("one of our sites", "a month", "1 user"): it is mostly an article; the noun after
    it carries the fact, and any other count on the other side still differs from nothing;
  - counts of the message's own points ("two things", "3 quick questions", "two must-haves: ...");
  - numbers that are part of a clock time or a length of time (they are compared as such);
  - list markers ("1)", "2."), phone numbers, and anything in quoted mail or signatures (the thread
    reader drops those before the facts are read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.text.facts import UNITS

__all__ = ["Quantities", "blank_currencies", "clock_times", "lengths_of_time", "number_words", "read_quantities"]

_UNITS_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
                "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
               "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mm": 1e6, "mn": 1e6,
           "billion": 1e9, "bn": 1e9, "b": 1e9}
_WORD = "|".join(sorted([*_UNITS_WORDS, *_TENS_WORDS], key=len, reverse=True))
# "twenty-five", "two hundred", "a dozen", "three thousand", "a hundred"
_SPELLED = re.compile(
    rf"\b(?:(?P<a>an?)\s+(?P<ascale>dozen|hundred|thousand|million)"
    rf"|(?P<tens>{'|'.join(_TENS_WORDS)})(?:[\s-](?P<unit>{'|'.join(k for k in _UNITS_WORDS if _UNITS_WORDS[k] < 10)}))?"
    rf"(?:\s+(?P<tscale>hundred|thousand|million|billion))?"
    rf"|(?P<word>{_WORD})(?:\s+(?P<scale>dozen|hundred|thousand|million|billion))?)\b",
    re.IGNORECASE)
_DIGITS = re.compile(
    r"(?<![\w/.,:'’])(?P<cur>(?:US|A|AU|C|CA|NZ|S)?[$€£¥₹])?\s?(?P<num>\d{1,3}(?:[,'’\u00a0\u202f ]\d{3})+(?!\d|[.,]\d)|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<mult>k|mm|mn|m|bn|b|million|billion|thousand)\b)?(?P<tail>\+|st|nd|rd|th|%|s)?"
    r"(?![\w/])",
    re.IGNORECASE)
# Currencies by code, symbol or name: "USD", "US dollars", "$"; a family per currency.
_CURRENCY_WORDS = [
    ("aud", r"aud|australian dollars?"), ("cad", r"cad|canadian dollars?"), ("nzd", r"nzd"), ("sgd", r"sgd"),
    ("usd", r"usd|us ?dollars?|u\.s\. dollars?|dollars?|bucks"), ("eur", r"eur|euros?"),
    ("gbp", r"gbp|quid|pounds?(?: sterling)?|sterling"), ("inr", r"inr|rupees?|lakhs?|crores?"),
    ("chf", r"chf|swiss francs?"), ("jpy", r"jpy|yen"),
]
_SYMBOLS = {"us$": "usd", "$": "usd", "a$": "aud", "au$": "aud", "c$": "cad", "ca$": "cad", "nz$": "nzd",
            "s$": "sgd", "€": "eur", "£": "gbp", "¥": "jpy", "₹": "inr"}
# A symbol only next to an amount ("$35", "35 €"): "$$" is slang for money, not dollars.
_CURRENCY = re.compile(r"(?P<symbol>(?:(?<![\w$])(?:US|AU|CA|NZ|A|C|S)\$|[$€£¥₹])(?=\s?\d)|(?<=\d)\s?[$€£¥₹](?![$\w]))"
                       r"|(?<![\w$])(?:"
                       + "|".join(f"(?P<{code}>{pattern})" for code, pattern in _CURRENCY_WORDS) + r")(?!\w)",
                       re.IGNORECASE)
# A multiplier compares: "twice what we pay", "more than double our budget", "3x", "three times more"
# ("we went twice", "double entry" are no amounts).
_COMPARED = r"(?=\s+(?:what|the|our|my|your|their|that|this|it|as|more|higher|larger|bigger|over|above))"
_MULTIPLIER = re.compile(rf"\b(?:(?P<n>\d+)x(?!\w)|(?P<w>two|three|four|five|ten|\d+)\s+times\b{_COMPARED}"
                         rf"|(?P<twice>twice|doubl(?:e[ds]?|ing)){_COMPARED}|(?P<thrice>tripl(?:e[ds]?|ing)|thrice){_COMPARED})",
                         re.IGNORECASE)
# Clock times: "10am", "10 AM", "10:00", "14.30", "2:30 p.m.", "noon"; a range "2-4pm" shares its suffix.
_MERIDIEM = r"(?P<{0}>[ap]\.?m\.?)(?!\w)"
_CLOCK = re.compile(
    r"(?<![\w:.,])(?P<h1>\d{1,2})(?:[:.](?P<m1>[0-5]\d))?\s*(?:-|–|to|until|till|and)\s*(?P<h2>\d{1,2})(?:[:.](?P<m2>[0-5]\d))?"
    r"\s*" + _MERIDIEM.format("mer2") +
    r"|(?<![\w:.,])(?P<h>\d{1,2})(?:(?:[:.](?P<m>[0-5]\d))?\s*" + _MERIDIEM.format("mer") + r"|[:h](?P<mm>[0-5]\d)\b)"
    r"|\b(?P<noon>noon|midday)\b",
    re.IGNORECASE)
# Lengths of time: "a 14-day trial", "two more years", "half an hour", "an hour and a half", "45 min".
_TIME_UNITS = {"min": ("minute", 1), "mins": ("minute", 1), "minute": ("minute", 1), "hr": ("minute", 60),
               "hrs": ("minute", 60), "hour": ("minute", 60), "day": ("day", 1), "wk": ("day", 7),
               "wks": ("day", 7), "week": ("day", 7), "fortnight": ("day", 14), "month": ("month", 1),
               "mo": ("month", 1), "mos": ("month", 1), "quarter": ("month", 3), "year": ("month", 12),
               "yr": ("month", 12), "yrs": ("month", 12)}
_UNIT = r"(?P<{0}>min(?:ute)?s?|hours?|hrs?|days?|weeks?|wks?|fortnights?|months?|mos?|quarters?|years?|yrs?)"
_COUNT = rf"(?P<count>\d+(?:[.,]\d+)?|{_WORD}|an?|couple|few|several)"
_LENGTH = re.compile(
    rf"\b(?P<half>half an? hour|an? hour and a half|\d+ and a half (?:hours?|days?|weeks?|months?|years?))"
    rf"|(?<!\w)(?P<rate>per|a|an|each|every|/)\s?{_UNIT.format('per')}\b"
    rf"|\b{_COUNT}(?:\s+of)?(?:\s+(?:more|additional|extra|further|full))?[\s-]*{_UNIT.format('unit')}\b"
    rf"(?P<ago>\s+ago\b)?",
    re.IGNORECASE)
# "a month" right after an amount or a count is a rate: "£1,200 a month", "300 users a month", "twice a year".
_AFTER_AMOUNT = re.compile(r"(\d[\d,.]*\s?[kmb%]?|\b(?:users?|seats?|licen[cs]es?|twice|once|times|people|person"
                           r"|head|each|usd|eur|gbp|aud|cad|chf|inr|dollars?|euros?|pounds?|bucks))$", re.IGNORECASE)
_RATE_WORDS = re.compile(r"\b(?P<w>month-to-month|monthly|annually|annual|yearly|per annum|p\.a\.|weekly|daily|hourly)\b",
                         re.IGNORECASE)
_RATE_OF = {"month-to-month": "month", "monthly": "month", "annually": "year", "annual": "year", "yearly": "year", "per annum": "year",
            "p.a.": "year", "weekly": "week", "daily": "day", "hourly": "hour"}
# "two things", "3 quick questions", "one more point": counts of the message's own points.
_META_NOUNS = frozenset({"thing", "things", "question", "questions", "point", "points", "item", "items", "issue",
                         "issues", "concern", "concerns", "way", "ways", "reason", "reasons", "option",
                         "options", "requirement", "requirements", "must-have", "must-haves", "condition",
                         "conditions", "confirmation", "confirmations", "ask", "asks", "request", "requests"})
_KIND_OF = re.compile(r"-(?:way|step|factor|phase|tier|fold|sided|stage|speed)\b", re.IGNORECASE)
_META_FILLERS = frozenset({"more", "quick", "small", "short", "other", "last", "key", "main", "big", "simple",
                           "follow-up", "further", "final", "open"})
# "one of our 4 restaurants", "1 site", "a single depot": a count of the deal's units is a fact even when it is 1.
_ONE = re.compile(rf"\b(?:one|1|a single)\s+(?:of\s+(?:our|the|your|their|these|those|my|its)\s+(?:\d+|{_WORD})\s+)?"
                  rf"(?:{UNITS})\b", re.IGNORECASE)
# "100%." or "100% agree" opening a sentence says yes, not a share.
_AGREEMENT = re.compile(r"(?:^|(?<=[.!?]\s))100\s?%(?=\s*(?:[.!,]|agree|yes|$))", re.IGNORECASE | re.MULTILINE)
_ENUMERATOR = re.compile(r"(^|\s)\(?\d\)\s|^\s*\d{1,2}(?:[.)]|\s[-–])\s+(?!\d)", re.MULTILINE)


@dataclass(frozen=True)
class Quantities:
    """The number facts of a text: counts and amounts, clock times, and lengths of time and rates."""

    numbers: frozenset[str]  # "18000", "12.5", "x2" (a multiplier), "currency:eur"
    clock: frozenset[str]    # "at 14:00"
    lengths: frozenset[str]  # "30 minute", "14 day", "24 month", "per month", "few day"


def _blank(text: str, span: tuple[int, int]) -> str:
    return text[:span[0]] + " " * (span[1] - span[0]) + text[span[1]:]


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
            if first > 12 or second > 12 and mer:
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
        text = _blank(text, match.span())
    return frozenset(found), text


def _count(word: str) -> str:
    word = word.lower()
    if word in ("a", "an"):
        return "1"
    if word in ("couple",):
        return "2"
    if word in ("few", "several"):
        return "few"
    if word in _UNITS_WORDS:
        return str(_UNITS_WORDS[word])
    if word in _TENS_WORDS:
        return str(_TENS_WORDS[word])
    return word.replace(",", ".")


def lengths_of_time(text: str) -> tuple[frozenset[str], str]:
    """Lengths of time ("14 day", "90 minute") and rates ("per month"), and the text with them blanked.

    Hours are counted in minutes, weeks in days and quarters and years in months, so "two weeks" is
    "14 days" and "an hour" is "60 minutes"; "3 months ago" is a date, not a length, and is dropped.
    """
    found: set[str] = set()
    for match in _LENGTH.finditer(text):
        if match.group("half"):
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
            if rate in ("a", "an") and not _AFTER_AMOUNT.search(before):
                name, value = _normal_unit(unit, 1)
                found.add(f"{value:g} {name}")
            else:
                found.add(f"per {_plain_unit(unit)}")
        elif not match.group("ago"):
            count = _count(match.group("count"))
            unit = match.group("unit").lower()
            if count == "few":
                found.add(f"few {_plain_unit(unit)}")
            else:
                try:
                    name, value = _normal_unit(unit, float(count))
                except ValueError:
                    continue
                found.add(f"{value:g} {name}")
        text = _blank(text, match.span())
    for match in _RATE_WORDS.finditer(text):
        found.add(f"per {_RATE_OF[match.group('w').lower()]}")
        text = _blank(text, match.span())
    return frozenset(found), text


def _plain_unit(unit: str) -> str:
    unit = unit.lower()
    unit = unit[:-1] if unit.endswith("s") and unit not in ("hrs", "mins", "wks", "mos", "yrs") else unit
    return {"min": "minute", "mins": "minute", "hr": "hour", "hrs": "hour", "wk": "week", "wks": "week",
            "mo": "month", "mos": "month", "yr": "year", "yrs": "year"}.get(unit, unit)


def _normal_unit(unit: str, count: float) -> tuple[str, float]:
    plain = _plain_unit(unit)
    name, factor = _TIME_UNITS.get(plain, (plain, 1))
    return name, count * factor


def number_words(text: str) -> list[tuple[tuple[int, int], float]]:
    """Spelled-out numbers and their values: "twenty-five" 25, "a dozen" 12, "three thousand" 3000."""
    out = []
    for match in _SPELLED.finditer(text):
        if match.group("a"):
            value = {"dozen": 12, "hundred": 100, "thousand": 1e3, "million": 1e6}[match.group("ascale").lower()]
        elif match.group("tens"):
            value = _TENS_WORDS[match.group("tens").lower()] + _UNITS_WORDS.get((match.group("unit") or "").lower(), 0)
            value *= {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9}.get(
                (match.group("tscale") or "").lower(), 1)
        else:
            value = _UNITS_WORDS[match.group("word").lower()]
            scale = (match.group("scale") or "").lower()
            value *= 12 if scale == "dozen" else _SCALES.get(scale, 1)
        out.append((match.span(), float(value)))
    return out


def _meta_count(text: str, end: int) -> bool:
    """The count right before `end` counts the message's own points ("two things", "3 quick questions:"),
    or names a kind of thing ("two-way sync", "2-step verification")."""
    if _KIND_OF.match(text, end):
        return True
    words = [w.lower().strip(".,:;!?()") for w in text[end:end + 40].split()[:3]]
    while words and words[0] in _META_FILLERS:
        words = words[1:]
    return bool(words) and words[0] in _META_NOUNS


def _currencies(text: str) -> list[re.Match[str]]:
    """Currency mentions that name an amount's currency: a code ("USD", "EUR and GBP invoices"), a symbol
    or name next to a number ("€18k", "18,000 euros"), or what a price is in ("in pounds"); "every euro
    is committed" names none."""
    found = []
    for match in _CURRENCY.finditer(text):
        before, after = text[max(0, match.start() - 20):match.start()], text[match.end():match.end() + 3]
        if match.group("symbol") or re.fullmatch(r"[A-Z]{3}", match.group(0)) or re.search(r"(\d\s?(?:k|m|bn|million|billion|thousand)?|\b(?:in|into|to))\s*$",
                                              before, re.IGNORECASE) or re.match(r"\s?\d", after):
            found.append(match)
    return found


def blank_currencies(text: str) -> str:
    """`text` with currency codes, names and symbols blanked ("priced in US dollars" -> "priced in   ")."""
    return _CURRENCY.sub(lambda match: " " * len(match.group(0)), text)


def read_quantities(text: str) -> Quantities:
    """The number facts of a (cleaned) message; see the module docstring for what is left out."""
    clock, text = clock_times(text)
    lengths, text = lengths_of_time(text)
    text = _ENUMERATOR.sub(" ", text)
    found: set[str] = set()
    for match in _MULTIPLIER.finditer(text):
        times = 2 if match.group("twice") else 3 if match.group("thrice") else None
        if times is None:
            n = (match.group("n") or match.group("w")).lower()
            times = int(n) if n.isdigit() else _UNITS_WORDS[n]
        found.add(f"x{times}")
        text = _blank(text, match.span())
    for match in _currencies(text):
        symbol = match.group("symbol")
        code = _SYMBOLS[symbol.strip().lower()] if symbol else next(name for name, value in match.groupdict().items() if value)
        found.add(f"currency:{code}")
    text = _AGREEMENT.sub(" ", text)
    for match in _DIGITS.finditer(text):
        if not match.group("cur") and not match.group("mult") and match.group("tail") != "%" \
                and _meta_count(text, match.end()):
            continue
        value = float(re.sub(r"[,'’\u00a0\u202f ]", "", match.group("num")))
        value *= _SCALES.get((match.group("mult") or "").lower(), 1.0)
        if value != 1 or match.group("cur") or match.group("tail") == "%":
            found.add(f"{value:g}")
    if _ONE.search(text):
        found.add("1")
    for (_, end), value in number_words(text):
        if value != 1 and value != 0 and not _meta_count(text, end):
            found.add(f"{value:g}")
    return Quantities(numbers=frozenset(found), clock=clock, lengths=lengths)
