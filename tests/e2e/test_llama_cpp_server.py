"""End to end against a real local server: llama-cpp-python's OpenAI-compatible server with the packaged
Gemma 3 270M (`make e2e`; never part of `make test`).

The server refuses `json_schema` structured output (HTTP 500), so the client falls back to
`json_object` with the schema, which the server turns into a grammar. Unbounded, Gemma 3 270M ran on
inside its JSON (repeated list items, a reply that never ended) to every step's output cap; with the
bounded local schema (engine/steps/crew/bounds.py) the grammar closes each answer. A 270M model
writes poor drafts, but every step must come back from the LLM (issue 11).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.llm_events import LLMCallEvent, add_listener, remove_listener
from engine.models import DraftRequest
from engine.settings import EngineSettings
from engine.workflow import Engine
from tests.e2e.llama_server import MODEL_ALIAS, llama_cpp_server

PYTHON = os.environ.get("REPLYCREW_E2E_PYTHON", "")
THREAD = ("Rep (Ana Ruiz): Thanks for the call, Tom.\n"
          "Tom Becker: Can you send pricing for 12 seats? We need SOC 2 before next quarter.")


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    assert PYTHON, "set REPLYCREW_E2E_PYTHON to the venv with llama-cpp-python[server] (make e2e does)"
    with llama_cpp_server(PYTHON) as base_url:
        yield base_url


@pytest.mark.timeout(900)
async def test_every_step_comes_back_from_the_local_llm(llama_server: str, data_dir: Path) -> None:
    settings = EngineSettings(openai_base_url=llama_server, llm_model=MODEL_ALIAS, data_dir=data_dir,
                              step_timeout_s=400, llm_timeout_s=300, llm_max_retries=0, _env_file=None)  # type: ignore[call-arg]
    assert settings.llm_kind == "local"
    calls: list[LLMCallEvent] = []
    add_listener(calls.append)
    try:
        engine = Engine(settings)
        result = await asyncio.wait_for(engine.run(DraftRequest(conversation_thread=THREAD, channel="email",
                                                                mode="sequential"), scope="e2e", use_cache=False),
                                        timeout=850)
    finally:
        remove_listener(calls.append)
    # What the 270M model managed, for the run's log: each step's source and time, each call's tokens.
    for step in result.steps:
        print(f"{step.name}: {step.status} source={step.source} {step.elapsed_ms / 1000:.1f} s {step.error or ''}")
    for call in calls:
        print(f"call: ok={call.ok} cause={call.cause} completion_tokens={call.completion_tokens} "
              f"{call.seconds:.1f} s")
    print(result.draft.text)
    assert {step.name: (step.status, step.source, step.error) for step in result.steps} == {
        name: ("ok", "llm", None) for name in ("profile", "analysis", "reply")}
    assert not result.degraded
    assert len(calls) == 3 and all(call.ok for call in calls)
    assert result.draft.text.strip()
    assert result.analysis is not None and result.profile is not None
