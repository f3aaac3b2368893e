"""The crews' LLM: a crewai `BaseLLM` that speaks the OpenAI chat-completions protocol over aiohttp.

Why not crewai's own OpenAI provider: per call it builds an OpenAI SDK request (~2 ms of CPU),
regenerates the strict JSON schema of the response model, and is reached through sync `call()` on a
worker thread. This client keeps one pooled aiohttp session per event loop (~0.2 ms of CPU per
call), converts each response model to its strict schema once, and is awaited natively through
`acall` (see `crew_executor`). Sync `call()` (crewai's stock executor, from worker threads) runs
the same code on one background I/O loop, so it pools connections too.

Structured output is native: a pydantic `response_model` is sent as a strict `json_schema`
response format and the answer is parsed into the model; nothing is pasted into the prompt.

Retries: 408/409/429/5xx, timeouts and dropped connections are retried `max_retries` times with
exponential backoff and jitter, waiting what the server's Retry-After (or retry-after-ms) asks
instead when it says. Each HTTP attempt is limited to `timeout` seconds; the workflow's step timeout
caps the whole. Final errors are `LLMUnavailable`s worded so that crewai's own rate-limit retry
around `call`/`acall` does not start another round.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import threading
import weakref
from collections.abc import AsyncIterator, Coroutine
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
from crewai.llms.base_llm import BaseLLM
from openai.lib._pydantic import to_strict_json_schema
from pydantic import BaseModel, Field, PrivateAttr, ValidationError

from engine.errors import LLMUnavailable
from engine.steps.crew.prompts import LLM_WORDS

__all__ = ["OpenAICompatibleLLM", "response_format_for"]

T = TypeVar("T")
_RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
_MAX_BACKOFF_S = 8.0
_MAX_RETRY_AFTER_S = 60.0  # a server asking for longer is not waited for here; the step times out
_formats: dict[type[BaseModel], dict[str, Any]] = {}
_JSON = {"Content-Type": "application/json"}


@functools.lru_cache(maxsize=16)
def _env_proxy(url: str) -> str | None:
    """The proxy HTTPS_PROXY/HTTP_PROXY/NO_PROXY pick for this URL (read once), as the OpenAI SDK honours them."""
    parts = urlsplit(url)
    if not parts.hostname or proxy_bypass(parts.hostname):
        return None
    return getproxies().get(parts.scheme)


def response_format_for(model: type[BaseModel]) -> dict[str, Any]:
    """The strict `json_schema` response format for a pydantic model (computed once per model)."""
    found = _formats.get(model)
    if found is None:
        # The OpenAI SDK's own converter: the same strict schema `chat.completions.parse` sends.
        found = {"type": "json_schema", "json_schema": {
            "name": model.__name__, "schema": to_strict_json_schema(model), "strict": True}}
        _formats[model] = found
    return found


class _Failure(Exception):
    """One failed attempt; `retry` says whether another may help."""

    def __init__(self, kind: str, *, status: int | None = None, detail: str = "",
                 retry: bool = False, wait: float | None = None) -> None:
        super().__init__(kind)
        self.kind, self.status, self.detail, self.retry, self.wait = kind, status, detail, retry, wait


def _retry_after(headers: Any) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, Retry-After seconds or HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


class _IOLoop:
    """One background event loop for sync `call()`s, so threads share a connection pool too."""

    _lock = threading.Lock()
    _loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def run(cls, coro: Coroutine[Any, Any, T]) -> T:
        with cls._lock:
            if cls._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="replycrew-llm-io", daemon=True).start()
                cls._loop = loop
        return asyncio.run_coroutine_threadsafe(coro, cls._loop).result()


async def _close_with_loop(session: aiohttp.ClientSession) -> AsyncIterator[None]:
    # An async generator the loop tracks: asyncio.run (and every Runner) closes pending async
    # generators before closing the loop, which closes the session with it, no warnings.
    try:
        yield
    finally:
        await session.close()


class OpenAICompatibleLLM(BaseLLM):
    """Chat completions at `base_url` (OpenAI, Azure OpenAI v1, vLLM, Ollama) for crewai agents."""

    llm_type: str = "openai-compatible"
    timeout: float = Field(default=30.0, gt=0, description="seconds per HTTP attempt")
    max_retries: int = Field(default=3, ge=0)
    max_connections: int = Field(default=200, ge=1)
    default_headers: dict[str, str] = Field(default_factory=dict)
    endpoint_label: str = Field(default="", description="where calls go, for error messages")
    _sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[aiohttp.ClientSession, Any]] = (
        PrivateAttr(default_factory=weakref.WeakKeyDictionary))

    def supports_function_calling(self) -> bool:
        return False  # our agents have no tools; a tool-using agent needs crewai's own provider

    def supports_stop_words(self) -> bool:
        return False  # answers are structured JSON, never ReAct text to cut at "Observation:"

    def call(self, messages: str | list[Any], tools: list[dict[str, Any]] | None = None,
             callbacks: list[Any] | None = None, available_functions: dict[str, Any] | None = None,
             from_task: Any = None, from_agent: Any = None,
             response_model: type[BaseModel] | None = None) -> str | Any:
        """Blocking call (crewai's stock executor calls this from worker threads)."""
        return _IOLoop.run(self._complete(messages, response_model))

    async def acall(self, messages: str | list[Any], tools: list[dict[str, Any]] | None = None,
                    callbacks: list[Any] | None = None, available_functions: dict[str, Any] | None = None,
                    from_task: Any = None, from_agent: Any = None,
                    response_model: type[BaseModel] | None = None) -> str | Any:
        """The call, awaited on the caller's event loop."""
        return await self._complete(messages, response_model)

    async def aclose(self) -> None:
        """Close the connection pool of the running loop (others close with their loops)."""
        entry = self._sessions.pop(asyncio.get_running_loop(), None)
        if entry is not None:
            await entry[0].close()

    async def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        entry = self._sessions.get(loop)
        if entry is not None and not entry[0].closed:
            return entry[0]
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.max_connections, keepalive_timeout=30),
            headers={"Authorization": f"Bearer {self.api_key or ''}", **self.default_headers},
            cookie_jar=aiohttp.DummyCookieJar(),
            # Not trust_env: it re-reads ~/.netrc and the proxy variables on a thread per request.
        )
        keeper = _close_with_loop(session)
        await keeper.__anext__()
        self._sessions[loop] = (session, keeper)
        return session

    @property
    def _url(self) -> str:
        return f"{(self.base_url or 'https://api.openai.com/v1').rstrip('/')}/chat/completions"

    def _body(self, messages: str | list[Any], response_model: type[BaseModel] | None) -> bytes:
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        body: dict[str, Any] = {
            "model": self.model,
            # crewai may tag messages (cache breakpoints, files); the API takes role and content.
            "messages": [{"role": m["role"], "content": m.get("content") or ""} for m in messages],
        }
        for name in ("temperature", "top_p", "max_tokens", "seed", "frequency_penalty", "presence_penalty"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        if response_model is not None:
            body["response_format"] = response_format_for(response_model)
        body.update(self.additional_params)
        return json.dumps(body).encode()

    async def _complete(self, messages: str | list[Any], response_model: type[BaseModel] | None) -> Any:
        body = self._body(messages, response_model)
        url = self._url
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            try:
                answer = await self._attempt(url, body)
            except _Failure as failure:
                if not failure.retry or attempt + 1 == attempts:
                    raise self._unavailable(failure, attempts=attempt + 1) from None
                backoff = min(_MAX_BACKOFF_S, 0.5 * 2 ** attempt) * random.uniform(0.75, 1.0)
                await asyncio.sleep(min(_MAX_RETRY_AFTER_S, failure.wait) if failure.wait is not None else backoff)
                continue
            return self._parse(answer, response_model)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _attempt(self, url: str, body: bytes) -> dict[str, Any]:
        session = await self._session()
        try:
            async with session.post(url, data=body, headers=_JSON, proxy=_env_proxy(url),
                                    timeout=aiohttp.ClientTimeout(total=self.timeout)) as response:
                raw = await response.read()
                if response.status != 200:
                    raise _Failure("status", status=response.status, detail=_error_detail(raw),
                                   retry=response.status in _RETRY_STATUSES or response.status >= 500,
                                   wait=_retry_after(response.headers))
        except TimeoutError:
            raise _Failure("timeout", retry=True) from None
        except aiohttp.ClientError as exc:
            raise _Failure("connection", detail=str(exc), retry=True) from None
        try:
            answer = json.loads(raw)
        except ValueError:
            raise _Failure("garbled", detail="the answer is not JSON") from None
        if not isinstance(answer, dict):
            raise _Failure("garbled", detail="the answer is not a JSON object")
        return answer

    def _parse(self, answer: dict[str, Any], response_model: type[BaseModel] | None) -> Any:
        usage = answer.get("usage")
        if isinstance(usage, dict):
            self._track_token_usage_internal(usage)
        try:
            message = answer["choices"][0]["message"]
        except (KeyError, IndexError, TypeError):
            raise LLMUnavailable(LLM_WORDS.garbled(self.endpoint_label, "it has no choices")) from None
        if message.get("refusal"):
            raise LLMUnavailable(LLM_WORDS.refused(self.endpoint_label, str(message["refusal"])))
        content = message.get("content") or ""
        if response_model is None:
            return content
        try:
            return response_model.model_validate_json(content)
        except ValidationError as exc:
            raise LLMUnavailable(LLM_WORDS.misfit(response_model.__name__, exc.error_count(),
                                                  exc.errors()[0]["msg"])) from exc

    def _unavailable(self, failure: _Failure, *, attempts: int) -> LLMUnavailable:
        where = self.endpoint_label or self.base_url or "the configured endpoint"
        if failure.kind == "timeout":
            return LLMUnavailable(LLM_WORDS.timeout(where, self.timeout, attempts))
        if failure.kind == "connection":
            return LLMUnavailable(LLM_WORDS.unreachable(where))
        if failure.kind == "garbled":
            return LLMUnavailable(LLM_WORDS.garbled(where, failure.detail))
        return LLMUnavailable(LLM_WORDS.status(where, failure.status or 0, attempts, failure.detail))


def _error_detail(raw: bytes) -> str:
    try:
        error = json.loads(raw).get("error") or {}
        return str(error.get("message") or "")[:200]
    except (ValueError, AttributeError):
        return raw[:200].decode("utf-8", "replace")
