"""Offline backends: deterministic heuristics; no network except the company website fetch.

Used when no LLM key is configured.

Every output they produce is labelled `source: "offline"`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import aiohttp

from engine.errors import FetchFailed, FetchRefused
from engine.fetch import WebsiteInfo, fetch_website
from engine.meaning.models import MeaningModels, get_models
from engine.meaning.reading import read_thread
from engine.models import Draft, DraftRequest, ProspectProfile, Source, ThreadAnalysis
from engine.protocols import Backends
from engine.settings import EngineSettings
from engine.steps.prospect import company_from_slug, company_from_title, guess_industry, profile_from_request
from engine.steps.replies import plain_reply
from engine.steps.wording import NOTES

Fetcher = Callable[[str], Awaitable[WebsiteInfo]]

__all__ = ["OfflineAnalysis", "OfflineProfile", "OfflineReply", "enrich_from_website", "offline_backends"]


class OfflineProfile:
    """Names from the thread and URL slugs; title, description and industry from the company website.

    The website is the only network call, and only when the request names one; a refused or failed
    fetch becomes a note on the profile, never a failed step.
    """

    source: Source = "offline"

    def __init__(self, settings: EngineSettings | None = None, *,
                 session: aiohttp.ClientSession | None = None, fetch: Fetcher | None = None) -> None:
        self.settings = settings or EngineSettings()
        self._session = session
        self._fetch = fetch

    async def enrich(self, request: DraftRequest) -> ProspectProfile:
        """The profile from names and URLs, enriched from the company website when there is one."""
        profile = profile_from_request(request)
        url = request.prospect_company_website
        if not url:
            return profile  # no website, no network
        try:
            site = await (self._fetch(url) if self._fetch else
                          fetch_website(url, settings=self.settings, session=self._session))
        except FetchRefused as exc:
            return profile.model_copy(update={"notes": [*profile.notes,
                                                        NOTES["fetch_refused"].format(reason=exc)]})
        except FetchFailed as exc:
            return profile.model_copy(update={"notes": [*profile.notes,
                                                        NOTES["fetch_failed"].format(reason=exc)]})
        return enrich_from_website(profile, site, company_url=request.prospect_company_url)


class OfflineAnalysis:
    """Intent from the trained model (engine/meaning), facts and questions from the rules."""

    source: Source = "offline"

    def __init__(self, models: MeaningModels | None = None) -> None:
        self._models = models

    async def analyse(self, thread: str) -> ThreadAnalysis:
        return await read_thread(thread, models=self._models or get_models())


class OfflineReply:
    """A plain reply that answers the prospect's intent, as the offline analysis reads it."""

    source: Source = "offline"

    def __init__(self, models: MeaningModels | None = None) -> None:
        self._models = models

    async def draft(
        self, request: DraftRequest, *, profile: ProspectProfile | None,
        analysis: ThreadAnalysis | None, snippets: Sequence[str] = (),
    ) -> Draft:
        if analysis is None:  # fast mode or a failed analysis step: read the thread the same way
            analysis = await read_thread(request.conversation_thread, models=self._models or get_models())
        return plain_reply(request, profile=profile, analysis=analysis, snippets=snippets)


def enrich_from_website(profile: ProspectProfile, site: WebsiteInfo, *,
                        company_url: str | None = None) -> ProspectProfile:
    """The profile with the website's title, description, a text summary, company and industry."""
    from_title = company_from_title(site.title, profile.company_domain)
    company = company_from_slug(company_url) or from_title or profile.company
    words = " ".join(part for part in (site.title, site.description, site.text) if part)
    notes = [*profile.notes, NOTES["fetch_truncated"]] if site.truncated else profile.notes
    return profile.model_copy(update={
        "company": company,
        "website_title": site.title,
        "website_description": site.description,
        "website_summary": site.text[:500] or None,
        "industry": guess_industry(words) or profile.industry,
        "notes": notes,
    })


def offline_backends(settings: EngineSettings) -> Backends:
    """The offline backend of every step."""
    return Backends(profile=OfflineProfile(settings), analysis=OfflineAnalysis(), reply=OfflineReply())
