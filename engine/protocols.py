"""The engine's interfaces: step backends, cache layers and the template drafter, as protocols.

The workflow, the steps, the caches and the templates all meet here instead of importing each
other: a backend implements `ReplyBackend` without importing the workflow, and the template
drafter returns a `TemplateOutcome` without importing `engine.workflow`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from engine.models import Draft, DraftRequest, ProspectProfile, Result, Source, ThreadAnalysis
from engine.speculation import Gate

__all__ = [
    "AnalysisBackend",
    "AnalysisCache",
    "AnalysisHit",
    "Backends",
    "FAQCache",
    "ProfileBackend",
    "ProfileCache",
    "ReplyBackend",
    "ResultCache",
    "TemplateDrafter",
    "TemplateOutcome",
]


# --- steps -------------------------------------------------------------------------------------
class ProfileBackend(Protocol):
    """Learns who the prospect is from the URLs, the website and the thread."""

    source: Source

    async def enrich(self, request: DraftRequest) -> ProspectProfile: ...


class AnalysisBackend(Protocol):
    """Reads the thread: intent, facts, questions. Its output holds no names."""

    source: Source

    async def analyse(self, thread: str) -> ThreadAnalysis: ...


class ReplyBackend(Protocol):
    """Drafts the reply from what the other steps found (either may be missing)."""

    source: Source

    async def draft(
        self,
        request: DraftRequest,
        *,
        profile: ProspectProfile | None,
        analysis: ThreadAnalysis | None,
        snippets: Sequence[str] = (),
    ) -> Draft: ...


@dataclass(frozen=True)
class Backends:
    """One backend per step."""

    profile: ProfileBackend
    analysis: AnalysisBackend
    reply: ReplyBackend


# --- caches ------------------------------------------------------------------------------------
# Order of reuse: exact result -> semantic analysis -> full run. Profiles are cached by URL.
# Every lookup takes the tenant `scope` (a Slack team id or a hashed REST API key) so one
# workspace never sees another's work.
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
    """Thread analyses, reused when a new thread means the same thing (within one scope).

    `gate`: a lookup raced against the analysis call waits there before embedding (engine/speculation.py)."""

    async def lookup(self, thread: str, *, scope: str, gate: Gate | None = None) -> AnalysisHit | None: ...
    async def put(self, thread: str, *, scope: str, analysis: ThreadAnalysis) -> None: ...


class FAQCache(Protocol):
    """Answers to recurring prospect questions, reused as snippets when drafting."""

    async def snippets(self, analysis: ThreadAnalysis, *, scope: str) -> Sequence[str]: ...


# --- templates ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TemplateOutcome:
    """A templated draft, or None with the reason no template could be used."""

    draft: Draft | None
    note: str = ""


class TemplateDrafter(Protocol):
    """Drafts common scenarios from templates in milliseconds."""

    async def draft(
        self, request: DraftRequest, *, profile: ProspectProfile | None,
        analysis: ThreadAnalysis | None,
    ) -> TemplateOutcome: ...
