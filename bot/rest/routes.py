"""REST handlers: /run, /run-parallel, /batch and /ws — the engine over HTTP (/run-template: templates).

Every refusal is JSON `{"error": "...", "fields": [...]}` a person can act on: 400 for a body
that is not a JSON object, 422 naming each invalid field, 413 for an oversized body, 500 (with
the request id) for a fault of ours. Runs are tracked on the WebSocket hub so `/ws/{client_id}`
sockets of the same caller see their StepEvents live.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.rest.auth import API_SCOPE_KEY
from bot.rest.ws import setup_ws, tracked
from engine.batch.runner import BatchRow, BatchRunner, RowError
from engine.models import DraftRequest, Mode, Result, describe_validation_error, new_request_id
from engine.workflow import Engine

__all__ = [
    "ENGINE",
    "MAX_BATCH_REQUESTS",
    "NDJSON",
    "add_routes",
    "batch_row",
    "error_response",
    "json_errors",
    "parse_draft_request",
    "read_json",
    "result_response",
]

log = logging.getLogger(__name__)
ENGINE = web.AppKey("engine", Engine)
NDJSON = "application/x-ndjson"
MAX_BATCH_REQUESTS = 50  # per /batch call, as the seed; bigger jobs go through a CSV upload
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(status: int, message: str, **extra: Any) -> web.Response:
    """A JSON error a person can act on: `{"error": "...", ...}`."""
    return web.json_response({"error": message, **extra}, status=status)


def _refuse(kind: type[web.HTTPError], message: str, **extra: Any) -> web.HTTPError:
    return kind(text=json.dumps({"error": message, **extra}), content_type="application/json")


def json_errors(handler: Handler) -> Handler:
    """Turn an oversized body or an unexpected fault into a JSON error instead of a text page."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPRequestEntityTooLarge as exc:
            return error_response(413, f"body too large: {exc.text}; send fewer or shorter threads")
        except web.HTTPException:
            raise
        except Exception:
            incident = new_request_id()
            log.exception("%s %s failed (incident %s)", request.method, request.path, incident)
            return error_response(500, f"internal error (incident {incident}); try again, and report "
                                       "the incident id if it keeps happening", incident=incident)

    return wrapped


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 saying what is wrong with it."""
    raw = await request.read()
    if not raw.strip():
        raise _refuse(web.HTTPBadRequest, "body is empty: send a JSON object, e.g. "
                                          '{"conversation_thread": "...", "channel": "linkedin"}')
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _refuse(web.HTTPBadRequest, f"body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise _refuse(web.HTTPBadRequest,
                      f"body must be a JSON object, not a JSON {type(body).__name__}")
    return body


def _fields(exc: ValidationError) -> list[str]:
    return [".".join(map(str, error["loc"])) or "request" for error in exc.errors()]


def parse_draft_request(body: dict[str, Any], *, mode: Mode | None = None,
                        **overrides: Any) -> DraftRequest:
    """A DraftRequest from a JSON body, or a 422 naming each invalid field."""
    if mode is not None:
        body = {**body, "mode": mode}
    try:
        return DraftRequest.model_validate({**body, **overrides})
    except ValidationError as exc:
        raise _refuse(web.HTTPUnprocessableEntity, describe_validation_error(exc),
                      fields=_fields(exc)) from exc


def result_response(result: Result) -> web.Response:
    """A Result as the JSON body of a /run* answer."""
    return web.Response(text=result.model_dump_json(), content_type="application/json")


@json_errors
async def run_sequential(request: web.Request) -> web.StreamResponse:
    """POST /run: the seed's sequential workflow."""
    body = await read_json(request)
    if body.get("mode", "sequential") != "sequential":
        raise _refuse(web.HTTPUnprocessableEntity,
                      f"mode: /run always runs sequentially (got {body['mode']!r}); use "
                      "/run-parallel for mode 'parallel' or 'fast'", fields=["mode"])
    draft_request = parse_draft_request(body, mode="sequential")
    return await _respond(request, draft_request)


