"""LLM call events: each finished call (after its retries) is reported to whoever listens.

engine/metrics.py listens (counts by outcome and cause); the crew code knows nothing of metrics.
This module imports nothing heavy (no crewai, no openai), so listeners can subscribe cheaply.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LLMCallEvent", "add_listener", "remove_listener", "report"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LLMCallEvent:
    """One LLM call's outcome: `cause` names the failure (failures.Cause), None when ok."""

    ok: bool
    api: str  # openai, azure-v1, azure-classic, local
    model: str
    seconds: float
    cause: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0


Listener = Callable[[LLMCallEvent], None]
_listeners: list[Listener] = []


def add_listener(listener: Listener) -> None:
    """Call `listener` with every finished LLM call (idempotent)."""
    if listener not in _listeners:
        _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    """Stop calling `listener`."""
    if listener in _listeners:
        _listeners.remove(listener)


def report(event: LLMCallEvent) -> None:
    """Hand one event to every listener; a failing listener is logged, never raised into the call."""
    for listener in list(_listeners):
        try:
            listener(event)
        except Exception:
            log.exception("LLM call listener %r failed", listener)
