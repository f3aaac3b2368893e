"""What a thread's latest prospect message commits to: its asks, numbers, times and named things.

Two threads whose messages embed close together may still need different answers ("40 vans" vs
"4,000 vehicles", "next week" vs "next quarter", "we ARE" vs "we are NOT interested"). The guard
compares these signatures before a semantic hit is served. A signature holds no readable text:
the words it needs for containment checks are kept as short hashes. The thread itself (messages,
quotes, signatures, names, dates, standards) is read by engine/text; the word lists that decide
what an ask is are the guard's own (lexicon.py), until a trained verifier replaces them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from engine.cache import lexicon as lx
from engine.text.dates import MONTHS, WEEKDAYS
from engine.text.names import COMMON_ACRONYMS, GENERIC_TERMS, ROLE_WORDS
from engine.text.patterns import EMAIL, PHONE, URL
from engine.text.patterns import fold as _fold
from engine.text.places import find_places
from engine.text.quantities import blank_currencies, read_quantities
from engine.text.thread import is_quote_line, is_signature_tail, latest_turn, parse_messages

__all__ = ["Signature", "clean_message", "signature"]

_TOKEN = re.compile(r"[^\W\d_][\w&'’/\-]*[\w]|[^\W\d_]|\$?\d[\d,.]*\d|\$?\d|[.,!?;:—–()\n]")
_CLAUSE_BREAK = frozenset(".,!?;:—–()\n") | {"but", "so", "because", "although", "though"}
_RELATIVE = re.compile(r"\b(this|next|coming|current|the) (week|month|quarter|year)\b", re.IGNORECASE)
# "at month end", "by end of month": the end of the current period ("the month-end close" is a process).
_PERIOD_END = re.compile(r"\b(?:(?:at|by|before|until|till|after|from) (?:the )?(month|quarter|year)[- ]end"
                         r"|end of (month|quarter|year))\b", re.IGNORECASE)
_PAST = re.compile(r"\b(last|previous|past) (week|month|quarter|year)\b|\b\w+ ago\b|\byesterday\b",
                   re.IGNORECASE)


@dataclass(frozen=True)
class Signature:
    """The answer-changing slots of one message; two messages agree when every slot matches."""

    asks: frozenset[str]
    numbers: frozenset[str]
    times: frozenset[str]
    standards: frozenset[str]
    roles: frozenset[str]
    entities: frozenset[str]  # hashes of significant names (vendors, products, people); places are `regions`
    words: frozenset[str]     # hashes of every word, for checking the other side's entities
    forms: frozenset[str] = frozenset()  # hashes of words' other forms ("India's" -> "India"), for the same check
    regions: frozenset[str] = frozenset()  # places as keys ("de" for Germany, German, germany): engine/text/places.py

    def to_json(self) -> dict[str, list[str]]:
        """A JSON-ready form, stored beside each cached analysis."""
        return {name: sorted(getattr(self, name)) for name in _FIELDS}

    @classmethod
    def from_json(cls, data: dict[str, list[str]]) -> Signature:
        """The inverse of `to_json`."""
        return cls(**{name: frozenset(data.get(name, ())) for name in _FIELDS})


_FIELDS = ("asks", "numbers", "times", "standards", "roles", "entities", "words", "forms", "regions")
# Written like names but dates: quarters, halves and fiscal years ("Q3", "H2", "FY26").
_PERIOD = re.compile(r"(?:q[1-4]|h[12]|fy(?:\d\d){0,2})", re.IGNORECASE)
# The entity reader's tokens: _TOKEN's, split at slashes ("iOS/Android" names two things).
_PARTS = re.compile(r"[^\W\d_][\w&'’\-]*[\w]|[^\W\d_]|\$?\d[\d,.]*\d|\$?\d|[.,!?;:—–()\n]")
# Grammar words, capitalised only because they open a sentence.
_FUNCTION_WORDS = frozenset({"the", "a", "an", "this", "that", "these", "those", "our", "my", "your", "their", "its",
                             "we", "it", "and", "but", "or", "so", "if", "for", "with", "at", "in", "on", "to"})
# "India's", "Acme’s": a possessive names the same thing.
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_POSSESSIVE_ANYWHERE = re.compile(r"(?<=\w)['’]s\b", re.IGNORECASE)


@dataclass(frozen=True)
class CleanMessage:
    """The prospect's latest message without greeting, signature, quotes, addresses or phones."""

    text: str
    names: frozenset[str]  # folded words of people's names seen in the thread
    context: str           # the rep's message just before it (what a bare "yes please" answers)


