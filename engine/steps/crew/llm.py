"""LLM settings -> the crews' LLM (OpenAI, Azure OpenAI, any OpenAI-compatible base URL), and LLM errors.

`build_llm` returns `OpenAICompatibleLLM` (engine/steps/crew_llm.py): a crewai `BaseLLM` over a
pooled aiohttp session, with its own retries (429/5xx/timeouts, honouring Retry-After, at most
`LLM_MAX_RETRIES` more tries) and a per-attempt limit of `LLM_TIMEOUT_S`. `build_llm(...,
provider="crewai")` gives crewai's own OpenAI provider instead (the OpenAI SDK under it retries the
same way); perf/bench_workflow.py compares the two.

Azure OpenAI is reached through its v1 API (`{endpoint}/openai/v1/`), which speaks the plain OpenAI
protocol with the deployment name as the model, so no Azure SDK is needed.

Importing this module imports crewai (about 3 s); the engine does so only when a key is configured.
"""

from __future__ import annotations

import gc
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
from engine.steps.crew.client import OpenAICompatibleLLM
from engine.steps.crew.prompts import LLM_WORDS

__all__ = ["build_llm", "configure_crewai", "describe_llm_failure", "llm_endpoint"]


def llm_endpoint(settings: EngineSettings) -> str:
    """The base URL LLM calls go to, for messages and logs (never includes the key)."""
    if settings.llm_kind == "azure":
        return _azure_base_url(settings)
    return settings.openai_base_url or "https://api.openai.com/v1"


def _azure_base_url(settings: EngineSettings) -> str:
    endpoint = (settings.azure_openai_endpoint or "").rstrip("/")
    return endpoint if endpoint.endswith("/openai/v1") else f"{endpoint}/openai/v1"


def build_llm(settings: EngineSettings, *, temperature: float | None = None,
              provider: Literal["replycrew", "crewai"] = "replycrew") -> BaseLLM:
    """One LLM for the configured endpoint; share it between crews (it holds the connection pool)."""
    timeout, retries = settings.llm_timeout_s, settings.llm_max_retries
    if settings.llm_kind == "azure":
        if not settings.azure_openai_deployment:
            raise LLMUnavailable(
                "AZURE_OPENAI_DEPLOYMENT is not set: set it to the name of your Azure OpenAI model "
                "deployment (or unset AZURE_OPENAI_API_KEY to use OpenAI or offline mode)"
            )
        model, key = settings.azure_openai_deployment, settings.azure_openai_api_key or ""
        base_url: str | None = _azure_base_url(settings)
        headers = {"api-key": key}
    elif settings.llm_kind == "openai":
        model, key, base_url = settings.llm_model, settings.openai_api_key or "", settings.openai_base_url
        headers = {}
    else:
        raise LLMUnavailable("no LLM key is configured: set OPENAI_API_KEY (or AZURE_OPENAI_*), "
                             "or use the offline backends")
    if provider == "replycrew":
        # Every step of MAX_CONCURRENT_REQUESTS runs may be in flight at once (fast mode: three).
        return OpenAICompatibleLLM(model=model, api_key=key, base_url=base_url or "https://api.openai.com/v1",
                                   default_headers=headers, timeout=timeout, max_retries=retries,
                                   temperature=temperature, endpoint_label=llm_endpoint(settings),
                                   max_connections=3 * settings.max_concurrent_requests + 8)
    if base_url:
        # custom_openai: any model name (vLLM, Ollama, an Azure deployment) goes to the native OpenAI provider as-is.
        return LLM(model=model, custom_openai=True, base_url=base_url, api_key=key,
                   default_headers=headers or None, timeout=timeout, max_retries=retries, temperature=temperature)
    return LLM(model=model, provider="openai", api_key=key, timeout=timeout, max_retries=retries,
               temperature=temperature)


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
    """A readable LLMUnavailable for an exception raised by an LLM call (status, endpoint, what to do)."""
    import openai

    where = llm_endpoint(settings)
    tries = settings.llm_max_retries + 1
    chain = _chain(exc)

    def find(*kinds: type[BaseException]) -> BaseException | None:
        # crewai re-raises SDK errors as plain ones (a timeout becomes ConnectionError), so the
        # most specific cause anywhere in the chain decides.
        return next((error for error in chain if isinstance(error, kinds)), None)

    if find(openai.APITimeoutError, TimeoutError):
        return LLMUnavailable(LLM_WORDS.timeout(where, settings.llm_timeout_s, tries))
    status = find(openai.APIStatusError)
    if isinstance(status, openai.APIStatusError):
        return LLMUnavailable(LLM_WORDS.status(where, status.status_code, tries))
    if find(openai.APIConnectionError, ConnectionError):
        return LLMUnavailable(LLM_WORDS.unreachable(where))
    detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return LLMUnavailable(LLM_WORDS.garbled(where, detail))


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not e for e in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
