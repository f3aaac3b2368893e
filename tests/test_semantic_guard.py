"""The guard refuses look-alike threads that need a different answer (no model needed here)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.cache.guard import agree
from engine.cache.signature import signature
from tests.conftest import SAMPLES


def load_samples() -> list[dict[str, Any]]:
    with (SAMPLES / "threads.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def test_no_hard_negative_agrees_with_anything_of_its_situation() -> None:
    rows = load_samples()
    negatives = [r for r in rows if r["role"] == "hard_negative"]
    assert len(negatives) == 25
    for negative in negatives:
        situation = negative["id"].split("-")[0]
        others = [r for r in rows if r["id"].startswith(situation + "-") and r["id"] != negative["id"]]
        for other in others:
            for query, candidate in ((negative, other), (other, negative)):
                verdict = agree(signature(query["thread"]), signature(candidate["thread"]))
                assert not verdict.ok, f"{query['id']} would be served {candidate['id']}'s analysis"


def test_most_paraphrases_agree_with_their_anchor_or_each_other() -> None:
    rows = {r["id"]: r for r in load_samples()}
    agreeing = 0
    for n in range(1, 26):
        a, p1, p2 = (rows[f"d{n:02d}-{suffix}"]["thread"] for suffix in ("a", "p1", "p2"))
        agreeing += sum(agree(signature(x), signature(y)).ok for x, y in ((p1, a), (p2, a), (p2, p1)))
    assert agreeing >= 60  # of 75 pairs; the guard is strict, but not a wall


def thread(prospect: str, rep: str = "Hi, would it be worth a conversation about our platform?") -> str:
    return f"Rep (Sam Lee): {rep}\nDana Fox: {prospect}"


@pytest.mark.parametrize(("first", "second", "reason"), [
    ("We are interested, please send times for a demo.", "We are not interested, please don't send times.",
     "asks"),
    ("Can you send pricing for 10 seats?", "Can you send pricing for 100 seats?", "numbers"),
    ("Let's talk next week.", "Let's talk next month.", "times"),
    ("Do you have a SOC 2 Type II report?", "Do you have a HIPAA attestation?", "standards"),
    ("Does it integrate with Salesforce?", "Does it integrate with HubSpot?", "named"),
    ("We run Jenkins and we're happy with it.", "We run Jenkins and we're not happy with it.", "asks"),
    ("Budget is approved for this, what's the price?", "There is no budget for this, what's the price?", "asks"),
    ("Please call me on Tuesday.", "Please call me on Thursday.", "times"),
    ("Is the data hosted in the EU?", "Is the data hosted in the US?", "named"),
    ("Yes please.", "Yes please.", "too short"),
])
def test_answer_changing_differences_are_refused(first: str, second: str, reason: str) -> None:
    if reason != "too short":  # long enough that the slot under test is what decides
        first, second = (f"{text} Looking forward to hearing back from you." for text in (first, second))
    verdict = agree(signature(thread(first)), signature(thread(second)))
    assert not verdict.ok
    assert verdict.reason.startswith(reason)


@pytest.mark.parametrize(("first", "second"), [
    ("Can you send pricing for 25 seats, billed annually?", "what's the price for 25 seats on annual billing?"),
    ("Please reach out again next quarter, we're busy.", "Not now — ping me next quarter."),
    ("We use GitHub Actions and we're happy with it, not switching.",
     "we use github actions, happy with it. no plans to switch"),
    ("Does it integrate with DocuSign?\nThanks,\nDana Fox\nHead of Ops | Foxworks\n+1 555 010 9999",
     "Hi Sam, quick one: any integration with DocuSign?"),
])
def test_same_answer_in_other_words_agrees(first: str, second: str) -> None:
    first, second = (f"We are looking at this closely this time around.\n{text}" for text in (first, second))
    verdict = agree(signature(thread(first)), signature(thread(second)))
    assert verdict.ok, verdict.reason


def test_a_bare_yes_is_compared_on_what_the_rep_asked() -> None:
    yes = "Yes please, that would be really useful for our team right now."
    pricing = thread(yes, rep="Shall I send you our pricing for your team?")
    demo = thread(yes, rep="Shall I book a demo for your team?")
    assert not agree(signature(pricing), signature(demo)).ok
    assert agree(signature(pricing), signature(thread(yes, rep="Want our pricing sheet?"))).ok


def test_a_signature_holds_no_readable_text_of_the_message() -> None:
    text = thread("Marguerite from Quillfeather here: does it integrate with Zendesk? 40 seats.")
    stored = json.dumps(signature(text).to_json())
    for word in ("Marguerite", "Quillfeather", "Zendesk", "integrate", "seats"):
        assert word.lower() not in stored.lower()
