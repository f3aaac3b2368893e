"""Every configuration of issue 11's table drafts whole against the strict fake (tests/fakes/openai_rules.py).

Each test runs the real engine (crew backends, openai SDK) against a FakeOpenAI that refuses what the
real service refuses, then reads what the fake recorded: the route, the auth headers, the
parameters each model family takes, the response format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.models import DraftRequest, Result
from engine.settings import EngineSettings
from engine.workflow import Engine
from tests.fakes.openai_server import FakeOpenAI, RecordedRequest

THREAD = ("Rep (Ana Ruiz): Thanks for the call, Tom.\n"
          "Tom Becker: Can you send pricing for 12 seats? We need SOC 2 before next quarter.")


async def draft(settings: EngineSettings) -> Result:
    engine = Engine(settings)
    return await engine.run(DraftRequest(conversation_thread=THREAD, channel="email", mode="parallel",
                                         prospect_company_website=None), scope="t", use_cache=False)


def assert_whole(result: Result) -> None:
    failed = {step.name: step.error for step in result.steps if step.status != "ok"}
    assert not failed, failed
    assert not result.degraded and not result.offline
    assert {step.name: step.source for step in result.steps} == {"profile": "llm", "analysis": "llm", "reply": "llm"}
    assert result.draft.text


def by_schema(history: list[RecordedRequest]) -> dict[str, RecordedRequest]:
    return {str(r.schema_name or (r.body.get("response_format") or {}).get("type")): r for r in history}


async def test_openai_gpt_4o_mini(data_dir: Path) -> None:
    fake = await FakeOpenAI(api_key="sk-test", models={"gpt-4o-mini"}).start()
    try:
        result = await draft(EngineSettings(openai_api_key="sk-test", openai_base_url=fake.base_url,
                                            llm_model="gpt-4o-mini", data_dir=data_dir))
    finally:
        await fake.close()
    assert_whole(result)
    requests = by_schema(fake.history)
    assert set(requests) == {"ProspectProfile", "ThreadAnalysis", "ReplyText"}
    assert all(r.status == 200 for r in fake.history) and len(fake.history) == 3
    analysis = requests["ThreadAnalysis"].body
    assert analysis["temperature"] == 0.0 and analysis["max_tokens"] == 700
    assert requests["ReplyText"].body["temperature"] == 0.4 and requests["ReplyText"].body["max_tokens"] == 1000
    assert all(r.headers["authorization"] == "Bearer sk-test" and "api-key" not in r.headers for r in fake.history)


async def test_reasoning_models_get_no_temperature_and_max_completion_tokens(data_dir: Path) -> None:
    for model in ("gpt-5-mini", "o4-mini"):
        fake = await FakeOpenAI(api_key="sk-test", models={model}).start()
        try:
            result = await draft(EngineSettings(openai_api_key="sk-test", openai_base_url=fake.base_url,
                                                llm_model=model, data_dir=data_dir))
        finally:
            await fake.close()
        assert_whole(result)
        for request in fake.history:
            assert "temperature" not in request.body and "max_tokens" not in request.body, model
            assert request.body["max_completion_tokens"] >= 4000, model  # room for reasoning tokens


async def test_llm_max_output_tokens_and_llm_temperature_apply_to_every_call(data_dir: Path) -> None:
    fake = await FakeOpenAI().start()
    try:
        result = await draft(EngineSettings(openai_api_key="k", openai_base_url=fake.base_url, data_dir=data_dir,
                                            llm_max_output_tokens=333, llm_temperature=0.7))
    finally:
        await fake.close()
    assert_whole(result)
    assert {(r.body["max_tokens"], r.body["temperature"]) for r in fake.history} == {(333, 0.7)}


async def test_azure_v1_sends_the_key_in_api_key_only(data_dir: Path) -> None:
    fake = await FakeOpenAI(flavor="azure", api_key="az-key", deployments={"chat-prod": "gpt-4o-mini"}).start()
    try:
        result = await draft(EngineSettings(azure_openai_endpoint=fake.endpoint, azure_openai_api_key="az-key",
                                            azure_openai_deployment="chat-prod", data_dir=data_dir))
    finally:
        await fake.close()
    assert_whole(result)
    assert len(fake.history) == 3
    for request in fake.history:
        assert request.path == "/openai/v1/chat/completions" and "api-version" not in request.query
        assert request.headers["api-key"] == "az-key" and "authorization" not in request.headers
        assert request.body["model"] == "chat-prod"


async def test_azure_classic_with_an_api_version(data_dir: Path) -> None:
    fake = await FakeOpenAI(flavor="azure", api_key="az-key", deployments={"mini5": "gpt-5-mini"}).start()
    try:
        result = await draft(EngineSettings(
            azure_openai_endpoint=fake.endpoint, azure_openai_api_key="az-key", azure_openai_deployment="mini5",
            azure_openai_api_version="2024-10-21", llm_model_family="reasoning", data_dir=data_dir))
    finally:
        await fake.close()
    assert_whole(result)
    for request in fake.history:
        assert request.path == "/openai/deployments/mini5/chat/completions"
        assert request.query["api-version"] == "2024-10-21"
        assert request.headers["api-key"] == "az-key" and "authorization" not in request.headers
        assert "temperature" not in request.body  # the family came from LLM_MODEL_FAMILY


async def test_a_pasted_target_uri_is_reduced_to_the_endpoint(data_dir: Path) -> None:
    fake = await FakeOpenAI(flavor="azure", api_key="az-key", deployments={"chat-prod": "gpt-4o-mini"}).start()
    target = f"{fake.endpoint}/openai/deployments/chat-prod/chat/completions?api-version=2025-01-01-preview"
    try:
        result = await draft(EngineSettings(azure_openai_endpoint=target, azure_openai_api_key="az-key",
                                            data_dir=data_dir))
    finally:
        await fake.close()
    assert_whole(result)
    assert {(r.path, r.query.get("api-version")) for r in fake.history} == {
        ("/openai/deployments/chat-prod/chat/completions", "2025-01-01-preview")}


async def test_a_keyless_local_server_that_refuses_json_schema_falls_back_once(data_dir: Path) -> None:
    fake = await FakeOpenAI(flavor="llama_cpp").start()
    settings = EngineSettings(openai_base_url=fake.base_url, llm_model="gemma-3-270m", data_dir=data_dir)
    assert settings.llm_kind == "local"
    try:
        first = await draft(settings)
        second = await draft(settings)
    finally:
        await fake.close()
    assert_whole(first)
    assert_whole(second)
    refused = [r for r in fake.history if r.status == 500]
    # Refused only by the first draft's parallel steps (profile, analysis: in flight together),
    # each never retried (a 5xx the SDK would retry) but asked again with json_object; then remembered.
    assert 1 <= len(refused) <= 2 and all(r.body["response_format"]["type"] == "json_schema" for r in refused)
    assert {r.schema_name for r in refused} <= {"ProspectProfile", "ThreadAnalysis"}
    later = [r for r in fake.history if r.status != 500]
    assert len(later) == 6 and all(r.status == 200 for r in later)
    assert all(r.body["response_format"]["type"] == "json_object" and r.body["response_format"]["schema"]
               for r in later)
    assert all("json" in r.prompt.lower() for r in later)
    assert all("authorization" not in r.headers for r in fake.history)


def failed_steps(result: Result) -> dict[str, Any]:
    return {step.name: step.error for step in result.steps if step.status == "failed"}
