"""Model families: which request parameters each kind of chat model takes, in one table.

OpenAI's reasoning models (o1, o3, o4-mini, gpt-5 and their dated or sized variants) refuse any
`temperature` but the default and refuse `max_tokens`; they take `max_completion_tokens`, which
counts their hidden reasoning tokens too, so their caps leave room for that reasoning. Every other
model (gpt-4o, gpt-4.1, and what local servers serve) gets the step's temperature and `max_tokens`,
which every OpenAI-compatible server understands.

Sources: https://platform.openai.com/docs/guides/reasoning ("max_completion_tokens"),
https://platform.openai.com/docs/api-reference/chat/create (`max_tokens` "is not compatible with o-series
models"), https://learn.microsoft.com/azure/ai-foundry/openai/how-to/reasoning ("Not supported parameters").

An Azure deployment may have any name, so the family is read from the deployment name when it
says (a deployment called `gpt-5-mini`) and can be set outright with LLM_MODEL_FAMILY.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["STEP_CAPS", "Family", "FamilyName", "family_for", "request_params"]

FamilyName = Literal["reasoning", "standard"]

# Output tokens a step's answer needs at most (JSON included), with room to spare: a profile or an
# analysis is ~150-300 tokens, a reply ~150-400. A cap stops a runaway answer costing money and time.
STEP_CAPS: dict[str, int] = {"profile": 700, "analysis": 700, "reply": 1000, "probe": 64}
# Reasoning models spend hidden tokens before answering; max_completion_tokens counts them.
_REASONING_ROOM = 4000

_REASONING = re.compile(r"^(?:[\w.-]+/)?(?:o1|o3|o4|gpt-5)(?:$|[-.:_])", re.IGNORECASE)


@dataclass(frozen=True)
class Family:
    """How one family of models is called."""

    name: FamilyName
    takes_temperature: bool
    cap_parameter: Literal["max_tokens", "max_completion_tokens"]
    cap_room: int  # added to a step's cap (reasoning tokens)


FAMILIES: dict[FamilyName, Family] = {
    "reasoning": Family("reasoning", takes_temperature=False, cap_parameter="max_completion_tokens",
                        cap_room=_REASONING_ROOM),
    "standard": Family("standard", takes_temperature=True, cap_parameter="max_tokens", cap_room=0),
}


def family_for(model: str, *, override: Literal["auto", "reasoning", "standard"] = "auto") -> Family:
    """The family of a model (or deployment) name; `override` (LLM_MODEL_FAMILY) wins when set."""
    if override != "auto":
        return FAMILIES[override]
    return FAMILIES["reasoning" if _REASONING.match(model.strip()) else "standard"]


def request_params(family: Family, *, step: str, temperature: float | None,
                   max_output_tokens: int | None) -> dict[str, float | int]:
    """The temperature and output-cap parameters of one call.

    `temperature` is the step's (or LLM_TEMPERATURE); `max_output_tokens` (LLM_MAX_OUTPUT_TOKENS)
    replaces the step's cap when set, reasoning room included: it is what the user pays for.
    """
    params: dict[str, float | int] = {}
    if family.takes_temperature and temperature is not None:
        params["temperature"] = temperature
    cap = max_output_tokens if max_output_tokens is not None else STEP_CAPS.get(step, 1000) + family.cap_room
    params[family.cap_parameter] = cap
    return params
