"""What went wrong with an LLM call, named: the openai SDK's typed errors and finish reasons -> a cause.

Each failure becomes an `LLMCallFailed` (an `LLMUnavailable`) whose `cause` is a short code for
metrics and tests and whose message says what happened and which setting fixes it (words in
prompts.LLM_WORDS). The step's error carries that message to the REST result, the Slack draft
and the CLI.

`no_retry_hook` is an httpx response hook: it marks the refusals the SDK would otherwise retry
(429 `insufficient_quota`, a server refusing `json_schema` with a 5xx) with `x-should-retry: false`,
the header the SDK obeys (openai-python `_base_client.py`, `_should_retry`). 400/401/403/404 (bad
request, key, model, content filter) the SDK never retries.
"""

from __future__ import annotations

import json
from typing import Literal

import httpx

from engine.errors import LLMUnavailable
from engine.steps.crew.prompts import LLM_WORDS
from engine.steps.crew.providers import Endpoint

__all__ = ["Cause", "LLMCallFailed", "describe_sdk_error", "is_schema_refusal", "no_retry_hook"]

Cause = Literal["quota", "busy", "auth", "not_found", "content_filter", "context_length", "truncated",
                "refused", "rejected", "server", "timeout", "unreachable", "garbled", "misfit",
                "schema_refused", "config"]


class LLMCallFailed(LLMUnavailable):
    """An LLM call failed for a named cause."""

    def __init__(self, message: str, *, cause: Cause, status: int | None = None) -> None:
        super().__init__(message)
        self.cause: Cause = cause
        self.status = status
        self.sdk_error: BaseException | None = None  # what the SDK raised, kept out of the chain (client.py)


def _error_fields(body: object) -> tuple[str, str, str]:
    """(code, type, message) of an OpenAI- or Azure-shaped error body."""
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            inner = error.get("innererror")
            code = str(error.get("code") or "")
            if isinstance(inner, dict) and inner.get("code") == "ResponsibleAIPolicyViolation":
                code = code or "content_filter"
            return code, str(error.get("type") or ""), str(error.get("message") or "")
        if isinstance(error, str):
            return "", "", error
    return "", "", ""


def is_schema_refusal(status: int, message: str) -> bool:
    """A server that does not take `response_format: json_schema` (llama-cpp-python says so with a 500)."""
    text = message.lower()
    return status in (400, 422, 500) and "json_schema" in text and (
        "response_format" in text or "json_object" in text)


async def no_retry_hook(response: httpx.Response) -> None:
    """httpx response hook: `x-should-retry: false` on refusals that retrying cannot change."""
    if response.status_code not in (429, 500):
        return
    await response.aread()  # error bodies are small
    try:
        code, type_, message = _error_fields(json.loads(response.content))
    except ValueError:
        return
    if "insufficient_quota" in (code, type_) or is_schema_refusal(response.status_code, message):
        response.headers["x-should-retry"] = "false"


def describe_sdk_error(exc: BaseException, endpoint: Endpoint, *, timeout: float, attempts: int) -> LLMCallFailed:
    """The named failure for an exception raised by the SDK (or anything else under a call)."""
    import openai

    where = endpoint.label
    key_hint = "AZURE_OPENAI_API_KEY (or the Entra ID sign-in)" if endpoint.kind == "azure" else "OPENAI_API_KEY"
    if isinstance(exc, LLMCallFailed):
        return exc
    if isinstance(exc, openai.APITimeoutError) and not _refused_connection(exc):
        return LLMCallFailed(LLM_WORDS.timeout(where, timeout, attempts), cause="timeout")
    if isinstance(exc, openai.APIConnectionError):
        return LLMCallFailed(LLM_WORDS.unreachable(where, endpoint.settings_hint), cause="unreachable")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        code, type_, message = _error_fields(exc.body if isinstance(exc.body, dict) else _json(exc.response))
        said = (message or exc.message)[:300]
        detail = f"{code}: {said}" if code and not code.isdigit() and code not in said else said
        if status == 429 and "insufficient_quota" in (code, type_):
            return LLMCallFailed(LLM_WORDS.quota(where), cause="quota", status=status)
        if status == 429:
            return LLMCallFailed(LLM_WORDS.busy(where, attempts), cause="busy", status=status)
        if status in (401, 403):
            return LLMCallFailed(LLM_WORDS.bad_key(where, status, key_hint), cause="auth", status=status)
        if status == 404:
            return LLMCallFailed(LLM_WORDS.unknown_model(where, endpoint.model, endpoint.model_hint, detail),
                                 cause="not_found", status=status)
        if code == "content_filter":
            return LLMCallFailed(LLM_WORDS.content_filter(where, "prompt"), cause="content_filter", status=status)
        if code == "context_length_exceeded":
            return LLMCallFailed(LLM_WORDS.context_too_long(where, detail), cause="context_length", status=status)
        if is_schema_refusal(status, message):
            return LLMCallFailed(LLM_WORDS.rejected(where, status, detail), cause="schema_refused", status=status)
        if status >= 500 or status in (408, 409):
            return LLMCallFailed(LLM_WORDS.server(where, status, attempts, detail), cause="server", status=status)
        return LLMCallFailed(LLM_WORDS.rejected(where, status, detail), cause="rejected", status=status)
    if isinstance(exc, LLMUnavailable):
        return LLMCallFailed(str(exc), cause="config")
    first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return LLMCallFailed(LLM_WORDS.garbled(where, first), cause="garbled")


def _refused_connection(exc: BaseException) -> bool:
    """A "timeout" that is a refused connection: httpx-aiohttp maps every aiohttp connection error,
    "connection refused" included, to httpx.ConnectTimeout; the OSError under it tells."""
    current: BaseException | None = exc
    seen = 0
    while current is not None and seen < 10:
        if isinstance(current, OSError) and not isinstance(current, TimeoutError):
            return True
        current, seen = current.__cause__ or current.__context__, seen + 1
    return False


def _json(response: httpx.Response) -> object:
    try:
        return json.loads(response.content)
    except (ValueError, httpx.ResponseNotRead):
        return None
