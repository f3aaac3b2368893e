"""The exact fact checks before semantic reuse: numbers, times, standards, roles and names must agree."""

from __future__ import annotations

import json

import pytest

from engine.meaning.encoding import view_of
from engine.meaning.facts import facts_agree, facts_of, facts_of_view
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


def _facts(thread: str) -> object:
    view = view_of(thread)
    return facts_of_view(thread, view)


def _agree(one: str, other: str) -> bool:
    first, second = _facts(one), _facts(other)
    return facts_agree(first, second).ok and facts_agree(second, first).ok  # type: ignore[arg-type]


@pytest.mark.parametrize(("one", "other"), [
    # the same facts in other words
    ("Ana Ruiz: Demo on the 13th at 2pm works.", "Ana Ruiz: Demo on the 13th at 14:00 works."),
    ("Ana Ruiz: Our 6-person team can't pay £1,200 a month.",
     "Ana Ruiz: £1,200 monthly is too much for our team of six."),
    ("Ana Ruiz: We just renewed for another two years across all 12 clinics.",
     "Ana Ruiz: we signed 2 more years for all twelve clinics"),
    ("Ana Ruiz: India's DPDP Act applies to us.", "Ana Ruiz: The DPDP Act of India applies to us."),
    ("Ana Ruiz: Our apps run on iOS/Android.", "Ana Ruiz: Our apps run on iOS and Android."),
    ("Ana Ruiz: ping me when the new FY starts", "Ana Ruiz: ping me when our fiscal year starts"),
    ("Ana Ruiz: I retire at month end, please remove me.",
     "Ana Ruiz: I retire at the end of the month, please remove me."),
    ("Ana Ruiz: Thurs 3 Sept works.", "Ana Ruiz: Thursday 3 September works."),
    ("Ana Ruiz: We are moving off HubSpot's CRM.", "Ana Ruiz: we are moving off the hubspot crm."),
    ("Ana Ruiz: €18,000 per year is too much: our budget is €6,000.",
     "Ana Ruiz: can't do €18k, our budget is €6k."),  # a rate named on one side only
])
def test_paraphrased_facts_agree(one: str, other: str) -> None:
    assert _agree(one, other)


@pytest.mark.parametrize(("one", "other"), [
    # hard negatives: one fact changed, never served
    ("Ana Ruiz: Demo on the 13th at 2pm works.", "Ana Ruiz: Demo on the 13th at 3pm works."),
    ("Ana Ruiz: Demo on the 13th at 2pm works.", "Ana Ruiz: Demo on the 14th at 2pm works."),
    ("Ana Ruiz: We have 40 vans.", "Ana Ruiz: We have 4,000 vehicles."),
    ("Ana Ruiz: We have six vans.", "Ana Ruiz: We have 7 vans."),
    ("Ana Ruiz: Let's try it in one of our 4 restaurants.", "Ana Ruiz: Let's try it in all 4 of our restaurants."),
    ("Ana Ruiz: €18,000 per year is too much.", "Ana Ruiz: $18,000 per year is too much."),
    ("Ana Ruiz: £1,200 a month is too much.", "Ana Ruiz: £1,200 a year is too much."),
    ("Ana Ruiz: a 14-day trial please", "Ana Ruiz: a 30-day trial please"),
    ("Ana Ruiz: We are on ezyVet in all 12 clinics.", "Ana Ruiz: We are on Provet in all 12 clinics."),
    ("Ana Ruiz: Is it ISO 27001 certified?", "Ana Ruiz: Is it SOC 2 certified?"),
    ("Ana Ruiz: Data must stay in Germany.", "Ana Ruiz: Data must stay in France."),
    ("Ana Ruiz: ping me in Q3", "Ana Ruiz: ping me in Q4"),
    ("Ana Ruiz: ping me next quarter", "Ana Ruiz: ping me next year"),
    ("Ana Ruiz: ping me next quarter", "Ana Ruiz: ping me"),  # a fact on one side only still refuses
])
def test_changed_facts_differ(one: str, other: str) -> None:
    assert not _agree(one, other)


