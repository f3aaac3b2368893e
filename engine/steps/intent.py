"""Intent rules for a prospect's latest message, with negation: "no need for a demo" is not a demo ask.

The message, its negation scope, tool names and standards are read by engine/text; the rules that
map them to an intent live here.

Rules are tried in priority order; the first intent with a live cue wins. A cue is live unless a
negator ("no need for", "don't", "already", "rather than") precedes it in the same clause, or a
dismissal ("isn't the issue") follows it. Some intents also need a second signal:
`already_uses_competitor` needs a tool *and* a sign of staying with it, so "we're on X and not
happy with it" is not a competitor objection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.models import Intent
from engine.text.dates import MONTH
from engine.text.facts import COMPETITORS, find_terms
from engine.text.negation import live
from engine.text.standards import ANY_STANDARD

__all__ = ["IntentMatch", "classify_intent"]

def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


@dataclass(frozen=True)
class IntentMatch:
    """The intent and the rule that fired (for debugging and the analysis summary)."""

    intent: Intent
    rule: str


# --- cues ------------------------------------------------------------------------------------------
_UNSUBSCRIBE = _rx(r"unsubscribe|remove me|remove my (?:address|details|email|e-mail|data)|"
                   r"delete my (?:details|data|address|email|e-mail|info)|take me off|drop me from|opt (?:me )?out|"
                   r"stop (?:emailing|e-mailing|messaging|contacting|writing to) me|"
                   r"(?:do not|don'?t) (?:send|email|e-mail|message) me (?:any )?(?:further|more|again)|"
                   r"off (?:your|the) (?:mailing )?list")
_OOO = _rx(r"out of (?:the )?office|automatic reply|auto-?reply|autoreply|on (?:annual |parental |sick |maternity "
           r"|paternity )?leave|i'?m away|i am away|away (?:until|till|from)|back (?:in the office )?on "
           r"(?:mon|tue|wed|thu|fri)|email is not (?:being )?monitored|limited access to (?:e-?mail|email)|"
           r"won'?t be checking|not checking (?:e-?mail|email)|return on")
_BACK = _rx(r"\bback now\b|\bi'?m back\b(?! on)|\bi was (?:out|away)|sorry for the auto|\bre: ?automatic reply")
_NOT_INTERESTED = _rx(r"\bnot interested\b|\bno interest\b|\bnot (?:a )?(?:good )?fit\b|\bnot for us\b|"
                      r"\bpass on (?:this|it)\b|\bi'?ll pass\b|\bwe'?ll pass\b|\bnot something we (?:will|would|'d) "
                      r"(?:look at|consider|need)|(?:please )?(?:don'?t|do not|pls dont|pls don'?t|dont) "
                      r"(?:follow up|contact me|reach out)|(?:not|never) (?:contact|email|message) me again|"
                      r"do not contact|not looking for|no longer (?:interested|looking)|we'?re all set|"
                      r"not relevant (?:for|to) us|no need for (?:this|your)")
_REFERRAL = _rx(r"i don'?t own (?:this|that|it)|not (?:the )?(?:right|best|correct) person|wrong person|"
                r"not (?:in )?my (?:area|remit|department|team|call)|(?:aren'?t|isn'?t|are not|is not) (?:in )?my "
                r"(?:area|remit|department)|\bnot me\b|the right person (?:is|would be|here is)|better person|"
                r"(?:reach out|talk|speak|go|write|reach) (?:to|with) (?:him|her|them)\b|"
                r"you should (?:talk|speak|reach out|contact|email)|take (?:it|this) up with|"
                r"coordinate with (?:him|her|them)|(?:cc'?d|copied|looped in|looping in|forwarded this to) "
                r"(?:him|her|them|my|our)|(?:talk|speak) to (?:our|my)\b|(?:he|she) (?:owns|handles|runs|"
                r"is running|is leading|leads|is responsible|looks after)")
_BAD_TIMING = _rx(r"next quarter|timing is (?:bad|not great|off)|bad timing|timing isn'?t (?:great|good|right|ideal)|"
                  r"\bnot (?:right )?now\b|not this (?:quarter|year|month)|\b(?:no|zero) bandwidth|"
                  r"(?:reach out|try me|ping me|check back|circle back|come back|follow up|revisit)"
                  r"[^.]{0,25}\b(?:in|next|after) (?:early |mid |late )?(?:q[1-4]|" + MONTH + r"|"
                  r"the new year|quarter|a few months|six months|\d+ months)|"
                  r"(?:can'?t|cannot|can not) take on (?:another|a new|anything)|too busy (?:right now|until)|"
                  r"once (?:it|this|that) is live|until (?:it'?s|it is) live")
_RETENTION = _rx(r"happy with (?:it|them|that|\w+)|no plans to (?:switch|change|move|replace|leave)|"
                 r"not (?:switching|replacing|changing|moving|looking to (?:switch|replace|change))|"
                 r"switching isn'?t|(?:no|zero) appetite to (?:replace|switch|change)|"
                 r"nobody (?:here )?wants to (?:replace|switch|change)|(?:won'?t|not going to) (?:switch|replace)|"
                 r"\brenewed\b|signed a [\w -]{0,20}renewal|locked in|standardi[sz]ed on|just went live|"
                 r"(?:finished|completed) (?:a|the|our) [\w -]{0,25}implementation|committed to|works (?:fine|well) "
                 r"for us")
_USAGE = _rx(r"\b(?:we|we'?re|we are|we'?ve|our team|the team)\b[^.]{0,25}\b(?:use|using|run|running|on|"
             r"standardi[sz]ed on|switched to|moved to|signed with|went with|chose|have)\b")
_PARTNERSHIP = _rx(r"partner(?:ship)? program(?:me)?|partner programs?|reseller|resell|referral partner(?:ship)?|"
                   r"partnership|partner with you|white[- ]label|affiliate program|channel partner")
# Any standard of engine/text/standards.py, or a security document or review.
_SECURITY = _rx(ANY_STANDARD.pattern + r"|\bdpa\b|data processing "
                r"agreement|pen(?:etration)? ?test|encrypt\w*|data cent(?:re|er)s?|data residency|security "
                r"(?:review|questionnaire|pack|assessment|documentation)|vendor[- ]risk|statement of applicability|"
                r"\bsso\b|\bsaml\b|sub-?processors")
_BUDGET = _rx(r"\bbudget (?:is |was )?(?:capped|frozen|cut|gone|spent|tight|exhausted)|budgets? (?:are|is) frozen|"
              r"over (?:our |my )?budget|out of (?:our |my )?budget|no budget|(?:no|zero) capex|capex[^.]{0,30}"
              r"(?:spent|gone|used)|too (?:much|expensive|pricey|high)|can'?t afford|cannot afford|"
              r"(?:is )?a stretch|way over|(?:double|twice|triple) what|isn'?t possible|not possible|"
              r"no way to get|(?:our )?ceiling is|capped at|only have \$|lower price|flexib\w* on (?:price|pricing)|"
              r"(?:do|discount) on (?:the )?price|smaller package|lighter package|fewer modules|"
              r"\bleas(?:e|ing)\b|pay monthly|monthly (?:payment|fee)|spread (?:it|the cost|into)|payment plan|"
              r"can'?t justify")
_INTEGRATION = _rx(r"integrat\w*|connector|\bsync\w*|two[- ]way|\bapi\b|hook (?:into|up)|plug (?:into|in)|"
                   r"middleware|webhook|connects? (?:to|with)|works with|out-of-the-box|native(?:ly)? "
                   r"(?:connect|integration|support)")
_TRIAL = _rx(r"\btrial\b|\btrials\b|proof of concept|\bpoc\b|\bpilot\b|sandbox|try (?:it|this|the product|you)"
             r"(?: out| ourselves| first| properly)?|trying it|test it (?:ourselves|properly|out|first)")
_MORE_INFO = _rx(r"\b(?:e-?mail|email) me\b|\bby (?:e-?mail|email)\b|\bvia (?:e-?mail|email)\b|"
                 r"\bto my (?:e-?mail|email|inbox)|\bsend (?:me )?(?:over )?(?:the |a |your |some )?(?:brochure|"
                 r"deck|one[- ]pager|overview|product overview|spec|info|information|materials|datasheet|"
                 r"data sheet|details|pdf)|\bbrochure|\bspec(?:ification)? sheet|one[- ]pager|datasheet|"
                 r"(?:send|forward|share)\b[^.?!]{0,80}@")
_CASE_STUDY = _rx(r"case stud(?:y|ies)|customer stor(?:y|ies)|reference (?:case|customer|call|site)|"
                  r"\breferences?\b|success stor(?:y|ies)|testimonial|proof points?|similar (?:customer|company)")
_PRICING_STRONG = _rx(r"pricing|price per|\bprices?\b|how much|ballpark|\$\$|cost per|per (?:seat|user|vehicle|"
                      r"month|terminal|licen[cs]e)|quote for|licen[cs]e (?:fee|cost|pricing)")
_PRICING_WEAK = _rx(r"\bcost\b|\bcosts\b|\bquote\b|\brates?\b|\bfees?\b|commercials")
_REQUEST = _rx(r"\?|\b(?:can|could|would|will) (?:you|we|i)\b|\bplease\b|\bpls\b|\bsend\b|\bwhat(?:'s| is| are| "
               r"would| does)\b|\bi need\b|\bwe need\b|\bi'?d (?:like|want|need)\b|\bwe'?d (?:like|want|need)\b|"
               r"\bgive me\b|\bshare\b|\blet me know\b")
_FUNDING = _rx(r"series [a-e]\b|funding|\braised\b|\bthe round\b|\bround\b|investors?|investment")
_FUNDING_CONTEXT = _rx(r"series [a-e]\b|funding|\braised\b|\$\d+ ?m\b|\bround\b")
_THANKS = _rx(r"\bthanks?\b|thank you|appreciated|\bmerci\b|\bcheers\b")
_MEETING = _rx(r"\bdemo\b|\bcall\b|\bchat\b|meeting|\bmeet\b|invite|invitation|calendar|\bintro\b|walkthrough|"
               r"session|let'?s (?:do it|chat|talk|set up|meet)|works for me|\bbook\b|schedule|"
               r"\b\d{1,2}(?::\d\d)? ?(?:am|pm)\b|(?:mon|tues|wednes|thurs|fri)day|\bthurs\b|\d+ ?min(?:ute)?s?"
               r"|\bworks\b|sounds good|let'?s do")


def _sentences_with(pattern: re.Pattern[str], text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n", text) if pattern.search(s)]


def classify_intent(text: str, *, context: str = "") -> IntentMatch:
    """The intent of a prospect's message; `context` is the rep's message before it."""
    if live(_UNSUBSCRIBE, text):
        return IntentMatch("unsubscribe_request", "unsubscribe")
    if _OOO.search(text) and not _BACK.search(text):
        return IntentMatch("out_of_office", "out of office")
    if live(_PARTNERSHIP, text):
        return IntentMatch("partnership_interest", "partnership")
    if live(_RETENTION, text) and (find_terms(text, COMPETITORS) or _USAGE.search(text)):
        return IntentMatch("already_uses_competitor", "uses a tool and stays with it")
    if _NOT_INTERESTED.search(text):
        return IntentMatch("not_interested", "declines")
    if _REFERRAL.search(text):
        return IntentMatch("referral_to_colleague", "points to someone else")
    if live(_BAD_TIMING, text):
        return IntentMatch("bad_timing_follow_up_next_quarter", "asks to come back later")
    if live(_SECURITY, text):
        return IntentMatch("asks_security_compliance", "security or compliance ask")
    if live(_BUDGET, text):
        return IntentMatch("budget_objection", "price above budget")
    if live(_INTEGRATION, text):
        return IntentMatch("asks_integration_question", "integration ask")
    if live(_TRIAL, text):
        return IntentMatch("wants_trial", "trial ask")
    if live(_MORE_INFO, text):
        return IntentMatch("asks_to_send_more_info_by_email", "send material by e-mail")
    if live(_CASE_STUDY, text):
        return IntentMatch("asks_case_study", "case study ask")
    if live(_PRICING_STRONG, text) or any(live(_PRICING_WEAK, s) for s in _sentences_with(_REQUEST, text)):
        return IntentMatch("asks_pricing", "pricing ask")
    if live(_FUNDING, text) or (_FUNDING_CONTEXT.search(context) and _THANKS.search(text)
                                and not re.search(r"haven'?t raised|wrong company", text, re.IGNORECASE)):
        return IntentMatch("congratulates_funding_round_context", "funding news")
    if live(_MEETING, text):
        return IntentMatch("interested_book_meeting", "agrees to meet")
    return IntentMatch("general", "no rule matched")
