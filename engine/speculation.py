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
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Raced", "lookup_or_call"]

H = TypeVar("H")
T = TypeVar("T")


@dataclass(frozen=True)
class Raced(Generic[H, T]):
    """Who answered: a hit from the lookup, or the call's value (exactly one is set)."""

    hit: H | None
    value: T | None
    lookup: asyncio.Task[H | None]  # done, or still running when the call answered first
    speculated: bool = False  # the call started before the lookup answered
    cancelled: bool = False  # ... and was cancelled because the lookup hit


async def lookup_or_call(lookup: asyncio.Task[H | None], call: Callable[[], Awaitable[T]], *,
                         wait_s: float) -> Raced[H, T]:
    """The lookup's hit if it comes within `wait_s`, else race it against `call()` (see the module).

    A lookup that fails fails the race (as it would without one); so does the call. If the caller
    is cancelled, so is the call; the lookup is the caller's to cancel."""
    await asyncio.wait({lookup}, timeout=wait_s)
    if lookup.done():
        hit = lookup.result()
        if hit is not None:
            return Raced(hit=hit, value=None, lookup=lookup)
        return Raced(hit=None, value=await call(), lookup=lookup)
    called: asyncio.Task[T] = asyncio.ensure_future(call())
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
