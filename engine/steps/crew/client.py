"""The crews' LLM: a crewai `BaseLLM` whose calls go through the official openai SDK.

`AsyncOpenAI` (or `AsyncAzureOpenAI` for Azure's classic API; providers.py) does the HTTP: its
typed errors, per-attempt timeout (`LLM_TIMEOUT_S`) and retries (`LLM_MAX_RETRIES`: 408/409/429/5xx
and dropped connections, honouring Retry-After, retry-after-ms and `x-should-retry`). A response
hook (failures.no_retry_hook) stops it retrying what cannot succeed: 429 `insufficient_quota` and
a server refusing `json_schema`; 400/401/403/404 are never retried.

One SDK client per event loop and endpoint (its httpx pool belongs to that loop), shared by the
steps' LLMs and closed with the loop. Sync
`call()` (crewai's stock executor, from worker threads) runs on one background I/O loop.

Structured output: the response model goes out as a strict `json_schema` (schemas.py). A server
that refuses `json_schema` (llama-cpp-python answers 500) is asked once more with `json_object`
plus the schema, and that endpoint is remembered for the life of the process (calls already in
flight when the first refusal came each learn it too: parallel steps are not held back to probe);
the answer is validated against the model either way. Local servers and json_object requests get
the schema with every string and array bounded (bounds.py), so a grammar-constrained server ends the
answer itself; their answers may hold raw newlines inside strings, which are read as such (`_parse`).
Every call carries the model family's parameters (families.py): temperature or none, and an output
cap. Each finished call is reported as an event (engine/llm_events.py); failures are raised as
`LLMCallFailed` naming their cause (failures.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
import weakref
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

# The SDK imports all of its resources on a client's first `.chat` (0.4 s idle, 1.3 s on a busy
# box, holding the GIL): here, at start-up, instead of inside the first draft (perf/bench_first_draft.py).
import openai.resources  # noqa: F401
from crewai.llms.base_llm import BaseLLM
from pydantic import BaseModel, Field, PrivateAttr, ValidationError

from engine.llm_events import LLMCallEvent, report, sending
from engine.steps.crew import compat
from engine.steps.crew.bounds import bounded_schema
from engine.steps.crew.failures import LLMCallFailed, describe_sdk_error, is_schema_refusal, no_retry_hook
from engine.steps.crew.families import request_params
from engine.steps.crew.prompts import LLM_WORDS
from engine.steps.crew.providers import Endpoint
from engine.steps.crew.schemas import json_object_instructions, response_format_for, strict_schema

__all__ = ["OpenAICompatibleLLM", "json_object_endpoints"]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
log = logging.getLogger(__name__)
# Endpoints (base URL + model) that refused json_schema: asked with json_object from then on.
_json_object_only: set[str] = set()
# SDK clients per event loop, shared by every step's LLM for the same endpoint and limits (one
# connection pool), and living as long as their loop: closed by it (see _close_with_loop), never
# left to the garbage collector with sockets open.
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[Any, ...], tuple[Any, Any]]] = (
    weakref.WeakKeyDictionary())
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def json_object_endpoints() -> frozenset[str]:
    """The endpoints this process asks with `json_object` because they refused `json_schema`."""
    return frozenset(_json_object_only)


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


async def _close_with_loop(client: Any) -> AsyncIterator[None]:
    # An async generator the loop tracks: asyncio.run (and every Runner) closes pending async
    # generators before closing the loop, which closes the client's connections with it.
    try:
        yield
    finally:
        await client.close()


class OpenAICompatibleLLM(BaseLLM):
    """Chat completions through the openai SDK for one endpoint and one step, for crewai agents."""

    llm_type: str = "openai-sdk"
    step: str = Field(default="reply", description="the workflow step; picks the output cap")
    timeout: float = Field(default=30.0, gt=0, description="seconds per HTTP attempt")
    max_retries: int = Field(default=3, ge=0)
    max_connections: int = Field(default=200, ge=1)
    max_output_tokens: int | None = Field(default=None, ge=1)
    _endpoint: Endpoint | None = PrivateAttr(default=None)

    @classmethod
    def for_endpoint(cls, endpoint: Endpoint, *, step: str, temperature: float | None, timeout: float,
                     max_retries: int, max_output_tokens: int | None = None,
                     max_connections: int = 200) -> OpenAICompatibleLLM:
        """The LLM for one step at this endpoint."""
        llm = cls(model=endpoint.model, base_url=endpoint.base_url, temperature=temperature, step=step,
                  timeout=timeout, max_retries=max_retries, max_output_tokens=max_output_tokens,
                  max_connections=max_connections)
        llm._endpoint = endpoint
        return llm

    @property
    def endpoint(self) -> Endpoint:
        if self._endpoint is None:
            raise LLMCallFailed(LLM_WORDS.not_configured(), cause="config")
        return self._endpoint

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

    async def warm_client(self) -> None:
        """Build this loop's client now (a server's start-up), not on the first draft's path."""
        await self._client()

    async def aclose(self) -> None:
        """Close this endpoint's clients on the running loop (others close with their loops)."""
        clients = _clients.get(asyncio.get_running_loop(), {})
        for key in [key for key in clients if key[0] == self._endpoint]:
            await clients.pop(key)[0].close()

    async def _client(self) -> Any:
        loop = asyncio.get_running_loop()
        clients = _clients.setdefault(loop, {})
        key = (self.endpoint, self.timeout, self.max_retries, self.max_connections)
        entry = clients.get(key)
        if entry is not None and not entry[0].is_closed():
            return entry[0]
        import httpx
        from openai import DefaultAioHttpClient

        _finish_httpx2_import()

        # The SDK's aiohttp transport (openai[aiohttp]): httpx's own pool costs ~5 ms of CPU per
        # call with 50 in flight against ~1 ms here (perf/bench_llm_cpu.py).
        http = DefaultAioHttpClient(
            limits=httpx.Limits(max_connections=self.max_connections,
                                max_keepalive_connections=self.max_connections, keepalive_expiry=30),
            event_hooks={"response": [no_retry_hook]})
        client = self.endpoint.client(timeout=self.timeout, max_retries=self.max_retries, http_client=http)
        keeper = _close_with_loop(client)
        await keeper.__anext__()
        clients[key] = (client, keeper)
        return client

    def _request(self, messages: str | list[Any], response_model: type[BaseModel] | None,
                 *, json_object: bool) -> dict[str, Any]:
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        # crewai may tag messages (cache breakpoints, files); the API takes role and content.
        sent = [{"role": m["role"], "content": m.get("content") or ""} for m in messages]
        endpoint = self.endpoint
        # Messages and the response format go as extra_body, sent as they stand: the SDK would
        # otherwise run them through its request transform (resolving each message against a union
        # of TypedDicts, walking the whole JSON schema) on every call, ~1.5 ms of CPU; they are
        # plain role/content dicts and a ready schema. `messages=[]` is overridden by extra_body.
        body: dict[str, Any] = {"model": endpoint.model, "messages": [], "extra_body": {"messages": sent}}
        body.update(request_params(endpoint.family, step=self.step, temperature=self.temperature,
                                   max_output_tokens=self.max_output_tokens))
        if response_model is not None:
            # Grammar-constrained servers get every string and array bounded, so the grammar ends
            # the answer (bounds.py); OpenAI and Azure get the strict schema unchanged.
            schema = (bounded_schema(response_model) if _bounded(endpoint, json_object=json_object)
                      else strict_schema(response_model))
            if json_object:
                body["extra_body"]["response_format"] = {"type": "json_object", "schema": schema}
                sent.append({"role": "system", "content": json_object_instructions(response_model, schema=schema)})
            else:
                body["extra_body"]["response_format"] = response_format_for(response_model, schema=schema)
        headers = endpoint.request_headers()
        if headers:
            body["extra_headers"] = headers
        return body

    @property
    def _endpoint_key(self) -> str:
        return f"{self.endpoint.base_url}|{self.endpoint.model}"

    async def _complete(self, messages: str | list[Any], response_model: type[BaseModel] | None) -> Any:
        started = time.perf_counter()
        endpoint = self.endpoint
        failure: LLMCallFailed | None = None
        try:
            answer, usage = await self._ask(messages, response_model)
        except asyncio.CancelledError:
            raise  # the step timed out; not this call's failure to report
        except Exception as exc:
            failure = describe_sdk_error(exc, endpoint, timeout=self.timeout, attempts=self.max_retries + 1)
            failure.sdk_error = exc
        if failure is not None:
            report(LLMCallEvent(ok=False, api=endpoint.api, model=endpoint.model,
                                seconds=time.perf_counter() - started, cause=failure.cause))
            # Raised outside the handler, so the SDK's 429 is not in its chain: crewai's own
            # rate-limit retry around acall/call walks the chain and would start another round.
            failure.__cause__ = failure.__context__ = None
            raise failure
        report(LLMCallEvent(ok=True, api=endpoint.api, model=endpoint.model, seconds=time.perf_counter() - started,
                            prompt_tokens=usage.get("prompt_tokens", 0),
                            completion_tokens=usage.get("completion_tokens", 0)))
        return answer

    async def _ask(self, messages: str | list[Any],
                   response_model: type[BaseModel] | None) -> tuple[Any, dict[str, int]]:
        import openai

        client = await self._client()
        json_object = response_model is not None and self._endpoint_key in _json_object_only
        request = self._request(messages, response_model, json_object=json_object)
        sending()  # a lookup racing this call may start its embedding now (engine/speculation.py)
        try:
            completion = await client.chat.completions.create(**request)
        except openai.APIStatusError as exc:
            if json_object or response_model is None or not is_schema_refusal(exc.status_code, _message(exc)):
                raise
            _json_object_only.add(self._endpoint_key)
            log.warning("the LLM at %s refuses json_schema structured output (HTTP %d); asking it with "
                        "json_object and the schema from now on", self.endpoint.label, exc.status_code)
            request = self._request(messages, response_model, json_object=True)
            completion = await client.chat.completions.create(**request)
        return self._read(completion, response_model, request)

    def _read(self, completion: Any, response_model: type[BaseModel] | None,
              request: dict[str, Any]) -> tuple[Any, dict[str, int]]:
        where = self.endpoint.label
        usage: dict[str, int] = {}
        if completion.usage is not None:
            usage = {"prompt_tokens": completion.usage.prompt_tokens or 0,
                     "completion_tokens": completion.usage.completion_tokens or 0,
                     "total_tokens": completion.usage.total_tokens or 0}
            compat.track_token_usage(self, usage)
        if not completion.choices:
            raise LLMCallFailed(LLM_WORDS.garbled(where, "it has no choices"), cause="garbled")
        choice = completion.choices[0]
        message = choice.message
        lenient = _bounded(self.endpoint, json_object=_asked_json_object(request))
        if choice.finish_reason == "length":
            whole = self._whole_answer(message.content or "", response_model, lenient=lenient)
            if whole is None:
                cap = request.get("max_completion_tokens") or request.get("max_tokens")
                raise LLMCallFailed(LLM_WORDS.truncated(cap), cause="truncated")
            # The JSON closed before the cap; only what came after it was cut (small local models
            # under a JSON grammar may pad with whitespace up to the cap): the answer is whole.
            return whole, usage
        if choice.finish_reason == "content_filter":
            raise LLMCallFailed(LLM_WORDS.content_filter(where, "answer"), cause="content_filter")
        if getattr(message, "refusal", None):
            raise LLMCallFailed(LLM_WORDS.refused(where, str(message.refusal)), cause="refused")
        content = message.content or ""
        if response_model is None:
            return content, usage
        fenced = _FENCE.match(content)  # small local models wrap JSON in a code fence
        try:
            return _parse(fenced.group(1) if fenced else content, response_model, lenient=lenient), usage
        except ValidationError as exc:
            raise LLMCallFailed(LLM_WORDS.misfit(response_model.__name__, exc.error_count(),
                                                 exc.errors()[0]["msg"]), cause="misfit") from exc

    @staticmethod
    def _whole_answer(content: str, response_model: type[BaseModel] | None, *, lenient: bool) -> Any:
        """A cut-off answer that still holds one whole, valid JSON answer (None when it does not)."""
        if response_model is None:
            return None
        try:
            return _parse(content.strip(), response_model, lenient=lenient)
        except ValidationError:
            return None


