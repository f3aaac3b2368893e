"""The step graph: profile || analysis -> reply, in three modes, streaming StepEvents.

    sequential   profile, then analysis, then reply            (the seed's /run)
    parallel     profile and analysis together, then reply     (critical path: max(p, a) + r)
    fast         all three at once; the reply reads the raw thread only

A step that fails or times out does not sink the draft: the reply is drafted from what is there
(offline, if the reply step itself failed) and the result says `degraded: true`.

Nothing but the steps sits on a draft's path: the analysis LLM call waits for the cache lookup at
most SEMANTIC_LOOKUP_WAIT_MS, and only for its exact check when the embedding would take longer; the
lookup's MiniLM encode then starts once the call's request is sent (engine/speculation.py). Every
cache write (result, profile, analysis insert) runs after the result is handed over; the next
run's cache reads wait for them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from engine.cache.layers import CacheLayers
from engine.cache.store import SQLiteStore, Store
from engine.guard import guard_reply
from engine.models import (
    Draft,
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
from engine.protocols import AnalysisHit, Backends, ReplyBackend, TemplateDrafter
from engine.settings import EngineSettings
from engine.speculation import Gate, lookup_or_call
from engine.steps import build_backends

__all__ = ["Engine"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class _Run:
    """The state of one workflow run, shared by its step tasks."""

    request: DraftRequest
    request_id: str
    scope: str
    read_cache: bool
    started: float = field(default_factory=time.perf_counter)
    events: asyncio.Queue[StepEvent | None] = field(default_factory=asyncio.Queue)
    steps: dict[str, StepResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Cache writes, run after the result is handed over (in this order).
    writes: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def ms(self) -> int:
        return int((time.perf_counter() - self.started) * 1000)


class Engine:
    """Runs drafting workflows, for Slack, the REST API and the CLI alike (built by `build_engine`)."""

    def __init__(
        self,
        settings: EngineSettings,
        *,
        backends: Backends | None = None,
        caches: CacheLayers | None = None,
        templates: TemplateDrafter | None = None,
        fallback_reply: ReplyBackend | None = None,
        store: Store | None = None,
    ) -> None:
        self.settings = settings
        self.store: Store = store or SQLiteStore(":memory:")
        self._listeners: list[Callable[[StepEvent | Result], None]] = []
        self.backends = backends or build_backends(settings)
        self.caches = caches or CacheLayers()
        self.templates = templates
        if fallback_reply is None:
            from engine.steps.offline import OfflineReply

            fallback_reply = OfflineReply()
        self._fallback_reply = fallback_reply
        self._slots = asyncio.Semaphore(settings.max_concurrent_requests)
        self._writes: set[asyncio.Task[None]] = set()  # cache writes of finished runs
        self._inserts: set[asyncio.Task[None]] = set()  # analysis inserts waiting for their lookup

    def subscribe(self, listener: Callable[[StepEvent | Result], None]) -> Callable[[], None]:
        """Call `listener` with every StepEvent and Result of every run; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def publish(self, item: StepEvent | Result) -> None:
        """Send a StepEvent or Result to every listener (`stream` does; so does the template fast path)."""
        for listener in list(self._listeners):
            try:
                listener(item)
            except Exception:  # a broken listener (a closed socket) must not break a draft
                log.exception("event listener failed")

    async def flush(self) -> None:
        """Wait until every cache write of the runs so far is done (tests, benchmarks, shutdown)."""
        while self._writes or self._inserts:
            await asyncio.gather(*self._writes, *self._inserts, return_exceptions=True)

    async def warm(self) -> None:
        """Build now what the first draft would build on its path (the LLM steps' SDK clients and
        response types: engine/steps/crew/warm.py); a server's start-up. Never fails: a step whose
        warm-up failed builds on its first call, as without one."""
        for backend in (self.backends.profile, self.backends.analysis, self.backends.reply):
            warm: Callable[[], Awaitable[None]] | None = getattr(backend, "warm", None)
            if warm is None:
                continue
            try:
                await warm()
            except Exception:
                log.warning("warming the %s backend failed; its first call builds instead",
                            type(backend).__name__, exc_info=True)

    @property
    def offline(self) -> bool:
        """No LLM configured: every step runs on heuristics and templates."""
        return self.settings.llm_kind == "offline"

    async def run(self, request: DraftRequest, *, scope: str, use_cache: bool | None = None,
                  request_id: str | None = None) -> Result:
        """Run a workflow to its result, discarding the step events."""
        async for item in self.stream(request, scope=scope, use_cache=use_cache,
                                      request_id=request_id):
            if isinstance(item, Result):
                return item
        raise AssertionError("workflow ended without a result")  # pragma: no cover

    async def stream(
        self, request: DraftRequest, *, scope: str, use_cache: bool | None = None,
        request_id: str | None = None,
    ) -> AsyncGenerator[StepEvent | Result, None]:
        """Yield a StepEvent as each step starts and finishes, then the Result.

        A caller that may stop early closes it (`contextlib.aclosing`): a generator left suspended
        keeps its concurrency slot until garbage collection."""
        async for item in self._stream(request, scope=scope, use_cache=use_cache,
                                       request_id=request_id):
            self.publish(item)
            yield item

    async def _stream(
        self, request: DraftRequest, *, scope: str, use_cache: bool | None,
        request_id: str | None,
    ) -> AsyncIterator[StepEvent | Result]:
        run = _Run(request=request, request_id=request_id or new_request_id(), scope=scope,
                   read_cache=request.use_cache if use_cache is None else use_cache)
        async with self._slots:
            run.started = time.perf_counter()
            if self._writes:  # a run just finished writes what this one may read: usually none left
                await asyncio.gather(*self._writes, return_exceptions=True)
            if run.read_cache:
                cached = await self.caches.results.get(request, scope=scope)
                if cached is not None:
                    for event in self._replay_cached(run, cached):
                        yield event
                    yield self._cached_result(run, cached)
                    return
            task = asyncio.create_task(self._execute(run))
            task.add_done_callback(lambda _: run.events.put_nowait(None))  # ends the stream
            try:
                while (step_event := await run.events.get()) is not None:
                    yield step_event
            finally:
                task.cancel()  # a no-op when done; stops the steps if the caller went away
            result = task.result()
        if not result.degraded:
            run.writes.insert(0, partial(self.caches.results.put, request, scope=scope, result=result))
        if run.writes:
            self._track(self._writes, partial(self._write, run))  # starts once the result is handed over
        yield result

    async def _execute(self, run: _Run) -> Result:
        mode = run.request.mode
        profile: ProspectProfile | None
        analysis: ThreadAnalysis | None
        if mode == "sequential":
            profile = await self._profile(run)
            analysis = await self._analysis(run)
            draft = await self._reply(run, profile, analysis)
        elif mode == "parallel":
            profile, analysis = await asyncio.gather(self._profile(run), self._analysis(run))
            draft = await self._reply(run, profile, analysis)
        else:
            profile, analysis, draft = await asyncio.gather(
                self._profile(run), self._analysis(run), self._reply(run, None, None)
            )
        order = ("profile", "analysis", "reply")
        steps = [run.steps[name] for name in order]
        return Result(
            request_id=run.request_id, mode=mode, total_ms=run.ms(),
            degraded=any(step.status == "failed" for step in steps), offline=self.offline,
            draft=draft, analysis=analysis, profile=profile, steps=steps, notes=run.notes,
        )

    async def _profile(self, run: _Run) -> ProspectProfile | None:
        async def enrich() -> tuple[ProspectProfile, Source]:
            if run.read_cache:
                cached = await self.caches.profiles.get(run.request)
                if cached is not None:
                    return cached, "profile_cache"
            profile = await self.backends.profile.enrich(run.request)
            run.writes.append(partial(self.caches.profiles.put, run.request, profile))
            return profile, self.backends.profile.source

        return await self._step(run, "profile", enrich)

    async def _analysis(self, run: _Run) -> ThreadAnalysis | None:
        similarity: float | None = None

        async def analyse() -> tuple[ThreadAnalysis, Source]:
            nonlocal similarity
            thread, backend = run.request.conversation_thread, self.backends.analysis
            if not run.read_cache:
                analysis = await backend.analyse(thread)
                run.writes.append(partial(self.caches.analyses.put, thread, scope=run.scope, analysis=analysis))
                return analysis, backend.source
            wait_s = self.settings.semantic_lookup_wait_ms / 1000
            gate = Gate(wait_s=wait_s)  # the lookup embeds once the call is under way (speculation.py)
            lookup = asyncio.ensure_future(self.caches.analyses.lookup(thread, scope=run.scope, gate=gate))
            lookup.add_done_callback(_retrieved)
            try:
                raced = await lookup_or_call(lookup, partial(backend.analyse, thread), wait_s=wait_s, gate=gate)
            except BaseException:
                lookup.cancel()  # the step failed or timed out: nothing will be inserted
                raise
            if raced.cancelled:
                log.info("analysis call for %s cancelled: the cache hit after the call had started "
                         "(one analysis call's tokens spent)", run.request_id)
            if raced.hit is not None:
                similarity = raced.hit.similarity
                return raced.hit.analysis, raced.hit.source
            assert raced.value is not None
            run.writes.append(partial(self._insert, lookup, thread, scope=run.scope, analysis=raced.value))
            return raced.value, backend.source

        return await self._step(run, "analysis", analyse, similarity=lambda: similarity)

    async def _insert(self, lookup: asyncio.Future[AnalysisHit | None], thread: str, *, scope: str,
                      analysis: ThreadAnalysis) -> None:
        """Insert the LLM's analysis once its lookup is done: the insert reuses the lookup's embedding."""
        if lookup.done():
            await self.caches.analyses.put(thread, scope=scope, analysis=analysis)
            return

        async def when_looked_up() -> None:
            await asyncio.wait({lookup})
            await self.caches.analyses.put(thread, scope=scope, analysis=analysis)

        # The LLM answered before the lookup did; the next run's reads need not wait for this one.
        self._track(self._inserts, when_looked_up)

    def _track(self, tasks: set[asyncio.Task[None]], work: Callable[[], Awaitable[None]]) -> None:
        async def logged() -> None:
            try:  # the coroutine is made here: a task cancelled before it starts leaves none unawaited
                await work()
            except Exception:  # a failed cache write must not surface anywhere but the log
                log.exception("a cache write after a draft failed")

        task = asyncio.get_running_loop().create_task(logged())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def _write(self, run: _Run) -> None:
        for write in run.writes:
            try:
                await write()
            except Exception:  # one failed write must not stop the others
                log.exception("a cache write after draft %s failed", run.request_id)

    async def _reply(self, run: _Run, profile: ProspectProfile | None,
                     analysis: ThreadAnalysis | None) -> Draft:
        async def draft() -> tuple[Draft, Source]:
            if run.request.use_templates and self.templates is not None:
                outcome = await self.templates.draft(run.request, profile=profile,
                                                     analysis=analysis)
                if outcome.note:
                    run.notes.append(outcome.note)
                if outcome.draft is not None:
                    return outcome.draft, "template"
            snippets: Sequence[str] = ()
            if analysis is not None:
                snippets = await self.caches.faq.snippets(analysis, scope=run.scope)
            reply = await self.backends.reply.draft(run.request, profile=profile,
                                                    analysis=analysis, snippets=snippets)
            return reply, self.backends.reply.source

        drafted = await self._step(run, "reply", draft)
        if drafted is None:
            # The reply step failed: a plain offline draft keeps the rep moving; the result is degraded.
            run.notes.append("The reply was drafted offline because the reply step failed.")
            drafted = await self._fallback_reply.draft(run.request, profile=profile, analysis=analysis)
        # Every draft, templated or not, passes the leak guard before anyone sees it.
        guarded, guard_notes = guard_reply(drafted, request=run.request, profile=profile,
                                           analysis=analysis)
        run.notes.extend(guard_notes)
        return guarded

    async def _step(
        self, run: _Run, name: StepName, body: Callable[[], Awaitable[tuple[T, Source]]],
        *, similarity: Callable[[], float | None] = lambda: None,
    ) -> T | None:
        started_ms = run.ms()
        run.events.put_nowait(StepEvent(request_id=run.request_id, name=name, status="started",
                                        started_ms=started_ms))
        try:
            output, source = await asyncio.wait_for(body(), timeout=self.settings.step_timeout_s)
        except Exception as exc:  # any step failure degrades the draft instead of failing it
            error = _describe(exc, self.settings.step_timeout_s)
            log.warning("step %s failed for %s: %s", name, run.request_id, error)
            result = StepResult(name=name, status="failed", started_ms=started_ms,
                                elapsed_ms=run.ms() - started_ms, error=error)
            run.steps[name] = result
            run.events.put_nowait(StepEvent(request_id=run.request_id, **result.model_dump()))
            return None
        result = StepResult(name=name, status="ok", source=source, started_ms=started_ms,
                            elapsed_ms=run.ms() - started_ms, similarity=similarity())
        run.steps[name] = result
        run.events.put_nowait(StepEvent(request_id=run.request_id, **result.model_dump()))
        return output

    def _replay_cached(self, run: _Run, cached: Result) -> list[StepEvent]:
        return [
            StepEvent(request_id=run.request_id, name=step.name, status=step.status,
                      source="exact_cache" if step.status == "ok" else step.source,
                      started_ms=run.ms())
            for step in cached.steps
        ]

    def _cached_result(self, run: _Run, cached: Result) -> Result:
        steps = [
            step.model_copy(update={"source": "exact_cache", "started_ms": 0, "elapsed_ms": run.ms(),
                                    "similarity": None})
            if step.status == "ok" else step
            for step in cached.steps
        ]
        return cached.model_copy(update={"request_id": run.request_id, "total_ms": run.ms(),
                                         "steps": steps})


def _retrieved(future: asyncio.Future[AnalysisHit | None]) -> None:
    """Take a lookup's failure off the task, where asyncio would report it as never retrieved."""
    if not future.cancelled() and future.exception() is not None:
        log.warning("the analysis cache lookup failed: %s", future.exception())


def _describe(exc: BaseException, timeout_s: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"timed out after {timeout_s:g} s"
    return str(exc) or type(exc).__name__
