"""The three steps (profile enrichment, thread analysis, reply drafting) and how backends are chosen.

Each step has two backends with one signature: `crew` (a single-agent CrewAI crew, used when an
LLM key is configured) and `offline` (deterministic heuristics, no network).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from engine.models import Draft, DraftRequest, ProspectProfile, Source, ThreadAnalysis
from engine.settings import EngineSettings

__all__ = ["AnalysisBackend", "Backends", "ProfileBackend", "ReplyBackend", "build_backends"]


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


def build_backends(settings: EngineSettings) -> Backends:
    """Crew backends when an LLM key is configured, offline ones otherwise."""
    from engine.steps.offline import offline_backends

    if settings.llm_kind == "offline":
        return offline_backends(settings)
    from engine.steps.crew.backends import crew_backends  # imports crewai (~3 s): only when needed

    return crew_backends(settings)