def _finish_httpx2_import() -> None:
    """Wait for httpx2 to be whole before the SDK looks at it.

    openai>=2.5x checks `sys.modules.get("httpx2")` on every request (openai/_httpx2.py) and reads
    its attributes; huggingface_hub imports httpx2 too, and when the meaning models load on a
    worker thread while the first LLM call is made, the SDK finds the module half-imported
    ("partially initialized module 'httpx2' has no attribute 'AsyncClient'"). An import statement
    waits for the other thread's import to finish.
    """
    try:
        import httpx2  # noqa: F401
    except ImportError:
        pass


def _bounded(endpoint: Endpoint, *, json_object: bool) -> bool:
    """Whether this endpoint is sent the bounded schema: a local server, or one taking json_object."""
    return json_object or endpoint.kind == "local"


def _asked_json_object(request: dict[str, Any]) -> bool:
    return bool(request.get("extra_body", {}).get("response_format", {}).get("type") == "json_object")


def _parse(text: str, model: type[M], *, lenient: bool) -> M:
    """The answer as the model; ValidationError when it is not JSON or does not fit.

    `lenient` (grammar-constrained servers) reads control characters inside strings as themselves:
    llama-cpp-python's schema grammar lets a raw newline into a string (its `char` rule is
    `[^"\\] | "\\" ...`, llama_cpp/llama_grammar.py PRIMITIVE_RULES, where llama.cpp's own excludes
    \x00-\x1F), and Gemma 3 270M writes multi-line replies that way; strict JSON refuses them.
    """
    if lenient:
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            pass  # not JSON even leniently: pydantic's JSON error below names the problem
        else:
            return model.model_validate(data)
    return model.model_validate_json(text)


def _message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            return str(error.get("message") or "")
    return str(getattr(exc, "message", "") or "")
