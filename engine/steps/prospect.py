"""Who the prospect is, without an LLM: names from the request, the thread and URL slugs; company
from the LinkedIn company slug, the website domain or title; an industry guess from website text.

Names are read by engine/text (the thread's speakers and sign-offs, slugs, titles)."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from engine.models import DraftRequest, ProspectProfile
from engine.text.names import first_name, name_from_slug, title_words
from engine.text.thread import last_prospect_message, signoff_name

__all__ = [
    "company_from_slug",
    "company_from_title",
    "domain_of",
    "guess_industry",
    "profile_from_request",
]

# Generic words that are not a company name on their own.
_GENERIC = {"home", "welcome", "homepage", "official site", "official website", "index", "about", "about us"}
_INDUSTRIES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE)) for name, pattern in (
        ("Insurance", r"\binsur\w*|\bclaims?\b|underwrit\w*|policyholders?|\bcarriers?\b"),
        ("Logistics & transportation", r"logistic\w*|freight|haulage|\bfleets?\b|trucking|courier|shipping|"
                                       r"transport\w*|deliver(?:y|ies)"),
        ("Restaurants & food service", r"restaurants?|\bmenus?\b|dining|kitchens?|\bcaf[eé]s?\b|takeaway|"
                                       r"catering|\bfood\b"),
        ("Hospitality", r"\bhotels?\b|resorts?|hospitality|\bguests?\b|\brooms?\b"),
        ("Software & developer tools", r"\bsoftware\b|developers?|\bsaas\b|\bcloud\b|\bapi\b|devops|"
                                       r"platform engineering|\bcode\b"),
        ("Financial services", r"\bpayments?\b|fintech|\bbank\w*|lending|\bfinancial\b"),
        ("Healthcare", r"healthcare|hospitals?|clinics?|patients?|\bcare\b|medical|nursing"),
        ("Retail & e-commerce", r"e-?commerce|online store|\bshop\b|apparel|fashion|clothing|retail\w*|"
                                r"cosmetics|beauty"),
        ("Manufacturing", r"manufactur\w*|factor(?:y|ies)|industrial|machining|components|precision parts"),
        ("Energy", r"\benergy\b|renewables?|\bsolar\b|\bwind\b|utilit(?:y|ies)|\bpower\b"),
        ("Legal services", r"\blaw firm\b|\blegal\b|attorneys?|lawyers?|abogados"),
        ("Consulting & training", r"consult\w*|advisory|training programmes?|coaching"),
        ("Life sciences", r"pharma\w*|biotech\w*|life sciences|clinical trials?"),
        ("Education", r"\beducation\b|\blearning\b|courses?|students?|universit(?:y|ies)|schools?"),
        ("Construction & real estate", r"construction|real estate|property developer|building materials"),
    )
)


def company_from_slug(url: str | None) -> str | None:
    """`linkedin.com/company/lumenfield-apparel` -> "Lumenfield Apparel"."""
    if not url:
        return None
    match = re.search(r"linkedin\.com/(?:company|school|showcase)/([^/?#]+)", url, re.IGNORECASE)
    if not match:
        return None
    words = [word for word in re.split(r"[-_]+", unquote(match.group(1))) if word and not word.isdigit()]
    return title_words(words) or None


def domain_of(url: str | None) -> str | None:
    """The website's host without `www.`."""
    if not url:
        return None
    host = urlsplit(url if "://" in url else f"https://{url}").hostname
    return host.removeprefix("www.") if host else None


def _company_from_domain(domain: str | None) -> str | None:
    if not domain or re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", domain):
        return None
    labels = domain.split(".")
    label = labels[-2] if len(labels) >= 2 else labels[0]
    return title_words(re.split(r"[-_]+", label)) or None


def company_from_title(title: str | None, domain: str | None) -> str | None:
    """The company name in a page title (`Lumenfield Apparel — Sustainable clothing` -> `Lumenfield
    Apparel`), when a part of the title agrees with the domain."""
    if not title:
        return None
    parts = [part.strip() for part in re.split(r"\s+[|—–\-:·•]\s+", title) if part.strip()]
    key = re.sub(r"[^a-z0-9]", "", (domain or "").split(".")[-2] if domain and "." in domain else "")
    for part in parts:
        squashed = re.sub(r"[^a-z0-9]", "", part.lower())
        if part.lower() in _GENERIC or len(part) > 60:
            continue
        if key and (squashed.startswith(key) or key.startswith(squashed[: max(4, len(key) // 2)])):
            return part
    return None


def guess_industry(text: str) -> str | None:
    """The industry a company's website text talks about most, or None when nothing stands out."""
    scores = {name: len(pattern.findall(text)) for name, pattern in _INDUSTRIES}
    best = max(scores, key=lambda name: scores[name])
    return best if scores[best] >= 2 else None


def profile_from_request(request: DraftRequest) -> ProspectProfile:
    """Prospect name from the request, the thread's speakers or the LinkedIn slug; company from URLs."""
    message = last_prospect_message(request.conversation_thread)
    speaker = message.speaker if message and message.speaker else None
    name = request.prospect_name or speaker or name_from_slug(request.prospect_profile_url)
    first = first_name(name)
    if message is not None and name and name == speaker:
        first = signoff_name(message) or first  # `Nguyen Thi Lan` signs as `Lan`
    domain = domain_of(request.prospect_company_website)
    company = company_from_slug(request.prospect_company_url) or _company_from_domain(domain)
    return ProspectProfile(name=name, first_name=first, company=company, company_domain=domain)
