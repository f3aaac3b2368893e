"""The offline analysis step: intent, facts, questions and objections of the prospect's latest
message, without an LLM.

The thread is read by engine/text (messages, facts, negation, the name scrubber); intent rules are
in intent.py. The analysis holds no person or company names, e-mail addresses or signatures: it is
reused across prospects by the semantic cache.
"""

from __future__ import annotations

import re

from engine.models import Intent, ThreadAnalysis
from engine.steps.intent import classify_intent
from engine.steps.wording import INTENT_SCENARIOS
from engine.text.facts import COMPETITORS, extract_facts, fact_kind
from engine.text.negation import negator_before
from engine.text.scrub import scrub_sentence
from engine.text.thread import body_of, latest_turn, names_in_thread, parse_messages

__all__ = ["analyse_text", "analyse_thread"]

_POSITIVE = {"interested_book_meeting", "asks_pricing", "asks_case_study", "asks_integration_question",
             "asks_security_compliance", "congratulates_funding_round_context", "partnership_interest",
             "wants_trial", "asks_to_send_more_info_by_email"}
_NEGATIVE = {"not_interested", "unsubscribe_request", "already_uses_competitor"}
_CALM = {"not_interested", "unsubscribe_request", "out_of_office", "bad_timing_follow_up_next_quarter",
         "already_uses_competitor"}
_URGENT = re.compile(r"\b(?:asap|urgent\w*|today|tomorrow|this week|before (?:mon|tue|wed|thu|fri|the \d|next|"
                     r"our|legal|we|i take|that)\w*|by (?:mon|tue|wed|thu|fri|end of)\w*|need (?:it|them|answers) "
                     r"before)", re.IGNORECASE)


def _mark_negated(facts: list[str], text: str, intent: Intent) -> list[str]:
    """Mark facts the prospect negates: "no need for a 30 min demo" -> "no 30 min demo",
    "we already ran a 30-day proof of concept" -> "already done: 30-day proof of concept"."""
    out = []
    for fact in facts:
        kind = fact_kind(fact)
        core = fact.removeprefix("mentions ").removeprefix("involves ")
        spans = [m.span() for m in re.finditer(re.escape(core), text, re.IGNORECASE)]
        negators = [negator_before(text, start, end) for start, end in spans]
        if kind in ("topic", "duration", "tool", "time", "standard") and spans and all(negators):
            if negators[-1] == "already" and kind == "time":
                out.append(fact)  # "already approved this year": the time itself is not negated
            elif negators[-1] == "already":
                out.append(f"already done: {core}")
            else:
                out.append(f"not {fact}" if kind == "time" else f"no {core}")
        elif kind == "tool" and intent == "already_uses_competitor" and core in COMPETITORS:
            out.append(f"uses {core}")
        else:
            out.append(fact)
    return out


def _objections(intent: Intent, facts: list[str], text: str) -> list[str]:
    tools = [f.removeprefix("uses ") for f in facts if f.startswith("uses ")]
    found: list[str] = {
        "budget_objection": ["price above budget"],
        "already_uses_competitor": [f"already uses {tool}" for tool in tools] or ["already has a solution"],
        "bad_timing_follow_up_next_quarter": ["bad timing"],
        "not_interested": ["not interested"],
        "unsubscribe_request": ["wants no further contact"],
        "referral_to_colleague": ["not the decision maker"],
    }.get(intent, [])
    if intent == "budget_objection" and re.search(r"capex", text, re.I):
        found.append("no capex left this year")
    if re.search(r"\b(?:frozen|freeze)\b", text, re.I):
        found.append("budget frozen")
    if re.search(r"\brenew(?:ed|al)\b", text, re.I) and intent == "already_uses_competitor":
        found.append("recently renewed")
    if re.search(r"no time for a call|calls? (?:won'?t work|are impossible)|calendar is full|no call", text, re.I):
        found.append("no time for a call")
    if re.search(r"(?:don'?t|do not|dont) want to (?:sign|commit)|before we commit|premature", text, re.I):
        found.append("wants to try before committing")
    return found


_EMOJI = "[\U0001F300-\U0001FAFF\u2600-\u27BF]+"


def _questions(text: str, names: set[str]) -> list[str]:
    sentences = re.split(rf"(?<=[.!?])\s+|\n|\s*{_EMOJI}\s*", text)
    asked = [s.strip() for s in sentences if s.strip().endswith("?")]
    cleaned = [scrub_sentence(question, names) for question in asked]
    return [question[:300] for question in cleaned if question][:5]


def analyse_text(text: str, *, context: str = "", names: set[str] | None = None) -> ThreadAnalysis:
    """Analyse one prospect message; `context` is the rep's message before it, `names` are scrubbed."""
    match = classify_intent(text, context=context)
    intent = match.intent
    facts = _mark_negated(extract_facts(text), text, intent)
    scenario = INTENT_SCENARIOS[intent]
    summary = scenario[0].upper() + scenario[1:] + (f"; key facts: {', '.join(facts[:5])}." if facts else ".")
    return ThreadAnalysis(
        intent=intent,
        sentiment="positive" if intent in _POSITIVE else "negative" if intent in _NEGATIVE else "neutral",
        key_facts=facts,
        questions=_questions(text, names or set()),
        objections=_objections(intent, facts, text),
        urgency="low" if intent in _CALM else "high" if _URGENT.search(text) else "medium",
        scenario=scenario,
        summary=summary,
    )


def analyse_thread(thread: str) -> ThreadAnalysis:
    """Intent, facts and questions from the prospect's latest message, without names."""
    turn = latest_turn(parse_messages(thread))
    text, context = (body_of(turn.message), turn.context) if turn else (thread, "")
    return analyse_text(text, context=context, names=names_in_thread(thread))
