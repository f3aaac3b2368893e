"""Exact checks of hard facts before a cached analysis is reused: numbers, money, dates, timeframes,
standards, roles, and named vendors, products and regions.

These are facts, not meaning, so rules decide them: two threads that differ in "40 vans" vs "4,000
vehicles" or "SOC 2" vs "ISO 27001" never share an analysis, however alike they read. A short reply
("yes please") carries its facts in the rep's question, so that is compared too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from engine.cache.signature import Signature, clean_message, signature
from engine.text.days import DAY_PREFIX
from engine.text.lengths import lengths_of_time
from engine.text.periods import COVERS, quarter_months
from engine.text.standards import standards_agree

if TYPE_CHECKING:  # only its attributes are read; no import at run time
    from engine.meaning.encoding import View

__all__ = ["FACTS_VERSION", "FACT_KINDS", "FactCheck", "Facts", "durations", "fact_differences", "facts_agree",
           "facts_of", "facts_of_view"]

# The rules' version, stored with each entry's facts: facts read by other rules ("10am" was the number 10,
# now the time "at 10:00") are never compared with today's, so such an entry is refused ("version").
# 4: places are a slot of their own (`regions`), "the 14th" and "Tuesday 10" are times, standards are read
# in full ("Business Associate Agreement"), general business acronyms are no names.
# 5: "the Nordics" and "EMEA" are read as their members, whole months written in days are months ("30 day" is
# "1 month"), "2,500 loads a month" is a rate, quarters written out and "covers q3" markers are times.
FACTS_VERSION = 5
# What a long reply answers is in the rep's message too: its numbers and standards must agree ("$3M" vs
# "$30M raised", "SOC 2" vs "ISO 27001" asked about), a number on one side only included. Its times and
# names are left out: rewordings of one situation move the rep's dates and name the prospect's company.
# Measured on the written training threads (scripts/train_verifier.py, out of fold at zero wrong): 0.27 of
# true pairs pass without this check, 0.37 with it, 0.22 when a number on one side only is let through
# (cross-situation pairs then come close), 0.38 with times as well but 46 fewer true pairs reaching it.
_REP_SLOTS = ("numbers", "standards")
_SLOTS = ("numbers", "times", "standards", "roles", "regions")
_QUESTION = "question: "
_RATE = "per "
_CLOCK = re.compile(r"at \d\d:\d\d")  # engine/text/clock.py
_PARTS_OF_DAY = {"morning": (5, 12), "afternoon": (12, 18), "evening": (17, 23)}  # hours [first, last)
_CURRENCY = "currency:"  # engine/text/quantities.py: the currency an amount is in


# The kinds of fact a check can find different (the `kind` of a failed FactCheck), in checking order.
FACT_KINDS = (*_SLOTS, "entities", "durations", "short_reply", "rep:numbers", "rep:standards")


def durations(text: str) -> frozenset[str]:
    """The lengths of time and rates a text names, normalised (engine/text/lengths.py): "a 14-day
    trial" and "two weeks" -> "14 day", "half an hour" -> "30 minute", "£1,200 monthly" -> "per month"."""
    return lengths_of_time(text)[0]


@dataclass(frozen=True)
class FactCheck:
    """Whether the hard facts agree, and if not, which kind of fact did not (and in whose words)."""

    ok: bool
    reason: str = ""
    kind: str = ""  # one of FACT_KINDS; prefixed "question:" when the rep's questions differ


