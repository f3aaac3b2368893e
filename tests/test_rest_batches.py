"""REST for big batches: POST /batches answers at once, GET follows, results.csv, DELETE cancels —
in-process without Redis, and on queue workers with it."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

from bot.server import build_web_app
from bot.settings import Settings
from engine.cache.store import RedisStore
from engine.workflow import Engine
from tests.conftest import SAMPLES, Client, MakeClient
from tests.queue_helpers import fresh_redis_db, queue_env, workers
from tests.test_batch_runner import sample_without_websites

KEY_A, KEY_B = "key-a", "key-b"


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _finished(client: Client, batch_id: str, key: str, *, within: float = 60) -> dict[str, Any]:
    for _ in range(int(within / 0.1)):
        response = await client.get(f"/batches/{batch_id}", headers=_auth(key))
        body: dict[str, Any] = await response.json()
        if body["status"] != "running":
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"batch {batch_id} still running: {body}")


async def test_a_csv_batch_is_answered_at_once_and_its_results_follow(make_client: MakeClient) -> None:
    client = await make_client(api_keys=f"{KEY_A},{KEY_B}")
    response = await client.post("/batches", data=sample_without_websites(),
                                 headers={**_auth(KEY_A), "Content-Type": "text/csv"})
    assert response.status == 202
    created = await response.json()
    assert created["total"] == 40 and created["status_url"] == f"/batches/{created['id']}"
    status = await _finished(client, created["id"], KEY_A)
    assert (status["status"], status["done"], status["failed"], status["succeeded"]) == ("done", 40, 5, 35)
    results = await client.get(created["results_url"], headers=_auth(KEY_A))
    assert results.status == 200 and results.headers["X-Batch-Status"] == "done"
    rows = list(csv.DictReader(io.StringIO((await results.read()).decode("utf-8-sig"))))
    assert len(rows) == 40 and [row["status"] for row in rows].count("ok") == 35
    assert rows[14]["error"].startswith("channel: unsupported channel 'fax'")
    # Another API key's batch is not there for this one; a finished batch cannot be cancelled.
    assert (await client.get(f"/batches/{created['id']}", headers=_auth(KEY_B))).status == 404
    late = await client.delete(f"/batches/{created['id']}", headers=_auth(KEY_A))
    assert late.status == 409 and "already done" in (await late.json())["error"]


async def test_bad_batches_are_refused_with_what_to_fix(make_client: MakeClient) -> None:
    client = await make_client()
    bad = await client.post("/batches", data=(SAMPLES / "batch_bad_header.csv").read_bytes(),
                            headers={"Content-Type": "text/csv"})
    assert bad.status == 422 and "Missing: conversation_thread, channel" in (await bad.json())["error"]
    empty = await client.post("/batches", json={"rows": []})
    assert empty.status == 422 and (await empty.json())["fields"] == ["rows"]
    many = await client.post("/batches", json={"rows": [{"conversation_thread": "hi"}] * 1001})
    assert many.status == 422 and "at most 1,000 rows" in (await many.json())["error"]
    unknown = await client.get("/batches/batch_nope")
    assert unknown.status == 404 and "send it again" in (await unknown.json())["error"]


async def test_delete_cancels_an_in_process_batch(make_client: MakeClient) -> None:
    client = await make_client(max_concurrent_requests=1)
    rows = [{"conversation_thread": f"Prospect: send pricing for {n} seats?", "channel": "email"}
            for n in range(1, 400)]
    created = await (await client.post("/batches", json={"rows": rows})).json()
    cancelled = await client.delete(f"/batches/{created['id']}")
    assert cancelled.status == 202
    status = await _finished(client, created["id"], "")
    assert status["status"] == "cancelled" and status["done"] < 399
    results = await client.get(created["results_url"])
    lines = list(csv.DictReader(io.StringIO((await results.read()).decode("utf-8-sig"))))
    assert len(lines) == 399 and lines[-1]["status"] == "cancelled"


async def test_with_redis_json_rows_are_drafted_by_queue_workers(aiohttp_client: Any, tmp_path: Path,
                                                                 redis_server: str) -> None:
    url = fresh_redis_db(redis_server)
    settings = Settings(_env_file=None, data_dir=tmp_path / "app", redis_url=url)
    engine = Engine(settings, store=RedisStore(url))
    seen: list[object] = []
    engine.subscribe(seen.append)
    client = await aiohttp_client(build_web_app(settings, engine=engine))
    rows = [{"conversation_thread": f"Prospect: can we book a demo for {n} people?", "channel": "email"}
            for n in range(1, 13)]
    async with workers(queue_env(tmp_path / "worker", url), 1, concurrency=4):
        created = await (await client.post("/batches", json={"rows": rows})).json()
        status = await _finished(client, created["id"], "")
    assert (status["status"], status["done"], status["failed"]) == ("done", 12, 0)
    results = await client.get(created["results_url"])
    lines = list(csv.DictReader(io.StringIO((await results.read()).decode("utf-8-sig"))))
    assert [line["row"] for line in lines] == [str(n) for n in range(1, 13)]
    assert all(line["status"] == "ok" and line["draft"] for line in lines)
    assert not seen  # the web process drafted nothing
    await engine.store.close()
