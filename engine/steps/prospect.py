"""Who the prospect is, without an LLM: names from the request, the thread and URL slugs; company
from the LinkedIn company slug, the website domain or title; an industry guess from website text."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from engine.models import DraftRequest, ProspectProfile
from engine.steps.speakers import last_prospect_message, signoff_name

__all__ = [
    "company_from_slug",
    "company_from_title",
    "domain_of",
    "guess_industry",
    "name_from_slug",
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


# Letters people put after their name in a slug (`jane-doe-phd`): not part of the name.
_CREDENTIALS = {"phd", "mba", "cpa", "cfa", "pmp", "msc", "bsc", "jr", "sr", "md", "esq", "cissp"}
_PARTICLES = {"de", "da", "das", "do", "dos", "del", "della", "di", "du", "van", "von", "der", "den", "ter", "ten",
              "la", "le", "bin", "al", "el"}


def _title_words(words: list[str]) -> str:
    """`["ana", "de", "souza"]` -> `Ana de Souza`: capitalised, name particles inside kept lower-case."""
    return " ".join(
        word.lower() if 0 < index < len(words) - 1 and word.lower() in _PARTICLES
        else word if word.isupper() and len(word) > 1 else word.capitalize()
        for index, word in enumerate(words)
    )


def name_from_slug(url: str | None) -> str | None:
    """`linkedin.com/in/mateus-oliveira-123` -> "Mateus Oliveira" (trailing ids and numbers dropped)."""
    if not url or "linkedin.com/in/" not in url.lower():
        return None
    slug = unquote(urlsplit(url if "://" in url else f"https://{url}").path.rstrip("/").rsplit("/", 1)[-1])
    words = [word for word in re.split(r"[-_.]+", slug) if word]
    while words and (not word_is_name(words[-1])):
        words.pop()  # LinkedIn appends ids such as `123`, `a1b2c3` or `4b7a9b21`
    words = [word for word in words if word_is_name(word) and word.lower() not in _CREDENTIALS]
    return _title_words(words[:4]) or None


def word_is_name(word: str) -> bool:
    """True for a word that can be part of a name (letters only, not a hex-looking id)."""
    if not word.isalpha():
        return False
    looks_like_id = len(word) >= 6 and re.fullmatch(r"[0-9a-f]+", word) is not None
    return not looks_like_id


def company_from_slug(url: str | None) -> str | None:
    """`linkedin.com/company/lumenfield-apparel` -> "Lumenfield Apparel"."""
    if not url:
        return None
    match = re.search(r"linkedin\.com/(?:company|school|showcase)/([^/?#]+)", url, re.IGNORECASE)
    if not match:
        return None
    words = [word for word in re.split(r"[-_]+", unquote(match.group(1))) if word and not word.isdigit()]
    return _title_words(words) or None


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
    return _title_words(re.split(r"[-_]+", label)) or None


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


_HONORIFICS = {"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "sir", "dame", "herr", "frau", "sr", "sra", "dott"}


def _first_name(name: str | None) -> str | None:
    words = [word for word in (name or "").split() if word.lower().rstrip(".") not in _HONORIFICS]
    return words[0] if words else None


def profile_from_request(request: DraftRequest) -> ProspectProfile:
    """Prospect name from the request, the thread's speakers or the LinkedIn slug; company from URLs."""
    message = last_prospect_message(request.conversation_thread)
    speaker = message.speaker if message and message.speaker else None
    name = request.prospect_name or speaker or name_from_slug(request.prospect_profile_url)
    first_name = _first_name(name)
    if message is not None and name and name == speaker:
        first_name = signoff_name(message) or first_name  # `Nguyen Thi Lan` signs as `Lan`
    domain = domain_of(request.prospect_company_website)
    company = company_from_slug(request.prospect_company_url) or _company_from_domain(domain)
    return ProspectProfile(name=name, first_name=first_name, company=company, company_domain=domain)
