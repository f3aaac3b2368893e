"""Keep crewai's event bus free of handlers that would do nothing: trace collection, console output.

Each crewai event that has any sync handler is handed to a thread pool (a GIL hand-off from the
event loop per event, ~15 events per kickoff): with 50 rows in flight those hand-offs were about
a fifth of a batch row's event-loop time and the main cause of its loop lag.

- Trace handlers: crewai registers ~90 the moment it is imported when its storage directory records
  no answer to "collect traces?" (a first-time user). `configure_crewai` records "declined" right
  after; crewai itself skips registering them when tracing is declined, so unregistering them leaves
  it as it would have been configured.
- Console handlers (crewai's `EventListener`, ~90): they draw verbose crews' progress trees and open
  telemetry spans. Our crews are never verbose (pool.py) and telemetry is off (engine/__init__.py),
  so they are dropped when telemetry is off. A verbose crew built in this process afterwards prints
  no progress tree.

The bus's handler table is private: compat.py reads it (and finds nothing on its fallback path).
"""

from __future__ import annotations

from crewai.events.event_bus import crewai_event_bus
from crewai.events.event_listener import EventListener
from crewai.events.listeners.tracing.trace_listener import TraceCollectionListener
from crewai.events.listeners.tracing.utils import (
    should_auto_collect_first_time_traces,
    should_enable_tracing,
)

from engine.steps.crew import compat

__all__ = ["drop_declined_trace_handlers", "drop_idle_console_handlers"]

_OWNER = TraceCollectionListener.__name__ + "."
_CONSOLE = EventListener.__name__ + "."


def _drop(prefix: str) -> int:
    found = [(event_type, handler)
             for event_type, handlers in compat.sync_handlers().items()
             for handler in handlers
             if getattr(handler, "__qualname__", "").startswith(prefix)]
    for event_type, handler in found:
        crewai_event_bus.off(event_type, handler)  # public
    return len(found)


def drop_idle_console_handlers() -> int:
    """Unregister crewai's console/telemetry listener when telemetry is off; returns how many."""
    if not compat.telemetry_disabled():
        return 0
    return _drop(_CONSOLE)


def drop_declined_trace_handlers() -> int:
    """Unregister crewai's trace handlers when tracing is off; returns how many were removed."""
    if should_enable_tracing() or should_auto_collect_first_time_traces():
        return 0
    removed = _drop(_OWNER)
    if removed:
        compat.allow_trace_handlers_again()
    return removed
