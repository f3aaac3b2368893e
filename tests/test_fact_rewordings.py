"""The same hard fact written another way agrees, and a changed fact still refuses (facts rules 5): months
written in days, a count "a month" as a rate, a region and its members, days and quarters in words, "July to
September" as Q3, an amount with and without its currency."""

from __future__ import annotations

import pytest

from engine.meaning.encoding import view_of
from engine.meaning.facts import Facts, fact_differences, facts_agree, facts_of_view
from engine.text.days import days_of_month
from engine.text.lengths import lengths_of_time
from engine.text.periods import named_periods
from engine.text.places import find_places


def _facts(reply: str) -> Facts:
    thread = (f"Rep (Sam Reyes): Hi Jo, would our scheduling tool help your crews? Happy to show it.\n"
              f"Jo Marten: {reply} Our crews are keen to hear more about it, thanks again.")
    return facts_of_view(thread, view_of(thread))


def _kinds(one: str, other: str) -> set[str]:
    first, second = _facts(one), _facts(other)
    return {check.kind for check in fact_differences(first, second)} | {
        check.kind for check in fact_differences(second, first)}


@pytest.mark.parametrize(("one", "other"), [
    ("a 30-day pilot", "a one-month pilot"), ("90 days", "3 months"), ("90 days", "a quarter"),
    ("365 days", "a year"), ("a sixty day trial", "a two-month trial"),
    ("we ship 4,000 parcels a month", "we ship 4,000 parcels monthly"),
    ("we ship 4,000 parcels a month", "we ship 4,000 parcels/mo"),
    ("roughly 80 new hires a year", "about 80 new hires per year"),
    ("~150 clinics we onboard a year", "~150 clinics we onboard every year"),
])
def test_a_length_or_rate_written_differently_reads_the_same(one: str, other: str) -> None:
    assert lengths_of_time(one)[0] == lengths_of_time(other)[0] != frozenset()


@pytest.mark.parametrize(("one", "other"), [
    ("a 30-day pilot", "a 60-day pilot"), ("a one-month pilot", "a 6-month pilot"), ("45 days", "a month"),
    ("14 days", "a month"), ("4,000 parcels a month", "4,000 parcels a year"),
    ("a pilot in 5 vans for a month", "a pilot in 5 vans for a week"),
])
def test_a_changed_length_or_rate_still_differs(one: str, other: str) -> None:
    assert lengths_of_time(one)[0] != lengths_of_time(other)[0]


def test_a_count_then_for_a_month_is_a_length_not_a_rate() -> None:
    assert lengths_of_time("let us run it in 5 vans for a month")[0] == frozenset({"1 month"})
    assert lengths_of_time("we move 600 pallets a week")[0] == frozenset({"per week"})


@pytest.mark.parametrize(("one", "other"), [
    ("the Nordic countries", "Sweden, Norway, Denmark and Finland"),
    ("across Scandinavia", "in Denmark, Finland, Norway and Sweden"),
    ("all of EMEA", "Europe, the Middle East and Africa"),
    ("all of EMEA", "Europe, the Middle East & Africa"),
])
def test_a_region_and_its_members_read_the_same(one: str, other: str) -> None:
    assert find_places(one)[0] == find_places(other)[0] != frozenset()


@pytest.mark.parametrize(("one", "other"), [
    ("the Nordics", "Sweden"), ("the Nordics", "the Baltics"), ("the Nordics", "Norway and Sweden"),
    ("EMEA", "Europe"), ("EMEA", "the Middle East and Africa"), ("EMEA", "APAC"),
])
def test_a_region_and_a_part_of_it_still_differ(one: str, other: str) -> None:
    assert find_places(one)[0] != find_places(other)[0]


@pytest.mark.parametrize(("one", "other"), [
    ("back on Wednesday the fifth of November", "back on Wednesday 5 November"),
    ("Thursday the twenty-second suits", "Thursday the 22nd suits"),
    ("the first of October", "1 October"), ("October the thirty-first", "October 31st"),
])
def test_a_day_in_words_is_the_day(one: str, other: str) -> None:
    assert days_of_month(one)[0] == days_of_month(other)[0] != frozenset()


@pytest.mark.parametrize("text", ["first of all, thanks", "the second quarter", "our third site", "may the fifth team"])
def test_an_ordinal_word_is_no_day_where_no_date_stands(text: str) -> None:
    assert days_of_month(text)[0] == frozenset()


def test_a_day_in_words_still_differs_from_another_day() -> None:
    assert days_of_month("the third of March")[0] != days_of_month("the fourth of March")[0]


@pytest.mark.parametrize(("one", "other"), [
    ("Can we revisit in the fourth quarter?", "Can we revisit in Q4?"),
    ("Ping me again between October and December.", "Ping me again in Q4."),
    ("Ping me again Oct to Dec.", "Ping me again in Q4."),
    ("Let's talk next wk.", "Let's talk next week."),
    ("Congrats on the $25M Series A, big step.", "Congrats on the 25M Series A, big step."),
])
def test_the_same_time_or_amount_written_differently_agrees(one: str, other: str) -> None:
    first, second = _facts(one), _facts(other)
    assert facts_agree(first, second).ok and facts_agree(second, first).ok