def _h(word: str) -> str:
    return hashlib.blake2b(_fold(word).encode(), digest_size=4).hexdigest()


def clean_message(thread: str) -> CleanMessage:
    """The latest prospect message of a pasted thread, cleaned for embedding and comparison."""
    messages = parse_messages(thread)
    names: set[str] = set()
    for message in messages:
        names.update(_fold(w) for w in re.findall(r"[^\W\d_]+", message.speaker) if w.lower() != "rep")
    turn = latest_turn(messages)
    body, context = (turn.message.text, turn.context) if turn else (thread, "")
    lines: list[str] = []
    for number, line in enumerate(body.splitlines()):
        if is_quote_line(line) or is_signature_tail(line):
            break
        if number > 0 and lines and (lx.CLOSINGS.match(line) or _only_names(line, names)
                                     or _signature_line(line, names)):
            break  # a sign-off, the sender's name or a contact line: what follows is the signature
        lines.append(line)
    text = "\n".join(lines).strip()
    greeting = lx.GREETING.match(text)
    if greeting:
        names.update(_fold(w) for w in re.findall(r"[^\W\d_]+", greeting.group(0))[1:])
        text = text[greeting.end():]
    for address in EMAIL.finditer(text):
        names.update(_fold(w) for w in re.split(r"[._\-+@]", address.group(0).split("@")[0]) if len(w) > 1)
    text = EMAIL.sub(" emailaddr ", text)
    text = URL.sub(" link ", text)
    text = PHONE.sub(" ", text)
    return CleanMessage(text=text.strip(), names=frozenset(names), context=context)


# A contact line of a signature: `T: +351 21 555 0134`, `Mob. 0770 900 123`, `Direct: (020) 7946 0958`.
_CONTACT = re.compile(r"^\s*(?:t|m|p|ph|tel|phone|mob|mobile|cell|fax|direct|office|whatsapp)\.?\s*[:.]?\s*\+?[\d(]",
                      re.IGNORECASE)


def _signature_line(line: str, names: set[str]) -> bool:
    """A contact line, or the sender's name followed by a title or company (`Ana Ruiz | Fleet Manager`)."""
    return _CONTACT.match(line) is not None or (
        bool(re.search(r"\s[|•·]\s", line)) and _only_names(re.split(r"\s[|•·]\s", line)[0], names))


def _only_names(line: str, names: set[str]) -> bool:
    words = [_fold(w) for w in re.findall(r"[^\W\d_]+", line)]
    return bool(words) and all(w in names for w in words)


def _negated(tokens: list[str], start: int, end: int, *, window: int = 4) -> bool:
    """A negation word shortly before `start` or right after `end`, within the same clause."""
    for i in range(start - 1, max(-1, start - 1 - window), -1):
        word = tokens[i].lower()
        if word in _CLAUSE_BREAK:
            break
        if word in lx.NEGATORS or word.endswith("n't"):
            return True
    for i in range(end, min(len(tokens), end + 2)):
        word = tokens[i].lower()
        if word in _CLAUSE_BREAK:
            break
        if word in lx.POST_NEGATORS:
            return True
    return False


def _spans_to_tokens(text: str) -> tuple[list[str], list[int]]:
    tokens: list[str] = []
    starts: list[int] = []
    for match in _TOKEN.finditer(text):
        tokens.append(match.group(0))
        starts.append(match.start())
    return tokens, starts


def _token_range(starts: list[int], begin: int, end: int) -> tuple[int, int]:
    first = next((i for i, s in enumerate(starts) if s >= begin), len(starts))
    last = next((i for i, s in enumerate(starts) if s >= end), len(starts))
    return first, last


