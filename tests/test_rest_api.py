"""The REST API over loopback: /run, /run-parallel, /batch, /ws — good input drafts, bad input is named."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from aiohttp import WSMsgType

from bot.rest.ws import broadcast
from tests.conftest import MakeClient

THREAD = ("Rep (Jordan Lee): Hi Mateus, worth a quick look?\n"
          "Mateus Oliveira: What would pricing look like for 40 seats? Can you send it over?")
GOOD = {"conversation_thread": THREAD, "channel": "email"}


async def _error(response: Any, status: int) -> str:
    assert response.status == status, await response.text()
    body = await response.json()
    assert isinstance(body["error"], str) and body["error"]
    return str(body["error"])


async def test_run_parallel_and_run_return_an_offline_draft(make_client: MakeClient) -> None:
    client = await make_client()
    response = await client.post("/run-parallel", json=GOOD)
    assert response.status == 200
    body = await response.json()
    assert body["mode"] == "parallel" and body["offline"] is True and body["draft"]["text"]
    assert [step["name"] for step in body["steps"]] == ["profile", "analysis", "reply"]
    sequential = await (await client.post("/run", json=GOOD)).json()
    assert sequential["mode"] == "sequential"


@pytest.mark.parametrize("path", ["/run", "/run-parallel", "/batch"])
async def test_bodies_that_are_not_json_objects_get_400(make_client: MakeClient, path: str) -> None:
    client = await make_client()
    assert "not valid JSON" in await _error(await client.post(path, data=b'{"conversation_thread": '), 400)
    assert "body is empty" in await _error(await client.post(path, data=b""), 400)
    assert "JSON object, not a JSON list" in await _error(await client.post(path, json=[GOOD]), 400)


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"channel": 5}, "channel", "channel:"),
    ({"channel": "fax"}, "channel", "unsupported channel 'fax'"),
    ({"use_templates": [1]}, "use_templates", "use_templates:"),
    ({"colour": "blue"}, "colour", "colour: unknown field"),
    ({"conversation_thread": "x" * 20_000}, "conversation_thread", "thread too long: 20,000 chars"),
    ({"conversation_thread": "   "}, "conversation_thread", "conversation_thread is empty"),
    ({"prospect_profile_url": "htp//broken"}, "prospect_profile_url", "invalid URL"),
    ({"mode": "turbo"}, "mode", "mode:"),
])
@pytest.mark.parametrize("path", ["/run", "/run-parallel"])
async def test_invalid_fields_get_422_naming_the_field(make_client: MakeClient, path: str,
                                                       change: dict[str, Any], field: str,
                                                       words: str) -> None:
    client = await make_client()
    response = await client.post(path, json={**GOOD, **change})
    assert words in await _error(response, 422)
    assert field in (await response.json())["fields"]


async def test_oversized_body_gets_413_as_json(make_client: MakeClient) -> None:
    client = await make_client()
    # A file-like body: aiohttp warns that sending megabytes of raw bytes may block the event loop.
    response = await client.post("/run", data=io.BytesIO(b"x" * (5 * 1024 * 1024)),
                                 headers={"Content-Type": "application/json"})
    assert "body too large" in await _error(response, 413)


async def test_ndjson_stream_sends_step_events_then_the_result(make_client: MakeClient) -> None:
    client = await make_client()
    response = await client.post("/run-parallel", json=GOOD,
                                  headers={"Accept": "application/x-ndjson"})
    assert response.status == 200 and response.headers["Content-Type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in (await response.text()).splitlines()]
    assert [line["type"] for line in lines] == ["step"] * 6 + ["result"]
    assert {line["request_id"] for line in lines} == {lines[-1]["request_id"]}
    assert {(line["name"], line["status"]) for line in lines[:-1]} == {
        (name, status) for name in ("profile", "analysis", "reply") for status in ("started", "ok")}


async def test_batch_runs_valid_requests_and_explains_invalid_ones_in_order(
        make_client: MakeClient) -> None:
    client = await make_client()
    requests = [GOOD, {**GOOD, "channel": "fax"}, "not an object", {**GOOD, "surprise": 1},
                {**GOOD, "channel": "linkedin"}]
    response = await client.post("/batch", json={"requests": requests, "max_concurrent": 3})
    assert response.status == 200
    report = await response.json()
    assert report["batch_id"].startswith("batch_")
    assert (report["total_requests"], report["successful_requests"], report["failed_requests"]) == (5, 2, 3)
    assert [item["index"] for item in report["results"]] == [0, 1, 2, 3, 4]
    assert [item["ok"] for item in report["results"]] == [True, False, False, False, True]
    assert "unsupported channel 'fax'" in report["results"][1]["error"]
    assert "requests[2]: must be a JSON object" in report["results"][2]["error"]
    assert "surprise: unknown field" in report["results"][3]["error"]
    for key in ("total_processing_time", "average_time_per_request", "throughput"):
        assert isinstance(report[key], str) and report[key]


@pytest.mark.parametrize(("body", "words"), [
    ({"requests": [GOOD] * 51}, "at most 50 requests per batch, got 51"),
    ({"requests": []}, "requests:"),
    ({"requests": "all of them"}, "requests:"),
    ({"requests": [GOOD], "max_concurrent": 0}, "max_concurrent:"),
    ({"requests": [GOOD], "max_concurrent": "lots"}, "max_concurrent:"),
    ({"requests": [GOOD], "parallel": "sometimes"}, "parallel:"),
    ({"requests": [GOOD], "priority": "high"}, "priority: unknown field"),
    ({}, "requests: Field required"),
])
async def test_bad_batches_get_422(make_client: MakeClient, body: dict[str, Any], words: str) -> None:
    client = await make_client()
    assert words in await _error(await client.post("/batch", json=body), 422)


async def test_api_keys_are_required_when_configured(make_client: MakeClient) -> None:
    client = await make_client(api_keys="key-one, key-two")
    response = await client.post("/run-parallel", json=GOOD)
    assert "missing or unknown API key" in await _error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = await client.post("/run-parallel", json=GOOD, headers={"Authorization": "Bearer nope"})
    await _error(wrong, 401)
    right = await client.post("/run-parallel", json=GOOD, headers={"Authorization": "Bearer key-two"})
    assert right.status == 200
    assert (await client.get("/healthz")).status == 200  # health stays open


async def test_rate_limit_answers_429_with_retry_after(make_client: MakeClient) -> None:
    client = await make_client(api_keys="key-one,key-two", rate_limit_per_minute=2)
    one = {"Authorization": "Bearer key-one"}
    for _ in range(2):
        assert (await client.post("/run", json=GOOD, headers=one)).status == 200
    limited = await client.post("/run", json=GOOD, headers=one)
    assert "rate limit of 2 requests per minute" in await _error(limited, 429)
    assert int(limited.headers["Retry-After"]) >= 1
    other = await client.post("/run", json=GOOD, headers={"Authorization": "Bearer key-two"})
    assert other.status == 200  # the limit is per key


async def _next_json(socket: Any) -> dict[str, Any]:
    message = await socket.receive(timeout=10)
    assert message.type == WSMsgType.TEXT, message
    data: dict[str, Any] = json.loads(message.data)
    return data


async def test_websocket_receives_the_step_events_of_a_run(make_client: MakeClient) -> None:
    client = await make_client()
    async with client.ws_connect("/ws/dashboard-1") as socket:
        assert (await _next_json(socket))["type"] == "hello"
        result = await (await client.post("/run-parallel", json=GOOD)).json()
        received = [await _next_json(socket) for _ in range(7)]
        assert [item["type"] for item in received] == ["step"] * 6 + ["result"]
        assert {item["request_id"] for item in received} == {result["request_id"]}
        assert received[-1]["draft"] == result["draft"]
        assert broadcast(client.app, {"type": "metrics", "runs": 1}) == 1
        assert await _next_json(socket) == {"type": "metrics", "runs": 1}
        await socket.send_str("ping")
        assert (await _next_json(socket))["type"] == "pong"


async def test_websocket_shows_a_caller_only_its_own_runs(make_client: MakeClient) -> None:
    client = await make_client(api_keys="key-one,key-two")
    async with client.ws_connect("/ws/mine?api_key=key-one") as socket:
        assert (await _next_json(socket))["type"] == "hello"
        await client.post("/run-parallel", json=GOOD, headers={"Authorization": "Bearer key-two"})
        mine = await (await client.post("/run-parallel", json=GOOD,
                                        headers={"Authorization": "Bearer key-one"})).json()
        first = await _next_json(socket)  # key-two's run came first but was not sent here
        assert first["request_id"] == mine["request_id"]
    refused = await client.get("/ws/anyone")
    assert refused.status == 401