@pytest.mark.parametrize(("one", "other", "kind"), [
    ("Ping me again between July and September.", "Ping me again in Q4.", "times"),
    ("Ping me again in July or September.", "Ping me again in Q3.", "times"),
    ("Can we revisit in the second quarter?", "Can we revisit in Q3?", "times"),
    ("Let's talk next wk.", "Let's talk this week.", "times"),
    ("Congrats on the $25M Series A, big step.", "Congrats on the €25M Series A, big step.", "numbers"),
    ("Congrats on the $25M Series A, big step.", "Congrats on the $2.5M Series A, big step.", "numbers"),
    ("We pay 4,000 dollars a month today.", "We pay 4,000 dollars a year today.", "durations"),
    ("A 30-day pilot would suit us.", "A 90-day pilot would suit us.", "durations"),
])
def test_a_changed_time_or_amount_still_refuses(one: str, other: str, kind: str) -> None:
    assert kind in _kinds(one, other)


def test_a_quarter_in_months_is_marked_so_only_its_own_months_fold_into_it() -> None:
    assert named_periods("from April to June")[0] == frozenset({"q2", "covers q2"})
    assert named_periods("April or June")[0] == frozenset()
    assert named_periods("from July to August")[0] == frozenset()


@pytest.mark.parametrize(("one", "other"), [
    ("one hundred and twenty beds", "120 beds"), ("a hundred and ten beds", "110 beds"),
    ("four thousand two hundred pallets", "4,200 pallets"), ("one point five million records", "1.5M records"),
    ("three and a half thousand tickets", "3,500 tickets"), ("a hundred thousand meters", "100k meters"),
    ("half a dozen kiosks", "6 kiosks"), ("a couple of kiosks", "2 kiosks"), ("70ish kiosks", "about 70 kiosks"),
    ("€25.000 budget", "25,000 EUR budget"), ("25.000 € budget", "€25k budget"), ("2.400.000 rows", "2.4M rows"),
    ("a budget of 80 grand", "a budget of 80,000"), ("2 mil in funding", "2M in funding"),
    ("9 cents per scan", "0.09 per scan"), ("0.5 US cents per scan", "$0.005 per scan"),
    ("we doubled headcount", "we grew headcount 2x"), ("the twelve-thousand-pound quote", "the 12,000 quote"),
    ("on version 4.1 of the app", "on v4.1 of the app"),
    ("this is my 5th email", "this is my fifth email"),
    ("opening our 4th depot", "opening our fourth depot"),
])
def test_a_number_written_differently_reads_the_same(one: str, other: str) -> None:
    first, second = _facts(one), _facts(other)
    assert first.message.numbers == second.message.numbers


@pytest.mark.parametrize(("one", "other"), [
    ("one hundred and twenty beds", "one hundred and thirty beds"), ("4,200 pallets", "four thousand pallets"),
    ("€25.000 budget", "€2.500 budget"), ("$1.250 per unit", "$1,250 per unit"),
    ("on version 4.1 of the app", "on version 4.2 of the app"), ("half a dozen kiosks", "a dozen kiosks"),
    ("9 cents per scan", "9 dollars per scan"), ("we doubled headcount", "we tripled headcount"),
    ("a budget of 80 grand", "a budget of 8 grand"),
    ("opening our 4th depot", "opening our 6th depot"), ("opening our fourth depot", "opening our sixth depot"),
])
def test_a_changed_number_still_differs(one: str, other: str) -> None:
    assert "numbers" in _kinds(one, other)


def test_a_number_that_is_a_rank_or_a_version_is_no_count() -> None:
    assert _facts("this is my 5th email").message.numbers == frozenset()
    assert _facts("we use 3rd party tools").message.numbers == frozenset()
    assert _facts("Is it on version 3?").message.numbers == frozenset({"v3"})


@pytest.mark.parametrize(("one", "other"), [
    ("Can we talk at four in the afternoon on Tuesday?", "Can we talk Tuesday at 4pm?"),
    ("Tuesday, half past two in the afternoon?", "Tuesday 2:30pm?"),
    ("Tuesday at 11 o'clock?", "Tuesday at 11am?"),
    ("Could we speak at 9 tomorrow?", "Could we speak tomorrow at 9am?"),
    ("Thursday morning at 9:30 suits me.", "Thursday at 9:30am suits me."),
    ("How about next Thursday the 12th?", "How about Thu 12th?"),
    ("The call can take three quarters of an hour.", "The call can take 45 minutes."),
    ("Weds works for a call.", "Wednesday works for a call."),
])
def test_a_time_said_differently_agrees(one: str, other: str) -> None:
    first, second = _facts(one), _facts(other)
    assert facts_agree(first, second).ok and facts_agree(second, first).ok


@pytest.mark.parametrize(("one", "other", "kind"), [
    ("Can we talk at four in the afternoon on Tuesday?", "Can we talk Tuesday at 4am?", "times"),
    ("Thursday morning suits me.", "Thursday at 9:30am suits me.", "times"),
    ("Thursday evening at 9:30 suits me.", "Thursday at 9:30am suits me.", "times"),
    ("How about next Thursday?", "How about Thursday?", "times"),
    ("How about next Thursday the 12th?", "How about Thursday the 19th?", "times"),
    ("We met on the 4th; can we talk next week?", "We met on the 4th; can we talk?", "times"),
    ("The call can take three quarters of an hour.", "The call can take half an hour.", "durations"),
])
def test_a_changed_time_said_differently_still_refuses(one: str, other: str, kind: str) -> None:
    assert kind in _kinds(one, other)


def test_a_count_before_a_part_of_the_day_is_no_hour() -> None:
    assert _facts("We run three in the afternoon shift.").message.times == frozenset({"afternoon"})
