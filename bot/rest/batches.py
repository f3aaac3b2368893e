"""REST for big batches: `POST /batches` (a CSV or JSON rows, answered at once with an id),
`GET /batches/{id}` (progress), `GET /batches/{id}/results.csv`, `DELETE /batches/{id}` (cancel).

With REDIS_URL the rows are queue jobs (`replycrew worker`s draft them); without, they run in a
background task of this process at bounded concurrency. Either way the store is the batch's
record, so any serving process answers GET and DELETE for any batch. A batch belongs to the API
key (scope) that sent it: another key gets 404, as for an unknown id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from aiohttp import web

from bot.rest.auth import API_SCOPE_KEY
from bot.rest.routes import ENGINE, batch_row, error_response, json_errors
from bot.settings import Settings
from engine.batch.csv_io import read_batch_csv, results_csv_bytes, results_csv_for_rows
from engine.batch.queue import BatchQueue
from engine.batch.queued import QueueBatchRunner
from engine.batch.record import BatchRecord
from engine.batch.rows import BatchMeta, BatchRow
from engine.batch.runner import BatchRunner
from engine.errors import BatchRejected
from engine.models import new_request_id

__all__ = ["RestBatches", "add_batch_routes"]

log = logging.getLogger(__name__)
CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/vnd.ms-excel")


class RestBatches:
    """The batches this server was sent: the queue (with Redis) or this process's background runs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.queue: BatchQueue | None = None
        self.local: dict[str, BatchRunner] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self, _app: web.Application) -> None:
        if self.settings.redis_dsn:
            self.queue = BatchQueue(self.settings)
            await self.queue.connect()

    async def stop(self, _app: web.Application) -> None:
        for runner in self.local.values():
            runner.cancel()  # in flight rows finish; the rest can be resumed from the store
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.queue is not None:
            await self.queue.close()

    def run_here(self, runner: BatchRunner, rows: list[BatchRow], meta: BatchMeta) -> None:
        self.local[runner.batch_id] = runner

        async def run() -> None:
            try:
                await runner.run(rows, scope=meta.scope, max_concurrent=meta.max_concurrent,
                                 context=meta.context)
            except Exception:
                log.exception("batch %s failed", runner.batch_id)
            finally:
                self.local.pop(runner.batch_id, None)

        task = asyncio.create_task(run(), name=f"rest-batch-{runner.batch_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


BATCHES = web.AppKey("rest_batches", RestBatches)


async def _read_rows(request: web.Request, settings: Settings) -> tuple[list[BatchRow], str | None]:
    """The rows of a POST /batches body (a CSV, or JSON `{"rows": [...]}`), and the CSV text if any."""
    limit = settings.max_batch_bytes
    raw = await request.content.read(limit + 1)  # streamed: a CSV may exceed the JSON body limit
    if len(raw) > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(raw), text=json.dumps(
            {"error": f"the batch is over {limit:,} bytes (MAX_BATCH_BYTES); split it"}),
            content_type="application/json")
    if request.content_type in CSV_TYPES:
        try:
            batch = await asyncio.to_thread(read_batch_csv, raw, max_rows=settings.max_batch_rows,
                                            max_bytes=limit)
        except BatchRejected as exc:
            raise _unprocessable(str(exc), "body") from exc
        return batch.items, raw.decode("utf-8-sig", errors="replace")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _bad(f"body is neither a CSV (Content-Type: text/csv) nor valid JSON: {exc}") from exc
    rows = body.get("rows") if isinstance(body, dict) else None
    if not isinstance(rows, list) or not rows:
        raise _unprocessable('send {"rows": [{"conversation_thread": "...", "channel": "email"}, ...]} '
                             "or a CSV with Content-Type: text/csv", "rows")
    if len(rows) > settings.max_batch_rows:
        raise _unprocessable(f"rows: at most {settings.max_batch_rows:,} rows per batch "
                             f"(MAX_BATCH_ROWS), got {len(rows):,}; split them", "rows")
    return [batch_row(index, item) for index, item in enumerate(rows)], None


