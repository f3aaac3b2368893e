"""A fake OpenAI-compatible chat-completions server on 127.0.0.1, for driving the real crew backend.

It speaks `POST /v1/chat/completions` as the OpenAI SDK expects. With a `response_format` of type
`json_schema` it answers JSON valid for that schema: the next scripted reply that matches the
request (`enqueue()`), else a sample instance generated from the schema. Latency, 429s with
Retry-After, 500s and hangs can be scripted. Every request is kept in `history` with its arrival
and response times (`time.perf_counter()`, comparable with the engine's own clock in-process).

    fake = FakeOpenAI(latency=0.3)
    await fake.start()
    fake.enqueue({"intent": "asks_pricing"}, match="ThreadAnalysis")
    fake.enqueue(status=429, retry_after=0.05)        # the next request, whatever it asks
    fake.enqueue(status=503, headers={"retry-after-ms": "20"})
    ...
    fake.history[0].schema_name, fake.history[0].arrived, fake.history[0].responded
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web

__all__ = ["FakeOpenAI", "RecordedRequest", "Scripted", "fake_openai", "sample_for_schema"]


@dataclass
class Scripted:
    """One scripted answer: a body (JSON-able or text), or a failure status, or a hang."""

    content: Any = None
    status: int = 200
    retry_after: float | None = None
    delay: float | None = None
    hang: bool = False
    match: str | None = None
    headers: dict[str, str] | None = None

    def matches(self, request: RecordedRequest) -> bool:
        if self.match is None:
            return True
        return self.match == request.schema_name or self.match in request.prompt


@dataclass
class RecordedRequest:
    """A request as the fake saw it."""

    body: dict[str, Any]
    arrived: float
    responded: float | None = None
    status: int | None = None
    peer: tuple[str, int] | None = None  # the client's address and port: one port = one pooled connection

    @property
    def schema_name(self) -> str | None:
        """The json_schema name of the requested response format (the pydantic model's name)."""
        fmt = self.body.get("response_format") or {}
        name = (fmt.get("json_schema") or {}).get("name")
        return str(name) if name else None

    @property
    def schema(self) -> dict[str, Any] | None:
        fmt = self.body.get("response_format") or {}
        schema = (fmt.get("json_schema") or {}).get("schema")
        return schema if isinstance(schema, dict) else None

    @property
    def prompt(self) -> str:
        """Every message's text, joined: what the model was asked."""
        parts = []
        for message in self.body.get("messages", []):
            content = message.get("content")
            if isinstance(content, str):
                parts.append(content)
            elif isinstance(content, list):
                parts.extend(str(item.get("text", "")) for item in content if isinstance(item, dict))
        return "\n".join(parts)


def sample_for_schema(schema: dict[str, Any], root: dict[str, Any] | None = None) -> Any:
    """A small instance valid for a JSON schema (objects, arrays, enums, anyOf, $ref)."""
    root = root or schema
    if "$ref" in schema:
        target: Any = root
        for part in str(schema["$ref"]).lstrip("#/").split("/"):
            target = target[part]
        return sample_for_schema(target, root)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return sample_for_schema(options[0], root)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {name: sample_for_schema(sub, root) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [sample_for_schema(schema.get("items", {"type": "string"}), root)]
    if kind == "string":
        return f"sample {schema.get('title', 'text').lower()}"
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    return None


class FakeOpenAI:
    """The fake server; `base_url` is what OPENAI_BASE_URL should be set to."""

    def __init__(self, *, latency: float = 0.0, host: str = "127.0.0.1", port: int = 0) -> None:
        self.latency = latency
        self.host = host
        self.port = port
        self.history: list[RecordedRequest] = []
        self._script: list[Scripted] = []
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def enqueue(self, content: Any = None, *, status: int = 200, retry_after: float | None = None,
                delay: float | None = None, hang: bool = False, match: str | None = None,
                headers: dict[str, str] | None = None) -> None:
        """Script the next answer to a request that `match`es (a schema name or prompt substring)."""
        self._script.append(Scripted(content=content, status=status, retry_after=retry_after,
                                     delay=delay, hang=hang, match=match, headers=headers))

    def requests_for(self, schema_name: str) -> list[RecordedRequest]:
        """The recorded requests that asked for this response schema."""
        return [r for r in self.history if r.schema_name == schema_name]

    async def start(self) -> FakeOpenAI:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None and isinstance(server, asyncio.base_events.Server)
        self.port = int(server.sockets[0].getsockname()[1])
        return self

    async def close(self) -> None:
        self._closing.set()  # releases hanging handlers
        if self._runner is not None:
            await self._runner.cleanup()

    def _next(self, request: RecordedRequest) -> Scripted:
        for index, item in enumerate(self._script):
            if item.matches(request):
                return self._script.pop(index)
        return Scripted()

    async def _completions(self, http: web.Request) -> web.StreamResponse:
        arrived = time.perf_counter()
        body = await http.json()
        peer = http.transport.get_extra_info("peername") if http.transport else None
        request = RecordedRequest(body=body, arrived=arrived, peer=(str(peer[0]), int(peer[1])) if peer else None)
        self.history.append(request)
        script = self._next(request)
        if script.hang:
            await self._closing.wait()
            raise web.HTTPServiceUnavailable()
        delay = self.latency if script.delay is None else script.delay
        if delay:
            await asyncio.sleep(delay)
        request.status = script.status
        request.responded = time.perf_counter()
        if script.status != 200:
            headers = {"Retry-After": f"{script.retry_after:g}"} if script.retry_after is not None else {}
            headers.update(script.headers or {})
            error = {"error": {"message": f"scripted failure {script.status}", "type": "fake_error",
                               "code": str(script.status)}}
            return web.json_response(error, status=script.status, headers=headers)
        return web.json_response(self._completion(request, script.content))

    def _completion(self, request: RecordedRequest, content: Any) -> dict[str, Any]:
        schema = request.schema
        if content is None:
            content = sample_for_schema(schema) if schema else "sample answer"
        elif isinstance(content, dict) and schema:
            content = {**sample_for_schema(schema), **content}  # a partial script fills the rest
        text = content if isinstance(content, str) else json.dumps(content)
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text, "refusal": None}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    """A fake OpenAI-compatible server on a free loopback port, with no latency."""
    fake = FakeOpenAI()
    await fake.start()
    yield fake
    await fake.close()


async def _serve(port: int, latency: float) -> None:
    fake = FakeOpenAI(latency=latency, port=port)
    await fake.start()
    print(fake.port, flush=True)  # the parent reads the port from the first line
    try:
        await asyncio.Event().wait()
    finally:
        await fake.close()


if __name__ == "__main__":  # `python -m tests.fakes.openai_server --latency 0.3`: a separate process for perf/
    import argparse

    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible server on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per completion")
    options = parser.parse_args()
    try:
        asyncio.run(_serve(options.port, options.latency))
    except KeyboardInterrupt:
        pass
