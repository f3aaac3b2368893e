"""REST handlers: /run, /run-parallel, /run-template, /batch, /ws — the engine over HTTP."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from bot.auth import API_SCOPE_KEY
from engine.models import DraftRequest, Mode, Result, describe_validation_error
from engine.workflow import Engine

__all__ = ["add_routes"]

log = logging.getLogger(__name__)
ENGINE = web.AppKey("engine", Engine)
NDJSON = "application/x-ndjson"


def error_response(status: int, message: str, **extra: Any) -> web.Response:
    """A JSON error a person can act on: `{"error": "...", ...}`."""
    return web.json_response({"error": message, **extra}, status=status)


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 saying what is wrong with it."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"body is not valid JSON: {exc}"}),
            content_type="application/json",
        ) from exc
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text=json.dumps({"error": "body must be a JSON object"}),
                                 content_type="application/json")
    return body


def parse_draft_request(body: dict[str, Any], *, mode: Mode | None = None,
                        **overrides: Any) -> DraftRequest:
    """A DraftRequest from a JSON body, or a 422 naming each invalid field."""
    if mode is not None:
        body = {**body, "mode": mode}
    try:
        return DraftRequest.model_validate({**body, **overrides})
    except ValidationError as exc:
        raise web.HTTPUnprocessableEntity(
            text=json.dumps({"error": describe_validation_error(exc),
                             "fields": [".".join(map(str, e["loc"])) for e in exc.errors()]}),
            content_type="application/json",
        ) from exc


def result_response(result: Result) -> web.Response:
    return web.Response(text=result.model_dump_json(), content_type="application/json")


async def run_sequential(request: web.Request) -> web.StreamResponse:
    """POST /run: the seed's sequential workflow."""
    draft_request = parse_draft_request(await read_json(request), mode="sequential")
    return await _respond(request, draft_request)


async def run_parallel(request: web.Request) -> web.StreamResponse:
    """POST /run-parallel: profile || analysis -> reply; NDJSON stream when asked for."""
    body = await read_json(request)
    draft_request = parse_draft_request(body, mode=body.get("mode", "parallel"))
    return await _respond(request, draft_request)


async def _respond(request: web.Request, draft_request: DraftRequest) -> web.StreamResponse:
    engine = request.app[ENGINE]
    scope = request[API_SCOPE_KEY]
    if NDJSON not in request.headers.get("Accept", ""):
        return result_response(await engine.run(draft_request, scope=scope))
    response = web.StreamResponse(headers={"Content-Type": NDJSON})
    await response.prepare(request)
    async for item in engine.stream(draft_request, scope=scope):
        await response.write(item.model_dump_json().encode() + b"\n")
    await response.write_eof()
    return response


def add_routes(app: web.Application) -> None:
    """Register the REST API on the server's application."""
    app.router.add_post("/run", run_sequential)
    app.router.add_post("/run-parallel", run_parallel)
