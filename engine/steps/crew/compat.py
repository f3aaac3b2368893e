"""Every reach into crewai's private attributes, in one place, checked at start-up.

crewai is pinned exactly (pyproject.toml), yet each private name used here is looked up once at
start-up (`check()`); a missing one switches its feature to crewai's public path, slower but
correct, and the start-up log and `replycrew doctor` say which:

- `Crew._task_output_handler`: no per-step SQLite replay log (personal data at rest, ~8 ms per
  step). Fallback: crewai's log, under DATA_DIR.
- `crewai.agents.agent_executor.AgentExecutor._setup_messages` and `._create_initial_state`: one
  awaited LLM call per step (`single_answer_executor`). Fallback: crewai's own flow executor.
- `CrewAIEventsBus._sync_handlers`, `TraceCollectionListener._listeners_setup`,
  `Telemetry._is_telemetry_disabled`: no thread hand-off per crewai event for handlers that do
  nothing. Fallback: the handlers stay registered.
- `BaseLLM._track_token_usage_internal`: crewai's token counters for our LLM. Fallback: crewai
  keeps no counts (our call events still count).

`REPLYCREW_CREWAI_PUBLIC_ONLY=1` forces every fallback (tests/test_crewai_compat.py runs drafts so).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import cache
from typing import Any

__all__ = [
    "CompatReport",
    "allow_trace_handlers_again",
    "check",
    "disable_task_log",
    "single_answer_executor",
    "sync_handlers",
    "telemetry_disabled",
    "track_token_usage",
]

log = logging.getLogger(__name__)
_FORCE = "REPLYCREW_CREWAI_PUBLIC_ONLY"


@dataclass(frozen=True)
class CompatReport:
    """Which private crewai names exist; `fallbacks` lists the features on crewai's public path."""

    version: str
    found: dict[str, bool] = field(default_factory=dict)
    forced: bool = False

    @property
    def fallbacks(self) -> list[str]:
        return sorted(name for name, ok in self.found.items() if not ok)

    @property
    def ok(self) -> bool:
        return not self.fallbacks


def _has(owner: Any, name: str) -> bool:
    return hasattr(owner, name) or name in getattr(owner, "__private_attributes__", {})


@cache
def check() -> CompatReport:
    """Look each private name up once (at start-up); log what falls back."""
    import crewai

    forced = os.environ.get(_FORCE, "").strip().lower() in ("1", "true", "yes")
    found: dict[str, bool] = {}

    def probe(feature: str, test: Any) -> None:
        try:
            found[feature] = (not forced) and bool(test())
        except Exception:  # an ImportError or AttributeError: the name moved
            found[feature] = False

    def task_log() -> bool:
        from crewai import Crew

        return _has(Crew, "_task_output_handler")

    def executor() -> bool:
        from crewai.agents.agent_executor import AgentExecutor

        return all(_has(AgentExecutor, name) for name in ("_setup_messages", "_create_initial_state",
                                                          "invoke_async"))

    def event_bus() -> bool:
        from crewai.events.event_bus import crewai_event_bus
        from crewai.events.listeners.tracing.trace_listener import TraceCollectionListener
        from crewai.telemetry.telemetry import Telemetry

        return (isinstance(getattr(crewai_event_bus, "_sync_handlers", None), dict)
                and _has(Telemetry, "_is_telemetry_disabled") and _has(TraceCollectionListener, "__init__"))

    def token_usage() -> bool:
        from crewai.llms.base_llm import BaseLLM

        return _has(BaseLLM, "_track_token_usage_internal")

    probe("task_log", task_log)
    probe("single_answer_executor", executor)
    probe("event_bus", event_bus)
    probe("token_usage", token_usage)
    report = CompatReport(version=str(getattr(crewai, "__version__", "?")), found=found, forced=forced)
    if report.fallbacks:
        log.warning("crewai %s: using crewai's public path for %s%s", report.version, ", ".join(report.fallbacks),
                    f" ({_FORCE} is set)" if forced else " (its private names moved)")
    return report


def disable_task_log(crew: Any) -> bool:
    """Give the crew a replay log that keeps nothing; False when crewai's own stays (fallback)."""
    if not check().found.get("task_log"):
        return False
    crew._task_output_handler = _no_task_log_class()()
    return True


