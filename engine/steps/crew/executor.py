"""An agent executor for single-answer agents: one natively awaited LLM call per task.

crewai 1.15 runs every agent through `AgentExecutor`, a Flow: about twenty flow steps per task, each
sync one handed to `asyncio.to_thread`, with flow events for each, and the LLM call itself made as
a sync `call()` on a worker thread. For an agent with no tools, no planning and no human input,
whose task asks for a structured answer, all of that ends in exactly one LLM call. `Agent`'s
public `executor_class` setting lets us run that call directly: the same messages (crewai builds
them), crewai's own `aget_llm_response` (so LLM-call hooks still run), awaited on the event loop.

Anything else (tools, planning, human input, no response model) goes through crewai's flow as usual.
"""

from __future__ import annotations

from typing import Any

from crewai.agents.agent_executor import AgentExecutor, AgentExecutorState
from crewai.agents.parser import AgentFinish
from crewai.flow.runtime import FlowState
from crewai.utilities.agent_utils import aget_llm_response
from crewai_core.printer import PRINTER
from pydantic import BaseModel

__all__ = ["SingleAnswerExecutor"]


class _ExecutorState(FlowState, AgentExecutorState):
    """The state crewai would build per executor: built once here (see `_create_initial_state`)."""


class SingleAnswerExecutor(AgentExecutor):
    """`AgentExecutor` that answers a tool-less, structured task with one awaited LLM call."""

    def _create_initial_state(self) -> Any:
        # crewai defines a new `StateWithId(FlowState, AgentExecutorState)` pydantic class for every
        # executor, and a crew makes a new executor per kickoff: ~1 ms of schema building each time.
        # The class is the same every time, so build it once.
        if self.initial_state is None:
            return _ExecutorState()
        return super()._create_initial_state()

    def _single_answer(self, inputs: dict[str, Any]) -> bool:
        agent = self.agent
        return (self.response_model is not None and not self.original_tools and not self.tools
                and not inputs.get("ask_for_human_input") and not inputs.get("files")
                and not getattr(agent, "planning_enabled", False))

    async def invoke_async(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """One LLM call with crewai's messages and the task's response model; else crewai's flow."""
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
