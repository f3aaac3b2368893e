"""Key facts from a prospect's message, as name-free phrases: "30 min demo", "40 vans", "uses HubSpot".

Every fact comes from a pattern or a vocabulary, never from free text, so an analysis built from
them holds no person or company names and can be reused across prospects: numbers and units, money,
percentages, durations, dates and timeframes (weekdays and months from dates.py), standards
(standards.py) and security asks, vendors and integrations, roles and asks.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from engine.text.dates import MONTH, WEEKDAY
from engine.text.patterns import EMAIL, URL
from engine.text.standards import STANDARDS, find_standards

__all__ = [
    "COMPETITORS",
    "INTEGRATIONS",
    "KEEP_CAPITALISED",
    "SECURITY_DOCUMENTS",
    "SECURITY_TERMS",
    "UNITS",
    "extract_facts",
    "fact_kind",
    "find_terms",
    "standards_in",
    "timeframes",
]

# Named tools a prospect may already run (competitors) or want us to connect to (integrations).
COMPETITORS = (
    "GitHub Actions", "GitLab CI", "CircleCI", "Jenkins", "Buildkite", "Travis CI", "Bitbucket Pipelines",
    "Guidewire ClaimCenter", "Guidewire", "Duck Creek", "Sapiens", "Majesco",
    "HubSpot", "Marketo", "Mailchimp", "Klaviyo", "Braze", "Pardot", "ActiveCampaign", "Iterable",
    "Samsara", "Geotab", "Motive", "Verizon Connect", "Webfleet", "Teletrac Navman",
    "Ironclad", "Icertis", "Agiloft", "DocuSign CLM", "ContractWorks", "Juro",
    "Toast", "Square", "Lightspeed", "TouchBistro",
    "Coupa", "SAP Ariba", "Ariba", "Jaggaer", "Procurify",
    "Cornerstone", "Docebo", "TalentLMS", "360Learning", "Moodle", "Absorb LMS", "Workday Learning",
)
INTEGRATIONS = (
    "Salesforce", "HubSpot", "QuickBooks Online", "QuickBooks", "Xero", "NetSuite", "SAP S/4HANA", "SAP",
    "DoorDash", "Uber Eats", "Deliveroo", "Grubhub", "Shopify", "WooCommerce", "Magento", "DocuSign",
    "Adobe Sign", "Slack", "Microsoft Teams", "Teams", "Zoom", "Google Workspace", "Okta", "Azure AD",
    "Workday", "BambooHR", "Jira", "GitHub", "GitLab", "Snowflake", "Zapier", "Stripe", "Sage", "Oracle",
    "Dynamics 365", "Outlook", "Gmail", "AWS", "Azure", "Google Cloud",
)
# Security asks that are not standards (the standards themselves are in standards.py).
SECURITY_TERMS = (
    "SSO", "SAML", "DPA", "penetration test", "pen test", "encryption at rest", "encrypted at rest", "in transit",
    "EU data centres", "EU data centers", "US data centres", "US data centers", "data residency",
    "Statement of Applicability", "security questionnaire",
)
# Security documents a reply can promise besides a standard's report (`{{ standard }}` in templates).
SECURITY_DOCUMENTS = ("penetration test", "pen test", "pentest", "encryption at rest and in transit",
                      "encryption at rest", "DPA")
_STANDARD_NAMES = frozenset(standard.name for standard in STANDARDS)
# Things a prospect asks for or talks about, kept verbatim when present.
_TOPICS = (
    "demo", "walkthrough", "intro", "calendar invite", "free trial", "trial", "proof of concept", "POC",
    "pilot", "sandbox", "case study", "case studies", "customer story", "reference", "brochure",
    "spec sheet", "specification sheet", "product overview", "pricing sheet", "proposal", "order form",
    "partner program", "partner programme", "reseller", "referral partnership", "margins", "leasing",
    "monthly payment", "e-signature", "hardware", "tracker", "dashcam", "kitchen display",
    "self-hosted runners", "hosted runners", "two-way sync", "native connector", "middleware",
    "purchase orders", "supplier master data", "approval workflows", "compliance training",
    "NDA", "annual billing", "billed annually", "annual plan", "ERP migration", "HRIS", "fiscal year",
    "capex", "budget frozen", "own contact list", "delivery orders",
)
_ROLES = (
    "CFO", "CEO", "CTO", "CIO", "CISO", "CHRO", "COO", "DPO", "VP Engineering", "operations director",
    "marketing ops lead", "marketing operations lead", "fleet manager", "Head of Legal Operations",
    "Head of Legal Ops", "HR director", "legal team", "risk team", "vendor risk committee", "IT",
)
# What a deal is counted in ("40 vans", "1,200 seats"): the facts and template variables' `number`.
UNITS = (
    r"vans?|vehicles?|trucks?|cars?|drivers?|repos|repositories|seats?|users?|licen[cs]es?|locations?|sites?|"
    r"outlets?|restaurants?|stores?|terminals?|properties|hotels?|employees|staff|people|engineers|"
    r"developers|devs|agents?|adjusters?|clients|customers|contracts|suppliers|wards?|depots?|countries|"
    r"branches|learners|claims|reps|members|kitchens|warehouses|hospitals|schools|students|teams|carriers"
)
_PART_OF_DAY = r"(?:morning|afternoon|evening|lunchtime|am\b|pm\b)"
_TIMEFRAME = re.compile(
    rf"\b(?:(?:next|this|last)\s+{WEEKDAY}(?:\s*(?:in the\s+)?{_PART_OF_DAY})?"
    rf"|{WEEKDAY}\s+(?:next|this)\s+week(?:,?\s*{_PART_OF_DAY})?"
    rf"|{WEEKDAY}(?:\s+or\s+{WEEKDAY})?(?:\s+\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH})?"
    rf"(?:\s+(?:in the\s+)?{_PART_OF_DAY}|\s+at\s+\d{{1,2}}(?::\d\d)?\s*(?:am|pm)?(?:\s+(?-i:[A-Z]{{3,4}})\b)?)?"
    rf"|(?:early|mid|late|end of|the end of)\s+(?:{MONTH}|next\s+(?:week|month|quarter|year)|q[1-4])"
    rf"|(?:next|this|last)\s+(?:week|month|quarter|year|fiscal year)|fiscal year"
    rf"|(?:between\s+)?\d{{1,2}}(?::\d\d)?\s*(?:–|-|to|and)\s*\d{{1,2}}(?::\d\d)?\s*(?:am|pm)(?:\s+(?-i:[A-Z]{{3,4}})\b)?"
    rf"|\d{{1,2}}(?::\d\d)?\s*(?:am|pm)(?:\s+(?-i:[A-Z]{{3,4}})\b)?"
    rf"|q[1-4](?:\s+20\d\d)?|(?:on\s+)?the\s+\d{{1,2}}(?:st|nd|rd|th)\b"
    rf"|\d{{1,2}}\s+{MONTH}\b|{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
    rf"|today|tomorrow|asap)",
    re.IGNORECASE,
)
_QUANTITY = re.compile(rf"(?:~|about |around |roughly )?\d[\d,.]*\+?\s*(?:{UNITS})\b", re.IGNORECASE)
_RANGE_QUANTITY = re.compile(rf"\bfrom\s+\d[\d,]*\s+to\s+\d[\d,]*\s*(?:{UNITS})?", re.IGNORECASE)
_DURATION = re.compile(
    r"\b\d+[\s-]?(?:min(?:ute)?s?|hours?|days?|weeks?|months?|years?|yrs?)\b(?:\s+(?:term|contract|trial|"
    r"demo|chat|call|intro|proof of concept|free trial|POC|implementation))?", re.IGNORECASE)
_MONEY = re.compile(r"[$€£]\s?\d[\d,.]*\s?(?:k|m|bn)?\b(?:\s?(?:/|per|a)\s?(?:year|yr|month|mo|terminal|seat|"
                    r"user|vehicle))?", re.IGNORECASE)
_PERCENT = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:–|-)?\s?\d*\s?%")
_SERIES = re.compile(r"\bseries [a-e]\b", re.IGNORECASE)


# Terms that are also plain words or acronyms ("it", "teams", "square") count only as written.
_AS_WRITTEN = {"Teams", "Zoom", "Square", "Toast", "Slack", "Sage", "Oracle", "Stripe", "Motive", "Juro",
               "Outlook", "Absorb LMS"}


@functools.lru_cache(maxsize=64)
def _term_patterns(terms: tuple[str, ...]) -> list[tuple[re.Pattern[str], dict[str, str]]]:
    """One alternation per case mode, longest term first, so each position matches its longest term."""
    out = []
    for as_written in (True, False):
        chosen = sorted((t for t in terms if (t.isupper() or t in _AS_WRITTEN) == as_written), key=len, reverse=True)
        if chosen:
            alternation = "|".join(re.escape(term) for term in chosen)
            pattern = re.compile(rf"(?<![\w/])(?:{alternation})(?![\w/])", 0 if as_written else re.IGNORECASE)
            out.append((pattern, {(t if as_written else t.lower()): t for t in chosen}))
    return out


def find_terms(text: str, terms: Iterable[str]) -> list[str]:
    """The vocabulary terms the text mentions, longest match first, no overlaps, in text order.

    Case-insensitive ("github actions"), except for acronyms and words that are also plain English.
    """
    return list(_placed_terms(text, terms))


def _placed_terms(text: str, terms: Iterable[str]) -> dict[str, int]:
    matches = [(match.start(), match.end(), canonical.get(match.group(0)) or canonical[match.group(0).lower()])
               for pattern, canonical in _term_patterns(tuple(terms)) for match in pattern.finditer(text)]
    found: dict[str, int] = {}
    taken_until = -1
    for start, end, term in sorted(matches, key=lambda m: (m[0], m[0] - m[1])):  # leftmost, then longest
        if start >= taken_until:
            taken_until = end
            found.setdefault(term, start)
    return found


def standards_in(text: str, *, also: Iterable[str] = SECURITY_TERMS) -> list[str]:
    """Standards (by name, "SOC 2 Type II") and the `also` terms the text mentions, in text order."""
    placed = _placed_terms(text, also)
    for standard, match in find_standards(text):
        placed.setdefault(standard.name, match.start())
    return sorted(placed, key=lambda term: placed[term])


def timeframes(text: str) -> list[str]:
    """Dates and timeframes as written: "next Thursday afternoon", "early July", "2–4pm CET"."""
    return _dedupe(_normalise(m.group(0)) for m in _TIMEFRAME.finditer(text))


def _normalise(fact: str) -> str:
    return re.sub(r"\s+", " ", fact).strip(" ,.;:")


def _dedupe(facts: Iterable[str]) -> list[str]:
    out: list[str] = []
    for fact in facts:
        key = fact.lower()
        if fact and not any(key == o.lower() or key in o.lower() for o in out):
            out = [o for o in out if o.lower() not in key]
            out.append(fact)
    return out


def extract_facts(text: str, *, limit: int = 12) -> list[str]:
    """Numbers, quantities, money, timeframes, competitors, standards, integrations and asks."""
    text = EMAIL.sub(" ", URL.sub(" ", text))
    facts: list[str] = []
    facts += [m.group(0) for m in _RANGE_QUANTITY.finditer(text)]
    facts += [m.group(0) for m in _QUANTITY.finditer(text)]
    facts += [m.group(0) for m in _MONEY.finditer(text)]
    facts += [m.group(0) for m in _PERCENT.finditer(text)]
    facts += [m.group(0) for m in _DURATION.finditer(text)]
    facts += timeframes(text)
    facts += [m.group(0).title().replace("Series", "Series") for m in _SERIES.finditer(text)]
    facts += standards_in(text)
    tools = find_terms(text, COMPETITORS + INTEGRATIONS)
    facts += [f"mentions {tool}" for tool in tools]
    facts += find_terms(text, _TOPICS)
    facts += [f"involves {role}" for role in find_terms(text, _ROLES)]
    return _dedupe(_normalise(fact) for fact in facts)[:limit]


KEEP_CAPITALISED = {
    word.lower()
    for phrase in (*COMPETITORS, *INTEGRATIONS, *_STANDARD_NAMES, *SECURITY_TERMS, *_ROLES, *_TOPICS)
    for word in phrase.split()
} | {"i", "i'm", "i'd", "i'll", "i've", "eu", "us", "uk", "pos", "kds", "crm", "erp", "lms", "ci", "api",
     "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
     "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
     "q1", "q2", "q3", "q4", "series", "type", "ii", "cet", "ist", "est", "pst", "utc", "gmt", "ok"}


def fact_kind(fact: str) -> str:
    """What a fact from `extract_facts` is: time, duration, quantity, money, standard, tool, role or topic."""
    if fact.startswith(("mentions ", "uses ")):
        return "tool"
    if fact.startswith("involves "):
        return "role"
    if fact in _STANDARD_NAMES or fact in SECURITY_TERMS:
        return "standard"
    for kind, pattern in (("duration", _DURATION), ("money", _MONEY), ("quantity", _RANGE_QUANTITY),
                          ("quantity", _QUANTITY), ("time", _TIMEFRAME), ("percent", _PERCENT)):
        if pattern.fullmatch(fact):
            return kind
    return "topic"