def _asks(text: str) -> set[str]:
    tokens, starts = _spans_to_tokens(text)
    found: set[str] = set()
    for kind, pattern in lx.ASK_CUES.items():
        for match in pattern.finditer(text):
            if lx.PAST_REFERENCE.search(text[max(0, match.start() - 40):match.start()]):
                continue
            first, last = _token_range(starts, match.start(), match.end())
            negated = kind not in lx.NO_FLIP and _negated(tokens, first, last)
            if negated and kind in lx.FLIP_TO_DECLINE:
                found.add("decline")
            else:
                found.add(f"{kind}-" if negated else kind)
    if lx.BUDGET_NEGATIVE.search(text):
        found.add("budget-")
    if lx.BUDGET_POSITIVE.search(text):
        found.add("budget+")
    return found


def _standards(text: str) -> tuple[set[str], str]:
    tokens, starts = _spans_to_tokens(text)
    found: set[str] = set()
    for name, pattern in lx.STANDARDS:
        for match in pattern.finditer(text):
            first, last = _token_range(starts, match.start(), match.end())
            found.add(f"{name}-" if _negated(tokens, first, last) else name)
        text = pattern.sub(" standard ", text)
    return found, text


def _times(text: str) -> tuple[set[str], str]:
    tokens, starts = _spans_to_tokens(text)
    found: set[str] = set()

    def add(item: str, begin: int, end: int) -> None:
        first, last = _token_range(starts, begin, end)
        # Only a negation right before a time cancels it ("not this quarter"); one further back
        # usually negates something else ("no budget left this year").
        if not _negated(tokens, first, last, window=2):
            found.add(item)

    text_for_scan = _PAST.sub(lambda m: " " * len(m.group(0)), text)
    for match in _PERIOD_END.finditer(text_for_scan):
        add(f"this_{(match.group(1) or match.group(2)).lower()}", match.start(), match.end())
    for match in _RELATIVE.finditer(text_for_scan):
        which = match.group(1).lower()
        which = "this" if which in ("this", "current", "the") else "next"
        add(f"{which}_{match.group(2).lower()}", match.start(), match.end())
    for match in re.finditer(r"\b(next|this) (\w+)", text_for_scan, re.IGNORECASE):
        if match.group(2).lower() in WEEKDAYS:
            add(f"{match.group(1).lower()}_week", match.start(), match.end())
    for i, token in enumerate(tokens):
        word = token.lower().rstrip(".")
        begin = starts[i]
        if _PAST.search(text[max(0, begin - 12): begin + len(token)]):
            continue
        if word in WEEKDAYS and (len(word) > 3 or word in ("mon", "tue", "tues", "wed", "thu", "thur",
                                                            "thurs", "fri")):
            add(WEEKDAYS[word], begin, begin + len(token))
        elif word in MONTHS and (word != "may" or (token == "May" and i > 0 and tokens[i - 1] not in
                                                    _CLAUSE_BREAK)):
            prefix = tokens[i - 1].lower() if i > 0 else ""
            edge = f"{prefix}_" if prefix in ("early", "mid", "late", "end") else ""
            add(f"{edge}{MONTHS[word]}", begin, begin + len(token))
        elif word in ("morning", "afternoon", "evening", "today", "tomorrow", "tonight", "asap", "urgent",
                      "urgently"):
            add(word, begin, begin + len(token))
        elif re.fullmatch(r"q[1-4]", word):
            add(word, begin, begin + len(token))
        elif (word in ("fiscal", "financial") and i + 1 < len(tokens) and tokens[i + 1].lower().startswith("year")) \
                or re.fullmatch(r"fy(?:\d\d){0,2}", word):
            add("fiscal_year" if word in ("fiscal", "financial", "fy") else f"fiscal_year_{word[-2:]}", begin,
                begin + len(token))
        elif token in lx.TIMEZONES:
            found.add(f"tz_{word}")
    return found, text


