"""Removes who-is-who from an LLM's thread analysis, so the semantic cache can reuse it for anyone.

The model is told not to name anyone; this catches what slips through: the thread's speakers and
greeted names, e-mail addresses, links, and company names taken from e-mail and web domains.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from engine.models import ThreadAnalysis
from engine.steps.speakers import names_in_thread, parse_messages

__all__ = ["scrub_analysis"]

_EMAIL = re.compile(r"\b[\w.+-]+@([\w-]+\.)+[\w-]{2,}\b")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
_DOMAIN = re.compile(r"(?:@|https?://|www\.)((?:[\w-]+\.)+[a-z]{2,})", re.IGNORECASE)
_GENERIC_DOMAINS = {"gmail", "outlook", "hotmail", "yahoo", "icloud", "proton", "protonmail", "live",
                    "linkedin", "google", "microsoft", "example", "mail", "aol", "gmx"}


def _replacements(thread: str) -> list[tuple[re.Pattern[str], str]]:
    reps: set[str] = set()
    for message in parse_messages(thread):
        if message.is_rep and message.speaker:
            reps.add(message.speaker)
            reps.update(part for part in message.speaker.split() if len(part) > 1)
    people = {name for name in names_in_thread(thread) if len(name) > 1} - reps
    companies = set()
    for match in _DOMAIN.finditer(thread):
        labels = match.group(1).lower().split(".")
        label = labels[-2] if len(labels) >= 2 else labels[0]
        if label not in _GENERIC_DOMAINS and len(label) > 2:
            companies.add(label)
    pairs: list[tuple[str, str, int]] = [(name, "the rep", 0) for name in reps]
    pairs += [(name, "the prospect", 0) for name in people]
    pairs += [(name, "their company", re.IGNORECASE) for name in companies]
    pairs.sort(key=lambda pair: -len(pair[0]))  # "Mateus Oliveira" before "Mateus"
    return [(re.compile(rf"(?<![\w@.]){re.escape(name)}(?P<pos>'s|’s)?(?!\w)", flags), label)
            for name, label, flags in pairs]


def _keeping_possessive(label: str) -> Callable[[re.Match[str]], str]:
    return lambda match: label + ("'s" if match.group("pos") else "")


def _clean(text: str, replacements: list[tuple[re.Pattern[str], str]]) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)
    for pattern, label in replacements:
        text = pattern.sub(_keeping_possessive(label), text)
    return text


def scrub_analysis(analysis: ThreadAnalysis, *, thread: str) -> ThreadAnalysis:
    """The analysis with the thread's people, e-mail addresses, links and company domains removed."""
    replacements = _replacements(thread)

    def clean_all(items: list[str]) -> list[str]:
        return [_clean(item, replacements) for item in items]

    return analysis.model_copy(update={
        "key_facts": clean_all(analysis.key_facts),
        "questions": clean_all(analysis.questions),
        "objections": clean_all(analysis.objections),
        "scenario": _clean(analysis.scenario, replacements),
        "summary": _clean(analysis.summary, replacements),
    })