def test_a_short_reply_takes_what_it_leaves_out_from_the_question() -> None:
    question = "Rep (Sam Lee): Hi Ana, would Tuesday at 10am work for a 20-minute demo?\n"
    yes, restated = f"{question}Ana Ruiz: yes please", f"{question}Ana Ruiz: Yes, Tuesday 10:00 it is."
    assert _agree(yes, restated)
    assert not _agree(yes, f"{question}Ana Ruiz: Wednesday 10am instead?")
    choice = "Rep (Sam Lee): Hi Ana, Tuesday or Wednesday at 10am?\n"
    assert not _agree(f"{choice}Ana Ruiz: yes please", f"{choice}Ana Ruiz: Tuesday works.")
    assert not _agree(f"{choice}Ana Ruiz: Tuesday works.", f"{choice}Ana Ruiz: Wednesday works.")


def test_numbers_outside_the_prospects_message_are_no_facts() -> None:
    plain = "Rep (Sam Lee): Hi Ana, would a demo work?\nAna Ruiz: Yes, 40 vans, next week please."
    for tail in ("\n\nOn Tue, 3 Mar 2026 at 10:14, Sam Lee <sam@acme.example>\nwrote:\n> a demo for your 25 vans?",
                 "\n\nLe mar. 3 mars 2026 à 10:14, Sam Lee <sam@acme.example> a écrit :\n> 25 vans?",
                 "\nBest,\nAna Ruiz\nT: +351 21 555 0134",
                 "\nAna Ruiz | Fleet Manager | +351 21 555 0134 ext. 12"):
        assert _agree(plain, plain + tail), tail
    assert not _agree(plain, plain.replace("40 vans", "25 vans"))


def test_stored_facts_keep_the_forms_names_are_checked_with() -> None:
    stored = _facts("Ana Ruiz: India's DPDP Act applies to us.")
    again = type(stored).from_json(json.loads(json.dumps(stored.to_json())))  # type: ignore[attr-defined]
    assert again == stored and again.message.forms  # type: ignore[attr-defined]
    assert _agree("Ana Ruiz: India's DPDP Act applies to us.", "Ana Ruiz: The DPDP Act of India applies to us.")


def _long_reply(rep: str, reply: str) -> str:
    return f"Rep (Dana Fox): {rep}\nOla Berg: {reply}"


REPLY = ("Thanks for the note, that is a generous offer and the team is curious about it. Could you send "
         "me the deck so I can share it with our board before the next meeting?")


def test_a_long_reply_is_compared_on_the_numbers_and_standards_of_the_reps_message() -> None:
    three = facts_of(_long_reply("Congrats on raising $3M! Want our deck?", REPLY), rep="Congrats on raising $3M!")
    thirty = facts_of(_long_reply("Congrats on raising $30M! Want our deck?", REPLY), rep="Congrats on raising $30M!")
    verdict = facts_agree(three, thirty)
    assert not verdict.ok and verdict.kind == "rep:numbers"
    soc2 = facts_of(_long_reply("We are SOC 2 certified.", REPLY), rep="We are SOC 2 certified.")
    iso = facts_of(_long_reply("We are ISO 27001 certified.", REPLY), rep="We are ISO 27001 certified.")
    assert facts_agree(soc2, iso).kind == "rep:standards"


def test_a_reworded_reps_message_with_the_same_numbers_agrees() -> None:
    first = facts_of(_long_reply("Congrats on the $3M round, Ola!", REPLY), rep="Congrats on the $3M round, Ola!")
    second = facts_of(_long_reply("Saw you raised 3 million dollars, well done.", REPLY),
                      rep="Saw you raised 3 million dollars, well done.")
    assert facts_agree(first, second).ok


def test_two_word_supplier_names_are_facts() -> None:
    def reply(supplier: str) -> str:
        return _long_reply("Could we send you some beans to try?",
                           f"thanks, but we get all our beans from {supplier} and we're under contract. not switching")

    square, origin = facts_of(reply("Square Mile")), facts_of(reply("Origin Coffee"))
    assert facts_agree(square, origin).kind == "entities"
    assert facts_agree(square, facts_of(reply("Square Mile"))).ok
