"""People's names: the one list of name particles, titles and greetings, and reading names from
slugs and labels.

`Ilse de Vries`, `Dr. Ana dos Santos`, `linkedin.com/in/mateus-oliveira-phd-4b7a9b21`: every
module that needs to know what a name looks like asks here.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

__all__ = [
    "COMMON_ACRONYMS",
    "GENERIC_TERMS",
    "GREETINGS",
    "NAME_WORD",
    "NOT_NAMES",
    "PARTICLES",
    "ROLE_WORDS",
    "TITLES",
    "first_name",
    "greeting_alternation",
    "is_title",
    "name_from_slug",
    "title_words",
    "word_is_name",
]

# One word of a name: a letter, then letters, digits, apostrophes, dots or hyphens (`O’Neill`, `J.`).
NAME_WORD = r"[^\W\d_][\w'’.\-]*"
# Lower-case parts of family names: `Ilse de Vries`, `Ana dos Santos`, `Ahmad bin Yusof`.
PARTICLES = frozenset({"de", "da", "das", "do", "dos", "del", "della", "di", "du", "van", "von", "der", "den",
                       "ter", "ten", "la", "le", "bin", "binti", "al", "el", "y"})
# Titles before a name, compared without the dot: `Dr. Ana`, `Herr Müller`, `Dott. Rossi`.
TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "sir", "dame", "herr", "frau", "sr", "sra",
                    "dott"})
# Words that open a salutation: `Hi Mateus,`, `Kia ora Aroha`, `Dobrý den`.
GREETINGS = ("hi", "hello", "hey", "dear", "hei", "hej", "hola", "bonjour", "hallo", "ciao", "olá", "ola",
             "greetings", "salut", "good morning", "good afternoon", "good evening", "kia ora", "dobrý den",
             "dobry den", "yo")
# Words that fill a name's place without being one (`Hi there`, `Prospect: ...`, `Dear Sir`).
NOT_NAMES = frozenset({"rep", "prospect", "team", "unknown", "none", "null", "undefined", "nan", "sir",
                       "madam", "subject", "from", "to", "cc", "date", "sent", "re", "fwd", "note", "ps",
                       "tel", "phone", "mobile", "email", "web", "hi", "hello", "dear", "thanks", "regards",
                       "automatic", "auto", "reply", "out", "our", "my", "the", "there", "all", "everyone",
                       "folks", "both", "again", "friend", "friends", "you", "y'all", "colleagues", "guys",
                       "mon", "tue", "tues", "wed", "thu", "thurs", "fri", "sat", "sun", "monday", "tuesday",
                       "wednesday", "thursday", "friday", "saturday", "sunday"}) | TITLES
# Acronyms for roles, departments, documents and product categories (who is involved, what kind of tool or
# paper), not names: the general business vocabulary, not read from any conversation. Vendor, agency and
# region acronyms (SAP, AWS, FDA, NHS, EU, US) are not listed: they may matter.
COMMON_ACRONYMS = frozenset({
    "CEO", "CFO", "CTO", "CIO", "CISO", "CHRO", "COO", "CMO", "CRO", "CPO", "CDO", "DPO", "VP", "SVP",
    "EVP", "HR", "IT", "PM", "SE", "AE", "SDR", "BDR", "OPS", "GM", "MD", "RSSI",
    "POS", "KDS", "ERP", "CRM", "HRIS", "LMS", "CLM", "CI", "CD", "API", "SAAS", "FNOL", "DTC", "PO", "NDA",
    "ROI", "KPI", "B2B", "B2C", "FAQ", "ASAP", "FYI", "OK", "PS", "RN", "TBH", "PLS", "IMO", "BTW", "ETA",
    "AM", "TLDR", "DM", "QA", "SLA", "SSO", "MFA", "DPA", "RFP", "RFI", "MSA", "SOW", "UI", "UX",
    "LOL", "THX", "PDF", "CSV", "IMHO", "AFAIK", "EOD", "EOW", "OOO", "SOA", "TCO", "PR", "L&D", "R&D",
    "SME", "SMB", "KYC", "MVP", "Q&A", "USD", "EUR", "GBP", "POC",
    # kinds of system and data
    "PHI", "PII", "EHR", "EMR", "WMS", "TMS", "DMS", "LIMS", "PMS", "CPQ", "CMS", "CDP", "DAM", "PIM", "MDM",
    "BI", "ETL", "RPA", "ATS", "HCM", "CMMS", "EAM", "FSM", "CAD", "BIM", "PLM", "QMS", "MES", "MRP", "OMS",
    "SIEM", "EDR", "XDR", "MDR", "IAM", "PAM", "VPN", "WAN", "LAN", "IOT", "OT", "SCADA", "PLC", "HMI", "EDI",
    "SDK", "SAML", "SCIM", "2FA", "OTP", "AI", "ML", "LLM", "GPU", "PAAS", "IAAS", "SQL", "CDN", "DNS", "SSL",
    "TLS", "E2E", "EPOS", "VFX", "AR", "VR", "EV", "PV", "HVAC", "BESS",
    # kinds of business, team and document
    "MSP", "MSSP", "SI", "ISV", "VAR", "OEM", "ODM", "3PL", "SOC", "NOC", "CSM", "PMM", "GTM", "ICP", "SEO",
    "SEM", "PPC", "CX", "NPS", "CSAT", "SLO", "RFQ", "AP", "GL", "P&L", "FP&A", "MRR", "ARR", "ACV", "TCV",
    "CAC", "LTV", "GMV", "SKU", "D2C", "FTE", "PTO", "HQ", "IPO", "VC", "M&A", "YOY", "QOQ", "YTD", "WFH",
    "TBD", "TBC", "RMA", "ASN", "OTIF", "DC", "WIP", "OEE", "ESG", "CSR", "DEI", "EHS", "HSE", "SOP", "CAPA",
    "GMP", "GLP", "GXP", "AML", "KYB", "PSP", "CPG", "FMCG", "QSR", "F&B", "F&I", "O&M", "RX", "DVM", "AOC",
    "ICU", "ED", "ER", "GP", "EOY", "EOQ", "EOM", "AOB", "NB",
})
# The same general vocabulary written out in title case ("Data Processing Agreement" is the DPA, "Quality
# Assurance" the QA team): a document or a department, never a name.
GENERIC_TERMS = re.compile(r"\b(?:" + "|".join(sorted((
    "Data Processing Agreement", "Data Processing Addendum", "Statement of Work", "Master Services Agreement",
    "Master Service Agreement", "Non-Disclosure Agreement", "Non Disclosure Agreement", "Service Level Agreement",
    "Request for Proposal", "Request for Information", "Request for Quote", "Proof of Concept", "Single Sign-On",
    "Single Sign On", "Quality Assurance", "Quality Control", "Purchase Order", "Point of Sale",
    "Return on Investment", "Total Cost of Ownership", "Key Performance Indicator", "Protected Health Information",
    "Personally Identifiable Information", "Electronic Health Record", "Electronic Medical Record",
    "Warehouse Management System", "Transportation Management System", "Document Management System",
    "Laboratory Information Management System", "Customer Relationship Management", "Enterprise Resource Planning",
    "Human Resources", "Managed Service Provider", "Systems Integrator", "System Integrator", "Business Intelligence",
    "Artificial Intelligence", "Machine Learning", "Attestation of Compliance", "Security Operations Center",
    "Security Operations Centre", "Frequently Asked Questions", "Request for Comment", "Terms and Conditions",
    "Terms of Service", "Privacy Policy", "Accounts Payable", "Accounts Receivable", "Profit and Loss",
    # an automatic reply's header in the languages its mail clients write it in
    "Automatische Antwort", "Automatic Reply", "Auto Reply", "Réponse automatique", "Respuesta automática",
    "Risposta automatica", "Resposta automática", "Automatisch antwoord", "Automatiskt svar", "Automatisk svar",
    "Automaattinen vastaus", "Automatyczna odpowiedź",
), key=len, reverse=True)).replace(" ", r"\s+") + r")\b")

# Capitalised words that are titles, departments or politeness, not things the answer depends on.
ROLE_WORDS = frozenset({
    "head", "director", "manager", "lead", "officer", "chief", "president", "vice", "partner", "managing",
    "senior", "junior", "staff", "principal", "operations", "ops", "legal", "finance", "financial",
    "fleet", "marketing", "sales", "engineering", "procurement", "purchasing", "people", "human",
    "resources", "learning", "development", "training", "security", "compliance", "risk", "claims",
    "product", "platform", "growth", "transport", "logistics", "business", "group", "team", "board",
    "counsel", "founder", "owner", "executive", "account", "customer", "success", "support", "data",
    "protection", "information", "technology", "analyst", "engineer", "architect", "admin",
    "administrator", "coordinator", "specialist", "consultant", "associate", "assistant", "intern",
    "innovation", "strategy", "revenue", "accounting", "controller", "treasurer", "secretary",
    "statement", "applicability", "type", "madam", "dear", "hi",
    "hello", "hey", "thanks", "thank", "regards", "best", "cheers", "please", "yes", "no", "ok",
    "okay", "sure", "sorry", "great", "good", "out", "office", "auto", "reply", "automatic", "re",
    "fw", "fwd", "subject", "series", "round", "ii", "iii", "iv", "mobile", "email", "phone", "tel",
}) | TITLES

# Letters people put after their name in a slug (`jane-doe-phd`): not part of the name.
_CREDENTIALS = frozenset({"phd", "mba", "cpa", "cfa", "pmp", "msc", "bsc", "jr", "sr", "md", "esq", "cissp"})


def is_title(word: str) -> bool:
    """True for `Dr`, `dr.`, `Prof.`: a title, not part of the name."""
    return word.casefold().rstrip(".") in TITLES


def greeting_alternation() -> str:
    """The greetings as a regex alternation, longest first (`good morning` before `good`)."""
    return _GREETING_ALTERNATION


_GREETING_ALTERNATION = "|".join(re.escape(g).replace(r"\ ", r"\s+") for g in sorted(GREETINGS, key=len, reverse=True))


def title_words(words: list[str]) -> str:
    """`["ana", "de", "souza"]` -> `Ana de Souza`: capitalised, name particles inside kept lower-case."""
    return " ".join(
        word.lower() if 0 < index < len(words) - 1 and word.lower() in PARTICLES
        else word if word.isupper() and len(word) > 1 else word.capitalize()
        for index, word in enumerate(words)
    )


def word_is_name(word: str) -> bool:
    """True for a word that can be part of a name (letters only, not a hex-looking id)."""
    if not word.isalpha():
        return False
    looks_like_id = len(word) >= 6 and re.fullmatch(r"[0-9a-f]+", word) is not None
    return not looks_like_id


def name_from_slug(url: str | None) -> str | None:
    """`linkedin.com/in/mateus-oliveira-123` -> "Mateus Oliveira" (trailing ids and numbers dropped)."""
    if not url or "linkedin.com/in/" not in url.lower():
        return None
    slug = unquote(urlsplit(url if "://" in url else f"https://{url}").path.rstrip("/").rsplit("/", 1)[-1])
    words = [word for word in re.split(r"[-_.]+", slug) if word]
    while words and (not word_is_name(words[-1])):
        words.pop()  # LinkedIn appends ids such as `123`, `a1b2c3` or `4b7a9b21`
    words = [word for word in words if word_is_name(word) and word.lower() not in _CREDENTIALS]
    return title_words(words[:4]) or None


def first_name(name: str | None) -> str | None:
    """The first word of `name` that is not a title: `Dr. Ana de Souza` -> `Ana`."""
    words = [word for word in (name or "").split() if not is_title(word)]
    return words[0] if words else None
