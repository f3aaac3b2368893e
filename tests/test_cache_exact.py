"""Exact result, profile and FAQ caches, through the engine that build_engine wires."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from engine.build import build_engine
from engine.cache import keys
from engine.cache.setup import caches_for
from engine.models import DraftRequest
from engine.settings import EngineSettings
from engine.workflow import Engine

THREAD = ("Rep (Jordan Lee): Hi Lars, happy to share numbers.\n"
          "Lars Henriksen: What would pricing look like for 40 vans on a 36-month term?")


def engine_in(data_dir: Path, **settings: Any) -> Engine:
    return build_engine(EngineSettings(data_dir=data_dir, **settings))


async def test_second_identical_request_is_an_exact_hit(data_dir: Path) -> None:
    engine = engine_in(data_dir)
    request = DraftRequest(conversation_thread=THREAD)
    first = await engine.run(request, scope="team:T1")
    assert [step.source for step in first.steps] == ["offline", "offline", "offline"]
    again = DraftRequest(conversation_thread="  " + THREAD.replace("\n", "\r\n") + "\n\n")  # same, normalised
    second = await engine.run(again, scope="team:T1")
    assert [step.source for step in second.steps] == ["exact_cache"] * 3
    assert second.draft == first.draft and second.request_id != first.request_id
    other_tenant = await engine.run(request, scope="team:T2")
    assert other_tenant.steps[0].source == "offline"


async def test_use_cache_false_bypasses_reads(data_dir: Path) -> None:
    engine = engine_in(data_dir)
    await engine.run(DraftRequest(conversation_thread=THREAD), scope="team:T1")
    fresh = await engine.run(DraftRequest(conversation_thread=THREAD, use_cache=False), scope="team:T1")
    assert "exact_cache" not in {step.source for step in fresh.steps}


async def test_a_hit_does_not_extend_the_ttl(data_dir: Path) -> None:
    engine = engine_in(data_dir, cache_ttl_workflow=1)
    request = DraftRequest(conversation_thread=THREAD)
    await engine.run(request, scope="team:T1")
    await asyncio.sleep(0.6)
    assert (await engine.run(request, scope="team:T1")).steps[0].source == "exact_cache"
    await asyncio.sleep(0.6)  # 1.2 s after the write: gone, although read at 0.6 s
    assert (await engine.run(request, scope="team:T1")).steps[0].source == "offline"


async def test_profiles_are_cached_by_normalised_url(data_dir: Path) -> None:
    engine = engine_in(data_dir)
    url = "https://www.linkedin.com/in/lars-henriksen/?utm_source=mail"
    first = DraftRequest(conversation_thread=THREAD, prospect_profile_url=url)
    await engine.run(first, scope="team:T1")
    other_thread = DraftRequest(conversation_thread=THREAD + " Thanks!",
                                prospect_profile_url="https://linkedin.com/in/lars-henriksen")
    result = await engine.run(other_thread, scope="team:T1")
    assert result.steps[0].source == "profile_cache"
    assert keys.normalise_url(url) == "https://linkedin.com/in/lars-henriksen"


async def test_faq_answers_are_reused_as_snippets_for_24h(data_dir: Path) -> None:
    engine = engine_in(data_dir)
    caches = caches_for(engine.store)
    assert caches is not None and caches.stored_faq is not None
    answer = "Our list price is $39 per vehicle per month, hardware included."
    await caches.stored_faq.remember("pricing", answer, scope="team:T1")
    result = await engine.run(DraftRequest(conversation_thread=THREAD), scope="team:T1")
    assert answer in result.draft.text
    other = await engine.run(DraftRequest(conversation_thread=THREAD + " "), scope="team:T2")
    assert answer not in other.draft.text
