"""What a process's first draft would build on its path, built at a server's start-up instead.

A draft right after start-up took 1.3-1.7x a steady one (perf/bench_first_draft.py). Besides MiniLM
loading beside it, its LLM calls built, on the draft's path: the SDK client for the serving loop
(httpx2's import and the TLS context, ~100 ms), the SDK's response types (pydantic builds them on
first use, ~20 ms) and the modules crewai imports on an agent's first kickoff (~25 ms). None of that
needs the LLM: no request is made here.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from openai.types.chat import ChatCompletion

__all__ = ["warm_llm"]

log = logging.getLogger(__name__)

# Imported inside crewai's first kickoff of an agent (crewai 1.15: Agent._add_skill_loader_tool,
# prepare_kickoff, AgentExecutor). A name that moved is skipped: it is only a warm-up.
_KICKOFF_MODULES = ("crewai.skills.tool", "crewai.hooks.dispatch", "crewai.hooks.contexts",
                    "crewai.events.types.crew_events", "crewai.llms.cache", "crewai.agents.planner_observer")
# The smallest chat completion the SDK parses, so its response models are built before a draft needs them.
_COMPLETION = {"id": "warm", "object": "chat.completion", "created": 0, "model": "warm",
               "choices": [{"index": 0, "finish_reason": "stop",
                            "message": {"role": "assistant", "content": "{}"}}],
               "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


async def warm_llm(llm: Any) -> None:
    """Build `llm`'s client on the running loop (when it is ours), the SDK's response types and crewai's
    lazily imported kickoff modules."""
    warm_client = getattr(llm, "warm_client", None)
    if warm_client is not None:
        await warm_client()
    ChatCompletion.model_validate(_COMPLETION)
    for name in _KICKOFF_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            log.debug("crewai has no module %s to warm", name)
