"""Crew backends: each step is one single-agent CrewAI crew, started with `akickoff`.

Used when an LLM key is configured (see `build_backends`). Every output is labelled `source: "llm"`.
Profile enrichment reads the company website (never LinkedIn) when one is given; a website that
cannot be fetched leaves a note on the profile instead of failing the step. The thread analysis
names no one, so the semantic cache may reuse it for another prospect.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from engine.errors import FetchFailed, FetchRefused
from engine.models import Draft, DraftRequest, ProspectProfile, Source, ThreadAnalysis
from engine.protocols import Backends
from engine.settings import EngineSettings
from engine.steps.crew.llm import build_llm, configure_crewai
from engine.steps.crew.pool import CrewPool
from engine.steps.crew.prompts import ANALYSIS, CHANNEL_RULES, NOTES, PROFILE, REPLY, CrewText
from engine.steps.prospect import profile_from_request
from engine.text.scrub import scrub_analysis
from engine.text.thread import rep_name

__all__ = ["CrewAnalysis", "CrewProfile", "CrewReply", "ReplyText", "crew_backends"]

M = TypeVar("M", bound=BaseModel)

# What the LLM sees of long inputs: the latest part of a thread, the start of a website's text.
_THREAD_CHARS = 6_000
_WEBSITE_CHARS = 3_000


class ReplyText(BaseModel):
    """The reply step's structured answer."""

    text: str = Field(description="The reply, ready to send")
    subject: str | None = Field(default=None, description="E-mail subject line; null for other channels")


def _latest(thread: str) -> str:
    return thread if len(thread) <= _THREAD_CHARS else "…" + thread[-_THREAD_CHARS:]


def _is_linkedin(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "linkedin.com" or host.endswith(".linkedin.com")


class CrewProfile:
    """The prospect's profile from the URLs, the company website and the thread."""

    source: Source = "llm"

    def __init__(self, settings: EngineSettings, pool: CrewPool[ProspectProfile]) -> None:
        self.settings = settings
        self.pool = pool

    async def warm(self) -> None:
        """Build what this step's first call would (a server's start-up)."""
        await self.pool.warm()

    async def enrich(self, request: DraftRequest) -> ProspectProfile:
        notes: list[str] = []
        title = description = text = ""
        url = request.prospect_company_website or request.prospect_company_url
        if url and _is_linkedin(url):
            url = None
        if request.prospect_profile_url and _is_linkedin(request.prospect_profile_url):
            notes.append(NOTES.LINKEDIN_NOT_FETCHED)
        if url is None:
            notes.append(NOTES.NO_WEBSITE)
        else:
            from engine.fetch import fetch_website

            try:
                site = await fetch_website(url, settings=self.settings)
            except (FetchRefused, FetchFailed) as exc:
                notes.append(NOTES.website_failed(str(exc)))
            else:
                title, description = site.title or "", site.description or ""
                text = site.text[:_WEBSITE_CHARS]
        found = await self.pool.run({
            "prospect_name": request.prospect_name or "", "channel": request.channel,
            "profile_url": request.prospect_profile_url or "", "company_url": request.prospect_company_url or "",
            "website_url": url or "", "website_title": title, "website_description": description,
            "website_text": text or "(none)", "thread": _latest(request.conversation_thread),
        })
        known = profile_from_request(request)
        name = request.prospect_name or found.name or known.name
        return found.model_copy(update={
            "name": name,
            "first_name": found.first_name or (name.split()[0] if name else None),
            "company": found.company or known.company,
            "company_domain": found.company_domain or known.company_domain,
            # Only what the page said: a title the model made up is not the website's.
            "website_title": title or None,
            "website_description": description or None,
            "notes": [*found.notes, *notes],
        })


class CrewAnalysis:
    """What the prospect's latest message asks, in words that name no one."""

    source: Source = "llm"

    def __init__(self, pool: CrewPool[ThreadAnalysis]) -> None:
        self.pool = pool

    async def warm(self) -> None:
        """Build what this step's first call would (a server's start-up)."""
        await self.pool.warm()

    async def analyse(self, thread: str) -> ThreadAnalysis:
        analysis = await self.pool.run({"thread": _latest(thread)})
        return scrub_analysis(analysis, thread=thread)


class CrewReply:
    """The reply, drafted from the thread and whatever the other steps found."""

    source: Source = "llm"

    def __init__(self, pool: CrewPool[ReplyText]) -> None:
        self.pool = pool

    async def warm(self) -> None:
        """Build what this step's first call would (a server's start-up)."""
        await self.pool.warm()

    async def draft(
        self, request: DraftRequest, *, profile: ProspectProfile | None,
        analysis: ThreadAnalysis | None, snippets: Sequence[str] = (),
    ) -> Draft:
        thread = request.conversation_thread
        reply = await self.pool.run({
            "channel": request.channel, "channel_rules": CHANNEL_RULES[request.channel],
            "rep_name": rep_name(thread) or "name unknown: end with a plain sign-off",
            "profile": _as_json(profile, drop=("website_description",)),
            "analysis": _as_json(analysis),
            "snippets": "\n".join(f"- {snippet}" for snippet in snippets) or "(none)",
            "instructions": "; ".join(request.instructions) or "(none)",
            "thread": _latest(thread),
        })
        subject = reply.subject if request.channel == "email" else None
        return Draft(text=reply.text.strip(), subject=subject or None, channel=request.channel)


def _as_json(model: BaseModel | None, *, drop: tuple[str, ...] = ()) -> str:
    if model is None:
        return "(not available: read the conversation)"
    data = {k: v for k, v in model.model_dump(exclude=set(drop)).items() if v not in (None, "", [])}
    return json.dumps(data, ensure_ascii=False)


def crew_backends(settings: EngineSettings, *, stock: bool = False) -> Backends:
    """The crew backend of every step, sharing one connection pool per step's LLM.

    `stock=True` runs crewai's own OpenAI provider and flow executor instead (for comparisons).
    """
    configure_crewai(settings)
    provider: Literal["replycrew", "crewai"] = "crewai" if stock else "replycrew"
    executor: Literal["single", "crewai"] = "crewai" if stock else "single"

    def pool(step: str, text: CrewText, output: type[M], temperature: float) -> CrewPool[M]:
        return CrewPool(text, output=output, settings=settings, executor=executor,
                        llm=build_llm(settings, step=step, temperature=temperature, provider=provider))

    return Backends(profile=CrewProfile(settings, pool("profile", PROFILE, ProspectProfile, 0.1)),
                    analysis=CrewAnalysis(pool("analysis", ANALYSIS, ThreadAnalysis, 0.0)),
                    reply=CrewReply(pool("reply", REPLY, ReplyText, 0.4)))
