"""Local servers get bounded schemas (engine/steps/crew/bounds.py); OpenAI and Azure never do.

A grammar-constrained local server (llama-cpp-python: json_object + schema) ends an answer only
where its grammar does, so every string carries a maxLength and every array a maxItems, each within
what llama.cpp's grammar parser takes (past it the real server dies: tests/fakes/openai_rules.py
[LCPPG]). The fake's llama_cpp flavour enforces that limit and answers the way that server's
grammar lets a model answer: raw newlines inside strings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import BaseModel

from engine.models import ProspectProfile, ThreadAnalysis
from engine.settings import EngineSettings
from engine.steps.crew.backends import ReplyText
from engine.steps.crew.bounds import CEILING, bounded_schema
from engine.steps.crew.doctor import Probe
from engine.steps.crew.schemas import response_format_for, strict_schema
from tests.fakes.openai_rules import GRAMMAR_BOUND_LIMIT, ServerDies, check_llama_cpp_grammar, check_response_format
from tests.fakes.openai_server import FakeOpenAI, raw_control_characters, sample_for_schema
from tests.test_llm_providers import assert_whole, draft

MODELS: list[type[BaseModel]] = [ProspectProfile, ThreadAnalysis, ReplyText, Probe]
BOUND_KEYWORDS = ("maxLength", "minLength", "maxItems", "minItems")


def nodes(schema: Any) -> list[dict[str, Any]]:
    """Every sub-schema (dict) of a schema, itself included."""
    found: list[dict[str, Any]] = []
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_string_and_array_of_a_local_schema_is_bounded_within_llama_cpp_limits(model: type[BaseModel]) -> None:
    schema = bounded_schema(model)
    strings = [n for n in nodes(schema) if n.get("type") == "string" and "enum" not in n]
    arrays = [n for n in nodes(schema) if n.get("type") == "array"]
    assert all(0 < n["maxLength"] <= CEILING for n in strings), strings
    assert all(0 < n["maxItems"] <= CEILING for n in arrays), arrays
    assert CEILING <= GRAMMAR_BOUND_LIMIT
    check_llama_cpp_grammar({"type": "json_object", "schema": schema})  # the real server survives it
    # Bounds only narrow the strict schema: still strict, and what it admits the model reads back.
    check_response_format(response_format_for(model, schema=schema), flavor="openai")
    model.model_validate(sample_for_schema(schema))
    unbounded = json.loads(json.dumps(schema))
    for node in nodes(unbounded):
        for keyword in BOUND_KEYWORDS:
            node.pop(keyword, None)
    assert unbounded == strict_schema(model)


def test_the_bounds_follow_what_each_step_asks() -> None:
    profile = bounded_schema(ProspectProfile)["properties"]
    assert profile["notes"]["maxItems"] == 3  # "at most three short facts"
    reply = bounded_schema(ReplyText)["properties"]["text"]
    assert reply["minLength"] == 1 and reply["maxLength"] >= 600  # a LinkedIn message is up to 600 characters
    analysis = bounded_schema(ThreadAnalysis)["properties"]
    assert "maxLength" not in analysis["intent"] and analysis["intent"]["enum"]  # enums bound themselves


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_strict_schema_for_openai_and_azure_carries_no_bounds(model: type[BaseModel]) -> None:
    assert not [k for node in nodes(strict_schema(model)) for k in BOUND_KEYWORDS if k in node]


async def test_the_fake_llama_server_dies_on_a_grammar_past_its_limit() -> None:
    with pytest.raises(ServerDies):
        check_llama_cpp_grammar({"type": "json_object", "schema": {
            "type": "object", "properties": {"t": {"type": "string", "maxLength": GRAMMAR_BOUND_LIMIT + 1}}}})
    fake = await FakeOpenAI(flavor="llama_cpp").start()
    body = {"model": "m", "messages": [{"role": "user", "content": "JSON please"}],
            "response_format": {"type": "json_object", "schema": {
                "type": "object", "properties": {"t": {"type": "array", "maxItems": GRAMMAR_BOUND_LIMIT + 1}}}}}
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(2):  # the request that kills it, and the next one
                with pytest.raises(aiohttp.ClientError):
                    async with session.post(f"{fake.base_url}/chat/completions", json=body) as response:
                        await response.read()
                body["response_format"] = {"type": "json_object"}
    finally:
        await fake.close()
    assert fake.dead and len(fake.history) == 2


async def test_a_local_llama_server_is_asked_with_the_bounded_schemas(data_dir: Path) -> None:
    fake = await FakeOpenAI(flavor="llama_cpp").start()
    try:
        result = await draft(EngineSettings(openai_base_url=fake.base_url, llm_model="gemma-3-270m",
                                            data_dir=data_dir))
    finally:
        await fake.close()
    assert_whole(result)
    asked = [r for r in fake.history if r.status == 200]
    assert len(asked) == 3 and not fake.dead
    expected = {m.__name__: bounded_schema(m) for m in (ProspectProfile, ThreadAnalysis, ReplyText)}
    for request in asked:
        schema = request.body["response_format"]["schema"]
        assert schema == expected[schema["title"]]
        assert json.dumps(schema, separators=(",", ":")) in request.prompt  # the prompt shows the same bounds
    # The json_schema first tried (and refused) is bounded too: it went to a local server.
    refused = [r for r in fake.history if r.status == 500]
    assert refused and all("maxLength" in json.dumps(r.body["response_format"]) for r in refused)


async def test_a_keyless_local_server_taking_json_schema_gets_it_bounded(data_dir: Path) -> None:
    fake = await FakeOpenAI().start()  # Ollama, vLLM, LM Studio: json_schema, no key
    try:
        result = await draft(EngineSettings(openai_base_url=fake.base_url, llm_model="llama3.1:8b",
                                            data_dir=data_dir))
    finally:
        await fake.close()
    assert_whole(result)
    assert len(fake.history) == 3
    for request in fake.history:
        fmt = request.body["response_format"]
        assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
        assert fmt["json_schema"]["schema"] == bounded_schema(
            {"ProspectProfile": ProspectProfile, "ThreadAnalysis": ThreadAnalysis,
             "ReplyText": ReplyText}[fmt["json_schema"]["name"]])


@pytest.mark.parametrize("flavor", ["openai", "azure"])
async def test_openai_and_azure_are_never_sent_bounds(flavor: str, data_dir: Path) -> None:
    if flavor == "openai":
        fake = await FakeOpenAI(api_key="sk-test").start()
        settings = EngineSettings(openai_api_key="sk-test", openai_base_url=fake.base_url, data_dir=data_dir)
    else:
        fake = await FakeOpenAI(flavor="azure", api_key="az-key", deployments={"chat": "gpt-4o-mini"}).start()
        settings = EngineSettings(azure_openai_endpoint=fake.endpoint, azure_openai_api_key="az-key",
                                  azure_openai_deployment="chat", data_dir=data_dir)
    try:
        result = await draft(settings)
    finally:
        await fake.close()
    assert_whole(result)
    assert len(fake.history) == 3
    for request in fake.history:
        sent = json.dumps(request.body)
        assert not [k for k in BOUND_KEYWORDS if f'"{k}"' in sent], sent[:300]
        schema = request.body["response_format"]["json_schema"]["schema"]
        assert schema == strict_schema({"ProspectProfile": ProspectProfile, "ThreadAnalysis": ThreadAnalysis,
                                        "ReplyText": ReplyText}[schema["title"]])


async def test_raw_newlines_in_a_local_answer_are_read_as_newlines(data_dir: Path) -> None:
    reply = {"text": "Hi Tom,\n\nHappy to send pricing for 12 seats.\n\nBest,\nAna", "subject": "Pricing"}
    sent = raw_control_characters(json.dumps(reply))
    with pytest.raises(json.JSONDecodeError, match="control character"):
        json.loads(sent)  # what the fake answers, strict JSON refuses
    fake = await FakeOpenAI(flavor="llama_cpp").start()
    fake.enqueue(reply, match="ReplyText")
    try:
        result = await draft(EngineSettings(openai_base_url=fake.base_url, llm_model="gemma-3-270m",
                                            data_dir=data_dir))
    finally:
        await fake.close()
    assert_whole(result)
    assert result.draft.text == reply["text"] and result.draft.subject == "Pricing"


def longest_json(schema: dict[str, Any]) -> int:
    """The most characters an answer the bounded schema admits can take (escapes counted as one)."""
    if "enum" in schema:
        return max(len(json.dumps(value)) for value in schema["enum"])
    if "anyOf" in schema:
        return max(longest_json(option) for option in schema["anyOf"])
    kind = schema.get("type")
    if kind == "object":
        return 2 + sum(len(json.dumps(name)) + 2 + longest_json(sub) for name, sub in schema["properties"].items())
    if kind == "array":
        return 2 + schema["maxItems"] * (longest_json(schema["items"]) + 2)
    if kind == "string":
        return 2 + int(schema["maxLength"])
    return 5  # null, true, false


@pytest.mark.parametrize(("model", "step"), [(ProspectProfile, "profile"), (ThreadAnalysis, "analysis"),
                                             (ReplyText, "reply")], ids=lambda v: getattr(v, "__name__", v))
def test_the_longest_bounded_answer_fits_the_step_cap(model: type[BaseModel], step: str) -> None:
    # Gemma 3 270M's answers measured 3.4-4.3 characters a token (JSON keys included); at
    # 2.5 the grammar closes the JSON before the step's output cap even for a model writing junk.
    from engine.steps.crew.families import STEP_CAPS

    assert longest_json(bounded_schema(model)) <= 2.5 * STEP_CAPS[step]
