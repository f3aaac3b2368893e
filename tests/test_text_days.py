"""Dates and hours as times, not counts (engine/text/days.py, engine/text/clock.py): "the 14th" is a day of
the month and "Tuesday 10" an hour, so neither clashes with a count and each meets its other spellings."""

from __future__ import annotations

import pytest

from engine.text.clock import clock_times
from engine.text.days import days_of_month
from engine.text.quantities import read_quantities


def when(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(the times: clock and day of the month, the numbers) as the guard reads them."""
    found = read_quantities(text)
    return found.clock, found.numbers


@pytest.mark.parametrize(("one", "other"), [
    ("perfect, tuesday 10", "Tuesday at 10am works"),
    ("thurs at 2", "Thursday 2pm"),
    ("Thursday 15h", "Thursday at 3pm"),
    ("tomorrow at 9.30", "tomorrow 9:30am"),
    ("Tuesday at 14", "Tuesday 2pm"),
    ("on the 14th", "on 14 March"),
    ("until 9th", "till the 9th"),
    ("Friday the 14th", "Fri 14th,"),
    ("the 14th at 2", "the 14th at 2pm"),
    ("demo tue 9 march 10h CET", "Tuesday 9 March at 10am CET"),
])
def test_a_date_or_hour_written_differently_reads_the_same(one: str, other: str) -> None:
    assert when(one) == when(other)
    assert when(one)[0] != frozenset()


@pytest.mark.parametrize(("one", "other"), [
    ("Tuesday 10", "Tuesday 11"),
    ("thurs at 2", "thurs at 3"),
    ("the 14th", "the 15th"),
    ("Tuesday 10", "Tuesday 10 users"),   # an hour is not a count
    ("Monday 14 December", "Monday 4 December"),
])
def test_a_changed_date_or_hour_differs(one: str, other: str) -> None:
    assert when(one) != when(other)


@pytest.mark.parametrize(("text", "numbers"), [
    ("Tuesday 10 users", {"10"}),
    ("the 3rd floor", set()),       # an ordinal before a noun is no date (and a floor's rank no count)
    ("our 2nd site", {"2"}),
    ("we sat 10 people", {"10"}),    # "sat" in lower case is the verb
    ("may 2 people join?", {"2"}),
    ("Tuesday 10-11", {"10", "11"}),  # a range is left to the numbers
])
def test_what_stays_a_count(text: str, numbers: set[str]) -> None:
    clock, found = when(text)
    assert found == frozenset(numbers) and not {c for c in clock if c.startswith("day ")}


def test_an_hour_without_am_or_pm_is_read_in_business_hours() -> None:
    assert clock_times("Tuesday 9")[0] == frozenset({"at 09:00"})
    assert clock_times("Tuesday 12")[0] == frozenset({"at 12:00"})
    assert clock_times("Tuesday 5")[0] == frozenset({"at 17:00"})
    assert clock_times("Tuesday 14")[0] == frozenset()  # the 14th, read by days_of_month
    assert days_of_month("Tuesday 14")[0] == frozenset({"day 14"})
    assert clock_times("at 2:00")[0] == frozenset({"at 02:00"})  # on its own, as written


def test_a_day_is_blanked_for_the_number_reader() -> None:
    days, rest = days_of_month("Tuesday 12 January, 4 engineers")
    assert days == frozenset({"day 12"}) and "12" not in rest and "4" in rest


def test_a_range_of_days_names_both_ends() -> None:
    assert days_of_month("out of the office from 2 to 16 August")[0] == frozenset({"day 2", "day 16"})
    assert days_of_month("away 2-16 August")[0] == frozenset({"day 2", "day 16"})
    assert read_quantities("from 2 to 16 August").numbers == frozenset()


def test_a_day_before_a_month_in_another_language_is_a_day() -> None:
    # Bilingual automatic replies: "hasta el lunes 14 de diciembre ... until Monday 14 December".
    for written in ("14 de diciembre", "14. Dezember", "14 décembre", "14 dicembre", "14 december"):
        assert days_of_month(f"back on {written}")[0] == frozenset({"day 14"}), written
    assert read_quantities("hasta el 14 de diciembre / until 14 December").numbers == frozenset()
