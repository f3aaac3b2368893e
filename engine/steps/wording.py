"""Every word the offline backends show a user: analysis summaries, plain replies, profile notes.

Reply bodies are `str.format` templates; each placeholder is filled by `engine.steps.replies`
from the thread's facts, and a sentence whose facts are missing is left out, never half-filled.
"""

from __future__ import annotations

__all__ = ["INTENT_SCENARIOS", "NOTES", "REPLIES", "SUBJECTS"]

# What each intent means, in words that hold no names (the analysis is reused across prospects).
INTENT_SCENARIOS: dict[str, str] = {
    "interested_book_meeting": "prospect agrees to a meeting and proposes when",
    "asks_pricing": "prospect asks for pricing",
    "asks_case_study": "prospect asks for a case study or customer reference",
    "not_interested": "prospect declines and asks not to be followed up",
    "bad_timing_follow_up_next_quarter": "prospect is interested later and asks to be contacted again",
    "budget_objection": "prospect likes the offer but the price is above their budget",
    "already_uses_competitor": "prospect already uses another tool and plans to stay with it",
    "referral_to_colleague": "prospect is not the owner and points to a colleague",
    "out_of_office": "automatic out-of-office reply",
    "unsubscribe_request": "prospect asks to be removed from all outreach",
    "asks_security_compliance": "prospect needs security or compliance documents before going ahead",
    "asks_integration_question": "prospect asks whether the product integrates with their systems",
    "congratulates_funding_round_context": "prospect thanks for congratulations on a funding round and is curious",
    "partnership_interest": "prospect wants to partner (resell or refer) rather than buy",
    "wants_trial": "prospect wants a trial or proof of concept before committing",
    "asks_to_send_more_info_by_email": "prospect prefers written material by e-mail to a call",
    "general": "prospect replied without a clear ask",
}

# Subject lines for e-mail replies; `{topic}` is the main fact when there is one.
SUBJECTS: dict[str, str] = {
    "interested_book_meeting": "Re: Our call {topic}",
    "asks_pricing": "Re: Pricing {topic}",
    "asks_case_study": "Re: Case study",
    "not_interested": "Re: Our conversation",
    "bad_timing_follow_up_next_quarter": "Re: Reconnecting {topic}",
    "budget_objection": "Re: Options that fit your budget",
    "already_uses_competitor": "Re: Our conversation",
    "referral_to_colleague": "Re: Thanks for the introduction",
    "out_of_office": "Re: When you're back",
    "unsubscribe_request": "Re: Removed from our list",
    "asks_security_compliance": "Re: Security documents",
    "asks_integration_question": "Re: Integration {topic}",
    "congratulates_funding_round_context": "Re: Congratulations on the round",
    "partnership_interest": "Re: Partner program",
    "wants_trial": "Re: Your trial",
    "asks_to_send_more_info_by_email": "Re: The material you asked for",
    "general": "Re: Our conversation",
}

# Reply sentences per intent: each item is one sentence; items with placeholders are dropped when
# the thread did not give the fact. The first item is the one a short LinkedIn reply keeps first.
REPLIES: dict[str, tuple[str, ...]] = {
    "interested_book_meeting": (
        "Great, {when} works for me.|Great, happy to set that up.",
        "I'll send a {duration} calendar invite{with_people}.|I'll send a calendar invite{with_people}.",
        "If there's anything specific you'd like us to cover, just reply here.",
    ),
    "asks_pricing": (
        "Thanks for the detail, happy to share pricing.",
        "I'll send you a breakdown for {quantity}{terms} today.|I'll send you a pricing breakdown today.",
        "If it's easier, I can walk you through it on a quick call.",
    ),
    "asks_case_study": (
        "Absolutely, I'll send you a case study{matching}{deadline}.",
        "It includes the before-and-after numbers, so it should be easy to share internally.",
    ),
    "not_interested": (
        "Understood, thanks for letting me know.",
        "I won't follow up. All the best.",
    ),
    "bad_timing_follow_up_next_quarter": (
        "Makes sense, thanks for the context.",
        "I'll reach out {later} as you suggested.|I'll reach out later, as you suggested.",
        "Good luck with the {project} in the meantime.",
    ),
    "budget_objection": (
        "Thanks for being open about the budget{budget}.",
        "Let me see what we can do. I'll come back with options that fit, such as {options}.",
    ),
    "already_uses_competitor": (
        "Thanks for letting me know{tool_clause}.",
        "I won't push. If anything changes down the line, I'm happy to share a quick comparison.",
    ),
    "referral_to_colleague": (
        "Thanks for pointing me in the right direction.",
        "I'll reach out to your {role} directly.|I'll reach out to them directly.",
    ),
    "out_of_office": (
        "Thanks for the note.",
        "I'll follow up once you're back{back}.",
    ),
    "unsubscribe_request": (
        "Understood, I've removed you from our outreach and you won't hear from us again.",
        "Sorry for the noise.",
    ),
    "asks_security_compliance": (
        "Of course. I'll send {documents}{deadline}.|Of course, I'll send our security documentation{deadline}.",
        "Happy to sign an NDA first if that helps.",
    ),
    "asks_integration_question": (
        "Good question about {systems}.|Good question.",
        "I'll confirm exactly how the integration works, including what syncs and in which direction, "
        "and get back to you with the details.",
    ),
    "congratulates_funding_round_context": (
        "Thanks, and congratulations again on the round!",
        "Growing {growth} is a big step, and I'm happy to share how teams scaling that fast work with us.|"
        "I'm happy to share how fast-growing teams work with us.",
        "Would a short call next week be useful?",
    ),
    "partnership_interest": (
        "Great to hear, we'd be glad to explore a partnership.",
        "I'll send details of our partner program{margins}, and we can set up a short call to walk through it.",
    ),
    "wants_trial": (
        "Happy to set that up.",
        "I'll get a {trial} ready{scope} and send you the next steps today.|"
        "I'll get a trial ready{scope} and send you the next steps today.",
    ),
    "asks_to_send_more_info_by_email": (
        "Of course, no call needed.",
        "I'll e-mail you the {material} today.|I'll e-mail you the details today.",
        "Happy to answer any questions once you've had a look.",
    ),
    "general": (
        "Thanks for getting back to me.",
        "What would be the most useful next step on your side?",
    ),
}

NOTES: dict[str, str] = {
    "fetch_refused": "Did not fetch the company website: {reason}",
    "fetch_failed": "Could not read the company website: {reason}",
    "fetch_truncated": "The company website page was larger than the size limit; only its start was read.",
}
