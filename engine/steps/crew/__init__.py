"""The crew backends: one single-agent CrewAI crew per step, over a pooled OpenAI-compatible client.

Importing this package sets crewai's telemetry/tracing switches (see env.py) before any crew
module imports crewai; importing crewai itself costs ~3 s, so the engine does it only when an LLM
key is configured (engine.steps.build_backends).
"""

from __future__ import annotations

from engine.steps.crew import env as _env  # noqa: F401  (before any crewai import)

__all__: list[str] = []
