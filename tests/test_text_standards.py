"""Standards as hard facts (engine/text/standards.py): acronym or full name, with or without spaces, one key;
a standard without its type agrees with it typed, two types never."""

from __future__ import annotations

import pytest

from engine.text.standards import find_standards, standards_agree


def keys(text: str) -> list[str]:
    return [standard.key for standard, _ in find_standards(text)]


@pytest.mark.parametrize(("written", "key"), [
    ("BAA", "baa"),
    ("sign a Business Associate Agreement", "baa"),
    ("HIPPA", "hipaa"),
    ("the Health Insurance Portability and Accountability Act", "hipaa"),
    ("SOC2", "soc2"),
    ("SOC-2", "soc2"),
    ("SOC 2 Type II", "soc2-type2"),
    ("soc2 type 2", "soc2-type2"),
    ("SOC 2 (Type II)", "soc2-type2"),
    ("a Type II SOC 2 report", "soc2-type2"),
    ("ISO27001", "iso27001"),
    ("ISO/IEC 27001:2022", "iso27001"),
    ("ISO-27001", "iso27001"),
    ("27001 certified", "iso27001"),
    ("PCI-DSS", "pci-dss"),
    ("PCI DSS", "pci-dss"),
    ("Payment Card Industry Data Security Standard", "pci-dss"),
    ("GDPR", "gdpr"),
    ("the General Data Protection Regulation", "gdpr"),
    ("DSGVO", "gdpr"),
    ("FedRAMP Moderate", "fedramp-moderate"),
    ("FedRAMP", "fedramp"),
    ("DPDP Act", "dpdp"),
    ("the Digital Personal Data Protection Act", "dpdp"),
    ("FDA 21 CFR Part 11", "cfr-part11"),
    ("is it part 11 compliant", "cfr-part11"),
    ("NIST 800-171", "nist-800-171"),
    ("Section 508", "section508"),
    ("an IRAP assessment", "irap"),
    ("Sarbanes-Oxley", "sox"),
    ("EU MDR", "eu-mdr"),
])
def test_a_standard_reads_as_one_key_however_written(written: str, key: str) -> None:
    assert keys(written) == [key]


@pytest.mark.parametrize("text", [
    "our MDR service",          # managed detection and response, not the EU regulation
    "Dora from legal",          # a name
    "part 11 of the contract",  # no FDA word after it
    "the shipping team",        # the stem "hip" alone is no HIPAA
])
def test_what_is_no_standard(text: str) -> None:
    assert keys(text) == []


@pytest.mark.parametrize(("one", "other", "agree"), [
    ({"soc2"}, {"soc2-type2"}, True),              # named without its type, and typed
    ({"soc2-type1"}, {"soc2-type2"}, False),       # two types
    ({"fedramp"}, {"fedramp-high"}, True),
    ({"fedramp-moderate"}, {"fedramp-high"}, False),
    ({"soc2-"}, {"soc2-type2"}, False),            # "not SOC 2" is not "SOC 2 Type II"
    ({"soc2"}, {"iso27001"}, False),
    ({"hipaa", "baa"}, {"hipaa"}, False),          # a standard on one side only
    (set(), set(), True),
])
def test_standards_agree_on_family_and_type(one: set[str], other: set[str], agree: bool) -> None:
    assert standards_agree(frozenset(one), frozenset(other)) is agree
    assert standards_agree(frozenset(other), frozenset(one)) is agree
