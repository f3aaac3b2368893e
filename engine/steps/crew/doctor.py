"""Checks of the LLM configuration a user gave: one tiny structured call, and crewai's internals.

Used by `replycrew doctor`, the server's start-up log and /healthz. Each `Check` says what works
or what failed and the fix (the failure's own words: failures.py, prompts.LLM_WORDS).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import BaseModel, Field

from engine.errors import LLMUnavailable
from engine.settings import EngineSettings

__all__ = ["Check", "check_crewai", "check_llm"]


@dataclass(frozen=True)
class Check:
    """One checked thing: `ok`, what was found (`detail`), and what to do when not ok (`fix`)."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Probe(BaseModel):
    """The doctor's structured answer: the smallest one that proves structured output works."""

    ok: bool = Field(description="Always true")


async def check_llm(settings: EngineSettings) -> Check:
    """One tiny structured call to the configured LLM (none when offline)."""
    if settings.llm_kind == "offline":
        return Check("llm", True, "offline: no LLM configured, drafts come from heuristics and templates",
                     "set OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT or OPENAI_BASE_URL to draft with an LLM")
    from engine.steps.crew.client import OpenAICompatibleLLM, json_object_endpoints
    from engine.steps.crew.llm import build_llm, configure_crewai
    from engine.steps.crew.providers import endpoint_for

    try:
        endpoint = endpoint_for(settings)
        configure_crewai(settings)
        llm = build_llm(settings, step="probe", temperature=0.0)
    except LLMUnavailable as exc:
        return Check("llm", False, "the LLM settings cannot be used", str(exc))
    assert isinstance(llm, OpenAICompatibleLLM)
    started = time.perf_counter()
    try:
        await llm.acall([{"role": "user", "content": "This is a connectivity check. Answer with ok set to true."}],
                        response_model=Probe)
    except LLMUnavailable as exc:
        return Check("llm", False, f"{endpoint.api} at {endpoint.label}, model {endpoint.model}", str(exc))
    finally:
        await llm.aclose()
    mode = ("json_object + schema (the server refuses json_schema)"
            if f"{endpoint.base_url}|{endpoint.model}" in json_object_endpoints() else "json_schema (strict)")
    return Check("llm", True, f"{endpoint.api} at {endpoint.label}, model {endpoint.model} "
                 f"({endpoint.family.name} family), structured output: {mode}, answered in "
                 f"{time.perf_counter() - started:.1f} s")


def check_crewai() -> Check:
    """Whether crewai's private names compat.py relies on exist (else the slower public path runs)."""
    from engine.steps.crew import compat

    report = compat.check()
    if report.ok:
        return Check("crewai", True, f"crewai {report.version}: every internal compat.py uses is present")
    return Check("crewai", True, f"crewai {report.version}: public (slower) path for {', '.join(report.fallbacks)}",
                 "install the pinned crewai version (pyproject.toml) for the faster path")
