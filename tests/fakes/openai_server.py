"""A fake OpenAI-compatible chat-completions server on 127.0.0.1 that enforces the services' rules.

Three flavours, strict by default (the rules and their sources: tests/fakes/openai_rules.py):

- `openai`: `POST /v1/chat/completions` with `Authorization: Bearer <key>` when `api_key` is set;
  strict structured-output schemas, reasoning-model parameters, unknown models (when `models` is given).
- `azure`: the v1 route `POST /openai/v1/chat/completions` (the deployment is the model) and the
  classic `POST /openai/deployments/{deployment}/chat/completions?api-version=...`; the key only in
  `api-key`; unknown deployments answer 404 DeploymentNotFound; rules of the deployment's model.
- `llama_cpp`: llama-cpp-python's server: `response_format` of type `text` or `json_object` (with an
  optional `schema`) only; `json_schema` is answered HTTP 500 with the validation error.

A request that passes the rules gets the next scripted reply that matches it (`enqueue()`), else an
instance generated from its schema. Every request is kept in `history` with its path, headers and
arrival/response times (`time.perf_counter()`).

    fake = await FakeOpenAI(flavor="azure", api_key="k", deployments={"chat": "gpt-4o-mini"}).start()
    fake.enqueue({"intent": "asks_pricing"}, match="ThreadAnalysis")
    fake.enqueue(error=errors.insufficient_quota())     # the next request fails as the service would
    fake.enqueue(finish_reason="length")                # an answer cut at the output cap
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from aiohttp import web

from tests.fakes.openai_rules import (
    ServerDies,
    ServiceError,
    check_json_mode_prompt,
    check_llama_cpp_grammar,
    check_reasoning_params,
    check_response_format,
    errors,
)

__all__ = ["FakeOpenAI", "Flavor", "RecordedRequest", "Scripted", "errors", "fake_openai", "raw_control_characters",
           "sample_for_schema"]

Flavor = Literal["openai", "azure", "llama_cpp"]


@dataclass
class Scripted:
    """One scripted answer: a body, a failure (status or a service error), a finish reason, or a hang."""

    content: Any = None
    status: int = 200
    error: ServiceError | None = None
    finish_reason: str = "stop"
    cut: bool = True  # with finish_reason length: cut the content in half (False: send it as given)
    refusal: str | None = None
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
    path: str = "/v1/chat/completions"
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    responded: float | None = None
    status: int | None = None
    peer: tuple[str, int] | None = None  # the client's address and port: one port = one pooled connection
    error: dict[str, Any] | None = None  # the error body answered, if any

    @property
    def schema_name(self) -> str | None:
        """The json_schema name of the requested response format (the pydantic model's name)."""
        fmt = self.body.get("response_format") or {}
        name = (fmt.get("json_schema") or {}).get("name")
        return str(name) if name else None

    @property
    def schema(self) -> dict[str, Any] | None:
        """The schema asked for: json_schema's, or the one beside a json_object format."""
        fmt = self.body.get("response_format") or {}
        schema = (fmt.get("json_schema") or {}).get("schema") or fmt.get("schema")
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


def raw_control_characters(text: str) -> str:
    """JSON text with the `\\n`, `\\r` and `\\t` escapes inside strings written as the raw characters,
    as a model writes them under llama-cpp-python's schema grammar ([LCPPG])."""
    raw = {"n": "\n", "r": "\r", "t": "\t"}
    return _ESCAPE.sub(lambda m: m.group(1) + raw[m.group(2)], text)


_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\([nrt])")  # an escape not itself escaped


class FakeOpenAI:
    """The fake server; `base_url` is OPENAI_BASE_URL, `endpoint` is AZURE_OPENAI_ENDPOINT."""

    def __init__(self, *, latency: float = 0.0, host: str = "127.0.0.1", port: int = 0,
                 flavor: Flavor = "openai", api_key: str | None = None, models: set[str] | None = None,
                 deployments: dict[str, str] | None = None, bearer_token: str | None = None) -> None:
        self.latency = latency
        self.host = host
        self.port = port
        self.flavor = flavor
        self.api_key = api_key
        self.models = models
        self.deployments = deployments or {}
        self.bearer_token = bearer_token  # an Entra ID token Azure accepts in `Authorization: Bearer`
        self.history: list[RecordedRequest] = []
        self.dead = False  # llama_cpp: a grammar it cannot parse killed the server ([LCPPG])
        self._script: list[Scripted] = []
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.endpoint}/v1"

    def enqueue(self, content: Any = None, *, status: int = 200, error: ServiceError | None = None,
                finish_reason: str = "stop", cut: bool = True, refusal: str | None = None,
                retry_after: float | None = None,
                delay: float | None = None, hang: bool = False, match: str | None = None,
                headers: dict[str, str] | None = None) -> None:
        """Script the next answer to a request that `match`es (a schema name or prompt substring)."""
        self._script.append(Scripted(content=content, status=status, error=error, finish_reason=finish_reason,
                                     cut=cut, refusal=refusal, retry_after=retry_after, delay=delay, hang=hang,
                                     match=match, headers=headers))

    def requests_for(self, schema_name: str) -> list[RecordedRequest]:
        """The recorded requests that asked for this response schema."""
        return [r for r in self.history if r.schema_name == schema_name]

    async def start(self) -> FakeOpenAI:
        app = web.Application()
        if self.flavor == "azure":
            app.router.add_post("/openai/v1/chat/completions", self._completions)
            app.router.add_post("/openai/deployments/{deployment}/chat/completions", self._completions)
        else:
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

    def _check_auth(self, http: web.Request) -> None:
        authorization = http.headers.get("Authorization")
        if self.flavor == "azure":
            # [AZV1]/[AZREF]: the key goes in `api-key`; a bearer token is an Entra ID token. Both at once
            # is how a key leaks to gateways (APIM) that log Authorization, and they refuse it.
            key = http.headers.get("api-key")
            if key is not None and authorization is not None:
                raise errors.azure_access_denied()
            if authorization is not None:
                if self.bearer_token is None or authorization != f"Bearer {self.bearer_token}":
                    raise errors.azure_access_denied()
                return
            if self.api_key is not None and key != self.api_key:
                raise errors.azure_access_denied()
            return
        if self.api_key is not None and authorization != f"Bearer {self.api_key}":
            raise errors.invalid_api_key()

    def _model(self, http: web.Request, body: dict[str, Any]) -> str:
        model = str(body.get("model") or "")
        if self.flavor == "azure":
            deployment = http.match_info.get("deployment")
            if deployment is not None and not http.query.get("api-version"):
                raise errors.missing_api_version()  # [AZREF] classic routes
            name = deployment or model  # [AZV1] the v1 route takes the deployment as `model`
            if name not in self.deployments:
                raise errors.deployment_not_found()
            return self.deployments[name]
        if self.models is not None and model not in self.models:
            raise errors.model_not_found(model)
        return model

    async def _completions(self, http: web.Request) -> web.StreamResponse:
        arrived = time.perf_counter()
        body = await http.json()
        peer = http.transport.get_extra_info("peername") if http.transport else None
        request = RecordedRequest(body=body, arrived=arrived, path=http.path, query=dict(http.query),
                                  headers={k.lower(): v for k, v in http.headers.items()},
                                  peer=(str(peer[0]), int(peer[1])) if peer else None)
        self.history.append(request)
        if self.flavor == "llama_cpp":
            try:
                if self.dead:
                    raise ServerDies("the server died on an earlier request")
                check_llama_cpp_grammar(body.get("response_format"))
            except ServerDies as death:
                return self._die(http, request, death)
        try:
            self._check_auth(http)
            model = self._model(http, body)
            check_reasoning_params(model, body)
            check_response_format(body.get("response_format"), flavor=self.flavor)
            check_json_mode_prompt(body)
        except ServiceError as refusal:
            return self._refuse(request, refusal)
        script = self._next(request)
        if script.hang:
            await self._closing.wait()
            raise web.HTTPServiceUnavailable()
        delay = self.latency if script.delay is None else script.delay
        if delay:
            await asyncio.sleep(delay)
        if script.error is not None:
            return self._refuse(request, script.error, script)
        if script.status != 200:
            return self._refuse(request, ServiceError(script.status, {"error": {
                "message": f"scripted failure {script.status}", "type": "server_error", "param": None,
                "code": None}}), script)
        request.status = 200
        request.responded = time.perf_counter()
        return web.json_response(self._completion(request, script))

    def _die(self, http: web.Request, request: RecordedRequest, death: ServerDies) -> web.Response:
        """[LCPPG] the server process is gone: this connection closes unanswered, as will later ones."""
        self.dead = True
        request.error = {"died": str(death)}
        if http.transport is not None:
            http.transport.abort()
        return web.Response(status=500)  # never reaches the client: the connection is gone

    def _refuse(self, request: RecordedRequest, error: ServiceError, script: Scripted | None = None) -> web.Response:
        headers = dict(error.headers)
        if script is not None:
            if script.retry_after is not None:
                headers["Retry-After"] = f"{script.retry_after:g}"
            headers.update(script.headers or {})
        request.status, request.error, request.responded = error.status, error.body, time.perf_counter()
        return web.json_response(error.body, status=error.status, headers=headers)

    def _completion(self, request: RecordedRequest, script: Scripted) -> dict[str, Any]:
        schema = request.schema
        content = script.content
        if content is None:
            content = sample_for_schema(schema) if schema else "sample answer"
        elif isinstance(content, dict) and schema:
            content = {**sample_for_schema(schema), **content}  # a partial script fills the rest
        text: str | None = content if isinstance(content, str) else json.dumps(content)
        if self.flavor == "llama_cpp" and not isinstance(content, str):
            text = raw_control_characters(text or "")  # [LCPPG] its grammar's `char` admits them
        if script.finish_reason == "length" and script.cut:
            text = (text or "")[: max(1, len(text or "") // 2)]  # cut mid-answer, as a cap does
        elif script.finish_reason == "content_filter":
            text = None  # [AZCF] a filtered completion carries no content
        if script.refusal is not None:
            text = None
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": script.finish_reason,
                         "message": {"role": "assistant", "content": text, "refusal": script.refusal}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    """A fake OpenAI server (strict rules, any model, any key) on a free loopback port, no latency."""
    fake = FakeOpenAI()
    await fake.start()
    yield fake
    await fake.close()


async def _serve(port: int, latency: float, flavor: Flavor) -> None:
    fake = FakeOpenAI(latency=latency, port=port, flavor=flavor, deployments={"chat": "gpt-4o-mini"})
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
    parser.add_argument("--flavor", choices=["openai", "azure", "llama_cpp"], default="openai")
    options = parser.parse_args()
    try:
        asyncio.run(_serve(options.port, options.latency, options.flavor))
    except KeyboardInterrupt:
        pass
