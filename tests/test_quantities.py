"""Numbers as hard facts (engine/text/quantities.py): the same fact in other words reads the same, a
changed fact never does."""

from __future__ import annotations

import pytest

from engine.text.clock import clock_times
from engine.text.lengths import lengths_of_time
from engine.text.quantities import blank_currencies, read_quantities


def numbers(text: str) -> frozenset[str]:
    return read_quantities(text).numbers


@pytest.mark.parametrize(("one", "other"), [
    ("six vans", "6 vans"),
    ("a dozen vans", "12 vans"),
    ("2,000 seats", "2k seats"),
    ("2,000 seats", "two thousand seats"),
    ("2,000 seats", "2 000 seats"),
    ("twenty-five users", "25 users"),
    ("a team of three, so", "3 people"),
    ("one of our four restaurants", "1 of our 4 restaurants"),
    ("€18,000", "18,000 EUR"),
    ("$18M Series A", "USD 18 million"),
    ("more than double what we pay", "2x+ what we spend"),
    ("more than twice our cost", "double what we pay"),
    ("the 13th", "March 13th"),
    ("30% over budget", "30 percent above budget"),
    ("100%. asana is not working for our 70 engineers", "Very. asana is not working for our 70 engineers"),
    ("£1,200/month", "£1,200 a month"),  # an amount per unit: "/" read "1,200/month" as 1
    ("$8,000/year", "$8,000 per year"),
    ("$35/seat", "$35 a seat"),
])
def test_the_same_number_in_other_words_reads_the_same(one: str, other: str) -> None:
    assert numbers(one) - {"currency:usd"} == numbers(other) - {"currency:usd"}


@pytest.mark.parametrize(("one", "other"), [
    ("40 vans", "4,000 vehicles"),
    ("six vans", "seven vans"),
    ("2k seats", "20k seats"),
    ("one of our 4 restaurants", "all 4 of our restaurants"),
    ("€18,000 a year", "$18,000 a year"),
    ("priced in USD", "priced in EUR"),
    ("twice what we pay", "three times what we pay"),
    ("$3M seed", "$30M seed"),
    ("€12M", "€1.2M"),
])
def test_a_changed_number_still_differs(one: str, other: str) -> None:
    assert numbers(one) != numbers(other)


@pytest.mark.parametrize("text", [
    "we need 2 things: pricing and SSO",
    "Two must-haves for our clients: hosting and ISO",
    "3 quick questions",
    "1. pricing\n2) SSO\n3 - hosting",
    "the two-way sync",
    "a 2-step approval",
    "we went twice",
    "double entry for my PMs",
    "every spare euro is committed",
    "is that extra $$",
    "24/7 support",
    "one of your reference customers",
])
def test_what_is_not_a_number_fact(text: str) -> None:
    assert numbers(text) == frozenset()


@pytest.mark.parametrize(("one", "other"), [
    ("10am", "10:00"), ("10am", "10 AM"), ("2pm", "14:00"), ("2:30 p.m.", "14h30"), ("noon", "12pm"),
    ("2-4pm", "between 2pm and 4pm"),
])
def test_clock_times_read_the_same(one: str, other: str) -> None:
    assert clock_times(one)[0] == clock_times(other)[0] != frozenset()


@pytest.mark.parametrize(("one", "other"), [("2pm", "3pm"), ("10am", "10pm"), ("11-1pm", "11pm")])
def test_a_changed_clock_time_differs(one: str, other: str) -> None:
    assert clock_times(one)[0] != clock_times(other)[0]


def test_a_clock_time_is_not_a_count() -> None:
    quantities = read_quantities("Thursday at 10am for our 40 vans")
    assert quantities.numbers == frozenset({"40"}) and quantities.clock == frozenset({"at 10:00"})


@pytest.mark.parametrize(("one", "other"), [
    ("half an hour", "30 minutes"), ("a 30-minute call", "30 min"), ("an hour and a half", "90 minutes"),
    ("1.5 hours", "90 mins"), ("a 14-day trial", "two weeks trial"), ("a couple of weeks", "14 days"),
    ("another two years", "2 more years"), ("a year", "12 months"), ("£1,200 a month", "£1,200 monthly"),
    ("$35 per user per month", "$35 x 300 users a month"), ("annual contract", "billed annually"),
])
def test_lengths_of_time_read_the_same(one: str, other: str) -> None:
    assert lengths_of_time(one)[0] == lengths_of_time(other)[0] != frozenset()


@pytest.mark.parametrize(("one", "other"), [
    ("3 months", "3 weeks"), ("a 14-day trial", "a 30-day trial"), ("half an hour", "an hour"),
    ("£1,200 a month", "£1,200 a year"),
])
def test_a_changed_length_of_time_differs(one: str, other: str) -> None:
    assert lengths_of_time(one)[0] != lengths_of_time(other)[0]


def test_a_time_ago_is_no_length_and_its_number_no_count() -> None:
    quantities = read_quantities("one month ago we signed a contract of three years")
    assert quantities.lengths == frozenset({"36 month"}) and quantities.numbers == frozenset()


def test_currencies_are_blanked_for_the_name_reader() -> None:
    assert "US" not in blank_currencies("priced in US dollars, 40 vans in the US")[:20]
    assert "US" in blank_currencies("priced in US dollars, 40 vans in the US")[20:]
