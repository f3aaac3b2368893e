"""The template fast path behind POST /run-template: no LLM call unless no template fits.

Profile and analysis come from the request and the thread (or from the caches, when an LLM is
configured and an earlier run stored them); the reply is a template. When no template can be
used, the request runs through the full workflow and the result's notes say why.
"""

from __future__ import annotations

import time

from engine.guard import guard_reply
from engine.meaning.models import get_models
from engine.meaning.reading import read_thread
from engine.models import (
    DraftRequest,
    ProspectProfile,
    Result,
    Source,
    StepEvent,
    StepName,
    StepResult,
    ThreadAnalysis,
    new_request_id,
)
from engine.steps.prospect import profile_from_request
from engine.templates import messages
from engine.workflow import Engine

__all__ = ["run_template"]


class _Clock:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def ms(self) -> int:
        return int((time.perf_counter() - self.started) * 1000)


async def _profile(engine: Engine, request: DraftRequest) -> tuple[ProspectProfile, Source]:
    if request.use_cache:
        cached = await engine.caches.profiles.get(request)
        if cached is not None:
            return cached, "profile_cache"
    return profile_from_request(request), "offline"


async def _analysis(engine: Engine, request: DraftRequest, *,
                    scope: str) -> tuple[ThreadAnalysis, Source, float | None]:
    # Offline, the cache could only hold what the offline reading computes anyway.
    if request.use_cache and not engine.offline:
        hit = await engine.caches.analyses.lookup(request.conversation_thread, scope=scope)
        if hit is not None:
            return hit.analysis, hit.source, hit.similarity
    # The same reading as the offline analysis step (the intent model; the rules until it has loaded),
    # so a templated reply and a plain offline reply answer the same intent.
    return await read_thread(request.conversation_thread, models=get_models()), "offline", None


async def run_template(engine: Engine, request: DraftRequest, *, scope: str,
                       request_id: str | None = None) -> Result:
    """Draft from a template in milliseconds; the full workflow (with a note) when none fits."""
    request = request.model_copy(update={"use_templates": True})
    request_id = request_id or new_request_id()
    if engine.templates is None:
        result = await engine.run(request, scope=scope, request_id=request_id)
        path = "offline" if engine.offline else "LLM"
        return result.model_copy(update={"notes": [messages.TEMPLATES_UNAVAILABLE.format(path=path),
                                                   *result.notes]})
    clock = _Clock()
    steps: list[StepResult] = []

    def record(name: StepName, source: Source, started_ms: int, similarity: float | None = None) -> None:
        step = StepResult(name=name, status="ok", source=source, started_ms=started_ms,
                          elapsed_ms=clock.ms() - started_ms, similarity=similarity)
        steps.append(step)
        engine.publish(StepEvent(request_id=request_id, name=name, status="started", started_ms=started_ms))
        engine.publish(StepEvent(request_id=request_id, **step.model_dump()))

    started = clock.ms()
    profile, profile_source = await _profile(engine, request)
    record("profile", profile_source, started)
    started = clock.ms()
    analysis, analysis_source, similarity = await _analysis(engine, request, scope=scope)
    record("analysis", analysis_source, started, similarity)
    started = clock.ms()
    outcome = await engine.templates.draft(request, profile=profile, analysis=analysis)
    if outcome.draft is None:
        # The full workflow asks the templates again (an LLM analysis may find an intent that fits)
        # and notes why none was used before drafting through the reply backend.
        return await engine.run(request, scope=scope, request_id=request_id)
    draft, guard_notes = guard_reply(outcome.draft, request=request, profile=profile, analysis=analysis)
    record("reply", "template", started)
    result = Result(request_id=request_id, mode="template", total_ms=clock.ms(), offline=engine.offline,
                    draft=draft, analysis=analysis, profile=profile, steps=steps,
                    notes=[note for note in (outcome.note, *guard_notes) if note])
    engine.publish(result)
    return result
