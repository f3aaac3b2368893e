"""The one name scrubber: removes who-is-who from an analysis or a sentence, so it can be reused
for anyone.

An analysis (an LLM's or the offline one) may be shared across prospects by the semantic cache,
so it must never carry a name, company, address or signature from its thread. `scrub_analysis`
first replaces what it can name by role (the thread's rep -> "the rep", people -> "the prospect",
company domains -> "their company", addresses -> "[email]", links -> "[link]"), then sweeps every
other name-like term the thread reveals (e-mail parts, signature names, capitalised words the rep
used, first-last name pairs) to "[name]". `scrub_sentence` does the same for one question of the
offline analysis, using the facts' vocabulary to tell names from terms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from engine.models import ThreadAnalysis
from engine.text.facts import KEEP_CAPITALISED
from engine.text.names import COMMON_ACRONYMS, NOT_NAMES, ROLE_WORDS
from engine.text.patterns import DOMAIN, EMAIL, PHONE, URL, fold
from engine.text.thread import Message, names_in_thread, parse_messages

__all__ = ["PLACEHOLDER", "person_terms", "scrub_analysis", "scrub_sentence", "scrub_text"]

PLACEHOLDER = "[name]"
_GENERIC_DOMAINS = {"gmail", "outlook", "hotmail", "yahoo", "icloud", "proton", "protonmail", "live",
                    "linkedin", "google", "microsoft", "example", "mail", "aol", "gmx"}
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][\w'’\-]+)")
_NAME_PAIR = re.compile(r"\b([A-Z][a-zà-ÿ'’\-]+) ([A-Z][a-zà-ÿ'’\-]+)\b")
Replacements = list[tuple[re.Pattern[str], str]]


def _common(word: str) -> bool:
    folded = fold(word)
    return folded in ROLE_WORDS or word.upper() in COMMON_ACRONYMS or len(folded) < 3


def _company_labels(thread: str) -> set[str]:
    companies = set()
    for match in DOMAIN.finditer(thread):
        labels = match.group(1).lower().split(".")
        label = labels[-2] if len(labels) >= 2 else labels[0]
        if label not in _GENERIC_DOMAINS and len(label) > 2:
            companies.add(label)
    return companies


def person_terms(thread: str, *, extra: Iterable[str] = (), messages: list[Message] | None = None) -> set[str]:
    """Folded words of people's and companies' names that this thread reveals."""
    messages = parse_messages(thread) if messages is None else messages
    terms = {fold(word) for name in names_in_thread(thread, messages=messages)
             for word in re.findall(r"[^\W\d_]+", name)}
    for item in extra:
        terms.update(fold(w) for w in re.findall(r"[^\W\d_]+", item))
    for address in EMAIL.finditer(thread):
        local, _, domain = address.group(0).partition("@")
        terms.update(fold(w) for w in re.split(r"[._\-+]", local) if len(w) > 1)
        terms.add(fold(domain.split(".")[0]))
    for message in messages:
        if message.is_rep:  # capitalised words the rep used usually name the prospect's company
            terms.update(fold(m.group(1).split("'")[0].split("’")[0]) for m in _CAPITALISED.finditer(message.text)
                         if not _common(m.group(1)))
        for pair in _NAME_PAIR.finditer(message.text):
            if not (_common(pair.group(1)) or _common(pair.group(2))):
                terms.update({fold(pair.group(1)), fold(pair.group(2))})
    return {t for t in terms if len(t) > 1 and t not in ROLE_WORDS and t not in NOT_NAMES}


def _by_role(thread: str, messages: list[Message]) -> Replacements:
    reps: set[str] = set()
    for message in messages:
        if message.is_rep and message.speaker:
            reps.add(message.speaker)
            reps.update(part for part in message.speaker.split() if len(part) > 1)
    people = {name for name in names_in_thread(thread, messages=messages) if len(name) > 1} - reps
    pairs: list[tuple[str, str, int]] = [(name, "the rep", 0) for name in reps]
    pairs += [(name, "the prospect", 0) for name in people]
    pairs += [(name, "their company", re.IGNORECASE) for name in _company_labels(thread)]
    pairs.sort(key=lambda pair: -len(pair[0]))  # "Mateus Oliveira" before "Mateus"
    return [(re.compile(rf"(?<![\w@.]){re.escape(name)}(?P<pos>'s|’s)?(?!\w)", flags), label)
            for name, label, flags in pairs]


def _keeping_possessive(label: str) -> Callable[[re.Match[str]], str]:
    return lambda match: label + ("'s" if match.group("pos") else "")


def _clean(text: str, by_role: Replacements, terms: set[str], squashed: set[str]) -> str:
    text = EMAIL.sub("[email]", text)
    text = URL.sub("[link]", text)
    text = PHONE.sub("[phone]", text)
    for pattern, label in by_role:
        text = pattern.sub(_keeping_possessive(label), text)

    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        return PLACEHOLDER if fold(word.split("'")[0].split("’")[0]) in terms else word

    def replace_pair(match: re.Match[str]) -> str:
        return PLACEHOLDER if fold(match.group(1) + match.group(2)) in squashed else match.group(0)

    text = re.sub(r"\b([A-Z][\w\-]+) ([A-Z][\w\-]+)", replace_pair, text)
    text = re.sub(r"[^\W\d_][\w'’\-]*", replace, text)
    return re.sub(rf"(\s*{re.escape(PLACEHOLDER)})+", f" {PLACEHOLDER}", text).strip()


def _cleaner(thread: str, extra: Iterable[str] = ()) -> Callable[[str], str]:
    messages = parse_messages(thread)
    by_role = _by_role(thread, messages)
    terms = person_terms(thread, extra=extra, messages=messages)
    squashed = {t for t in terms if len(t) > 3}  # "Saffron Trail" and the domain "saffrontrail" are one
    return lambda value: _clean(value, by_role, terms, squashed)


def scrub_analysis(analysis: ThreadAnalysis, *, thread: str, extra: Iterable[str] = ()) -> ThreadAnalysis:
    """The analysis without the thread's people, companies, addresses, links or phone numbers."""
    clean = _cleaner(thread, extra)
    return analysis.model_copy(update={
        "key_facts": [clean(v) for v in analysis.key_facts],
        "questions": [clean(v) for v in analysis.questions],
        "objections": [clean(v) for v in analysis.objections],
        "scenario": clean(analysis.scenario),
        "summary": clean(analysis.summary),
    })