@json_errors
async def run_parallel(request: web.Request) -> web.StreamResponse:
    """POST /run-parallel: profile || analysis -> reply (or `mode`); NDJSON stream when asked for."""
    body = await read_json(request)
    draft_request = parse_draft_request({"mode": "parallel", **body})
    return await _respond(request, draft_request)


async def _respond(request: web.Request, draft_request: DraftRequest) -> web.StreamResponse:
    engine = request.app[ENGINE]
    scope = request[API_SCOPE_KEY]
    request_id = new_request_id()
    with tracked(request, request_id):
        if NDJSON not in request.headers.get("Accept", ""):
            return result_response(await engine.run(draft_request, scope=scope, request_id=request_id))
        return await _stream(request, engine, draft_request, scope=scope, request_id=request_id)


async def _stream(request: web.Request, engine: Engine, draft_request: DraftRequest, *,
                  scope: str, request_id: str) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": NDJSON, "Cache-Control": "no-cache"})
    await response.prepare(request)
    try:
        async for item in engine.stream(draft_request, scope=scope, request_id=request_id):
            await response.write(item.model_dump_json().encode() + b"\n")
    except (ConnectionResetError, ConnectionError):
        log.info("client left the NDJSON stream of %s", request_id)
        return response  # leaving the stream stops the run's remaining steps
    except Exception as exc:  # headers are sent: the error becomes the stream's last line
        log.exception("NDJSON stream of %s failed", request_id)
        line = {"type": "error", "request_id": request_id, "error": f"drafting failed: {exc}"}
        await response.write(json.dumps(line).encode() + b"\n")
    await response.write_eof()
    return response


class BatchBody(BaseModel):
    """The body of POST /batch (as the seed): the requests, and how many to run at once."""

    model_config = ConfigDict(extra="forbid")

    requests: list[Any] = Field(min_length=1)
    parallel: bool = True
    max_concurrent: int = Field(default=10, ge=1, le=MAX_BATCH_REQUESTS)


@json_errors
async def run_batch(request: web.Request) -> web.StreamResponse:
    """POST /batch: up to 50 requests at bounded concurrency; one bad request never fails the rest."""
    body = await read_json(request)
    requests = body.get("requests")
    if isinstance(requests, list) and len(requests) > MAX_BATCH_REQUESTS:
        raise _refuse(web.HTTPUnprocessableEntity,
                      f"requests: at most {MAX_BATCH_REQUESTS} requests per batch, got "
                      f"{len(requests)}; split them across calls, or upload a CSV for up to "
                      "1,000 rows", fields=["requests"])
    try:
        batch = BatchBody.model_validate(body)
    except ValidationError as exc:
        raise _refuse(web.HTTPUnprocessableEntity, describe_validation_error(exc),
                      fields=_fields(exc)) from exc
    rows = [batch_row(index, item) for index, item in enumerate(batch.requests)]
    scope = request[API_SCOPE_KEY]
    runner = BatchRunner(request.app[ENGINE], checkpoint=False)  # a REST caller cannot resume
    with tracked(request, runner.batch_id):
        report = await runner.run(rows, scope=scope,
                                  max_concurrent=batch.max_concurrent if batch.parallel else 1)
    return web.Response(text=report.model_dump_json(), content_type="application/json")


def batch_row(index: int, item: Any) -> BatchRow:
    if not isinstance(item, dict):
        return RowError(f"requests[{index}]: must be a JSON object, not {type(item).__name__}",
                        column="requests")
    try:
        return DraftRequest.model_validate(item)
    except ValidationError as exc:
        return RowError(describe_validation_error(exc), column=_fields(exc)[0])


def add_routes(app: web.Application, *, open_api: bool = False) -> None:
    """Register the REST API and /ws on the server's application (after `app[ENGINE]` is set).

    `open_api` (no API keys, loopback) lets /ws show runs the REST API did not start (Slack, CLI).
    """
    setup_ws(app, app[ENGINE], open_api=open_api)
    app.router.add_post("/run", run_sequential)
    app.router.add_post("/run-parallel", run_parallel)
    app.router.add_post("/batch", run_batch)
