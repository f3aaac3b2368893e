"""A cache lookup raced against the call it may save: the call never waits long for the lookup.

The analysis step's semantic lookup embeds the thread with MiniLM: tens of milliseconds on a busy
CPU, more than the whole overhead budget of a parallel draft. So the step waits for the lookup at
most `wait_s` (long enough for an exact hit, a single store read); if it has not answered by then,
the LLM call starts *speculatively* while the lookup goes on:

- the lookup misses (the usual case): the call was already under way, nothing was lost;
- the lookup hits before the call returns: the call is cancelled and the hit is served. Its price is
  the tokens of one analysis call (the provider has the prompt and may finish generating after the
  client hangs up), counted in `Raced.cancelled`;
- the call returns first: its answer is served and the lookup is left to finish, because the insert
  that follows reuses the lookup's embedding (`Raced.lookup`).

The `Gate` keeps the embedding off the call's way. MiniLM's forward pass and the call's start (a
crewai kickoff, a few milliseconds of Python) share one GIL and, on a busy box, one CPU share: an
encode started alongside delayed the analysis request by ~10 ms (perf/bench_first_draft.py). So a
lookup that has missed its exact entry and would embed for longer than the wait has left *parks*
(`Gate.before_encode`): the call starts at once instead of sitting out the rest of the wait, and the
lookup goes on as soon as the request is on the wire (our LLM client says so through
engine/llm_events.py) or the call has ended. A wait long enough for the embedding (a larger
SEMANTIC_LOOKUP_WAIT_MS) never parks: the lookup is awaited first, as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from engine.llm_events import on_sending

__all__ = ["Gate", "Raced", "lookup_or_call"]

H = TypeVar("H")
T = TypeVar("T")


class Gate:
    """Where a lookup waits, before its embedding, for the call it races to be on the wire."""

    def __init__(self, *, wait_s: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._deadline = self._loop.time() + wait_s  # the call waits for the lookup until then
        self._open = asyncio.Event()
        self.parked: asyncio.Future[None] = self._loop.create_future()  # done once the lookup parked

    def open(self) -> None:
        """Let a parked lookup go on (the call's request is on the wire, or the call has ended).

        Safe from any thread: crewai's stock executor makes its calls from worker threads."""
        try:
            here = asyncio.get_running_loop() is self._loop
        except RuntimeError:  # a thread with no loop
            here = False
        if here:
            self._open.set()
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._open.set)

    async def before_encode(self, estimate_s: float) -> None:
        """Called by a lookup before an embedding of about `estimate_s`: returns at once while the call
        is still waiting and would wait that long; otherwise parks until `open`."""
        if self._open.is_set():
            return
        if self._deadline - asyncio.get_running_loop().time() >= estimate_s:
            return
        if not self.parked.done():
            self.parked.set_result(None)
        await self._open.wait()


@dataclass(frozen=True)
class Raced(Generic[H, T]):
    """Who answered: a hit from the lookup, or the call's value (exactly one is set)."""

    hit: H | None
    value: T | None
    lookup: asyncio.Task[H | None]  # done, or still running when the call answered first
    speculated: bool = False  # the call started before the lookup answered
    cancelled: bool = False  # ... and was cancelled because the lookup hit


async def lookup_or_call(lookup: asyncio.Task[H | None], call: Callable[[], Awaitable[T]], *,
                         wait_s: float, gate: Gate | None = None) -> Raced[H, T]:
    """The lookup's hit if it comes within `wait_s`, else race it against `call()` (see the module).

    `gate`: the one the lookup was given; the wait ends early when the lookup parks there. A lookup
    that fails fails the race (as it would without one); so does the call. If the caller is
    cancelled, so is the call; the lookup is the caller's to cancel."""
    waited: set[asyncio.Future[Any]] = {lookup} if gate is None else {lookup, gate.parked}
    await asyncio.wait(waited, timeout=wait_s, return_when=asyncio.FIRST_COMPLETED)
    if lookup.done():
        hit = lookup.result()
        if hit is not None:
            return Raced(hit=hit, value=None, lookup=lookup)
        return Raced(hit=None, value=await call(), lookup=lookup)
    if gate is None:
        called: asyncio.Task[T] = asyncio.ensure_future(call())
    else:
        with on_sending(gate.open):  # the call's task carries the callback in its context
            called = asyncio.ensure_future(call())
        called.add_done_callback(lambda _: gate.open())
    try:
        await asyncio.wait({lookup, called}, return_when=asyncio.FIRST_COMPLETED)
        if lookup.done() and not called.done():
            hit = lookup.result()
            if hit is not None:
                called.cancel()
                return Raced(hit=hit, value=None, lookup=lookup, speculated=True, cancelled=True)
        return Raced(hit=None, value=await called, lookup=lookup, speculated=True)
    finally:
        called.cancel()  # a no-op once it is done; stops it when we are cancelled or the lookup failed