@cache
def _no_task_log_class() -> type:
    from crewai.utilities.task_output_storage_handler import TaskOutputStorageHandler

    class NoTaskLog(TaskOutputStorageHandler):
        """Keeps no replay log: crewai's writes every task's inputs and output (the prospect's
        thread) to SQLite with a commit per step, for a replay feature we never use."""

        def __init__(self) -> None:  # no storage is opened
            pass

        def update(self, task_index: int, log: dict[str, Any]) -> None:
            return None

        def add(self, task: Any, output: dict[str, Any], task_index: int,
                inputs: dict[str, Any] | None = None, was_replayed: bool = False) -> None:
            return None

        def reset(self) -> None:
            return None

        def load(self) -> list[dict[str, Any]] | None:
            return None

    return NoTaskLog


def single_answer_executor() -> type | None:
    """The one-call executor class (see below), or None for crewai's own (fallback)."""
    if not check().found.get("single_answer_executor"):
        return None
    return _single_answer_executor_class()


@cache
def _single_answer_executor_class() -> type:
    """An `AgentExecutor` that answers a tool-less, structured task with one awaited LLM call.

    crewai 1.15 runs every agent through `AgentExecutor`, a Flow: about twenty flow steps per task,
    each sync one handed to `asyncio.to_thread`, and the LLM call made as a sync `call()` on a worker
    thread. For an agent with no tools, planning, files or human input, whose task asks for a
    structured answer, that all ends in one LLM call. `Agent`'s public `executor_class` lets us make
    that call directly: crewai's messages (`_setup_messages`), crewai's `aget_llm_response` (so
    LLM-call hooks still run), awaited on the event loop. Anything else goes through crewai's flow.
    """
    from crewai.agents.agent_executor import AgentExecutor, AgentExecutorState
    from crewai.agents.parser import AgentFinish
    from crewai.flow.runtime import FlowState
    from crewai.utilities.agent_utils import aget_llm_response
    from crewai_core.printer import PRINTER
    from pydantic import BaseModel

    class ExecutorState(FlowState, AgentExecutorState):
        """The state crewai would build per executor, built once (see `_create_initial_state`)."""

    class SingleAnswerExecutor(AgentExecutor):
        def _create_initial_state(self) -> Any:
            # crewai defines a new pydantic state class per executor (one per kickoff): ~1 ms of
            # schema building each time for the same class.
            if self.initial_state is None:
                return ExecutorState()
            return super()._create_initial_state()

        def _single_answer(self, inputs: dict[str, Any]) -> bool:
            return (self.response_model is not None and not self.original_tools and not self.tools
                    and not inputs.get("ask_for_human_input") and not inputs.get("files")
                    and not getattr(self.agent, "planning_enabled", False))

        async def invoke_async(self, inputs: dict[str, Any]) -> dict[str, Any]:
            if not self._single_answer(inputs) or self.llm is None or self.agent is None:
                return await super().invoke_async(inputs)
            self.state.messages.clear()
            self.state.iterations = 0
            self._setup_messages(inputs)  # crewai's system + user prompt, as its flow would send
            answer = await aget_llm_response(
                llm=self.llm, messages=list(self.state.messages), callbacks=self.callbacks,
                printer=PRINTER, from_task=self.task, from_agent=self.agent,
                response_model=self.response_model, executor_context=self, verbose=self.agent.verbose,
            )
            text = answer.model_dump_json() if isinstance(answer, BaseModel) else str(answer)
            self.state.messages.append({"role": "assistant", "content": text})
            self.state.iterations = 1
            self.state.current_answer = AgentFinish(thought="", output=answer, text=text)
            self.state.is_finished = True
            return {"output": answer}

    return SingleAnswerExecutor


def sync_handlers() -> dict[Any, Any]:
    """crewai's event bus's sync handlers by event type; empty when unavailable (nothing is dropped)."""
    if not check().found.get("event_bus"):
        return {}
    from crewai.events.event_bus import crewai_event_bus

    handlers: dict[Any, Any] = dict(crewai_event_bus._sync_handlers)
    return handlers


def telemetry_disabled() -> bool:
    """Whether crewai's telemetry is off (False when unknown: its console handlers then stay)."""
    if not check().found.get("event_bus"):
        return False
    from crewai.telemetry.telemetry import Telemetry

    return bool(Telemetry._is_telemetry_disabled())


def allow_trace_handlers_again() -> None:
    """Let crewai register its trace handlers again if a crew turns tracing on (Crew(tracing=True))."""
    if not check().found.get("event_bus"):
        return
    from crewai.events.listeners.tracing.trace_listener import TraceCollectionListener

    TraceCollectionListener()._listeners_setup = False


def track_token_usage(llm: Any, usage: dict[str, int]) -> None:
    """Add a call's token counts to crewai's counters for this LLM (skipped on the fallback)."""
    if check().found.get("token_usage"):
        llm._track_token_usage_internal(usage)
