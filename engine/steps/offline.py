"""Offline backends: deterministic heuristics, no network. Used when no LLM key is configured.

Every output they produce is labelled `source: "offline"`.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.models import Draft, DraftRequest, ProspectProfile, Source, ThreadAnalysis
from engine.settings import EngineSettings
from engine.steps import Backends
from engine.steps.heuristics import analyse_thread, plain_reply, profile_from_request

__all__ = ["OfflineAnalysis", "OfflineProfile", "OfflineReply", "offline_backends"]


class OfflineProfile:
    """Names from the thread and URL slugs; the company website only when a fetcher is given."""

    source: Source = "offline"

    async def enrich(self, request: DraftRequest) -> ProspectProfile:
        return profile_from_request(request)


class OfflineAnalysis:
    """Intent keywords, facts (numbers, dates, competitors) and questions from the last message."""

    source: Source = "offline"

    async def analyse(self, thread: str) -> ThreadAnalysis:
        return analyse_thread(thread)


class OfflineReply:
    """A plain reply that answers the prospect's intent."""

    source: Source = "offline"

    async def draft(
        self, request: DraftRequest, *, profile: ProspectProfile | None,
        analysis: ThreadAnalysis | None, snippets: Sequence[str] = (),
    ) -> Draft:
        return plain_reply(request, profile=profile, analysis=analysis, snippets=snippets)


def offline_backends(settings: EngineSettings) -> Backends:
    """The offline backend of every step."""
    return Backends(profile=OfflineProfile(), analysis=OfflineAnalysis(), reply=OfflineReply())
