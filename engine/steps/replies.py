"""The offline reply: short, per intent, answering the prospect's concrete asks from the facts."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

from engine.models import Draft, DraftRequest, ProspectProfile, ThreadAnalysis
from engine.steps.heuristics import analyse_thread
from engine.steps.wording import REPLIES, SUBJECTS
from engine.text.facts import fact_kind
from engine.text.thread import body_of, last_prospect_message, rep_name

__all__ = ["plain_reply", "reply_slots"]

# Slots that may be empty (the sentence still reads well); every other slot must have a value.
_OPTIONAL = {"with_people", "terms", "matching", "deadline", "budget", "tool_clause", "back", "scope", "margins"}
_STALE = re.compile(r"^(?:last|this) |^fiscal year|^end of|^the end of|^today$", re.IGNORECASE)
_DAY_OR_DATE = re.compile(r"(?:mon|tue|wed|thu|fri|sat|sun)|\d(?:st|nd|rd|th)\b|\d{1,2} [a-z]+|[a-z]+ \d{1,2}",
                          re.IGNORECASE)
_INVITEES = re.compile(r"(?:bring|join|adding|add|include|invite|with)\b[^.?!]{0,40}?\b(?:our|my)\s+"
                       r"(?P<a>[A-Za-z][\w ]{1,40}?(?:lead|director|manager|CFO|CEO|CTO|CIO|COO|CHRO|head of [\w ]+))\b"
                       r"|\b(?:our|my)\s+(?P<b>[A-Za-z][\w ]{1,40}?(?:lead|director|manager|CFO|CEO|CTO|CHRO))"
                       r"\s+will\s+(?:join|attend|be there)", re.IGNORECASE)
_DOCUMENTS = (
    (re.compile(r"^SOC ?2"), "our {fact} report"),
    (re.compile(r"^ISO \d+"), "our {fact} certificate"),
    (re.compile(r"^Statement of Applicability"), "the Statement of Applicability"),
    (re.compile(r"pen(?:etration)? test"), "our latest penetration test summary"),
    (re.compile(r"encrypt|in transit"), "written confirmation of encryption at rest and in transit"),
    (re.compile(r"data cent"), "confirmation of where data is hosted ({fact})"),
    (re.compile(r"^(?:GDPR|DPA)$"), "our answers on GDPR and your DPA"),
    (re.compile(r"^FedRAMP"), "our {fact} status"),
    (re.compile(r"^HIPAA$"), "our HIPAA documentation"),
)
_MATERIAL = ("brochure", "spec sheet", "specification sheet", "product overview", "pricing sheet",
             "case studies", "case study")
_PROJECTS = {"ERP migration": "ERP migration", "HRIS": "HRIS rollout"}


def _join(items: Sequence[str]) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _soften(phrase: str) -> str:
    """`Next Thursday` -> `next Thursday`: mid-sentence, only names of days and months stay capitalised."""
    first, _, rest = phrase.partition(" ")
    if first.lower() in {"next", "this", "early", "mid", "late", "end", "the", "on"}:
        return f"{first.lower()} {rest}".strip()
    return phrase


_ASK_CUES = {
    "pricing": re.compile(r"pric|cost|how much|quote|per (?:seat|user|vehicle|month)", re.IGNORECASE),
    "trial": re.compile(r"trial|proof of concept|\bpoc\b|pilot|sandbox", re.IGNORECASE),
}


def _in_ask(values: list[str], text: str, cue: str) -> list[str]:
    """The values that appear in the sentences carrying the ask; all of them if none does."""
    sentences = [s for s in re.split(r"(?<=[.!?;])\s+|\n", text) if _ASK_CUES[cue].search(s)]
    asked = [v for v in values if any(v.lower() in s.lower() for s in sentences)]
    return asked or (values if not sentences else [])


_PAST = re.compile(r"\b(?:until|till|was|were|ago|finished|back on|since)\b", re.IGNORECASE)


def _current(times: list[str], text: str) -> list[str]:
    """Times not in a sentence about the past or an absence ("I was out until Monday 14 April")."""
    past = [s.lower() for s in re.split(r"(?<=[.!?;])\s+|\n", text) if _PAST.search(s)]
    return [t for t in times if not any(t.lower() in s for s in past)] or times


def _when(times: list[str]) -> str:
    """`["next week", "Tuesday or Wednesday", "between 2 and 4pm CET"]` -> one readable phrase."""
    out = ""
    for time in times[:3]:
        if not out:
            out = time
        elif re.match(r"\d", time) and re.search(r"–|-| to | and ", time):
            out += f" between {time}"
        elif re.match(r"\d", time):
            out += f" at {time}"
        elif time.startswith("between "):
            out += f" {time}"
        else:
            out += f", {time}"
    return out


def _minutes(duration: str) -> str:
    return re.sub(r"^(\d+)\s*-?\s*min(?:ute)?s?\b.*$", r"\1-minute", duration, flags=re.IGNORECASE)


def reply_slots(analysis: ThreadAnalysis, prospect_text: str) -> dict[str, str]:
    """Values for the reply templates, from the analysis facts (negated facts are left out)."""
    facts = [f for f in analysis.key_facts if not f.startswith(("no ", "not "))]
    kinds: dict[str, list[str]] = {}
    for fact in facts:
        kinds.setdefault(fact_kind(fact), []).append(fact)
    times = [_soften(t) for t in kinds.get("time", []) if not _STALE.search(t)]
    durations = kinds.get("duration", [])
    minutes = [_minutes(d) for d in durations if re.search(r"min", d, re.IGNORECASE)]
    trials = [d for d in durations if re.search(r"trial|proof of concept|POC", d, re.IGNORECASE)]
    terms = [d for d in durations if re.search(r"term|contract", d, re.IGNORECASE)]
    topics = kinds.get("topic", [])
    billing = [t for t in topics if re.search(r"annual", t, re.IGNORECASE)]
    quantities = kinds.get("quantity", [])
    tools = [t.removeprefix("mentions ").removeprefix("uses ") for t in kinds.get("tool", [])]
    roles = [r.removeprefix("involves ") for r in kinds.get("role", []) if r != "involves IT"]
    dated = [t for t in times if _DAY_OR_DATE.search(t)]
    later = [t for t in times if re.match(r"(?:early|mid|late) ", t)] or [t for t in times if "quarter" in t]
    invitees = [m.group("a") or m.group("b") for m in _INVITEES.finditer(prospect_text)]
    documents = []
    for fact in kinds.get("standard", []):
        for pattern, wording in _DOCUMENTS:
            if pattern.search(fact):
                documents.append(wording.format(fact=fact))
                break
    term_words = [f" on a {terms[0].replace(' contract', ' term')}"] if terms else []
    term_words += [" on annual billing" if "annual" in billing[0].lower() and "plan" not in billing[0].lower()
                   else " on an annual plan"] if billing else []
    return {
        "when": _when(_current(times, prospect_text)),
        "duration": minutes[0] if minutes else "",
        "with_people": f" and include your {_join(invitees[:2])}" if invitees else "",
        "quantity": next(iter(_in_ask(quantities, prospect_text, "pricing")), quantities[0] if quantities else ""),
        "terms": "".join(term_words),
        "matching": f" from an organisation with {quantities[0]}" if quantities else "",
        "deadline": f" before {re.sub(r'^on ', '', dated[0])}" if dated else "",
        "later": f"in {later[0]}" if later and later[0][0].isalpha() and not later[0].startswith("next")
        else (later[0] if later else ""),
        "project": next((_PROJECTS[t] for t in topics if t in _PROJECTS), ""),
        "budget": "",
        "options": "leasing or monthly payments" if any(t in ("leasing", "monthly payment") for t in topics)
        else "a smaller package or a phased rollout",
        "tool_clause": f", good to hear {tools[0]} is working well for you" if tools else "",
        "role": roles[0] if roles else "",
        "back": f" on {dated[0]}" if dated else "",
        "documents": _join(documents),
        "systems": _join(tools[:3]),
        "growth": next((q for q in quantities if q.lower().startswith("from ")), ""),
        "margins": ", including margins" if "margins" in topics else "",
        "trial": (trials[0] if trials else "").replace("14 day", "14-day").replace("30 day", "30-day"),
        "scope": next((f" for {q}" for q in _in_ask(quantities, prospect_text, "trial")
                       if prospect_text and not re.search(r"employees|staff|people", q)), ""),
        "material": _join([m for m in _MATERIAL if m in topics][:3]),
    }


def _render(option: str, slots: dict[str, str]) -> str | None:
    names = [field for _, field, _, _ in string.Formatter().parse(option) if field]
    if any(not slots.get(name) and name not in _OPTIONAL for name in names):
        return None
    return option.format(**{name: slots.get(name, "") for name in names})


def _sentences(intent: str, slots: dict[str, str]) -> list[str]:
    out = []
    for item in REPLIES.get(intent, REPLIES["general"]):
        rendered = next((text for option in item.split("|") if (text := _render(option, slots))), None)
        if rendered:
            out.append(rendered[0].upper() + rendered[1:])
    return out


def _subject(intent: str, slots: dict[str, str]) -> str:
    topic = {"interested_book_meeting": slots["when"], "asks_pricing": slots["quantity"] and f"for {slots['quantity']}",
             "bad_timing_follow_up_next_quarter": slots["later"], "asks_integration_question": slots["systems"]
             and f"with {slots['systems']}"}.get(intent, "")
    return re.sub(r"\s+", " ", SUBJECTS.get(intent, SUBJECTS["general"]).format(topic=topic or "")).strip()


def plain_reply(request: DraftRequest, *, profile: ProspectProfile | None,
                analysis: ThreadAnalysis | None, snippets: Sequence[str] = ()) -> Draft:
    """A short, plain reply for the analysed intent, addressed by first name when known."""
    if analysis is None:  # fast mode: the reply reads the raw thread itself
        analysis = analyse_thread(request.conversation_thread)
    message = last_prospect_message(request.conversation_thread)
    slots = reply_slots(analysis, body_of(message) if message else "")
    sentences = _sentences(analysis.intent, slots)
    first = (profile.first_name or "").strip() if profile else ""
    greeting = f"Hi {first}," if first else "Hi there,"
    quiet = analysis.intent in ("not_interested", "unsubscribe_request")  # no pitch, no snippets
    extra = [s.strip() for s in snippets[:1] if s.strip()] if not quiet else []
    if request.channel == "email":
        rep = rep_name(request.conversation_thread)
        signoff = f"Best regards,\n{rep.split()[0]}" if rep else "Best regards"
        body = " ".join(sentences)
        text = "\n\n".join([greeting, body, *extra, signoff])
        return Draft(text=text, subject=_subject(analysis.intent, slots), channel="email")
    text = "\n\n".join([greeting, " ".join(sentences[:3]), *extra])
    return Draft(text=text, subject=None, channel=request.channel)
