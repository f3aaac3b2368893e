"""Days of the month as dates, not counts: "the 14th", "14 March", "March 14th", "Tuesday the 14th", "Tuesday 14" and
"14th of March" all name the day "day 14" (the month, if named, is read by the month reader).

Without this, "on the 14th" was the number 14 and "14 March" the number 14 beside the month, so a date
could clash with a count and "Friday the 14th" with "Friday 14 people". An ordinal is a date only where
a date stands: next to a month, after a weekday, or as "the 14th" with no noun after it ("the 3rd
floor", "our 2nd site" stay counts).
"""

from __future__ import annotations

import re

from engine.text.dates import MONTH, WEEKDAY
from engine.text.facts import UNITS
from engine.text.numerals import ORDINAL_WORD, blank, ordinal_value

__all__ = ["DAY_OF_MONTH", "DAY_PREFIX", "days_of_month"]

DAY_PREFIX = "day "  # a day of the month reads "day 14"
_ORDINAL = r"(?:st|nd|rd|th)"
# The months in the other languages bilingual auto-replies are written in ("14 de diciembre", "14. Dezember",
# "16 augustus", "14 décembre", "14 dicembre"), for the day before them only: the day is the fact compared,
# and the English half of such a reply names the month.
_OTHER_MONTHS = ("enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
                 "|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre"
                 "|januar|jänner|februar|märz|maerz|juni|juli|oktober|dezember|januari|februari|maart|mei|augustus"
                 "|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|janeiro|fevereiro|março"
                 "|maio|junho|julho|setembro|outubro|novembro|dezembro")
# Words that may follow a bare "the 14th" when it is a date ("the 14th at 2pm", "the 14th works").
_AFTER_DATE = (r"of|at|or|and|to|for|with|works?|would|could|is|suits?|then|in|on|if|please|instead|between"
               r"|before|after|still|from|till|til|until|ok|okay|was|will|we|i|you|it|morning|afternoon|evening|am|pm")
# "14 March", "14th of March", "March 14", "March 14th" (not "March 2026"), "Tuesday the 14th", "on the 14th".
DAY_OF_MONTH = re.compile(
    # "2 to 16 August", "2 t/m 16 augustus", "del 2 al 16 de agosto": a range names both days
    rf"(?<![\w.,:/])(?P<d0>\d{{1,2}}){_ORDINAL}?\s*(?:-|–|to|until|till|through|and|t/m|bis|al|au|a|et|und|e|y)\s*"
    rf"(?P<d1>\d{{1,2}}){_ORDINAL}?\.?\s+(?:of\s+|de\s+)?(?P<m1>{MONTH}|{_OTHER_MONTHS})"
    rf"|(?<![\w.,:/])(?P<d1b>\d{{1,2}}){_ORDINAL}?\s+(?:of\s+)?(?P<m1b>{MONTH})"
    rf"|(?<![\w.,:/])(?P<d1c>\d{{1,2}})\.?\s+(?:de\s+)?(?:{_OTHER_MONTHS})\b"
    rf"|(?P<m2>{MONTH})\.?\s+(?:the\s+)?(?P<d2>\d{{1,2}}){_ORDINAL}?(?![\w:.,/]?\d|\w)"
    rf"|(?P<w>{WEEKDAY}),?\s+(?:the\s+)?(?P<d3>\d{{1,2}})(?P<o3>{_ORDINAL})?"
    rf"(?![\w/%]|[:.,]\d|\s+(?:{UNITS}|(?:of\s+)?{MONTH})\b)"
    rf"|\b(?:on|by|before|after|from|since|till|til|until|for)\s+(?:the\s+)?(?P<d5>\d{{1,2}}){_ORDINAL}(?!\w)"
    rf"|\bthe\s+(?P<d4>\d{{1,2}}){_ORDINAL}(?!\w)(?!\s+(?!(?:{_AFTER_DATE})\b)[a-z])",
    re.IGNORECASE)


# A day written as a word, where only a date can stand: "the third of March", "March the third", "Monday the
# third" ("the first of all", "the second quarter" name no day).
_SPELLED_DAY = re.compile(
    rf"\b(?:the\s+)?(?P<a>{ORDINAL_WORD})\s+of\s+(?P<ma>{MONTH})"
    rf"|\b(?P<mb>{MONTH})\.?\s+the\s+(?P<b>{ORDINAL_WORD})\b"
    rf"|\b{WEEKDAY},?\s+the\s+(?P<c>{ORDINAL_WORD})\b",
    re.IGNORECASE)


def _spelled_days(text: str) -> tuple[set[str], str]:
    """Days of the month written as ordinal words ("the third of March" is "day 3", as "3 March" is)."""
    found: set[str] = set()
    for match in _SPELLED_DAY.finditer(text):
        month = match.group("ma") or match.group("mb")
        if month and month.lower() in ("may", "mar", "march") and not month[0].isupper():
            continue  # "march", "may": verbs
        group = next(g for g in ("a", "b", "c") if match.group(g))
        value = ordinal_value(match.group(group))
        if 1 <= value <= 31:
            found.add(f"{DAY_PREFIX}{value}")
            text = blank(text, match.span(group))
    return found, text


def days_of_month(text: str) -> tuple[frozenset[str], str]:
    """The days of the month `text` names ("day 14") and the text with those numbers blanked."""
    found, text = _spelled_days(text)
    for match in DAY_OF_MONTH.finditer(text):
        month = match.group("m1") or match.group("m1b") or match.group("m2")
        if month and month.lower() == "may" and month != "May":  # "we may 2x it": a verb, not the month
            continue
        day_first = match.group("m1") or match.group("m1b")
        if month and month.lower() in ("mar", "march") and month.islower() and not day_first:
            continue  # "march 14 vans in": a verb
        groups = [g for g in ("d0", "d1", "d1b", "d1c", "d2", "d3", "d4", "d5") if match.group(g)]
        day = int(match.group(groups[-1]))
        if match.group("d3") and not match.group("o3") and day <= 12:
            continue  # "Tuesday 10" is an hour (engine/text/clock.py), "Tuesday 14" or "Tuesday 14th" a day
        for group in groups:  # a range names each of its ends
            value = int(match.group(group))
            if 1 <= value <= 31:
                found.add(f"{DAY_PREFIX}{value}")
                text = blank(text, match.span(group))
                end = match.end(group)
                if re.match(_ORDINAL, text[end:end + 2], re.IGNORECASE):
                    text = blank(text, (end, end + 2))
    return frozenset(found), text
