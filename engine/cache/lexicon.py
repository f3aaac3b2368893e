"""Word lists the semantic-cache guard reads messages with: asks, negation, times, standards.

Greetings, sign-offs, titles and role words come from engine/text (one list each); what is left
here is the guard's own vocabulary, due to be replaced by a trained verifier (issue 12).

Generic sales-conversation vocabulary, kept in one place so it can be read and extended together.
Nothing here names a sample thread's people, companies or products.
"""

from __future__ import annotations

import re

from engine.text.names import greeting_alternation
from engine.text.standards import STANDARDS as _STANDARDS
from engine.text.thread import SIGNOFF_ALTERNATION

__all__ = [
    "ASK_CUES",
    "BUDGET_NEGATIVE",
    "BUDGET_POSITIVE",
    "CLOSINGS",
    "FLIP_TO_DECLINE",
    "GREETING",
    "NEGATORS",
    "NO_FLIP",
    "PAST_REFERENCE",
    "POST_NEGATORS",
    "ROLE_FAMILIES",
    "STANDARDS",
    "TIMEZONES",
]

_I = re.IGNORECASE

# The prospect's ask, by kind. A cue preceded by a negation (within the clause) counts as "kind-".
ASK_CUES: dict[str, re.Pattern[str]] = {
    "meeting": re.compile(
        r"\b(demo|calls?|meeting|meet|chat|intro|introduction|walk-?through|session|invite|invitation"
        r"|zoom)\b", _I),
    "pricing": re.compile(
        r"\b(pric(e|es|ing)|quote|how much|ballpark|licen[cs]e fees?|what (would|will|does) (it|this|that) cost)\b"
        r"|\$\$", _I),
    "case_study": re.compile(
        r"\b(case stud(y|ies)|customer stor(y|ies)|reference (case|customer|call|account)s?|references"
        r"|testimonials?)\b", _I),
    "trial": re.compile(r"\b(trial|poc|proof of concept|pilot|sandbox|try(ing)? it)\b", _I),
    "info_by_email": re.compile(
        r"\b(e-?mail (me|us)|by e-?mail|via e-?mail|send (\S+\s+){0,6}to\s+emailaddr)\b", _I),
    "integration": re.compile(
        r"\b(integrat\w*|connectors?|sync\w*|apis?|hooks? into|plugs? into|middleware|two[- ]way)\b", _I),
    "partner": re.compile(r"\b(partner(ship|s)?|resell\w*|affiliate)\b", _I),
    "referral": re.compile(
        r"(\b(not|n't|nt) (the right|the best) person|\bwrong person|\b(not|n't|nt) (in )?my (area|remit|department)"
        r"|\bnot my (call|decision)|\b(don't|do not|dont) own\b|\b(talk|speak) to\b|\breach out to (him|her|them)\b"
        r"|\bcontact (him|her|them)\b|\btake it up with\b|\bcoordinate with\b|\bcc'?d\b|\bloop(ing)? in\b"
        r"|\bthe right person (is|would be)\b|\bnot me\b)", _I),
    "decline": re.compile(
        r"\b(unsubscribe|remove (me|my)|stop (e-?mailing|messaging|contacting|sending)"
        r"|(don't|do not|dont) (contact|e-?mail|message|follow up|reach out|send)"
        r"|not interested|no interest|opt(ed)? out|take me off|delete my|not a fit|i'?ll pass)\b", _I),
    "defer": re.compile(
        r"\b(next quarter|circle back|reach out again|follow up next|get back in touch|try (me|us) again"
        r"|ping me|check back|revisit|bad timing|timing is bad|timing isn't great|not (right )?now)\b", _I),
    "switch": re.compile(r"\b(switch|switching|replace|replacing|rip out)\b", _I),
    "incumbent": re.compile(
        r"(?<!can )(?<!could )(?<!would )(?<!to )\b(we('re| are) (on|using)|we (use|run)|standardi[sz]ed on"
        r"|already (use|using|run|running))\b", _I),
    "satisfied": re.compile(r"\bhappy with\b", _I),
    "security": re.compile(
        r"\b(security (review|questionnaire|pack|assessment)|pen(etration)? ?test\w*|encrypt\w*"
        r"|data (residency|processing agreement)|dpa|data cent(re|er)s?|hosted in|vendor[- ]risk)\b", _I),
    "out_of_office": re.compile(
        r"\b(out of (the )?office|auto(matic)?[- ]?reply|on (annual |parental |sick )?leave|away (until|till)"
        r"|back on|return on|not monitored|limited access to)\b", _I),
}

