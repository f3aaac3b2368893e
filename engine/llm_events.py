"""LLM call events: each finished call (after its retries) is reported to whoever listens.

engine/metrics.py listens (counts by outcome and cause); the crew code knows nothing of metrics.
This module imports nothing heavy (no crewai, no openai), so listeners can subscribe cheaply.

Also the moment a call's request goes on the wire (`sending`), to the one callback the calling task's
context carries (`on_sending`): engine/speculation.py holds a lookup's MiniLM encode until then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["LLMCallEvent", "add_listener", "on_sending", "remove_listener", "report", "sending"]

log = logging.getLogger(__name__)
# A context variable, not a listener list: only the call made in this task's context is meant.
_on_send: ContextVar[Callable[[], None] | None] = ContextVar("replycrew_llm_on_send", default=None)


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


@contextmanager
def on_sending(callback: Callable[[], None]) -> Iterator[None]:
    """Within this block, tasks created (and calls made) here call `callback` as their request is sent."""
    token = _on_send.set(callback)
    try:
        yield
    finally:
        _on_send.reset(token)


def sending() -> None:
    """An LLM client is about to send a request: tell the callback of this context, if any (once is
    enough: the callback is idempotent)."""
    callback = _on_send.get()
    if callback is not None:
        callback()
