"""The offline analysis read by the trained intent model, with the facts and questions from the rules.

The rules (engine/steps/heuristics.py) still extract facts, questions and urgency; the intent, and
what follows from it (sentiment, scenario, objections, summary), comes from the intent model. When
the model is unsure it reads `general`, and the reply then asks instead of assuming. When the models
are not loaded yet (a server's first seconds) or cannot load, the rules' intent is used and the
summary says so.
"""

from __future__ import annotations

from engine.meaning.encoding import view_of
from engine.meaning.models import MeaningModels
from engine.models import Intent, ThreadAnalysis
from engine.steps.heuristics import analyse_thread
from engine.steps.wording import INTENT_SCENARIOS

__all__ = ["RULES_NOTE", "read_thread", "with_intent"]

RULES_NOTE = "Intent read by keyword rules: the intent model was not loaded."
_POSITIVE = frozenset({"interested_book_meeting", "asks_pricing", "asks_case_study", "asks_integration_question",
                       "asks_security_compliance", "congratulates_funding_round_context", "partnership_interest",
                       "wants_trial", "asks_to_send_more_info_by_email"})
_NEGATIVE = frozenset({"not_interested", "unsubscribe_request", "already_uses_competitor"})
_CALM = frozenset({"not_interested", "unsubscribe_request", "out_of_office", "bad_timing_follow_up_next_quarter",
                   "already_uses_competitor"})
# The objection each intent implies; the rules add text-specific ones when they read the same intent.
_OBJECTIONS: dict[str, list[str]] = {
    "budget_objection": ["price above budget"],
    "already_uses_competitor": ["already has a solution"],
    "bad_timing_follow_up_next_quarter": ["bad timing"],
    "not_interested": ["not interested"],
    "unsubscribe_request": ["wants no further contact"],
    "referral_to_colleague": ["not the decision maker"],
}


def with_intent(rules: ThreadAnalysis, intent: Intent) -> ThreadAnalysis:
    """The rules' analysis re-read with `intent`: sentiment, scenario, objections and summary follow it."""
    if intent == rules.intent:
        return rules
    scenario = INTENT_SCENARIOS[intent]
    facts = rules.key_facts
    summary = scenario[0].upper() + scenario[1:] + (f"; key facts: {', '.join(facts[:5])}." if facts else ".")
    urgency = "low" if intent in _CALM else ("medium" if rules.urgency == "low" else rules.urgency)
    return rules.model_copy(update={
        "intent": intent,
        "sentiment": "positive" if intent in _POSITIVE else "negative" if intent in _NEGATIVE else "neutral",
        "objections": list(_OBJECTIONS.get(intent, [])),
        "urgency": urgency, "scenario": scenario, "summary": summary,
    })


async def read_thread(thread: str, *, models: MeaningModels) -> ThreadAnalysis:
    """The offline analysis of a thread; loads the models first unless a server is loading them already."""
    rules = analyse_thread(thread)
    if models.state == "not loaded":
        await models.warm()  # a CLI run or a test: nobody started them in the background
    view = view_of(thread)
    if not models.ready or not view.text:
        return rules.model_copy(update={"summary": f"{rules.summary} {RULES_NOTE}".strip()})
    read = await models.read(view)
    return with_intent(rules, read.reading.intent)
