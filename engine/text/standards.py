"""Compliance standards, listed once: how each is written, its canonical name and a stable key.

The offline analysis reports a standard by name ("SOC 2 Type II"), template variables fill
`{{ standard }}` with it, and the semantic cache's guard compares keys ("soc2-type2"), so the same
question about a different standard never shares an answer. A fix such as "recognise SOC 2 Type II"
is made here, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ANY_STANDARD", "STANDARDS", "Standard", "find_standards"]


@dataclass(frozen=True)
class Standard:
    """One standard: `key` for comparisons, `name` as a reply writes it, `pattern` as people write it."""

    key: str
    name: str
    pattern: re.Pattern[str]


def _std(key: str, name: str, pattern: str, flags: int = re.IGNORECASE) -> Standard:
    return Standard(key, name, re.compile(pattern, flags))


# Most specific first: "SOC 2 Type II" before "SOC 2", "FedRAMP High" before "FedRAMP".
STANDARDS: tuple[Standard, ...] = (
    _std("soc1", "SOC 1", r"\bsoc ?1\b"),
    _std("soc2-type2", "SOC 2 Type II", r"\bsoc ?2\s*type\s*(ii|2)\b"),
    _std("soc2-type1", "SOC 2 Type I", r"\bsoc ?2\s*type\s*(i|1)\b"),
    _std("soc2", "SOC 2", r"\bsoc ?2\b"),
    _std("soc3", "SOC 3", r"\bsoc ?3\b"),
    _std("iso27001", "ISO 27001", r"\biso(/iec)? ?27001\b"),
    _std("iso27701", "ISO 27701", r"\biso(/iec)? ?27701\b"),
    _std("iso27017", "ISO 27017", r"\biso(/iec)? ?27017\b"),
    _std("iso27018", "ISO 27018", r"\biso(/iec)? ?27018\b"),
    _std("iso9001", "ISO 9001", r"\biso ?9001\b"),
    _std("iso42001", "ISO 42001", r"\biso(/iec)? ?42001\b"),
    _std("hipaa", "HIPAA", r"\bhipaa\b"),
    _std("hitrust", "HITRUST", r"\bhitrust\b"),
    _std("gdpr", "GDPR", r"\bgdpr\b"),
    _std("ccpa", "CCPA", r"\bccpa\b"),
    _std("pci-dss", "PCI DSS", r"\bpci(\s*-?\s*dss)?\b"),
    _std("fedramp-high", "FedRAMP High", r"\bfedramp high\b"),
    _std("fedramp-moderate", "FedRAMP Moderate", r"\bfedramp moderate\b"),
    _std("fedramp", "FedRAMP", r"\bfedramp\b"),
    _std("sox", "SOX", r"\bsox\b"),
    _std("nist", "NIST", r"\bnist\b(\s*(800-\d+|csf))?"),
    _std("csa-star", "CSA STAR", r"\bcsa star\b"),
    _std("cyber-essentials", "Cyber Essentials", r"\bcyber essentials( plus)?\b"),
    _std("dora", "DORA", r"\bDORA\b", 0),  # "Dora" is a name
    _std("nis2", "NIS2", r"\bnis ?2\b"),
    _std("tisax", "TISAX", r"\btisax\b"),
    _std("ferpa", "FERPA", r"\bferpa\b"),
    _std("glba", "GLBA", r"\bglba\b"),
    _std("wcag", "WCAG", r"\bwcag\b"),
)
# Any standard at all, for cue rules (intent, negation scope). Every pattern starts at a word
# boundary; checking it once, outside the alternation, makes the scan several times faster.
ANY_STANDARD = re.compile(r"\b(?:" + "|".join(
    (f"(?:{s.pattern.pattern.removeprefix(chr(92) + 'b')})" if s.pattern.flags & re.IGNORECASE
     else f"(?-i:{s.pattern.pattern.removeprefix(chr(92) + 'b')})")
    for s in STANDARDS) + ")", re.IGNORECASE)


# The letters every spelling of a standard starts with ("soc" for "SOC 2 Type II", "SOC2").
_STEMS = {standard.key: standard.key.split("-")[0].rstrip("0123456789") for standard in STANDARDS}


def find_standards(text: str) -> list[tuple[Standard, re.Match[str]]]:
    """The standards `text` names, in text order, each span read once by its most specific standard."""
    found: list[tuple[Standard, re.Match[str]]] = []
    taken: list[tuple[int, int]] = []
    lowered = text.lower()
    for standard in STANDARDS:
        if _STEMS[standard.key] not in lowered:  # a substring test skips most standards at C speed
            continue
        for match in standard.pattern.finditer(text):
            if not any(start < match.end() and match.start() < end for start, end in taken):
                taken.append(match.span())
                found.append((standard, match))
    return sorted(found, key=lambda item: item[1].start())
