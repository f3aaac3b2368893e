"""Compliance standards, listed once: how each is written, its canonical name and a stable key.

The offline analysis reports a standard by name ("SOC 2 Type II"), template variables fill
`{{ standard }}` with it, and the semantic cache's guard compares keys ("soc2-type2"), so the same
question about a different standard never shares an answer. A fix such as "recognise SOC 2 Type II"
is made here, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ANY_STANDARD", "STANDARDS", "Standard", "find_standards", "standards_agree"]


@dataclass(frozen=True)
class Standard:
    """One standard: `key` for comparisons, `name` as a reply writes it, `pattern` as people write it."""

    key: str
    name: str
    pattern: re.Pattern[str]
    stems: tuple[str, ...] = ()  # lower-case text every spelling contains one of (a fast pre-check)


def _std(key: str, name: str, pattern: str, flags: int = re.IGNORECASE, *, also: tuple[str, ...] = ()) -> Standard:
    """A standard; its stems are the key's letters ("soc" for "soc2-type2") and the `also` given for the
    spellings that do not contain them ("business associate" for BAA)."""
    return Standard(key, name, re.compile(pattern, flags), (key.split("-")[0].rstrip("0123456789"), *also))


# Most specific first: "SOC 2 Type II" before "SOC 2", "FedRAMP High" before "FedRAMP". Each standard is
# read however it is written: acronym or full name ("BAA" / "Business Associate Agreement", "GDPR" / "General
# Data Protection Regulation" / "DSGVO"), with or without spaces and hyphens ("SOC2", "ISO-27001", "ISO/IEC
# 27001:2022", "PCI-DSS"). The names are the standards' own (their issuers' spellings), not read from threads.
_SOC = r"\bsoc[\s-]?"
_TYPE = r"[\s,-]*\(?\s*type[\s-]*"
_ISO = r"\biso(?:\s*/\s*iec)?[\s-]?"
STANDARDS: tuple[Standard, ...] = (
    _std("soc1", "SOC 1", _SOC + r"1\b|\bssae[\s-]?1[68]\b|\bisae[\s-]?3402\b", also=("ssae", "isae")),
    _std("soc2-type2", "SOC 2 Type II", _SOC + "2" + _TYPE + r"(ii|2)\b\)?|\btype[\s-]*(ii|2)\s+soc[\s-]?2\b"),
    _std("soc2-type1", "SOC 2 Type I", _SOC + "2" + _TYPE + r"(i|1)\b\)?|\btype[\s-]*(i|1)\s+soc[\s-]?2\b"),
    _std("soc2", "SOC 2", _SOC + r"2\b"),
    _std("soc3", "SOC 3", _SOC + r"3\b"),
    _std("iso27001", "ISO 27001", _ISO + r"27001\b(:20\d\d)?|\biso[\s-]?27k\b|\b27001\b(:20\d\d)?",
         also=("27001", "27k")),
    _std("iso27701", "ISO 27701", _ISO + r"27701\b(:20\d\d)?|\b27701\b", also=("27701",)),
    _std("iso27017", "ISO 27017", _ISO + r"27017\b(:20\d\d)?"),
    _std("iso27018", "ISO 27018", _ISO + r"27018\b(:20\d\d)?"),
    _std("iso9001", "ISO 9001", _ISO + r"9001\b(:20\d\d)?"),
    _std("iso13485", "ISO 13485", _ISO + r"13485\b(:20\d\d)?"),
    _std("iso14001", "ISO 14001", _ISO + r"14001\b(:20\d\d)?"),
    _std("iso20000", "ISO 20000", _ISO + r"20000(-1)?\b(:20\d\d)?"),
    _std("iso22301", "ISO 22301", _ISO + r"22301\b(:20\d\d)?"),
    _std("iso42001", "ISO 42001", _ISO + r"42001\b(:20\d\d)?"),
    _std("iso45001", "ISO 45001", _ISO + r"45001\b(:20\d\d)?"),
    _std("iec62443", "IEC 62443", r"\b(isa/)?iec[\s-]?62443\b", also=("62443",)),
    _std("hipaa", "HIPAA", r"\bhipp?aa?\b|\bhealth insurance portability and accountability act\b",
         also=("hip", "health insurance")),
    _std("hitech", "HITECH", r"\bhitech\b"),
    _std("baa", "BAA", r"\bBAAs?\b|\bbusiness associate (agreement|contract|addendum)s?\b",
         also=("business associate",)),
    _std("hitrust", "HITRUST", r"\bhitrust\b"),
    _std("cfr-part11", "21 CFR Part 11",
         r"\b(fda\s+)?21\s*cfr\s*(part\s*)?11\b|\bpart[\s-]?11\b(?=[\s-]*(compli|validat|e-?sign|requirement|ready))",
         also=("part",)),
    _std("eu-mdr", "EU MDR", r"\beu\s*mdr\b|\bmedical device regulation\b", also=("mdr", "medical device")),
    _std("gdpr", "GDPR", r"\b(uk\s+|eu\s+)?gdpr\b|\bgeneral data protection regulation\b|\bdsgvo\b|\brgpd\b",
         also=("general data protection", "dsgvo", "rgpd")),
    _std("ccpa", "CCPA", r"\bccpa\b|\bcalifornia consumer privacy act\b", also=("california consumer",)),
    _std("cpra", "CPRA", r"\bcpra\b|\bcalifornia privacy rights act\b", also=("california privacy",)),
    _std("lgpd", "LGPD", r"\blgpd\b"),
    _std("pipeda", "PIPEDA", r"\bpipeda\b"),
    _std("popia", "POPIA", r"\bpopia\b|\bprotection of personal information act\b", also=("protection of personal",)),
    _std("pdpa", "PDPA", r"\bpdpa\b"),
    _std("pipl", "PIPL", r"\bpipl\b"),
    _std("appi", "APPI", r"\bAPPI\b", 0),
    _std("dpdp", "DPDP Act", r"\bdpdp(a|\s+act)?\b|\bdigital personal data protection act\b",
         also=("digital personal",)),
    _std("pci-dss", "PCI DSS", r"\bpci(\s*-?\s*dss)?\b|\bpayment card industry( data security standard)?\b",
         also=("payment card",)),
    _std("fedramp-high", "FedRAMP High", r"\bfedramp[\s-]+high\b"),
    _std("fedramp-moderate", "FedRAMP Moderate", r"\bfedramp[\s-]+moderate\b"),
    _std("fedramp-low", "FedRAMP Low", r"\bfedramp[\s-]+(low|li-?saas)\b"),
    _std("fedramp", "FedRAMP", r"\bfedramp\b|\bfederal risk and authori[sz]ation management program\b",
         also=("federal risk",)),
    _std("stateramp", "StateRAMP", r"\bstate[\s-]?ramp\b", also=("state",)),
    _std("txramp", "TX-RAMP", r"\btx[\s-]?ramp\b", also=("tx",)),
    _std("cmmc", "CMMC", r"\bcmmc\b"),
    _std("itar", "ITAR", r"\bitar\b"),
    _std("cjis", "CJIS", r"\bcjis\b"),
    _std("fisma", "FISMA", r"\bfisma\b"),
    _std("irap", "IRAP", r"\birap\b"),
    _std("essential-eight", "Essential Eight", r"\bessential (eight|8)\b"),
    _std("sox", "SOX", r"\bsox\b|\bsarbanes[\s-]+oxley\b", also=("sarbanes",)),
    _std("nist-800-53", "NIST 800-53", r"\b(nist\s*(sp\s*)?)?800-53\b", also=("800-53",)),
    _std("nist-800-171", "NIST 800-171", r"\b(nist\s*(sp\s*)?)?800-171\b", also=("800-171",)),
    _std("nist-csf", "NIST CSF", r"\bnist\s*csf\b|\bnist cybersecurity framework\b"),
    _std("nist", "NIST", r"\bnist\b"),
    _std("csa-star", "CSA STAR", r"\bcsa star\b"),
    _std("cyber-essentials-plus", "Cyber Essentials Plus", r"\bcyber essentials\s*(plus|\+)"),
    _std("cyber-essentials", "Cyber Essentials", r"\bcyber essentials\b"),
    _std("dora", "DORA", r"\bDORA\b|(?i:\bdigital operational resilience act\b)", 0,
         also=("digital operational",)),  # "Dora" is a name
    _std("nis2", "NIS2", r"\bnis ?2\b"),
    _std("psd2", "PSD2", r"\bpsd ?2\b"),
    _std("tisax", "TISAX", r"\btisax\b"),
    _std("ferpa", "FERPA", r"\bferpa\b"),
    _std("coppa", "COPPA", r"\bcoppa\b"),
    _std("glba", "GLBA", r"\bglba\b|\bgramm[\s-]+leach[\s-]+bliley\b", also=("gramm",)),
    _std("wcag", "WCAG", r"\bwcag\b"),
    _std("section508", "Section 508", r"\bsection\s*508\b"),
    _std("vpat", "VPAT", r"\bvpat\b"),
)
# Any standard at all, for cue rules (intent, negation scope). Every pattern starts at a word
# boundary; checking it once, outside the alternation, makes the scan several times faster.
ANY_STANDARD = re.compile(r"\b(?:" + "|".join(
    (f"(?:{s.pattern.pattern.removeprefix(chr(92) + 'b')})" if s.pattern.flags & re.IGNORECASE
     else f"(?-i:{s.pattern.pattern.removeprefix(chr(92) + 'b')})")
    for s in STANDARDS) + ")", re.IGNORECASE)


def find_standards(text: str) -> list[tuple[Standard, re.Match[str]]]:
    """The standards `text` names, in text order, each span read once by its most specific standard."""
    found: list[tuple[Standard, re.Match[str]]] = []
    taken: list[tuple[int, int]] = []
    lowered = text.lower()
    for standard in STANDARDS:
        if not any(stem in lowered for stem in standard.stems):  # a substring test skips most at C speed
            continue
        for match in standard.pattern.finditer(text):
            if not any(start < match.end() and match.start() < end for start, end in taken):
                taken.append(match.span())
                found.append((standard, match))
    return sorted(found, key=lambda item: item[1].start())


# A standard named without its type or level, and the same standard with one: "SOC 2" and "SOC 2 Type II",
# "FedRAMP" and "FedRAMP Moderate" name one fact, one of them more precisely; two types or levels
# ("Type I" / "Type II", "Moderate" / "High") are two facts.
_FAMILY = {"soc2-type1": "soc2", "soc2-type2": "soc2", "fedramp-high": "fedramp", "fedramp-moderate": "fedramp",
           "fedramp-low": "fedramp", "nist-800-53": "nist", "nist-800-171": "nist", "nist-csf": "nist"}
_NEGATED = "-"  # the guard marks a negated standard by this suffix ("soc2-": "we are not SOC 2")


def _same(key: str, other: str) -> bool:
    if key == other:
        return True
    negated = key.endswith(_NEGATED) and key.removesuffix(_NEGATED) in _KEYS
    other_negated = other.endswith(_NEGATED) and other.removesuffix(_NEGATED) in _KEYS
    if negated != other_negated:
        return False
    key, other = key.removesuffix(_NEGATED) if negated else key, other.removesuffix(_NEGATED) if negated else other
    return _FAMILY.get(key) == other or _FAMILY.get(other) == key


def standards_agree(one: frozenset[str], other: frozenset[str]) -> bool:
    """Two sets of standard keys name the same standards: each key of one side is on the other, or is its
    family or one of its types ("soc2" and "soc2-type2"); a negated key only meets a negated key."""
    return all(any(_same(key, match) for match in other) for key in one) and \
        all(any(_same(key, match) for match in one) for key in other)


_KEYS = frozenset(standard.key for standard in STANDARDS)
