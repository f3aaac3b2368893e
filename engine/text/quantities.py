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
  - numbers that are part of a clock time, a day of the month or a length of time (they are compared as
    such: "Tuesday 10" is "at 10:00", "the 14th" is "day 14");
  - list markers ("1)", "2."), phone numbers, and anything in quoted mail or signatures (the thread
    reader drops those before the facts are read);
  - ranks written with digits ("the 3rd time", "3rd party"), said as often in words ("the third time"); the
    rank of one of the deal's units is a fact, in digits or words ("our 3rd location" = "our third location");
    a version is its own fact, "v3" however written ("version 3", "v3", "ver. 3").
Amounts are read however written: "€40.000" and "40.000 €" with dots between thousands, "50 grand", "3 mil",
"0.79 US cents", "one hundred and twenty", "an eighteen-thousand-dollar quote"; a currency is compared only
when both sides name one (engine/meaning/facts.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.text.clock import clock_times
from engine.text.days import days_of_month
from engine.text.facts import UNITS
from engine.text.lengths import lengths_of_time
from engine.text.numerals import ORDINAL_WORD, SCALES, UNIT_WORDS, WORD, blank, number_words, ordinal_value
from engine.text.periods import named_periods

__all__ = ["Quantities", "blank_currencies", "read_quantities"]

_DIGITS = re.compile(
    r"(?<![\w/.,:'’])(?P<cur>(?:US|A|AU|C|CA|NZ|S)?[$€£¥₹])?\s?"
    r"(?P<num>[1-9]\d{0,2}(?:\.\d{3}){2,}(?!\d|[.,]\d)|\d{1,3}(?:[,'’\u00a0\u202f ]\d{3})+(?!\d|[.,]\d)|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<mult>k|mm|mn|m|bn|b|million|billion|thousand|grand|mil|mio)\b)?(?P<tail>\+|st|nd|rd|th|%|s|ish)?"
    # not "24/7" or "3/4"; an amount per unit ("$35/seat", "£1,200/mo") is an amount
    r"(?!\w|/\d)",
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
# What a currency's name follows when it names an amount's currency: the amount, or "in" ("priced in euros").
_AMOUNT_BEFORE = re.compile(r"(\d\s?(?:k|m|bn|million|billion|thousand)?|\b(?:in|into|to))\s*$", re.IGNORECASE)
# A multiplier compares: "twice what we pay", "more than double our budget", "3x", "three times more"
# ("we went twice", "double entry" are no amounts).
_COMPARED = r"(?=\s+(?:what|the|our|my|your|their|that|this|it|as|more|higher|larger|bigger|over|above))"
_MULTIPLIER = re.compile(rf"\b(?:(?P<n>\d+)x(?!\w)|(?P<w>two|three|four|five|ten|\d+)\s+times\b{_COMPARED}"
                         rf"|(?P<twice>twice|doubl(?:e[ds]?|ing)){_COMPARED}|(?P<thrice>tripl(?:e[ds]?|ing)|thrice){_COMPARED}"
                         rf"|(?P<twice2>doubled)|(?P<thrice2>tripled))",
                         re.IGNORECASE)
# "two things", "3 quick questions", "one more point": counts of the message's own points.
_META_NOUNS = frozenset({"thing", "things", "question", "questions", "point", "points", "item", "items", "issue",
                         "issues", "concern", "concerns", "way", "ways", "reason", "reasons", "option",
                         "options", "requirement", "requirements", "must-have", "must-haves", "condition",
                         "conditions", "confirmation", "confirmations", "ask", "asks", "request", "requests"})
_KIND_OF = re.compile(r"-(?:way|step|factor|phase|tier|fold|sided|stage|speed)\b", re.IGNORECASE)
_META_FILLERS = frozenset({"more", "quick", "small", "short", "other", "last", "key", "main", "big", "simple",
                           "follow-up", "further", "final", "open"})
# "one of our 4 restaurants", "1 site", "a single depot": a count of the deal's units is a fact even when it is 1.
_ONE = re.compile(rf"\b(?:one|1|a single)\s+(?:of\s+(?:our|the|your|their|these|those|my|its)\s+(?:\d+|{WORD})\s+)?"
                  rf"(?:{UNITS})\b", re.IGNORECASE)
# "100%." or "100% agree" opening a sentence says yes, not a share.
_AGREEMENT = re.compile(r"(?:^|(?<=[.!?]\s))100\s?%(?=\s*(?:[.!,]|agree|yes|$))", re.IGNORECASE | re.MULTILINE)
_ORDINAL_TAILS = frozenset({"st", "nd", "rd", "th"})
# The rank of one of the deal's units is a fact, in digits or words alike: "our 3rd location" and "our third
# location" are 3 (and differ from "our 5th location"); "the 3rd time", "3rd party" rank nothing of the deal.
_UNIT_RANK = re.compile(rf"(?<![\w.,])(?:(?P<d>\d{{1,2}})(?:st|nd|rd|th)|(?P<w>{ORDINAL_WORD}))"
                        rf"\s+(?:new\s+|next\s+)?(?:{UNITS})\b", re.IGNORECASE)
# Cents: "5 cents" is 0.05, "0.79 US cents" 0.0079 US dollars (the currency only when named).
_CENTS = re.compile(r"(?<![\w.,])(?P<n>\d+(?:\.\d+)?)\s?(?P<cur>US\s+|euro\s+)?(?:cents?\b|¢)", re.IGNORECASE)
# Dots between thousands, as euro amounts are written in much of Europe ("40.000 €", "€ 1.250", "1.200.000"):
# two dot groups always, one dot group only next to the euro (a dollar amount "$1.250" keeps its decimals).
_DOT_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")
_EURO_AFTER = re.compile(r"\s?(?:€|eur\b|euros?\b)", re.IGNORECASE)
# A version is one fact however it is written: "version 3", "v3", "V 3.2", "ver. 3.2.1" are "v3", "v3.2", "v3.2.1"
# (the bare count 3 no longer, and "v3" was read as nothing).
_VERSION = re.compile(r"(?<![\w.])(?:version|ver\.?|v)\s?(?P<v>\d+(?:\.\d+)*)(?![\w%]|\.\d)", re.IGNORECASE)
_ENUMERATOR = re.compile(r"(^|\s)\(?\d\)\s|^\s*\d{1,2}(?:[.)]|\s[-–])\s+(?!\d)", re.MULTILINE)



@dataclass(frozen=True)
class Quantities:
    """The number facts of a text: counts and amounts, clock times, and lengths of time and rates."""

    numbers: frozenset[str]  # "18000", "12.5", "x2" (a multiplier), "currency:eur"
    clock: frozenset[str]    # "at 14:00"; days of the month, "day 14" (days.py); periods, "q2" (periods.py)
    lengths: frozenset[str]  # "30 minute", "14 day", "24 month", "per month", "few day"


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
        if match.group("symbol") or re.fullmatch(r"[A-Z]{3}", match.group(0)) or _AMOUNT_BEFORE.search(before) \
                or re.match(r"\s?\d", after):
            found.append(match)
    return found


def blank_currencies(text: str) -> str:
    """`text` with currency codes, names and symbols blanked ("priced in US dollars" -> "priced in   ")."""
    text = _CENTS.sub(lambda match: " " * len(match.group(0)), text)  # "0.79 US cents" names no region
    return _CURRENCY.sub(lambda match: " " * len(match.group(0)), text)


def read_quantities(text: str) -> Quantities:
    """The number facts of a (cleaned) message; see the module docstring for what is left out."""
    periods, text = named_periods(text)  # "the second quarter" is Q2: a time, not the count 2
    clock, text = clock_times(text)
    days, text = days_of_month(text)  # after the clock: "14 March at 10" is a day and an hour
    clock |= days | periods
    lengths, text = lengths_of_time(text)
    text = _ENUMERATOR.sub(" ", text)
    found: set[str] = set()
    for match in _VERSION.finditer(text):
        found.add(f"v{match.group('v')}")
        text = blank(text, match.span())
    for match in _CENTS.finditer(text):
        found.add(f"{float(match.group('n')) / 100:g}")
        if match.group("cur"):
            found.add("currency:" + ("usd" if match.group("cur").strip().lower() == "us" else "eur"))
        text = blank(text, match.span())
    for match in _MULTIPLIER.finditer(text):
        times = 2 if match.group("twice") or match.group("twice2") else \
            3 if match.group("thrice") or match.group("thrice2") else None
        if times is None:
            n = (match.group("n") or match.group("w")).lower()
            times = int(n) if n.isdigit() else UNIT_WORDS[n]
        found.add(f"x{times}")
        text = blank(text, match.span())
    for match in _currencies(text):
        symbol = match.group("symbol")
        code = _SYMBOLS[symbol.strip().lower()] if symbol else next(
            name for name, value in match.groupdict().items() if value)
        found.add(f"currency:{code}")
    text = _AGREEMENT.sub(" ", text)
    for match in _UNIT_RANK.finditer(text):
        rank = int(match.group("d")) if match.group("d") else ordinal_value(match.group("w"))
        if rank > 1:
            found.add(f"{rank}")
        text = blank(text, (match.start(), match.end("d") + 2 if match.group("d") else match.end("w")))
    for match in _DIGITS.finditer(text):
        if not match.group("cur") and not match.group("mult") and match.group("tail") != "%" \
                and _meta_count(text, match.end()):
            continue
        if not match.group("cur") and match.group("tail") in _ORDINAL_TAILS:
            continue  # "the 3rd time": a rank, said as often "the third" (days are read by days.py, units' ranks above)
        number = match.group("num")
        if _DOT_THOUSANDS.fullmatch(number) and (number.count(".") > 1 or "€" in (match.group("cur") or "")
                                                 or _EURO_AFTER.match(text, match.end())):
            number = number.replace(".", "")
        value = float(re.sub(r"[,'’\u00a0\u202f ]", "", number))
        value *= SCALES.get((match.group("mult") or "").lower(), 1.0)
        if value != 1 or match.group("cur") or match.group("tail") == "%":
            found.add(f"{value:g}")
    if _ONE.search(text):
        found.add("1")
    for (_, end), value in number_words(text):
        if value != 1 and value != 0 and not _meta_count(text, end):
            found.add(f"{value:g}")
    return Quantities(numbers=frozenset(found), clock=clock, lengths=lengths)
