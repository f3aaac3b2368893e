"""LLM settings -> the crews' LLM (OpenAI, Azure OpenAI, a local OpenAI-compatible server), and LLM errors.

`build_llm` returns `OpenAICompatibleLLM` (client.py): a crewai `BaseLLM` whose calls go through the
openai SDK to the endpoint providers.py reads from the settings, with the model family's parameters
(families.py). `build_llm(..., provider="crewai")` gives crewai's own OpenAI provider instead (for
perf/ comparisons only; it knows no Azure key header, no family table and no fallback).

Importing this module imports crewai (about 3 s); the engine does so only when an LLM is configured.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from crewai import LLM
from crewai.llms.base_llm import BaseLLM
from crewai_core.lock_store import set_lock_backend
from crewai_core.user_data import update_user_data

from engine.errors import LLMUnavailable
from engine.settings import EngineSettings
from engine.steps.crew import compat
from engine.steps.crew.client import OpenAICompatibleLLM
from engine.steps.crew.failures import LLMCallFailed, describe_sdk_error
from engine.steps.crew.providers import endpoint_for

__all__ = ["build_llm", "configure_crewai", "describe_llm_failure", "llm_endpoint"]

log = logging.getLogger(__name__)


def llm_endpoint(settings: EngineSettings) -> str:
    """Where LLM calls go, for messages and logs (never includes the key)."""
    try:
        return endpoint_for(settings).label
    except LLMUnavailable:
        return settings.openai_base_url or settings.azure_openai_endpoint or "https://api.openai.com/v1"


def build_llm(settings: EngineSettings, *, step: str = "reply", temperature: float | None = None,
              provider: Literal["replycrew", "crewai"] = "replycrew") -> BaseLLM:
    """One step's LLM for the configured endpoint; share it between that step's crews (it holds the pool).

    `temperature` is the step's; LLM_TEMPERATURE overrides it; reasoning models get none.
    """
    endpoint = endpoint_for(settings)
    if settings.llm_temperature is not None:
        temperature = settings.llm_temperature
    timeout, retries = settings.llm_timeout_s, settings.llm_max_retries
    if provider == "replycrew":
        # Every step of MAX_CONCURRENT_REQUESTS runs may be in flight at once (fast mode: three).
        return OpenAICompatibleLLM.for_endpoint(
            endpoint, step=step, temperature=temperature, timeout=timeout, max_retries=retries,
            max_output_tokens=settings.llm_max_output_tokens,
            max_connections=3 * settings.max_concurrent_requests + 8)
    # custom_openai: any model name (vLLM, Ollama, a deployment) goes to crewai's OpenAI provider as-is.
    return LLM(model=endpoint.model, custom_openai=True, base_url=endpoint.base_url,
               api_key=endpoint.key or "unused", timeout=timeout, max_retries=retries,
               temperature=temperature if endpoint.family.takes_temperature else None)


_configured = False
_config_lock = threading.Lock()


def configure_crewai(settings: EngineSettings) -> None:
    """Keep crewai's files inside DATA_DIR, its locks in-process, its tracing off; once per process.

    crewai creates a SQLite file per crew for task replay under the user's home directory, guarded
    by a lock that goes to Redis whenever REDIS_URL is set. We never replay crews, so the file goes
    under DATA_DIR and the lock stays in this process (no network round trip per crew built).

    crewai treats a storage directory with no recorded answer as a first-time user and then
    collects "first-time traces" of every crew (prospect threads included) even with
    CREWAI_TRACING_ENABLED=false, registering ~90 trace handlers that each crewai event is handed
    to on a thread. We record the answer `crewai traces disable` records: tracing declined.

    Importing crewai leaves ~290k objects that live as long as the process; each full garbage
    collection walked them all (~200 ms with the event loop stopped, every few batches). Frozen,
    a full collection takes ~10 ms.
    """
    global _configured
    with _config_lock:
        if _configured:
            return
        storage = Path(settings.data_dir).resolve() / "crewai"
        storage.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("CREWAI_STORAGE_DIR", str(storage))
        set_lock_backend(_process_lock)
        report = compat.check()
        log.info("crewai %s: private internals %s", report.version,
                 "all found" if report.ok else "missing, public path for " + ", ".join(report.fallbacks))
        gc.collect()  # so that no garbage is frozen with the live objects
        gc.freeze()
        _configured = True
    # Outside _config_lock: crewai takes its (now our) lock around the file write.
    update_user_data({"trace_consent": False, "first_execution_done": True})
    from engine.steps.crew.events import drop_declined_trace_handlers, drop_idle_console_handlers

    drop_declined_trace_handlers()  # registered at import, before the answer above was recorded
    drop_idle_console_handlers()  # a thread hand-off per crewai event, for crews that print nothing


_locks: dict[str, threading.Lock] = {}


@contextmanager
def _process_lock(name: str, *, timeout: float = 120) -> Iterator[None]:
    with _config_lock:
        lock = _locks.setdefault(name, threading.Lock())
    if not lock.acquire(timeout=timeout):
        raise TimeoutError(f"crewai lock {name!r} not acquired within {timeout:g} s")
    try:
        yield
    finally:
        lock.release()


def describe_llm_failure(exc: BaseException, settings: EngineSettings) -> LLMUnavailable:
    """The named failure for an exception raised out of a crew kickoff (ours, an SDK error, or crewai's)."""
    import openai

    chain = _chain(exc)
    for error in chain:
        if isinstance(error, LLMCallFailed):
            return error
    try:
        endpoint = endpoint_for(settings)
    except LLMUnavailable as config_error:
        return config_error
    # crewai re-raises SDK errors as plain ones, so the most specific cause anywhere in the chain decides.
    found = next((e for e in chain if isinstance(e, openai.APIError)), None) or next(
        (e for e in chain if isinstance(e, LLMUnavailable)), exc)
    return describe_sdk_error(found, endpoint, timeout=settings.llm_timeout_s,
                              attempts=settings.llm_max_retries + 1)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not e for e in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
