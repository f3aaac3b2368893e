"""The words the crew backends say to the LLM (agents and tasks) and to users (notes). One place to edit.

Task texts are crewai templates: `{name}` placeholders are filled from the kickoff inputs, so
these strings must hold no other braces.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ANALYSIS", "CHANNEL_RULES", "LLM_WORDS", "NOTES", "PROFILE", "REPLY", "CrewText"]


@dataclass(frozen=True)
class CrewText:
    """One step's agent persona and task template."""

    role: str
    goal: str
    backstory: str
    task: str
    expected_output: str


PROFILE = CrewText(
    role="Prospect researcher",
    goal="Work out who a sales prospect is and what their company does, from the facts given only",
    backstory="You prepare short, factual briefs for sales reps. You never guess beyond the evidence.",
    task=(
        "Build a brief profile of the prospect a sales rep is talking to.\n"
        "Use only the facts below; leave a field null when they do not say.\n"
        "The person's name may come from the thread's speaker labels or the LinkedIn URL slug; "
        "the company from the website, its domain or the e-mail signature.\n"
        "industry: a few words. website_summary: what the company does, in one or two sentences.\n"
        "notes: at most three short facts useful for a reply (team size, region, product).\n\n"
        "Given name (may be empty): {prospect_name}\n"
        "LinkedIn profile URL (not fetched): {profile_url}\n"
        "Company page URL: {company_url}\n"
        "Company website: {website_url}\n"
        "Website title: {website_title}\n"
        "Website description: {website_description}\n"
        "Website text:\n{website_text}\n\n"
        "Conversation ({channel}):\n{thread}"
    ),
    expected_output="The prospect's profile, as the requested structure.",
)

ANALYSIS = CrewText(
    role="Sales conversation analyst",
    goal="Say precisely what a prospect's latest message asks for, without naming anyone",
    backstory=(
        "You read sales threads for a team of reps. Your analyses are reused for other prospects "
        "with similar messages, so they never contain a person's name or the prospect's company name."
    ),
    task=(
        "Analyse the prospect's latest message in this sales conversation, reading earlier "
        "messages only for context.\n"
        "intent: the one label that fits the latest message best. sentiment and urgency: as the "
        "prospect expresses them.\n"
        "key_facts: numbers, dates, timeframes, products and competitors the prospect mentions, "
        "copied exactly (keep '40 vehicles', 'next quarter', 'SOC 2'). questions: what they ask, "
        "one per item. objections: what holds them back.\n"
        "scenario: a few words naming the situation. summary: one sentence.\n"
        "Never write a person's name, the prospect's company name, an e-mail address or a phone "
        "number: say 'the prospect', 'the rep', 'their company'. Competitor and product names are fine.\n\n"
        "Conversation:\n{thread}"
    ),
    expected_output="The analysis of the latest message, as the requested structure, naming no one.",
)

REPLY = CrewText(
    role="Sales development rep",
    goal="Draft the reply a good rep would send to the prospect's latest message",
    backstory=(
        "You write short, warm, specific replies that answer exactly what the prospect asked, "
        "propose one clear next step and never invent facts, prices or dates."
    ),
    task=(
        "Write the rep's reply to the prospect's latest message.\n"
        "Channel: {channel}. {channel_rules}\n"
        "Answer their questions using only the approved answers and facts below; where a fact is "
        "missing, offer to follow up rather than inventing it. Greet the prospect by first name "
        "when known. Sign off as the rep ({rep_name}).\n"
        "The rep's instructions for this version (follow them; they win over the channel's length "
        "and tone rules, never over the facts): {instructions}\n\n"
        "Prospect profile: {profile}\n"
        "Analysis of their latest message: {analysis}\n"
        "Approved answers you may use:\n{snippets}\n\n"
        "Conversation:\n{thread}"
    ),
    expected_output="The reply text (and an e-mail subject for e-mail), as the requested structure.",
)

CHANNEL_RULES: dict[str, str] = {
    "email": "Write an e-mail: a subject line, a greeting, two or three short paragraphs, a sign-off.",
    "linkedin": "Write a LinkedIn message: under 600 characters, no subject, conversational.",
    "slack": "Write a Slack message: two to four sentences, no subject.",
    "other": "Write a short message: no subject.",
}


class NOTES:
    """Notes added to a profile or result, read by reps."""

    NO_WEBSITE = "No company website was given, so the profile is built from the thread and URLs."
    LINKEDIN_NOT_FETCHED = "LinkedIn is never fetched; the name comes from the URL slug."

    @staticmethod
    def website_failed(reason: str) -> str:
        """The website could not be used; the profile was built without it."""
        return f"The company website was not used ({reason})."


