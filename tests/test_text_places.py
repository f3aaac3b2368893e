"""Places as hard facts (engine/text/places.py): one place however it is written, two places never alike."""

from __future__ import annotations

import pytest

from engine.text.places import PLACE_KEYS, find_places


def places(text: str, *, names: tuple[str, ...] = ()) -> frozenset[str]:
    return find_places(text, names=names)[0]


@pytest.mark.parametrize(("one", "other"), [
    ("customers in Germany", "our German customers"),
    ("customers in Germany", "customers in germany"),
    ("we sell in KSA", "we sell in Saudi Arabia"),
    ("we sell in KSA", "the Saudi market"),
    ("the UK", "the United Kingdom"),
    ("the UK", "Britain"),
    ("British clients", "U.K. clients"),
    ("the US", "the USA"),
    ("the US", "the States"),
    ("the US", "the United States of America"),
    ("EU hosting", "European hosting"),
    ("EU hosting", "hosting in Europe"),
    ("the nordics", "Scandinavia"),
    ("emea", "EMEA"),
    ("DACH", "Germany, Austria and Switzerland"),
    ("Benelux", "Belgium, the Netherlands and Luxembourg"),
    ("LATAM", "Latin America"),
    ("texas", "Texas"),
    ("AZ", "Arizona"),
    ("NYC", "New York"),
    ("Germany's rules", "Germany"),
    ("Canadians", "Canada"),
    ("DE, AT, CH", "DACH"),
])
def test_one_place_written_differently_reads_the_same(one: str, other: str) -> None:
    assert places(one) == places(other) != frozenset()


@pytest.mark.parametrize(("one", "other"), [
    ("we install in scandinavia", "we install in texas"),
    ("Germany", "DACH"),           # a country is not the region around it
    ("Texas", "the US"),
    ("North America", "Latin America"),
    ("the UK", "England"),
    ("KSA", "UAE"),
    ("Sweden, Norway and Denmark", "Sweden and Norway"),
    ("Georgia", "Jordan"),
    ("EU", "EEA"),
])
def test_different_places_differ(one: str, other: str) -> None:
    assert places(one) != places(other)


@pytest.mark.parametrize("text", [
    "let us know",             # the pronoun, not the US
    "talk turkey",             # capital only: Turkey, Jordan, Georgia are also words and names
    "ask jordan",
    "our IT team",             # IT is a department, SE a sales engineer
    "an SE will join",
    "US$ 500",                 # a currency sign (engine/text/quantities.py reads it)
    "AT&T",
])
def test_what_is_not_a_place(text: str) -> None:
    assert places(text) == frozenset()


def test_the_speakers_names_are_never_places() -> None:
    assert places("Jordan here, happy to chat", names=("jordan",)) == frozenset()
    assert places("Jordan here, happy to chat") == frozenset({"jo"})


def test_the_longest_name_wins_and_is_blanked() -> None:
    keys, rest = find_places("offices in North America and New England")
    assert keys == frozenset({"north-america", "us-northeast"})
    assert rest.split() == ["offices", "in", "and"]


def test_every_key_is_readable_by_its_own_spelling() -> None:
    assert {"de", "us", "uk", "europe", "baltics", "us-tx", "sa", "ae", "mea"} <= PLACE_KEYS
