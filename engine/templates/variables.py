"""Template variables from the request, the profile and the thread — cleaned so they are only ever data.

Every value is a plain string with no template syntax, brackets or null words in it: a name like
`{{ 7*7 }}` is not a name, so it is dropped and the template that needed it is not used.
The thread is read by engine/text (messages, signatures, names, standards); this module only
picks and cleans the values a template may use.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from engine.models import DraftRequest, ProspectProfile, ThreadAnalysis
from engine.text.dates import FULL_MONTH, FULL_WEEKDAY
from engine.text.facts import SECURITY_DOCUMENTS, UNITS, standards_in
from engine.text.names import NAME_WORD, NOT_NAMES, PARTICLES, greeting_alternation, is_title, name_from_slug
from engine.text.thread import SIGNOFF, latest_turn, parse_messages, split_signature

__all__ = [
    "ALWAYS_SET",
    "KNOWN_VARIABLES",
    "SAMPLE_VARIABLES",
    "clean_value",
    "extract_variables",
    "proper_noun",
]

KNOWN_VARIABLES = frozenset({
    "first_name", "prospect_name", "rep_first_name", "company", "funding_round", "funding_amount",
    "industry", "growth_area", "question", "date", "number", "colleague", "colleague_role",
    "standard", "tool", "competitor",
})
# Set on every render, so templates may use them without declaring them.
ALWAYS_SET = frozenset({"signoff"})

# What `replycrew templates check` renders every template with.
SAMPLE_VARIABLES: dict[str, str] = {
    "first_name": "Mateus", "prospect_name": "Mateus Oliveira", "rep_first_name": "Jordan",
    "company": "Lumenfield Apparel", "funding_round": "Series B", "funding_amount": "$30M",
    "industry": "retail", "growth_area": "doubling engineering from 40 to 80 this year",
    "question": "Does it integrate with SAP S/4HANA?", "date": "next Thursday afternoon",
    "number": "40 vans", "colleague": "Rohan Kapoor", "colleague_role": "marketing ops lead",
    "standard": "SOC 2 Type II", "tool": "SAP S/4HANA", "competitor": "GitHub Actions",
    "signoff": "Best,\nJordan",
}

_NAME_WORD = re.compile(NAME_WORD)
_UNSAFE = re.compile(r"[{}\[\]<>|\\`#]")
_NULL_WORD = re.compile(r"\b(None|null|NULL|undefined|NaN)\b")


def clean_value(value: str | None, *, limit: int = 160) -> str:
    """`value` as safe data: no template/bracket characters, no null words, one line, bounded."""
    if not value:
        return ""
    text = _UNSAFE.sub("", value)
    text = _NULL_WORD.sub("", text)
    text = " ".join(text.split()).strip(" ,;:-—–")
    return text if 0 < len(text) <= limit else ""


_MAX_BODY = 3_000
_PROPER = re.compile(r"[^\W_][\w&.,'’ \-]{0,79}")


def proper_noun(value: str | None, *, limit: int = 60) -> str:
    """`value` cleaned, if it reads like a company or tool name (no code, no stray punctuation)."""
    text = clean_value(value, limit=limit)
    if not _PROPER.fullmatch(text) or "__" in text or ".." in text or not re.search(r"[^\W\d_]", text):
        return ""
    return text


def _name(value: str | None, *, as_written: bool = False) -> str:
    """A person's name if `value` looks like one (1-4 capitalised words), else ''.

    `as_written` (thread speakers) takes the capitals as they are; otherwise "mateus oliveira"
    from a form or a URL slug is capitalised first.
    """
    if not value or _UNSAFE.search(value):
        return ""
    words = [w for w in value.split() if not is_title(w)]
    if not 1 <= len(words) <= 4 or not all(_NAME_WORD.fullmatch(w) and len(w) <= 30 for w in words):
        return ""
    if words[0].casefold() in NOT_NAMES or _NULL_WORD.fullmatch(words[0]):
        return ""
    if not as_written and all(w.islower() or w.isupper() for w in words):  # "mateus oliveira", "MATEUS"
        words = [w.capitalize() for w in words]
    if len(words[0].rstrip(".")) < 2 or not words[0][0].isupper():
        return ""
    if not all(w[0].isupper() or w in PARTICLES for w in words[1:]):
        return ""
    return " ".join(words)


_JOB_WORDS = re.compile(r"\b(manager|head|director|vp|chief|lead|officer|partner|counsel|engineer|ceo|cto|cfo|"
                        r"coo|founder|owner|president|analyst|specialist|consultant|executive|rssi|dpo)\b", re.I)
_LEGAL_SUFFIX = re.compile(r",?\s+(AS|S\.A\.|SA|GmbH|Ltd\.?|Co\.,? Ltd\.?|Co\.|Inc\.?|LLC|Pte Ltd|PLC|AG|BV|Oy)$")


def _company_from_signature(lines: list[str], speaker: str) -> str:
    candidate = ""
    own = {word.casefold() for word in speaker.split()}
    for line in lines:
        if re.search(r"@|\+\d|\d{3}|sent from|confidential|https?:", line, re.I) or SIGNOFF.match(line):
            continue
        if own & {word.casefold().strip(",.") for word in line.split()} or re.fullmatch(r"(?:[A-Z]\.?\s*)+", line):
            continue  # the sender's name or initials (`S.`)
        part = line
        if "|" in line:
            part = line.rsplit("|", 1)[-1]
        elif re.search(r",\s", line) and _JOB_WORDS.search(line.split(",")[0]):
            part = line.split(",", 1)[1]
        elif _JOB_WORDS.search(line) or len(line.split()) > 6:
            continue
        part = _LEGAL_SUFFIX.sub("", part.strip())
        if part and part[0].isupper() and not _JOB_WORDS.search(part) and not SIGNOFF.match(part):
            candidate = part
    return clean_value(candidate, limit=60)


def _company(request: DraftRequest, profile: ProspectProfile | None, signature: list[str],
             speaker: str) -> str:
    if profile and profile.company:
        return clean_value(profile.company, limit=60)
    url = request.prospect_company_url or ""
    if "linkedin.com/company/" in url:
        slug = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        words = [w for w in re.split(r"[-_]", slug) if w.isalpha()]
        if words:
            return " ".join(w.capitalize() for w in words[:4])
    if profile and profile.website_title:
        title = re.split(r"\s[|\-–—:]\s", profile.website_title)[0]
        if clean_value(title, limit=60):
            return clean_value(title, limit=60)
    from_signature = _company_from_signature(signature, speaker)
    if from_signature:
        return from_signature
    host = urlsplit(request.prospect_company_website or "").hostname or ""
    label = host.removeprefix("www.").split(".")[0] if "." in host else ""
    return label.capitalize() if label.isalpha() else ""


_MONTH = FULL_MONTH
_DAY = FULL_WEEKDAY
_DATE = re.compile(
    rf"{_DAY},? \d{{1,2}}(?:st|nd|rd|th)? {_MONTH}|\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}"
    rf"|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?"
    rf"|(?:early|mid|late|the end of|end of|the beginning of) (?:{_MONTH}|next quarter|next year|Q[1-4])"
    rf"|next (?:week|month|quarter|year|{_DAY})(?: (?:morning|afternoon|evening))?"
    rf"|(?:Mon|Tue|Tues|Wed|Thu|Thurs|Fri)\w* next week(?:,? (?:morning|afternoon|evening))?"
    rf"|{_DAY}(?:,? \d{{1,2}}(?:st|nd|rd|th)? {_MONTH})?(?: (?:morning|afternoon|evening))?"
    rf"|the \d{{1,2}}(?:st|nd|rd|th)\b|\bQ[1-4](?: \d{{4}})?\b"
    rf"|\bin {_MONTH}\b|\bin \d+ (?:weeks|months)\b", re.I)
# Plural units only ("6 locations", not "800 per terminal"), and days ("in 10 days").
_UNITS = UNITS.replace("s?", "s") + "|days"
_NUMBER = re.compile(rf"(?<![\w$€£])~?\d{{1,3}}(?:[,.]\d{{3}})*\+?(?:[ -](?:[a-z]+ )?(?:{_UNITS}))\b", re.I)
_ROUND = re.compile(r"\bSeries [A-H]\b|\b(?:pre-)?seed round\b", re.I)
_AMOUNT = re.compile(r"[$€£]\s?\d+(?:[.,]\d+)?\s?(?:M|B|bn|million|billion)\b")
_GROWTH = re.compile(r"\b(?:doubling|tripling|growing|scaling|expanding|hiring|opening|launching|adding|going from|"
                     r"rolling out)\b[^.;!?\n—–:()]{3,70}", re.I)
_PRODUCT = r"[A-Z0-9][\w/+&\-]*(?:\.[\w]+)*"
_TOOL = re.compile(r"\b(?:integrat\w*|connect\w*|sync\w*|hook\w*|plug\w*|works?)(?: natively)? (?:with|to|into|in) "
                   rf"(?:our |your |the )?(?P<tool>{_PRODUCT}(?: (?:{_PRODUCT}|\+|&|and)){{0,4}})")
_COMPETITOR = re.compile(r"\b(?i:we use|we're using|we are using|we run|we're on|we are on|standardi[sz]ed on|"
                         r"already (?:use|using|have|on)|signed with|happy with) "
                         rf"(?P<tool>{_PRODUCT}(?: {_PRODUCT}){{0,3}})")
_PERSON = r"(?P<name>[^\W\d_][\w'’\-]*(?: [^\W\d_][\w'’\-]*)?)"
_REFERRAL = [
    re.compile(rf"\b[Oo]ur (?P<role>[^,\n()]{{2,40}}?),\s+{_PERSON}"),
    re.compile(rf"\b(?:reach out to|talk to|speak (?:to|with)|contact|reach|coordinate with|take it up with|"
               rf"loop in|cc'?d|the right person is)\s+(?:my colleague |our colleague |my |our )?{_PERSON}", re.I),
]
_INDUSTRY_WORDS = [
    (re.compile(r"insurance|assurance|mutual|mutuelle|seguros", re.I), "insurance"),
    (re.compile(r"logistics|transport|courier|freight|fleet", re.I), "logistics"),
    (re.compile(r"\bpay\b|bank|finance|capital", re.I), "financial services"),
    (re.compile(r"foods?\b|restaurant|grill|bistro|café|cafe|kitchen|alimentos", re.I), "food and hospitality"),
    (re.compile(r"health|care group|clinic|hospital|pharma|biotech", re.I), "healthcare"),
    (re.compile(r"apparel|cosmetics|retail|fashion", re.I), "retail"),
    (re.compile(r"energy|power|solar", re.I), "energy"),
]


def _referral(text: str, exclude: set[str]) -> tuple[str, str]:
    for pattern in _REFERRAL:
        for match in pattern.finditer(text):
            words = match.group("name").split()
            if len(words) == 2 and not words[1][0].isupper():
                words = words[:1]
            name = _name(" ".join(words))
            if name and name.split()[0].casefold() not in exclude and words[0][0].isupper():
                role = match.groupdict().get("role") or ""
                if not role:
                    after = re.match(r",?\s*(?:our|my|the) ([\w ]{2,30}?)(?:[,.—(]|$| he | she | who )",
                                     text[match.end():])
                    role = after.group(1) if after else ""
                return name, proper_noun(role.strip(), limit=40)
    return "", ""


_DATE_CUES = (
    re.compile(r"\b(?:reach out|follow up|circle back|ping|touch base|get back to me|contact me|try again)\b", re.I),
    re.compile(r"\b(?:back on|back|until|return\w*)\b", re.I),
)


def _date(body: str) -> str | None:
    """The date after a follow-up cue ("reach out again next quarter"), else the first date."""
    for cues in _DATE_CUES:
        for cue in cues.finditer(body):
            match = _DATE.search(body[cue.end():cue.end() + 30])
            if match is not None:
                return match.group(0)
    first = _DATE.search(body)
    return first.group(0) if first else None


_GREETING_PREFIX = re.compile(rf"^(?:{greeting_alternation()})\b[^,]{{0,30}},\s*", re.I)


def _question(body: str) -> str:
    for sentence in re.split(r"(?<=[.!?])\s+|\n", body):
        sentence = _GREETING_PREFIX.sub("", sentence.strip())
        if sentence.endswith("?") and 10 <= len(sentence) <= 160:
            return clean_value(sentence[0].upper() + sentence[1:])
    return ""


def _standards(text: str) -> str:
    found = standards_in(text, also=SECURITY_DOCUMENTS)[:3]
    return " and ".join([", ".join(found[:-1]), found[-1]] if len(found) > 1 else found)


def extract_variables(request: DraftRequest, *, profile: ProspectProfile | None = None,
                      analysis: ThreadAnalysis | None = None) -> dict[str, str]:
    """Every variable that can be filled for this request; unfilled ones are absent."""
    messages = parse_messages(request.conversation_thread)
    turn = latest_turn(messages)
    last = turn.message if turn else None
    body, signature = split_signature(last) if last else ("", [])
    # Templates need a name, a date, a number from the prospect's opening lines, not from a pasted
    # 15,000-character log; bounding the text keeps extraction well under a millisecond.
    body = body[:_MAX_BODY]
    rep = next((m.speaker for m in reversed(messages) if m.is_rep), "")
    slug = name_from_slug(request.prospect_profile_url) or ""
    full = next(filter(None, (_name(request.prospect_name), _name(last.speaker if last else ""), _name(slug),
                              _name(profile.name if profile else ""),
                              _name(profile.first_name if profile else ""))), "")
    values: dict[str, str] = {}
    if full:
        values["prospect_name"] = full
        values["first_name"] = full.split()[0]
    rep_name = _name(rep)
    if rep_name:
        values["rep_first_name"] = rep_name.split()[0]
    values["company"] = proper_noun(_company(request, profile, signature, last.speaker if last else ""))
    whole = request.conversation_thread[-2 * _MAX_BODY:]  # the latest messages; see _MAX_BODY
    if (round_match := _ROUND.search(whole)) is not None:
        values["funding_round"] = clean_value(round_match.group(0))
    if (amount := _AMOUNT.search(whole)) is not None and _ROUND.search(whole):
        values["funding_amount"] = clean_value(amount.group(0))
    industry = profile.industry if profile and profile.industry else ""
    if not industry:
        industry = next((label for rule, label in _INDUSTRY_WORDS if rule.search(values["company"])), "")
    values["industry"] = proper_noun(industry, limit=40)
    if (growth := _GROWTH.search(body) or _GROWTH.search(whole)) is not None:
        phrase = re.split(r",| so | but | and then | which | because ", growth.group(0))[0]
        values["growth_area"] = clean_value(phrase, limit=80)
    values["question"] = _question(body)
    if (date := _date(body)) is not None:
        values["date"] = clean_value(date, limit=40)
    if (number := _NUMBER.search(body)) is not None:
        values["number"] = clean_value(number.group(0).lstrip("~"), limit=40)
    exclude = {word.casefold() for word in (values.get("first_name", ""), values.get("rep_first_name", "")) if word}
    values["colleague"], values["colleague_role"] = _referral(body, exclude)
    values["standard"] = clean_value(_standards(body), limit=80)
    if (tool := _TOOL.search(body)) is not None:
        values["tool"] = proper_noun(re.sub(r"\s+(?:and|&|\+)$", "", tool.group("tool")), limit=60)
    if (competitor := _COMPETITOR.search(body)) is not None:
        values["competitor"] = proper_noun(competitor.group("tool"), limit=60)
    rep_first = values.get("rep_first_name")
    values["signoff"] = f"Best,\n{rep_first}" if rep_first else "Best regards"
    return {name: value for name, value in values.items() if value}
