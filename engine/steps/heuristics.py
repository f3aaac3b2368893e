"""Reading a pasted thread without an LLM: speakers, the prospect's last message, intent, facts.

First version: keyword rules. Good enough to run end to end offline; sharpened in its own issue.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from engine.models import Draft, DraftRequest, Intent, ProspectProfile, ThreadAnalysis

__all__ = ["Message", "analyse_thread", "parse_messages", "plain_reply", "profile_from_request"]

_SPEAKER = re.compile(r"^(?P<who>Rep \((?P<rep>[^)]{1,60})\)|[A-Z][\w'’.\-]*(?: [A-Z][\w'’.\-]*){0,3}):\s?(?P<text>.*)$")


@dataclass(frozen=True)
class Message:
    """One message of a pasted thread."""

    speaker: str
    is_rep: bool
    text: str


def parse_messages(thread: str) -> list[Message]:
    """Split a pasted thread into messages by `Name:` / `Rep (Name):` line prefixes."""
    messages: list[Message] = []
    for line in thread.splitlines():
        match = _SPEAKER.match(line.strip())
        if match:
            rep = match.group("rep")
            messages.append(Message(speaker=rep or match.group("who"), is_rep=rep is not None,
                                    text=match.group("text")))
        elif messages:
            last = messages[-1]
            messages[-1] = Message(last.speaker, last.is_rep, f"{last.text}\n{line}".strip())
        elif line.strip():
            messages.append(Message(speaker="", is_rep=False, text=line.strip()))
    return messages


def last_prospect_message(thread: str) -> Message | None:
    """The latest message not written by the rep: the one a reply must answer."""
    for message in reversed(parse_messages(thread)):
        if not message.is_rep:
            return message
    return None


_RULES: list[tuple[Intent, re.Pattern[str]]] = [
    ("unsubscribe_request", re.compile(r"unsubscribe|remove me|stop (emailing|messaging)|opt out", re.I)),
    ("out_of_office", re.compile(r"out of (the )?office|on leave|annual leave|limited access to email", re.I)),
    ("not_interested", re.compile(r"not interested|no thanks|not a fit|pass on this", re.I)),
    ("referral_to_colleague", re.compile(r"reach out to (him|her|them)|i don'?t own|better person|loop(ing)? in", re.I)),
    ("bad_timing_follow_up_next_quarter", re.compile(r"next quarter|circle back|revisit|q[1-4]\b", re.I)),
    ("budget_objection", re.compile(r"budget|too expensive|can'?t afford", re.I)),
    ("already_uses_competitor", re.compile(r"already (use|using|have)|we use \w+|locked in", re.I)),
    ("asks_security_compliance", re.compile(r"soc ?2|iso ?27001|hipaa|gdpr|security review|pen ?test", re.I)),
    ("asks_integration_question", re.compile(r"integrat|api\b|connect(s|or)? (to|with)", re.I)),
    ("asks_pricing", re.compile(r"pric|cost|quote|how much", re.I)),
    ("asks_case_study", re.compile(r"case stud|references?|customer stor", re.I)),
    ("wants_trial", re.compile(r"\btrial\b|sandbox|try it|pilot", re.I)),
    ("partnership_interest", re.compile(r"partner", re.I)),
    ("congratulates_funding_round_context", re.compile(r"series [a-e]\b|raised|funding", re.I)),
    ("asks_to_send_more_info_by_email", re.compile(r"send (me )?(more )?info|email me|deck", re.I)),
    ("interested_book_meeting", re.compile(r"demo|call|meet|invite|calendar|schedule", re.I)),
]

_NUMBER = re.compile(r"\b\d[\d,.]*\s*(%|k|m|seats?|users?|vehicles?|trucks?|locations?|people|employees)?", re.I)
_DATE = re.compile(
    r"\b(next|this) (week|month|quarter|year)\b|\b(mon|tues|wednes|thurs|fri|satur|sun)day\b|\bq[1-4]\b"
    r"|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b", re.I)


def analyse_thread(thread: str) -> ThreadAnalysis:
    """Intent, facts and questions from the prospect's latest message, without names."""
    message = last_prospect_message(thread)
    text = message.text if message else thread
    intent: Intent = next((name for name, rule in _RULES if rule.search(text)), "general")
    questions = [q.strip() + "?" for q in re.split(r"[?]", text)[:-1] if q.strip()][:5]
    facts = [m.group(0).strip() for m in _NUMBER.finditer(text)][:5]
    facts += [m.group(0) for m in _DATE.finditer(text)][:5]
    negative = intent in ("not_interested", "unsubscribe_request", "budget_objection")
    return ThreadAnalysis(
        intent=intent,
        sentiment="negative" if negative else "positive" if intent != "general" else "neutral",
        key_facts=facts, questions=[q[-300:] for q in questions],
        urgency="high" if re.search(r"asap|urgent|today|tomorrow", text, re.I) else "medium",
        scenario=intent, summary=f"Prospect's latest message reads as {intent.replace('_', ' ')}.",
    )


def _name_from_slug(url: str | None) -> str | None:
    if not url or "linkedin.com/in/" not in url:
        return None
    slug = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    words = [w for w in re.split(r"[-_]", slug) if w.isalpha()]
    return " ".join(w.capitalize() for w in words[:3]) or None


def profile_from_request(request: DraftRequest) -> ProspectProfile:
    """Prospect name from the request, the thread's speakers or the LinkedIn slug; company from URLs."""
    message = last_prospect_message(request.conversation_thread)
    name = request.prospect_name or (message.speaker if message and message.speaker else None)
    name = name or _name_from_slug(request.prospect_profile_url)
    domain = urlsplit(request.prospect_company_website).hostname if request.prospect_company_website else None
    company = domain.split(".")[-2].capitalize() if domain and domain.count(".") >= 1 else None
    return ProspectProfile(name=name, first_name=name.split()[0] if name else None,
                           company=company, company_domain=domain)


_OPENERS: dict[str, str] = {
    "asks_pricing": "Happy to walk you through pricing — it depends mainly on your team size, so I'll send a short breakdown.",
    "interested_book_meeting": "Great — I'll send a calendar invite for the time you suggested.",
    "not_interested": "Understood, thanks for letting me know. I won't follow up further.",
    "unsubscribe_request": "Understood — I've removed you from our outreach. Sorry for the noise.",
    "out_of_office": "Thanks for the heads-up. I'll follow up once you're back.",
    "bad_timing_follow_up_next_quarter": "Makes sense — I'll check back in next quarter.",
}


def plain_reply(request: DraftRequest, *, profile: ProspectProfile | None,
                analysis: ThreadAnalysis | None, snippets: Sequence[str] = ()) -> Draft:
    """A short, plain reply for the analysed intent."""
    first = profile.first_name if profile and profile.first_name else None
    greeting = f"Hi {first}," if first else "Hi,"
    intent = analysis.intent if analysis else "general"
    body = _OPENERS.get(intent, "Thanks for getting back to me — happy to help with next steps.")
    text = "\n\n".join([greeting, body, *snippets[:1], "Best regards"])
    subject = "Re: our conversation" if request.channel == "email" else None
    return Draft(text=text, subject=subject, channel=request.channel)
