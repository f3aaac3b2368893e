"""Places as hard facts: countries, their adjectives and short forms, world and sales regions, US states and
the provinces and cities business is done in, each read as one key however it is written.

"Germany", "German" and "germany" are `de`; "KSA", "Saudi" and "Saudi Arabia" are `sa`; "UK", "U.K.",
"Britain" and "British" are `uk`; "US", "USA", "the States" and "America" are `us`; "EU", "Europe" and
"European" are `europe`; "DACH" is Germany, Austria and Switzerland, so it reads as "Germany, Austria and
Switzerland" does. A place and the region around it stay apart ("Germany" is not "DACH", "Texas" is not
"the US"): they are other facts. The table is geography (ISO 3166 countries, the usual names of world
and sales regions, US states with their postal codes, Canadian provinces, Australian states and large
business cities), not words read from any conversation.

Spellings that are also plain words or first names ("Turkey", "Jordan", "Georgia", "Chile" is safe) count
only when capitalised; postal codes and ambiguous short forms ("US", "TX", "ANZ") only in capitals; the
speakers' own names never count. Two-letter country codes count only in capitals and only where they are
not also common business acronyms ("DE", "CH", "NL" count; "IT", "SE", "AE", "PT" do not). Language names
are left out where the language is the usual meaning ("English"); "Spanish" and "French" are kept: in a
sales thread they name the market far more often. The table itself is engine/text/gazetteer.py.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from engine.text.gazetteer import GAZETTEER

__all__ = ["PLACE_KEYS", "find_places"]



def _entries() -> list[tuple[str, str, frozenset[str]]]:
    """(mode, spelling, keys) for every spelling: mode `any`, `cap` or `exact`."""
    out = []
    for line in GAZETTEER.strip().splitlines():
        key, spellings = line.split(":", 1)
        keys = frozenset(key.strip().split("+"))
        for spelling in (s.strip() for s in spellings.split(",")):
            mode = {"^": "cap", "=": "exact"}.get(spelling[0], "any")
            out.append((mode, spelling.lstrip("^="), keys))
    return out


def _variants(mode: str, spelling: str) -> list[str]:
    """The written forms a spelling matches in a case-sensitive scan: capitalised and ALL CAPS for `cap`."""
    if mode == "exact":
        return [spelling]
    return [spelling, spelling.upper()] if mode == "cap" else [spelling]


@functools.cache
def _patterns() -> tuple[tuple[re.Pattern[str], dict[str, frozenset[str]]], ...]:
    """One alternation per case mode, longest spelling first, so "North America" wins over "America"."""
    entries = _entries()
    out = []
    for sensitive in (True, False):
        canonical: dict[str, frozenset[str]] = {}
        for mode, spelling, keys in entries:
            if (mode != "any") == sensitive:
                for form in _variants(mode, spelling):
                    canonical[form if sensitive else form.lower()] = keys
        alternation = "|".join(re.escape(form).replace(r"\ ", r"\s+")
                               for form in sorted(canonical, key=len, reverse=True))
        # A plural or possessive still names the place ("Germans", "Canadians", "India's"); "s" only
        # after a letter that is not already an "s" ("Swiss" stays one word). "AT&T" and "US$" are no places.
        pattern = re.compile(rf"(?<![\w.&])(?:{alternation})(?:(?<=[^\Ws])s)?(?![\w&$])",
                             0 if sensitive else re.IGNORECASE)
        out.append((pattern, canonical))
    return tuple(out)


def find_places(text: str, *, names: Iterable[str] = ()) -> tuple[frozenset[str], str]:
    """The places `text` names, as keys ("de", "us-tx", "baltics"), and the text with them blanked so the
    name reader does not read them again. `names`: folded words of the speakers' names, never places."""
    skip = {name.casefold() for name in names}
    spans: list[tuple[int, int, frozenset[str]]] = []
    for pattern, canonical in _patterns():
        for match in pattern.finditer(text):
            written = " ".join(match.group(0).split())
            keys = canonical.get(written) or canonical.get(written.lower()) or canonical.get(written[:-1]) \
                or canonical.get(written[:-1].lower())
            if keys is None or all(word.casefold() in skip for word in written.split()):
                continue
            spans.append((match.start(), match.end(), keys))
    found: set[str] = set()
    taken_until = -1
    for start, end, keys in sorted(spans, key=lambda span: (span[0], span[0] - span[1])):  # leftmost, longest
        if start >= taken_until:
            taken_until = end
            found |= keys
            text = text[:start] + " " * (end - start) + text[end:]
    return frozenset(found), text


PLACE_KEYS = frozenset(key for _, _, keys in _entries() for key in keys)
