"""The lookup/call race's gate: a lookup that would embed past the wait lets the call go first, then
embeds once the call's request is sent; one that fits in the wait is awaited before any call.

Order is proven from what each side records, never from wall-clock thresholds: the waits are longer
than pytest's per-test timeout, so a race that sat them out would fail the test.
"""

from __future__ import annotations

import asyncio

from engine.llm_events import sending
from engine.speculation import Gate, lookup_or_call

LONGER_THAN_THE_TEST_TIMEOUT_S = 600.0


def _lookup(order: list[str], gate: Gate, *, embed_s: float) -> asyncio.Task[str | None]:
    async def lookup() -> str | None:
        order.append("exact missed")
        await gate.before_encode(embed_s)
        order.append("encode")
        return "hit"

    return asyncio.ensure_future(lookup())


async def test_a_lookup_that_would_embed_past_the_wait_lets_the_call_go_first() -> None:
    order: list[str] = []
    wait_s = LONGER_THAN_THE_TEST_TIMEOUT_S
    gate = Gate(wait_s=wait_s)
    lookup = _lookup(order, gate, embed_s=2 * wait_s)

    async def call() -> str:
        order.append("call")
        await asyncio.sleep(0)
        order.append("sent")
        sending()  # what the LLM client says as the request goes out
        await asyncio.Event().wait()  # never answers: only the lookup's hit ends the race
        return "answer"

    raced = await lookup_or_call(lookup, call, wait_s=wait_s, gate=gate)
    assert order == ["exact missed", "call", "sent", "encode"]
    assert raced.hit == "hit" and raced.speculated and raced.cancelled


async def test_a_call_that_never_says_it_was_sent_still_lets_the_lookup_finish() -> None:
    order: list[str] = []
    gate = Gate(wait_s=LONGER_THAN_THE_TEST_TIMEOUT_S)
    lookup = _lookup(order, gate, embed_s=2 * LONGER_THAN_THE_TEST_TIMEOUT_S)

    async def call() -> str:  # an offline backend: no LLM client, no `sending`
        order.append("call")
        return "answer"

    raced = await lookup_or_call(lookup, call, wait_s=LONGER_THAN_THE_TEST_TIMEOUT_S, gate=gate)
    assert raced.value == "answer" and raced.hit is None
    assert await raced.lookup == "hit"  # the insert that follows reuses this lookup's embedding
    assert order == ["exact missed", "call", "encode"]


async def test_a_lookup_that_fits_in_the_wait_is_awaited_before_any_call() -> None:
    order: list[str] = []
    gate = Gate(wait_s=LONGER_THAN_THE_TEST_TIMEOUT_S)
    lookup = _lookup(order, gate, embed_s=0.001)

    async def call() -> str:
        order.append("call")
        return "answer"

    raced = await lookup_or_call(lookup, call, wait_s=LONGER_THAN_THE_TEST_TIMEOUT_S, gate=gate)
    assert order == ["exact missed", "encode"]
    assert raced.hit == "hit" and not raced.speculated


async def test_the_gate_opens_from_a_worker_thread() -> None:
    # crewai's stock executor makes its LLM calls from worker threads.
    order: list[str] = []
    gate = Gate(wait_s=0.0)
    lookup = _lookup(order, gate, embed_s=1.0)
    await asyncio.sleep(0)
    assert order == ["exact missed"] and not lookup.done()
    await asyncio.to_thread(gate.open)
    assert await lookup == "hit"