def _entities(text: str, names: frozenset[str]) -> set[str]:
    """Hashes of the words of vendor, product and region names (not people, roles or politeness)."""
    runs: list[list[tuple[str, bool, bool]]] = []  # capitalised runs: (word, strong?, sentence-initial?)
    run: list[tuple[str, bool, bool]] = []
    named_run = False  # the current run holds a person's name: drop its plain words

    def close() -> None:
        nonlocal run, named_run
        if run:
            runs.append([item for item in run if item[1]] if named_run else run)
        run, named_run = [], False

    sentence_start, previous_end = True, 0
    for match in _PARTS.finditer(text):  # "iOS/Android" is two names
        token = match.group(0)
        gap = text[previous_end:match.start()]
        previous_end = match.end()
        if gap != "/" and any(not (ch.isspace() or ch in ",'\"") for ch in gap):  # "iOS/Android" goes on
            close()
            sentence_start = True  # an emoji, a bullet or a symbol starts a new phrase
        if token in _CLAUSE_BREAK or not token[0].isalpha():
            close()
            sentence_start = sentence_start or token in ".!?:\n—–(" or not (token[0].isalpha() or token == ",")
            continue
        plain = _POSSESSIVE.sub("", token)
        plain = plain[:-1] if plain[:-1].isupper() and plain.endswith("s") else plain
        folded = _fold(plain)
        camel = bool(re.search(r"[a-z][A-Z]", plain)) or bool(re.search(r"\d", plain))  # "ezyVet", "S4"
        if not (plain[0].isupper() or camel) or plain.upper() in COMMON_ACRONYMS or _PERIOD.fullmatch(plain) \
                or folded in ROLE_WORDS or folded in WEEKDAYS or folded in MONTHS or plain == "I" \
                or folded.startswith("i'") or folded == "emailaddr":
            close()
            sentence_start = False
            continue
        if sentence_start and folded in _FUNCTION_WORDS:  # "The DPDP Act": "The" only opens the sentence
            close()
            sentence_start = False
            continue
        if folded in names:
            named_run = True
            sentence_start = False
            continue
        acronym = plain.isupper() and 2 <= len(plain) <= 4 and plain not in lx.TIMEZONES
        run.append((plain, camel or acronym, sentence_start))
        sentence_start = False
    close()
    found: set[str] = set()
    for item in runs:
        if not item:
            continue
        if all(not strong for _, strong, _ in item):
            # A lone capitalised word opening a sentence is just a sentence ("Possibly."). Two plain
            # capitalised words are a name too: a supplier ("Square Mile" vs "Origin Coffee") or the
            # colleague to talk to; the speakers' own names were left out above.
            if len(item) == 1 and item[0][2]:
                continue
        found.update(_h(word) for word, _, _ in item)
    return found


def signature(thread: str) -> Signature:
    """The signature of a thread's latest prospect message."""
    message = clean_message(thread)
    standards, text = _standards(message.text)
    times, text = _times(text)
    asks = _asks(text)
    if not asks and message.context:
        # A bare "yes please" means whatever the rep asked: compare on that instead.
        asks = {f"context:{ask}" for ask in _asks(message.context)}
    words = {_h(w) for w in _TOKEN.findall(message.text)}
    words |= {_h(w[:-1]) for w in _TOKEN.findall(message.text) if w[:-1].isupper() and w.endswith("s")}
    quantities = read_quantities(text)
    # A currency is a number's fact ("US dollars" is not the region US); a place is read once, as a key.
    regions, text_without_places = find_places(blank_currencies(text), names=message.names)
    # "Data Processing Agreement" is the DPA, not a name (engine/text/names.py).
    text_without_places = GENERIC_TERMS.sub(lambda match: " " * len(match.group(0)), text_without_places)
    return Signature(
        asks=frozenset(asks), numbers=quantities.numbers, times=frozenset(times) | quantities.clock,
        standards=frozenset(standards),
        roles=frozenset(role for role, pattern in lx.ROLE_FAMILIES.items() if pattern.search(text)),
        entities=frozenset(_entities(text_without_places, message.names)),
        words=frozenset(words),
        forms=frozenset(_h(w) for w in _PARTS.findall(_POSSESSIVE_ANYWHERE.sub("", message.text))) - words,
        regions=regions,
    )
