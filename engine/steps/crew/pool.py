"""Single-agent crews, built once and reused: one kickoff per step, started with `Crew.akickoff`.

Building a crew (agent, task) costs ~1 ms and crewai sets up its executor on the first kickoff, so
crews are pooled. A Crew holds per-run state, so it serves one kickoff at a time: the pool hands
each concurrent step its own crew and grows to the concurrency the process sees (at most
MAX_CONCURRENT_REQUESTS per step).

Each agent runs on compat.py's single-answer executor: its one structured LLM call is awaited on
the event loop instead of going through crewai's executor flow and a worker thread.
`CrewPool(..., executor="crewai")` keeps crewai's stock flow executor (perf/ compares the two), and
so does compat.py's fallback when crewai's internals moved.

crewai's stock executor runs the agent's LLM call as a *sync* call on the event loop's default
thread pool (its flow hands sync methods to `asyncio.to_thread`), so that pool bounds how many LLM
calls are in flight: asyncio's default is min(32, CPUs + 4), six on a 2-core box. `_ensure_threads`
gives the loop a pool sized for every step of MAX_CONCURRENT_REQUESTS runs at once.

Structured output is native: the task's `response_model` goes to the LLM as a strict `json_schema`
response format and comes back parsed into the model (client.py). LLM calls are reported as
events by the client (engine/llm_events.py); a failure reaches the step as an `LLMCallFailed` naming its cause.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, Literal, TypeVar

from crewai import Agent, Crew, Process, Task
from crewai.crews.crew_output import CrewOutput
from crewai.llms.base_llm import BaseLLM
from pydantic import BaseModel, ValidationError

from engine.errors import LLMUnavailable
from engine.settings import EngineSettings
from engine.steps.crew import compat
from engine.steps.crew.llm import describe_llm_failure
from engine.steps.crew.prompts import LLM_WORDS, CrewText
from engine.steps.crew.warm import warm_llm

__all__ = ["CrewPool"]

M = TypeVar("M", bound=BaseModel)
log = logging.getLogger(__name__)
_sized_loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, int] = weakref.WeakKeyDictionary()


def _ensure_threads(workers: int) -> None:
    """Give the running loop a default thread pool of at least `workers` threads (once per loop)."""
    loop = asyncio.get_running_loop()
    if _sized_loops.get(loop, 0) >= workers:
        return
    loop.set_default_executor(ThreadPoolExecutor(max_workers=workers, thread_name_prefix="replycrew-llm"))
    _sized_loops[loop] = workers
    log.debug("event loop default thread pool set to %d workers for crew LLM calls", workers)


class CrewPool(Generic[M]):
    """Idle crews for one step; `run(inputs)` kicks one off and returns its structured output."""

    def __init__(self, text: CrewText, *, output: type[M], llm: BaseLLM, settings: EngineSettings,
                 warm: int = 1, executor: Literal["single", "crewai"] = "single") -> None:
        self.text = text
        self.output = output
        self.llm = llm
        self.settings = settings
        # None: crewai's own executor (asked for, or compat's fallback).
        self.executor_class: type | None = compat.single_answer_executor() if executor == "single" else None
        self.built = 0
        self._idle: list[Crew] = [self._build() for _ in range(warm)]

    def _build(self) -> Crew:
        extra: dict[str, Any] = {"executor_class": self.executor_class} if self.executor_class else {}
        agent = Agent(
            role=self.text.role, goal=self.text.goal, backstory=self.text.backstory, llm=self.llm,
            allow_delegation=False, verbose=False, max_iter=2, cache=False,
            # 0: a failed call is not re-run by the agent; the HTTP client already retried it.
            max_retry_limit=0,
            # Off: it would count tokens before every call, which for api.openai.com is an extra
            # HTTP round trip; our inputs are bounded (MAX_THREAD_CHARS, website text capped).
            respect_context_window=False,
            **extra,
        )
        task = Task(description=self.text.task, expected_output=self.text.expected_output, agent=agent,
                    output_pydantic=self.output, response_model=self.output)
        crew = Crew(agents=[agent], tasks=[task], process=Process.sequential, verbose=False,
                    cache=False, memory=False, tracing=False)
        compat.disable_task_log(crew)
        self.built += 1
        return crew

    async def warm(self) -> None:
        """Build what the first kickoff would build on a draft's path (engine/steps/crew/warm.py)."""
        await warm_llm(self.llm)

    def prebuild(self, count: int) -> int:
        """Build idle crews up to `count` now (a batch worker's start-up); returns how many exist."""
        while len(self._idle) < count:
            self._idle.append(self._build())
        return len(self._idle)

    async def run(self, inputs: dict[str, Any]) -> M:
        """Kick off an idle crew (or a new one) with these inputs; LLMUnavailable when it fails."""
        _ensure_threads(3 * self.settings.max_concurrent_requests + 8)
        crew = self._idle.pop() if self._idle else self._build()
        try:
            output = await crew.akickoff(inputs=inputs)
        except asyncio.CancelledError:
            raise  # the step timed out; the crew is dropped, its state is unknown
        except Exception as exc:
            failure = describe_llm_failure(exc, self.settings)
            if failure is exc:
                raise
            raise failure from exc
        self._idle.append(crew)  # only a crew that finished cleanly is reused
        return self._parse(output)

    def _parse(self, output: Any) -> M:
        if not isinstance(output, CrewOutput):
            raise LLMUnavailable("crewai returned a stream where a result was expected")
        if isinstance(output.pydantic, self.output):
            return output.pydantic
        try:  # crewai's own executor (fallback) may hand back the JSON text
            return self.output.model_validate_json(output.raw)
        except ValidationError as exc:
            raise LLMUnavailable(LLM_WORDS.misfit(self.output.__name__, exc.error_count(),
                                                  exc.errors()[0]["msg"])) from exc
