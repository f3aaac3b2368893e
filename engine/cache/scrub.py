"""Strip person-specific text from an analysis before it is shared across prospects.

A semantically reused analysis must never carry another prospect's name, company, address or
signature into someone else's reply. We remove every name-like term the thread itself reveals:
speakers, greeted names, e-mail addresses and their parts, signature lines, capitalised words the
rep used (they usually name the prospect's company), and first-last name pairs.
"""

from __future__ import annotations

import re
import unicodedata

from engine.cache import lexicon as lx
from engine.cache.signature import clean_message
from engine.models import ThreadAnalysis
from engine.steps import heuristics

__all__ = ["PLACEHOLDER", "person_terms", "scrub_analysis"]

PLACEHOLDER = "[name]"
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(\.[\w\-]+)+")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
_PHONE = re.compile(r"\+?\d[\d ()\-]{7,}\d")
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][\w'’\-]+)")
_NAME_PAIR = re.compile(r"\b([A-Z][a-zà-ÿ'’\-]+) ([A-Z][a-zà-ÿ'’\-]+)\b")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _common(word: str) -> bool:
    folded = _fold(word)
    return folded in lx.ROLE_WORDS or word.upper() in lx.GENERIC_ACRONYMS or len(folded) < 3


def person_terms(thread: str, *, extra: tuple[str, ...] = ()) -> set[str]:
    """Folded words of people's and companies' names that this thread reveals."""
    terms = set(clean_message(thread).names)
    for item in extra:
        terms.update(_fold(w) for w in re.findall(r"[^\W\d_]+", item))
    for address in _EMAIL.finditer(thread):
        local, _, domain = address.group(0).partition("@")
        terms.update(_fold(w) for w in re.split(r"[._\-+]", local) if len(w) > 1)
        terms.add(_fold(domain.split(".")[0]))
    for message in heuristics.parse_messages(thread):
        if message.is_rep:
            terms.update(_fold(m.group(1).split("'")[0].split("’")[0]) for m in _CAPITALISED.finditer(message.text)
                         if not _common(m.group(1)))
        for pair in _NAME_PAIR.finditer(message.text):
            if not (_common(pair.group(1)) or _common(pair.group(2))):
                terms.update({_fold(pair.group(1)), _fold(pair.group(2))})
    return {t for t in terms if len(t) > 1 and t not in lx.ROLE_WORDS}


def _scrub_text(text: str, terms: set[str], squashed: set[str]) -> str:
    text = _EMAIL.sub(PLACEHOLDER, text)
    text = _URL.sub(PLACEHOLDER, text)
    text = _PHONE.sub(PLACEHOLDER, text)

    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        folded = _fold(word.split("'")[0].split("’")[0])
        return PLACEHOLDER if folded in terms else word

    def replace_pair(match: re.Match[str]) -> str:
        return PLACEHOLDER if _fold(match.group(1) + match.group(2)) in squashed else match.group(0)

    text = re.sub(r"\b([A-Z][\w\-]+) ([A-Z][\w\-]+)", replace_pair, text)
    text = re.sub(r"[^\W\d_][\w'’\-]*", replace, text)
    return re.sub(rf"(\s*{re.escape(PLACEHOLDER)})+", f" {PLACEHOLDER}", text).strip()


def scrub_analysis(analysis: ThreadAnalysis, thread: str, *, extra: tuple[str, ...] = ()) -> ThreadAnalysis:
    """The analysis with every name-like term of `thread` replaced by a placeholder."""
    terms = person_terms(thread, extra=extra)
    # "Saffron Trail" and the domain "saffrontrail" are the same company.
    squashed = {t for t in terms if len(t) > 3}

    def clean(value: str) -> str:
        return _scrub_text(value, terms, squashed)

    return analysis.model_copy(update={
        "key_facts": [clean(v) for v in analysis.key_facts],
        "questions": [clean(v) for v in analysis.questions],
        "objections": [clean(v) for v in analysis.objections],
        "scenario": clean(analysis.scenario),
        "summary": clean(analysis.summary),
    })
