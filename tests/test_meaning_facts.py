"""The exact fact checks before semantic reuse: numbers, times, standards, roles and names must agree."""

from __future__ import annotations

import json

import pytest

from engine.meaning.encoding import view_of
from engine.meaning.facts import facts_agree, facts_of
from tests.conftest import SAMPLES

ROWS = {row["id"]: row for row in map(json.loads, (SAMPLES / "threads.jsonl").read_text("utf-8").splitlines())}


@pytest.mark.parametrize(("anchor", "negative", "slot"), [
    ("d11-a", "d11-n1", "standards"),   # SOC 2 vs ISO 27001
    ("d16-a", "d16-n1", "times"),       # next week vs Thursday at 10am IST (a clock time is a time)
])
def test_changed_hard_facts_are_refused_both_ways(anchor: str, negative: str, slot: str) -> None:
    first, second = facts_of(ROWS[anchor]["thread"]), facts_of(ROWS[negative]["thread"])
    for query, candidate in ((first, second), (second, first)):
        verdict = facts_agree(query, candidate)
        assert not verdict.ok and slot in verdict.reason


def test_paraphrases_keep_their_facts() -> None:
    for group in ("d11", "d02"):
        anchor = facts_of(ROWS[f"{group}-a"]["thread"])
        for paraphrase in ("p1", "p2"):
            assert facts_agree(anchor, facts_of(ROWS[f"{group}-{paraphrase}"]["thread"])).ok, (group, paraphrase)


def test_a_short_reply_is_compared_on_the_reps_question() -> None:
    def thread(question: str) -> str:
        return f"Rep (Sam Lee): Hi Ana, {question}\nAna Ruiz: Yes, that works!"

    def facts(question: str) -> object:
        view = view_of(thread(question))
        assert view.short
        return facts_of(thread(question), context=view.context)

    thursday = facts("shall I send the invite for Thursday at 2pm?")
    friday = facts("shall I send the invite for Friday at 3pm?")
    assert facts_agree(thursday, thursday).ok  # type: ignore[arg-type]
    verdict = facts_agree(thursday, friday)  # type: ignore[arg-type]
    assert not verdict.ok and "rep's questions differ" in verdict.reason


def test_a_changed_length_of_time_is_refused_though_the_number_is_the_same() -> None:
    def thread(since: str) -> str:
        return ("Rep (Sam Lee): Hi Ana, did you get a chance to read our note?\n"
                f"Ana Ruiz: I receive your emails since {since} and never asked for them. Please delete my address.")

    months, weeks = facts_of(thread("3 months")), facts_of(thread("3 weeks"))
    also_months = facts_of(thread("three months"))
    verdict = facts_agree(months, weeks)
    assert (verdict.ok, verdict.kind) == (False, "durations") and "time" in verdict.reason
    assert facts_agree(months, also_months).ok  # "three months" is "3 months"
    stored = type(months).from_json(json.loads(json.dumps(months.to_json())))
    assert stored.lengths == frozenset({"3 month"}) and not facts_agree(stored, weeks).ok
