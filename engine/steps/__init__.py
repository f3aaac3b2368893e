"""The three steps (profile enrichment, thread analysis, reply drafting) and how backends are chosen.

Each step has two backends with one signature (the protocols in engine/protocols.py): `crew`
(a single-agent CrewAI crew, used when an LLM key is configured) and `offline` (deterministic
heuristics, no network). Both read threads through engine/text.

    offline.py     the offline backends
    heuristics.py  the offline analysis (intent, facts, questions, objections)
    intent.py      intent rules on the prospect's latest message
    prospect.py    names and company from the request, thread and URL slugs
    replies.py     the plain offline reply (words in wording.py)
    crew/          the CrewAI backends
"""

from __future__ import annotations

from engine.protocols import Backends
from engine.settings import EngineSettings

__all__ = ["build_backends"]


def build_backends(settings: EngineSettings) -> Backends:
    """Crew backends when an LLM key is configured, offline ones otherwise."""
    from engine.steps.offline import offline_backends

    if settings.llm_kind == "offline":
        return offline_backends(settings)
    from engine.steps.crew.backends import crew_backends  # imports crewai (~3 s): only when needed

    return crew_backends(settings)
