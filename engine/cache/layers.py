"""The cache layers one engine consults (`CacheLayers`), each a no-op until configured.

The layers' interfaces live in engine/protocols.py; engine/cache/setup.py builds the real ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.models import DraftRequest, ProspectProfile, Result, ThreadAnalysis
from engine.protocols import AnalysisCache, AnalysisHit, FAQCache, ProfileCache, ResultCache
from engine.speculation import Gate

__all__ = ["CacheLayers"]


class _NoResults:
    async def get(self, request: DraftRequest, *, scope: str) -> Result | None:
        return None

    async def put(self, request: DraftRequest, *, scope: str, result: Result) -> None:
        return None


class _NoProfiles:
    async def get(self, request: DraftRequest) -> ProspectProfile | None:
        return None

    async def put(self, request: DraftRequest, profile: ProspectProfile) -> None:
        return None


class _NoAnalyses:
    async def lookup(self, thread: str, *, scope: str, gate: Gate | None = None) -> AnalysisHit | None:
        return None

    async def put(self, thread: str, *, scope: str, analysis: ThreadAnalysis) -> None:
        return None


class _NoFAQ:
    async def snippets(self, analysis: ThreadAnalysis, *, scope: str) -> Sequence[str]:
        return ()


@dataclass
class CacheLayers:
    """The caches one engine uses; all no-ops by default."""

    results: ResultCache = field(default_factory=_NoResults)
    profiles: ProfileCache = field(default_factory=_NoProfiles)
    analyses: AnalysisCache = field(default_factory=_NoAnalyses)
    faq: FAQCache = field(default_factory=_NoFAQ)
