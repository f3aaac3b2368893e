"""Numbers written as words, read as values: "six" 6, "twenty-five" 25, "a dozen" 12, "three thousand" 3000,
"one hundred and twenty" 120, "three thousand five hundred" 3500, "one point two million" 1.2 million, "two and
a half thousand" 2500, "a hundred thousand" 100,000, "half a dozen" 6, "a couple of" 2.

One vocabulary for every reader of numbers in engine/text (quantities.py, lengths.py).
"""

from __future__ import annotations

import re

__all__ = ["ORDINAL_WORD", "SCALES", "UNIT_WORDS", "WORD", "blank", "count_value", "number_words", "ordinal_value"]

UNIT_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
              "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
               "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1e3, "grand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mm": 1e6, "mn": 1e6,
          "mil": 1e6, "mio": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9}
WORD = "|".join(sorted([*UNIT_WORDS, *_TENS_WORDS], key=len, reverse=True))
# "twenty-five", "two hundred", "a dozen", "three thousand", "a hundred"
_SPELLED = re.compile(
    rf"\b(?:(?P<a>an?)\s+(?P<ascale>dozen|hundred|thousand|million)(?:\s+(?P<ascale2>thousand|million))?"
    rf"|(?P<tens>{'|'.join(_TENS_WORDS)})(?:[\s-](?P<unit>{'|'.join(k for k in UNIT_WORDS if UNIT_WORDS[k] < 10)}))?"
    rf"(?:[\s-]+(?P<tscale>hundred|thousand|grand|million|billion))?"
    rf"|(?P<word>{WORD})(?:[\s-]+(?P<scale>dozen|hundred|thousand|grand|million|billion))?)\b",
    re.IGNORECASE)


_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
                  "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
                  "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
                  "twentieth": 20, "thirtieth": 30}
# "third", "twenty-first": an ordinal in words (a day of the month in days.py, a rank in quantities.py).
ORDINAL_WORD = (r"(?:(?:twenty|thirty)[\s-](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|"
                + "|".join(sorted(_ORDINAL_WORDS, key=len, reverse=True)) + ")")


def ordinal_value(word: str) -> int:
    """ "third" 3, "twenty-first" 21."""
    parts = re.split(r"[\s-]+", word.lower())
    return sum({"twenty": 20, "thirty": 30}.get(part, 0) or _ORDINAL_WORDS.get(part, 0) for part in parts)


def blank(text: str, span: tuple[int, int]) -> str:
    """`text` with `span` replaced by spaces (offsets of the rest kept), so a later reader skips it."""
    return text[:span[0]] + " " * (span[1] - span[0]) + text[span[1]:]


def count_value(word: str) -> str:
    """A count as a string: "a" "1", "couple" "2", "few"/"several" "few", "six" "6", "1,5" "1.5"."""
    word = word.lower()
    if word in ("a", "an"):
        return "1"
    if word in ("couple",):
        return "2"
    if word in ("few", "several"):
        return "few"
    if word in UNIT_WORDS:
        return str(UNIT_WORDS[word])
    if word in _TENS_WORDS:
        return str(_TENS_WORDS[word])
    return word.replace(",", ".")


_SCALE_WORD = r"(?P<s>thousand|million|billion)"
# "a couple of sites", "a pair of vans" (2), "half a dozen" (6), "half a million" (500,000).
_IDIOMS = re.compile(r"\ba\s+(?:couple|pair)\s+of\b|\bhalf\s+an?\s+(?P<half>dozen|hundred|thousand|million)\b",
                     re.IGNORECASE)
# "two and a half thousand", "1 and a half million": the count, a half, then the scale.
_AND_A_HALF = re.compile(rf"\b(?P<n>{WORD}|\d+)\s+and\s+a\s+half\s+{_SCALE_WORD}\b", re.IGNORECASE)
# What joins two spelled parts of one number: "one hundred [and] twenty", "one [point] two million".
_JOIN = re.compile(r"\s+(?:and\s+)?|\s*-\s*", re.IGNORECASE)
_POINT = re.compile(r"\s+point\s+", re.IGNORECASE)


def _joined(parts: list[tuple[tuple[int, int], float]], text: str) -> list[tuple[tuple[int, int], float]]:
    """Adjacent spelled parts read as one number: a round hundred or thousand followed by a smaller part
    ("one hundred and twenty" 120, "three thousand five hundred" 3500), and a unit "point" a unit with a scale
    ("one point two million" 1.2 million)."""
    out: list[tuple[tuple[int, int], float]] = []
    for span, value in parts:
        if out:
            (start, end), previous = out[-1]
            gap = text[end:span[0]]
            step = 1000 if previous % 1000 == 0 else 100
            if previous >= 100 and previous % 100 == 0 and value < step and _JOIN.fullmatch(gap):
                out[-1] = ((start, span[1]), previous + value)
                continue
            scale = next((s for s in (1e9, 1e6, 1e3) if value >= s and value % s == 0), 0.0)
            if previous < 10 and previous == int(previous) and scale and value / scale < 10 and _POINT.fullmatch(gap):
                out[-1] = ((start, span[1]), (previous + value / scale / 10) * scale)
                continue
        out.append((span, value))
    return out


def number_words(text: str) -> list[tuple[tuple[int, int], float]]:
    """Spelled-out numbers and their values: "twenty-five" 25, "a dozen" 12, "three thousand" 3000 (and the
    compounds of the module docstring)."""
    out: list[tuple[tuple[int, int], float]] = []
    for match in _AND_A_HALF.finditer(text):
        count = match.group("n").lower()
        base = float(count) if count.isdigit() else float(UNIT_WORDS.get(count, _TENS_WORDS.get(count, 0)))
        out.append((match.span(), (base + 0.5) * SCALES[match.group("s").lower()]))
        text = blank(text, match.span())
    for match in _IDIOMS.finditer(text):
        half = (match.group("half") or "").lower()
        out.append((match.span(), 6.0 if half == "dozen" else SCALES[half] / 2 if half else 2.0))
        text = blank(text, match.span())
    parts: list[tuple[tuple[int, int], float]] = []
    for match in _SPELLED.finditer(text):
        if match.group("a"):
            value = {"dozen": 12, "hundred": 100, "thousand": 1e3, "million": 1e6}[match.group("ascale").lower()]
            value *= SCALES.get((match.group("ascale2") or "").lower(), 1)
        elif match.group("tens"):
            value = _TENS_WORDS[match.group("tens").lower()] + UNIT_WORDS.get((match.group("unit") or "").lower(), 0)
            value *= {"hundred": 100, "thousand": 1e3, "grand": 1e3, "million": 1e6, "billion": 1e9}.get(
                (match.group("tscale") or "").lower(), 1)
        else:
            value = UNIT_WORDS[match.group("word").lower()]
            scale = (match.group("scale") or "").lower()
            value *= 12 if scale == "dozen" else SCALES.get(scale, 1)
        parts.append((match.span(), float(value)))
    return sorted(out + _joined(parts, text))