class LLM_WORDS:
    """Why an LLM call failed and what to do, as users read it in a step's error.

    None of these may contain "rate limit", "too many requests", "throttled" or "resource
    exhausted": crewai re-runs a call whose error says so, on top of the SDK's own retries.
    """

    @staticmethod
    def timeout(where: str, seconds: float, attempts: int) -> str:
        """Every attempt ran past LLM_TIMEOUT_S."""
        return (f"the LLM at {where} did not answer within {seconds:g} s ({attempts} attempts); "
                "try again, or raise LLM_TIMEOUT_S")

    @staticmethod
    def unreachable(where: str, setting: str = "OPENAI_BASE_URL") -> str:
        """No connection could be made."""
        return f"could not connect to the LLM at {where}; check {setting} and the network"

    @staticmethod
    def quota(where: str) -> str:
        """429 insufficient_quota: the account has no credit; retrying cannot help."""
        return (f"the LLM account at {where} has no quota left (HTTP 429 insufficient_quota: no credit or "
                "billing limit reached); add credit or raise the limit in the provider's billing settings, "
                "or use another key")

    @staticmethod
    def busy(where: str, attempts: int) -> str:
        """A 429 that kept coming back: requests per minute over the account's allowance."""
        return (f"the LLM at {where} kept answering HTTP 429 (over its request quota) after "
                f"{attempts} attempts; try again in a minute or lower MAX_CONCURRENT_REQUESTS")

    @staticmethod
    def bad_key(where: str, status: int, key_setting: str) -> str:
        """401/403: the key (or token) was refused."""
        return f"the LLM at {where} refused the credentials (HTTP {status}); check {key_setting}"

    @staticmethod
    def unknown_model(where: str, model: str, model_setting: str, detail: str) -> str:
        """404: no such model or deployment."""
        return (f"the LLM at {where} has no model or deployment named {model!r} (HTTP 404: {detail}); "
                f"check {model_setting}")

    @staticmethod
    def truncated(cap: int | None) -> str:
        """finish_reason length: the answer hit the output cap before it was whole."""
        at = f" at {cap} tokens" if cap else ""
        return (f"the LLM's answer was cut off{at} (finish_reason: length) before it was complete; "
                "raise LLM_MAX_OUTPUT_TOKENS (or unset it to use the per-step caps)")

    @staticmethod
    def content_filter(where: str, part: str) -> str:
        """The provider's content filter blocked the prompt or the answer."""
        return (f"the content filter of the LLM at {where} blocked the {part}; edit the thread "
                "(or review the deployment's content filter settings)")

    @staticmethod
    def context_too_long(where: str, detail: str) -> str:
        """The prompt is longer than the model's context window."""
        return (f"the thread is too long for the model at {where} ({detail}); paste only the latest "
                "messages or use a model with a larger context window")

    @staticmethod
    def rejected(where: str, status: int, detail: str) -> str:
        """Any other refused request (400, 422): the server's own words."""
        return f"the LLM at {where} rejected the request with HTTP {status}: {detail}"

    @staticmethod
    def server(where: str, status: int, attempts: int, detail: str) -> str:
        """5xx after retries."""
        said = f" ({detail})" if detail else ""
        return f"the LLM at {where} answered HTTP {status} after {attempts} attempts{said}; try again shortly"

    @staticmethod
    def status(where: str, status: int, attempts: int, detail: str = "") -> str:
        """An HTTP error no more specific message covers."""
        if status >= 500 or status in (408, 409):
            return LLM_WORDS.server(where, status, attempts, detail)
        return LLM_WORDS.rejected(where, status, detail)

    @staticmethod
    def garbled(where: str, detail: str) -> str:
        """The answer could not be read as a chat completion."""
        return f"the LLM at {where} gave no usable answer ({detail}); try again"

    @staticmethod
    def refused(where: str, refusal: str) -> str:
        """The model declined to answer."""
        return f"the model at {where} declined to answer ({refusal[:200]}); edit the thread or try again"

    @staticmethod
    def misfit(model: str, problems: int, example: str) -> str:
        """The answer is JSON that does not fit the requested structure."""
        return (f"the LLM's answer does not fit {model} ({problems} problems, e.g. {example}); "
                "try again, or use a larger model")

    @staticmethod
    def bad_azure_endpoint(value: str, why: str) -> str:
        """AZURE_OPENAI_ENDPOINT cannot be used."""
        return (f"AZURE_OPENAI_ENDPOINT={value!r} cannot be used ({why}); set it to your resource's "
                "endpoint, e.g. https://my-resource.openai.azure.com (the portal's Keys and Endpoint page)")

    @staticmethod
    def no_deployment() -> str:
        """Azure without a deployment name."""
        return ("AZURE_OPENAI_DEPLOYMENT is not set: set it to the name of your Azure OpenAI model "
                "deployment (or unset AZURE_OPENAI_ENDPOINT to use OpenAI or offline mode)")

    @staticmethod
    def entra_missing() -> str:
        """Azure with no key and no azure-identity."""
        return ("AZURE_OPENAI_API_KEY is not set and Microsoft Entra ID sign-in needs azure-identity: "
                "set AZURE_OPENAI_API_KEY, or `pip install 'replycrew[azure]'` and sign in (az login, "
                "a managed identity or AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET)")

    @staticmethod
    def not_configured() -> str:
        """No LLM settings at all."""
        return ("no LLM is configured: set OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT (+ key or Entra ID), "
                "or OPENAI_BASE_URL for a local server; or use the offline backends")