@dataclass(frozen=True)
class Facts:
    """The facts of the latest prospect message, and of the rep's question when the reply is short."""

    message: Signature
    context: Signature | None
    lengths: frozenset[str] = field(default_factory=frozenset)  # durations of the message (and question)
    rep: Signature | None = None  # the rep's message before a long reply (its numbers and standards count)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form, stored beside each cached analysis."""
        return {"version": FACTS_VERSION, "message": self.message.to_json(),
                "context": None if self.context is None else self.context.to_json(),
                "durations": sorted(self.lengths), "rep": None if self.rep is None else self.rep.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Facts:
        """The inverse of `to_json`; ValueError for facts read by other rules (an older cache entry)."""
        if data.get("version") != FACTS_VERSION:
            raise ValueError(f"facts read by rules version {data.get('version')}, not {FACTS_VERSION}")
        message, context = data.get("message"), data.get("context")
        return cls(message=Signature.from_json(message or {}),
                   context=None if context is None else Signature.from_json(context),
                   lengths=frozenset(data.get("durations", ())),
                   rep=None if data.get("rep") is None else Signature.from_json(data["rep"]))


def facts_of(thread: str, *, context: str | None = None, rep: str | None = None) -> Facts:
    """The hard facts of a thread (its signature's `asks` are meaning, not facts, and are not used);
    `context` is the rep's question, given for short replies; `rep` the rep's message before the reply,
    whose numbers and standards count for a long reply too (the prospect answers "$3M" or "$30M" alike)."""
    lengths = durations(clean_message(thread).text) | {f"{_QUESTION}{d}" for d in durations(context or "")}
    return Facts(message=signature(thread), context=signature(context) if context else None, lengths=lengths,
                 rep=signature(rep) if rep and not context else None)


def facts_of_view(thread: str, view: View) -> Facts:
    """The facts of a thread as the cache compares them: a short reply with the rep's question, a long
    one with the numbers and standards of the rep's message before it."""
    return facts_of(thread, context=view.context if view.short else None, rep=view.context)


def facts_agree(query: Facts, candidate: Facts) -> FactCheck:
    """The messages' facts agree, and so do the rep's questions' when either reply is short (and the
    numbers and standards of the rep's messages when both are long: _REP_SLOTS).

    Any difference refuses, a fact on one side only included: an analysis that names "next quarter"
    is wrong for a message that names no time, and the reverse loses the prospect's fact. One
    exception, for short replies read with the rep's question: a kind of fact the reply leaves out
    is the question's ("yes please" to "Tuesday at 10am?" means Tuesday at 10am), so "yes please" and
    "Yes, Tuesday 10am works" to that question agree; the questions themselves must still agree. And
    rates ("per month") are compared only when both messages name one: a rate qualifies an amount
    the numbers already compare exactly, and rewordings often leave it out.
    """
    return next(fact_differences(query, candidate), FactCheck(True))


def fact_differences(query: Facts, candidate: Facts) -> Iterator[FactCheck]:
    """Every kind of fact that differs (the failed checks of `facts_agree`, in its order), so a
    measurement can tell which rule refuses a pair and which rule alone does."""
    both_short = query.context is not None and candidate.context is not None
    if query.context is not None and candidate.context is not None:  # (both_short, spelled for mypy)
        for found in _differences(query.context, candidate.context):  # what each reply answers, first
            yield FactCheck(False, f"the rep's questions differ: {found.reason}", kind=f"question:{found.kind}")
    elif query.context is not None or candidate.context is not None:
        yield FactCheck(False, "only one reply needs the rep's question", kind="short_reply")
    if query.rep is not None and candidate.rep is not None:
        for slot in _REP_SLOTS:
            if not _slot_agrees(slot, _rep_slot(query.rep, slot), _rep_slot(candidate.rep, slot)):
                yield FactCheck(False, f"the rep's messages differ: {slot} differ", kind=f"rep:{slot}")
    yield from _differences(_filled(query) if both_short else query.message,
                            _filled(candidate) if both_short else candidate.message)
    if not _lengths_agree(query, candidate, filled=both_short):
        yield FactCheck(False, "lengths of time differ", kind="durations")


def _filled(facts: Facts) -> Signature:
    """A short reply's facts, each kind it leaves out taken from the rep's question."""
    message, context = facts.message, facts.context
    if context is None:
        return message
    return replace(message, **{slot: getattr(message, slot) or getattr(context, slot) for slot in _SLOTS})


def _lengths(facts: Facts, *, filled: bool) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(the message's lengths of time, its rates, the question's lengths and rates); the message's
    filled from the question's if asked."""
    question = frozenset(d.removeprefix(_QUESTION) for d in facts.lengths if d.startswith(_QUESTION))
    message = frozenset(d for d in facts.lengths if not d.startswith(_QUESTION))
    message = message or (question if filled else frozenset())
    rates = frozenset(d for d in message if d.startswith(_RATE))
    return message - rates, rates, question


def _lengths_agree(query: Facts, candidate: Facts, *, filled: bool) -> bool:
    """Lengths of time agree exactly; rates ("per month") only when both messages name one: a rate
    qualifies an amount the numbers already compare, and paraphrases often leave it out."""
    (lengths, rates, question), (other_lengths, other_rates, other_question) = (
        _lengths(query, filled=filled), _lengths(candidate, filled=filled))
    return lengths == other_lengths and question == other_question and (
        rates == other_rates or not rates or not other_rates)


def _differences(query: Signature, candidate: Signature) -> Iterator[FactCheck]:
    for slot in _SLOTS:
        if not _slot_agrees(slot, getattr(query, slot), getattr(candidate, slot)):
            yield FactCheck(False, f"{slot} differ", kind=slot)
    if not query.entities <= candidate.words | candidate.forms or \
            not candidate.entities <= query.words | query.forms:
        yield FactCheck(False, "named vendors, products or people differ", kind="entities")


def _rep_slot(rep: Signature, slot: str) -> frozenset[str]:
    """A slot of the rep's message as the rep check compares it: its numbers include its days of the month
    ("the committee meets on the 14th"), which were numbers before days were read as times (rules 3)."""
    if slot != "numbers":
        return frozenset(getattr(rep, slot))
    return rep.numbers | {time for time in rep.times if time.startswith(DAY_PREFIX)}


def _slot_agrees(slot: str, one: frozenset[str], other: frozenset[str]) -> bool:
    """Exactly equal, except that a standard named without its type agrees with it typed ("SOC 2" and
    "SOC 2 Type II": engine/text/standards.py), and that currencies are compared only when both sides name
    one: "$40M" and "40M" are one amount, the amounts themselves are still compared exactly, and "$40M" and
    "€40M" still differ."""
    if slot == "standards":
        return standards_agree(one, other)
    if slot == "times":
        return _canonical_times(one) == _canonical_times(other)
    if slot == "numbers" and (not _currencies(one) or not _currencies(other)):
        return one - _currencies(one) == other - _currencies(other)
    return one == other


def _canonical_times(times: frozenset[str]) -> frozenset[str]:
    """Times as one date is written however it is spelled:
      - a quarter written as its months ("July to September") is the quarter alone, as "Q3" is (engine/text/
        periods.py marks such a quarter);
      - a day of the month pins its week: "next Tuesday the 9th" is "Tuesday the 9th" (periods.py marks the
        week such a weekday names, and only that "next week" goes: "the 4th" and "a call next week" stay two);
      - a clock time holds its part of the day: "3 in the afternoon" is "3pm", "Tuesday morning at 10" is
        "Tuesday at 10am" ("afternoon" goes beside 15:00; "Tuesday morning" alone still differs from 10am)."""
    marked = [time.removeprefix(COVERS) for time in times if time.startswith(COVERS)]
    covered = {COVERS + mark for mark in marked} | {mark for mark in marked if mark.endswith("_week")}
    covered |= {month for mark in marked if mark.startswith("q") for month in quarter_months(mark)}
    hours = [int(time[3:5]) for time in times if _CLOCK.fullmatch(time)]
    covered |= {part for part, (first, last) in _PARTS_OF_DAY.items() if any(first <= hour < last for hour in hours)}
    return times - covered


def _currencies(numbers: frozenset[str]) -> frozenset[str]:
    return frozenset(number for number in numbers if number.startswith(_CURRENCY))
