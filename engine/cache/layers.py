"""The cache layers the workflow consults, as small protocols, and their no-op defaults.

Order of reuse: exact result -> semantic analysis -> full run. Profiles are cached by URL.
Every lookup takes the tenant `scope` (a Slack team id or a hashed REST API key) so one
workspace never sees another's work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from engine.models import DraftRequest, ProspectProfile, Result, Source, ThreadAnalysis

__all__ = [
    "AnalysisCache",
    "AnalysisHit",
    "CacheLayers",
    "FAQCache",
    "ProfileCache",
    "ResultCache",
]


@dataclass(frozen=True)
class AnalysisHit:
    """An analysis reused from the cache; `similarity` is 1.0 for an exact thread match."""

    analysis: ThreadAnalysis
    similarity: float
    semantic: bool

    @property
    def source(self) -> Source:
        """The step source a result reports for this hit."""
        return "semantic_cache" if self.semantic else "exact_cache"


class ResultCache(Protocol):
    """Whole results by hash of the normalised request and scope."""

    async def get(self, request: DraftRequest, *, scope: str) -> Result | None: ...
    async def put(self, request: DraftRequest, *, scope: str, result: Result) -> None: ...


class ProfileCache(Protocol):
    """Profiles by normalised URLs."""

    async def get(self, request: DraftRequest) -> ProspectProfile | None: ...
    async def put(self, request: DraftRequest, profile: ProspectProfile) -> None: ...


class AnalysisCache(Protocol):
    """Thread analyses, reused when a new thread means the same thing (within one scope)."""

    async def lookup(self, thread: str, *, scope: str) -> AnalysisHit | None: ...
    async def put(self, thread: str, *, scope: str, analysis: ThreadAnalysis) -> None: ...


class FAQCache(Protocol):
    """Answers to recurring prospect questions, reused as snippets when drafting."""

    async def snippets(self, analysis: ThreadAnalysis, *, scope: str) -> Sequence[str]: ...


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
    async def lookup(self, thread: str, *, scope: str) -> AnalysisHit | None:
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