# Negated "switch"/"replace" means staying with what they have: a decline, however it is worded.
FLIP_TO_DECLINE = frozenset({"switch"})
# These cues carry their own polarity (or their negation is their meaning): never flipped.
NO_FLIP = frozenset({"decline", "referral", "out_of_office", "defer"})

NEGATORS = frozenset({
    "not", "no", "never", "don't", "dont", "doesn't", "didn't", "won't", "wouldn't", "can't", "cannot",
    "isn't", "aren't", "wasn't", "without", "nobody", "neither", "nor", "instead", "rather", "zero",
    "haven't", "hasn't", "shouldn't", "couldn't",
})
POST_NEGATORS = frozenset({"won't", "isn't", "aren't", "impossible", "not", "doesn't", "don't", "wont"})

BUDGET_NEGATIVE = re.compile(
    r"\b(no|zero|without|out of) (\w+ ){0,2}(budget|capex|funds|money)\b"
    r"|\b(budgets?|capex|funds)\b(\s\S+){0,5}?\s(frozen|capped|spent|cut|exhausted|gone|used up)\b"
    r"|\btoo (expensive|much|pricey)\b|\bcan'?t afford\b|\bway over\b|\bover (our |my )?budget\b"
    r"|\bstretch\b|\bceiling\b|\bdouble what\b|\bnot possible\b|\bisn'?t possible\b", re.IGNORECASE)
BUDGET_POSITIVE = re.compile(
    r"\b(budgets?|capex)\b(\s\S+){0,5}?\s(approved|available|allocated|signed off|fine)\b"
    r"|\bwithin (what|our|my) (budget|i can spend|we can spend)\b|\bwithin what\b|\bcan afford\b"
    r"|\bprice isn'?t the issue\b", re.IGNORECASE)

# Compliance standards (engine/text/standards.py): the same question about a different standard
# has a different answer.
STANDARDS: list[tuple[str, re.Pattern[str]]] = [(standard.key, standard.pattern) for standard in _STANDARDS]

TIMEZONES = frozenset({
    "CET", "CEST", "IST", "PST", "PDT", "PT", "EST", "EDT", "ET", "CST", "CDT", "GMT", "UTC", "BST",
    "AEST", "AEDT", "JST", "SGT", "WAT", "EAT", "SAST",
})

GREETING = re.compile(rf"^\s*({greeting_alternation()})\b[^,\n!:—–.]{{0,40}}[,!:—–.]?\s*", re.IGNORECASE)
CLOSINGS = re.compile(rf"^\s*({SIGNOFF_ALTERNATION}|--|—)[,!.]?(\s+[A-Z][\w'’.\-]*){{0,4}}\s*$", re.IGNORECASE)

# A cue right after these refers to something that already happened ("thanks for the call").
PAST_REFERENCE = re.compile(
    r"\b(thanks for|thank you for|after|since|following|from|during|for joining|enjoyed|liked) (the|our|your"
    r"|today's|yesterday's|last week's)( \w+)?\s*$", re.IGNORECASE)

# Who the message points at changes a referral or a meeting ("talk to our CFO" vs "our fleet
# manager"): job titles, grouped so that "marketing ops lead" and "mktg operations lead" agree.
ROLE_FAMILIES: dict[str, re.Pattern[str]] = {
    "finance": re.compile(r"\b(cfo|chief financial officer|finance director|head of finance|controller)\b", _I),
    "hr": re.compile(r"\b(chro|hr|human resources|people (ops|operations|team|director))\b", _I),
    "legal": re.compile(r"\b(legal|general counsel|counsel|lawyers?|attorneys?)\b", _I),
    "privacy": re.compile(r"\b(dpo|data protection officer|privacy (officer|team|lead))\b", _I),
    "security": re.compile(r"\b(ciso|chief information security officer|security team|infosec)\b", _I),
    "marketing": re.compile(r"\b(marketing|mktg|cmo)\b", _I),
    "sales": re.compile(r"\b(sales (team|director|lead|manager)|cro|revops)\b", _I),
    "engineering": re.compile(r"\b(cto|vp (of )?engineering|engineering (team|manager|lead|director))\b", _I),
    "operations": re.compile(r"\b(coo|(operations|ops) (director|lead|manager|team)|head of (operations|ops))\b", _I),
    "fleet": re.compile(r"\b(fleet (manager|director|lead|team)|head of fleet)\b", _I),
    "procurement": re.compile(r"\b(procurement|purchasing|cpo)\b", _I),
    "executive": re.compile(r"\b(ceo|founder|co-founder|managing director|owner)\b", _I),
}