def scrub_text(text: str, *, thread: str) -> str:
    """Words of `thread` (e.g. its latest message) without its people, companies, addresses, links or
    phone numbers, cleaned as `scrub_analysis` cleans an analysis: what a shared cache entry may keep."""
    return _cleaner(thread)(text)


def scrub_sentence(sentence: str, names: Iterable[str]) -> str | None:
    """The sentence without names, e-mail addresses, URLs or phone numbers; None if little is left.

    Known names are removed; any other capitalised word inside the sentence that is not a known
    term (a product, standard, weekday, role) may be a person or company, so it is removed too.
    """
    text = PHONE.sub(" ", EMAIL.sub(" ", URL.sub(" ", sentence)))
    if names:
        alternation = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
        text = re.sub(rf"(?<!\w)(?:{alternation})(?:'s|’s)?(?!\w)", " ", text)
    words = text.split()
    kept = []
    for index, word in enumerate(words):
        bare = re.sub(r"^[^\w]+|[^\w]+$", "", word)
        previous = words[index - 1] if index else ""
        starts_sentence = not previous or previous.endswith((".", "?", "!", ":", "—")) or not previous.isascii()
        if (bare and bare[0].isupper() and not starts_sentence and not bare.isupper()
                and bare.lower().removesuffix("'s") not in KEEP_CAPITALISED):
            continue
        kept.append(word)
    cleaned = re.sub(r"\s+([,.?!;:])", r"\1", " ".join(kept)).strip(" ,;:—-")
    return cleaned if len(cleaned.split()) >= 3 else None
