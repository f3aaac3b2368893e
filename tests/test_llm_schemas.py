"""Every response model's schema passes the strict structured-output rules; families; Azure endpoint parsing."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from engine.errors import LLMUnavailable
from engine.models import ProspectProfile, ThreadAnalysis
from engine.steps.crew.backends import ReplyText
from engine.steps.crew.families import family_for, request_params
from engine.steps.crew.providers import parse_azure_endpoint
from engine.steps.crew.schemas import response_format_for, strict_schema
from tests.fakes.openai_rules import ServiceError, check_response_format, check_strict_schema
from tests.fakes.openai_server import sample_for_schema

RESPONSE_MODELS: list[type[BaseModel]] = [ProspectProfile, ThreadAnalysis, ReplyText]


@pytest.mark.parametrize("model", RESPONSE_MODELS, ids=lambda m: m.__name__)
def test_every_response_model_has_a_schema_the_services_accept(model: type[BaseModel]) -> None:
    check_response_format(response_format_for(model), flavor="openai")  # raises the service's 400
    schema = strict_schema(model)
    assert "default" not in str(schema)
    # What the schema admits, the model reads back: a strict answer always parses.
    model.model_validate(sample_for_schema(schema))


def test_the_rules_refuse_what_pydantic_and_the_sdk_helper_produce() -> None:
    from openai.lib._pydantic import to_strict_json_schema  # the old path, kept to prove the rule bites

    with pytest.raises(ServiceError, match="'default' is not permitted"):
        check_strict_schema("ThreadAnalysis", to_strict_json_schema(ThreadAnalysis))
    with pytest.raises(ServiceError, match=r"'required' is required .* Missing 'intent'"):
        check_strict_schema("ThreadAnalysis", {**ThreadAnalysis.model_json_schema(), "additionalProperties": False})
    with pytest.raises(ServiceError, match="'additionalProperties' is required"):
        check_strict_schema("X", {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]})
    deep: dict[str, object] = {"type": "string"}
    for _ in range(11):
        deep = {"type": "object", "properties": {"a": deep}, "required": ["a"], "additionalProperties": False}
    with pytest.raises(ServiceError, match="more than 10 levels"):
        check_strict_schema("Deep", deep)


@pytest.mark.parametrize(("model", "family"), [
    ("gpt-4o-mini", "standard"), ("gpt-4.1", "standard"), ("o1", "reasoning"), ("o3-mini", "reasoning"),
    ("o4-mini-2025-04-16", "reasoning"), ("gpt-5", "reasoning"), ("gpt-5-mini", "reasoning"),
    ("gpt-5.1", "reasoning"), ("gemma-3-270m", "standard"), ("llama3.1:8b", "standard"), ("omni", "standard"),
])
def test_model_families(model: str, family: str) -> None:
    assert family_for(model).name == family
    params = request_params(family_for(model), step="analysis", temperature=0.0, max_output_tokens=None)
    if family == "reasoning":
        assert set(params) == {"max_completion_tokens"}
    else:
        assert params == {"temperature": 0.0, "max_tokens": 700}


def test_the_family_can_be_set_for_an_azure_deployment_of_any_name() -> None:
    assert family_for("prod-chat", override="reasoning").name == "reasoning"


@pytest.mark.parametrize(("value", "endpoint", "deployment", "version"), [
    ("https://res.openai.azure.com", "https://res.openai.azure.com", None, None),
    ("https://res.openai.azure.com/", "https://res.openai.azure.com", None, None),
    ("res.openai.azure.com", "https://res.openai.azure.com", None, None),
    ("https://res.openai.azure.com/openai/v1/", "https://res.openai.azure.com", None, None),
    ("https://res.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21",
     "https://res.openai.azure.com", "gpt4o", "2024-10-21"),
])
def test_a_pasted_target_uri_is_reduced(value: str, endpoint: str, deployment: str | None, version: str | None) -> None:
    target = parse_azure_endpoint(value)
    assert (target.endpoint, target.deployment, target.api_version) == (endpoint, deployment, version)


@pytest.mark.parametrize("value", ["https://res.openai.azure.com/language/analyze", "ftp://res.openai.azure.com"])
def test_an_endpoint_that_is_not_azure_openai_is_refused_clearly(value: str) -> None:
    with pytest.raises(LLMUnavailable, match=r"AZURE_OPENAI_ENDPOINT=.*cannot be used.*set it to your resource"):
        parse_azure_endpoint(value)