def _bad(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": message}), content_type="application/json")


def _unprocessable(message: str, field: str) -> web.HTTPUnprocessableEntity:
    return web.HTTPUnprocessableEntity(text=json.dumps({"error": message, "fields": [field]}),
                                       content_type="application/json")


def _links(batch_id: str) -> dict[str, str]:
    return {"status_url": f"/batches/{batch_id}", "results_url": f"/batches/{batch_id}/results.csv"}


@json_errors
async def create_batch(request: web.Request) -> web.Response:
    """POST /batches: keep the rows, start them, answer 202 with the batch id at once."""
    service = request.app[BATCHES]
    engine = request.app[ENGINE]
    rows, source = await _read_rows(request, service.settings)
    batch_id = f"batch_{new_request_id()}"
    scope = request[API_SCOPE_KEY]
    concurrency = service.settings.max_concurrent_requests
    if service.queue is not None:
        runner = QueueBatchRunner(engine.store, service.queue, batch_id=batch_id)
        if source is not None:
            await runner.record.save_source(source)
        await runner.submit(rows, scope=scope, max_concurrent=concurrency)
    else:
        local = BatchRunner(engine, batch_id=batch_id)
        if source is not None:
            await local.record.save_source(source)
        meta = BatchMeta(batch_id=batch_id, scope=scope, total=len(rows), max_concurrent=concurrency)
        await local.record.save(meta, rows)  # visible to GET before the first row runs
        service.run_here(local, rows, meta)
    return web.json_response({"id": batch_id, "status": "running", "total": len(rows),
                              **_links(batch_id)}, status=202)


async def _own(request: web.Request) -> tuple[BatchRecord, BatchMeta]:
    batch_id = request.match_info["batch_id"]
    record = BatchRecord(request.app[ENGINE].store, batch_id)
    meta = await record.find_meta()
    if meta is None or meta.scope != request[API_SCOPE_KEY]:
        raise web.HTTPNotFound(text=json.dumps({"error": f"no batch {batch_id!r} for this API key; it may "
                                                         "have expired (after a week) — send it again"}),
                               content_type="application/json")
    return record, meta


@json_errors
async def batch_status(request: web.Request) -> web.Response:
    """GET /batches/{id}: done / failed / total, rows per second and ETA, from the store."""
    record, meta = await _own(request)
    counts = await record.counts()
    seconds = max(time.time() - meta.created, 1e-3)
    rate = counts.done / seconds
    eta = (meta.total - counts.done) / rate if rate > 0 and meta.status == "running" else None
    return web.json_response({
        "id": meta.batch_id, "status": meta.status, "total": meta.total, "done": counts.done,
        "failed": counts.failed, "succeeded": counts.done - counts.failed,
        "rows_per_second": round(rate, 3), "eta_s": None if eta is None else round(eta, 1),
        **_links(meta.batch_id)})


@json_errors
async def batch_results(request: web.Request) -> web.Response:
    """GET /batches/{id}/results.csv: every row as it stands (rows not run yet say so)."""
    record, meta = await _own(request)
    report = await record.report()
    source = await record.source()
    if source is None:
        data = results_csv_for_rows(report)
    else:  # it passed the limits when it was sent; today's limits must not strand it
        batch = await asyncio.to_thread(read_batch_csv, source, max_rows=10**9, max_bytes=10**12)
        data = await asyncio.to_thread(results_csv_bytes, batch, report)
    return web.Response(body=data, content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="{meta.batch_id}.csv"',
        "X-Batch-Status": meta.status})


@json_errors
async def cancel_batch(request: web.Request) -> web.Response:
    """DELETE /batches/{id}: no row starts after this; rows in flight stop at their next step."""
    record, meta = await _own(request)
    service = request.app[BATCHES]
    if meta.status != "running":
        return error_response(409, f"batch {meta.batch_id} is already {meta.status}; nothing to cancel",
                              batch_status=meta.status)
    if service.queue is not None:
        await service.queue.cancel(record.store, meta.batch_id, by="api")
    else:
        with contextlib.suppress(KeyError):
            service.local[meta.batch_id].cancel()
        await record.cancel("api")  # another serving process's runner reads this before each row
    return web.json_response({"id": meta.batch_id, "status": "cancelled", **_links(meta.batch_id)},
                             status=202)


def add_batch_routes(app: web.Application, settings: Settings) -> None:
    """Register /batches on the server's application (after `app[ENGINE]` is set)."""
    service = RestBatches(settings)
    app[BATCHES] = service
    app.on_startup.append(service.start)
    app.on_cleanup.append(service.stop)
    app.router.add_post("/batches", create_batch)
    app.router.add_get("/batches/{batch_id}", batch_status)
    app.router.add_get("/batches/{batch_id}/results.csv", batch_results)
    app.router.add_delete("/batches/{batch_id}", cancel_batch)
