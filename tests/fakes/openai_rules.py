"""The documented rules the fake OpenAI server enforces, each with the page it comes from.

Strict by default: a request the real service refuses is refused here with the real service's
status and error body, so a client that passes against the fake passes against the service.

Sources (cited per rule below):
  [SO]    OpenAI, Structured Outputs, "Supported schemas":
          https://platform.openai.com/docs/guides/structured-outputs#supported-schemas
  [REAS]  OpenAI, Reasoning models: https://platform.openai.com/docs/guides/reasoning and the chat API
          reference https://platform.openai.com/docs/api-reference/chat/create (`max_tokens` "is not
          compatible with o-series models"; reasoning models take only the default temperature).
          Azure says the same: https://learn.microsoft.com/azure/ai-foundry/openai/how-to/reasoning
  [ERR]   OpenAI, Error codes: https://platform.openai.com/docs/guides/error-codes and
          https://help.openai.com/en/articles/6891839-api-error-code-guidance (401 invalid key,
          429 "You exceeded your current quota" with type/code `insufficient_quota`).
  [AZV1]  Azure OpenAI v1 API: https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle
          (`{endpoint}/openai/v1/`, no api-version; key in `api-key`, or a Microsoft Entra ID bearer token)
  [AZREF] Azure OpenAI REST reference (classic data plane):
          https://learn.microsoft.com/azure/ai-foundry/openai/reference
          (`POST {endpoint}/openai/deployments/{deployment-id}/chat/completions?api-version=...`,
          `api-key` header or `Authorization: Bearer` Entra token; 404 `DeploymentNotFound`)
  [AZCF]  Azure content filtering: https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter
          (400 with code `content_filter` when the prompt is filtered; `finish_reason: content_filter`
          when the completion is)
  [LCPP]  llama-cpp-python's server: `response_format` is `{"type": "text"|"json_object", "schema": ...}`
          (abetlen/llama-cpp-python PR #1122 "Add json schema mode"; llama_cpp/llama_types.py
          ChatCompletionRequestResponseFormat); anything else fails request validation, which its
          RouteErrorHandler (llama_cpp/server/errors.py) answers as HTTP 500 `internal_server_error`.
  [LCPPG] llama-cpp-python 0.3.36 turns a json_object `schema` into a llama.cpp grammar
          (llama_cpp/llama_grammar.py `json_schema_to_gbnf`): a bound of N (maxLength, maxItems, ...)
          becomes N nested optional groups, ~2N grammar rules, and llama.cpp refuses a repetition
          past 2,000 rules (`MAX_REPETITION_THRESHOLD`, ggml-org/llama.cpp src/llama-grammar.cpp);
          the grammar sampler is then null and the server process dies (llama_cpp/_internals.py
          `add_grammar` adds it unchecked). Measured: 1,000 parses, 1,001 kills the server. Its `char`
          rule is `[^"\\] | "\\" ...` (PRIMITIVE_RULES), so strings may hold raw control characters.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "GRAMMAR_BOUND_LIMIT",
    "ServerDies",
    "ServiceError",
    "check_json_mode_prompt",
    "check_llama_cpp_grammar",
    "check_reasoning_params",
    "check_response_format",
    "check_strict_schema",
    "errors",
    "is_reasoning_model",
]


class ServiceError(Exception):
    """A refusal: the HTTP status and the JSON body the real service sends."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(str(body))
        self.status, self.body, self.headers = status, body, headers or {}


def _openai_error(status: int, message: str, *, type_: str | None = "invalid_request_error",
                  param: str | None = None, code: str | None = None) -> ServiceError:
    # [ERR] every error body is {"error": {"message", "type", "param", "code"}}
    return ServiceError(status, {"error": {"message": message, "type": type_, "param": param, "code": code}})


class errors:
    """The error bodies of the failures the issue names, as the services send them."""

    @staticmethod
    def insufficient_quota() -> ServiceError:
        # [ERR] 429 - You exceeded your current quota, please check your plan and billing details.
        return _openai_error(429, "You exceeded your current quota, please check your plan and billing details. "
                             "For more information on this error, read the docs: "
                             "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                             type_="insufficient_quota", code="insufficient_quota")

    @staticmethod
    def rate_limited() -> ServiceError:
        # [ERR] 429 - Rate limit reached for requests (retryable, unlike the quota one)
        return _openai_error(429, "Rate limit reached for requests", type_="requests", code="rate_limit_exceeded")

    @staticmethod
    def invalid_api_key() -> ServiceError:
        # [ERR] 401 - Incorrect API key provided
        return _openai_error(401, "Incorrect API key provided: sk-***. You can find your API key at "
                             "https://platform.openai.com/account/api-keys.", code="invalid_api_key")

    @staticmethod
    def azure_access_denied() -> ServiceError:
        # [AZREF] Azure's 401 for a wrong key
        return ServiceError(401, {"error": {"code": "401", "message": (
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a "
            "valid key for an active subscription and use a correct regional API endpoint for your resource.")}})

    @staticmethod
    def model_not_found(model: str) -> ServiceError:
        # [ERR] 404 model_not_found
        return _openai_error(404, f"The model `{model}` does not exist or you do not have access to it.",
                             code="model_not_found")

    @staticmethod
    def deployment_not_found() -> ServiceError:
        # [AZREF] 404 DeploymentNotFound
        return ServiceError(404, {"error": {"code": "DeploymentNotFound", "message": (
            "The API deployment for this resource does not exist. If you created the deployment within "
            "the last 5 minutes, please wait a moment and try again.")}})

    @staticmethod
    def missing_api_version() -> ServiceError:
        # [AZREF] the classic routes need ?api-version=
        return ServiceError(400, {"error": {"code": "MissingApiVersionParameter", "message": (
            "The api-version query parameter (?api-version=) is required for all requests.")}})

    @staticmethod
    def content_filter() -> ServiceError:
        # [AZCF] a filtered prompt: HTTP 400, code content_filter, innererror ResponsibleAIPolicyViolation
        body = {"error": {
            "message": "The response was filtered due to the prompt triggering Azure OpenAI's content "
                       "management policy. Please modify your prompt and retry.",
            "type": None, "param": "prompt", "code": "content_filter", "status": 400,
            "innererror": {"code": "ResponsibleAIPolicyViolation",
                           "content_filter_result": {"violence": {"filtered": True, "severity": "medium"}}}}}
        return ServiceError(400, body)

    @staticmethod
    def context_length_exceeded(limit: int, asked: int) -> ServiceError:
        # [ERR] / [LCPP] errors.py: 400 context_length_exceeded, param messages
        return _openai_error(400, f"This model's maximum context length is {limit} tokens. However, your "
                             f"messages resulted in {asked} tokens. Please reduce the length of the messages.",
                             param="messages", code="context_length_exceeded")


_REASONING = re.compile(r"^(o1|o3|o4|gpt-5)($|[-.])")


def is_reasoning_model(model: str) -> bool:
    """[REAS] o1, o3, o4-mini, gpt-5 and their variants."""
    return bool(_REASONING.match(model))


def check_reasoning_params(model: str, body: dict[str, Any]) -> None:
    """[REAS] reasoning models take only the default temperature (1) and refuse max_tokens."""
    if not is_reasoning_model(model):
        return
    if "max_tokens" in body:
        raise _openai_error(400, "Unsupported parameter: 'max_tokens' is not supported with this model. "
                            "Use 'max_completion_tokens' instead.", param="max_tokens",
                            code="unsupported_parameter")
    temperature = body.get("temperature")
    if temperature is not None and temperature != 1:
        raise _openai_error(400, f"Unsupported value: 'temperature' does not support {temperature} with this "
                            "model. Only the default (1) value is supported.", param="temperature",
                            code="unsupported_value")


def _schema_error(name: str, context: tuple[str, ...], problem: str) -> ServiceError:
    return _openai_error(400, f"Invalid schema for response_format '{name}': In context={context!r}, {problem}",
                         param="response_format", code="invalid_json_schema")


def _walk(name: str, node: Any, context: tuple[str, ...], depth: int, counts: dict[str, int]) -> None:
    if isinstance(node, list):
        for index, item in enumerate(node):
            _walk(name, item, (*context, str(index)), depth, counts)
        return
    if not isinstance(node, dict):
        return
    if "default" in node:  # [SO] "default" is not among the supported keywords; strict mode refuses it
        raise _schema_error(name, context, "'default' is not permitted.")
    if "$ref" in node and len(node) > 1:  # [SO] a $ref must stand alone
        raise _schema_error(name, context, "$ref cannot have keywords {" + ", ".join(
            sorted(repr(k) for k in node if k != "$ref")) + "}.")
    if "enum" in node:
        counts["enum_values"] += len(node["enum"])
    is_object = node.get("type") == "object" or "properties" in node
    if is_object:
        depth += 1
        if depth > 10:  # [SO] up to 10 levels of nesting
            raise _schema_error(name, context, "the schema nests objects more than 10 levels deep.")
        properties = node.get("properties") or {}
        counts["properties"] += len(properties)
        if node.get("additionalProperties") is not False:  # [SO] additionalProperties: false always
            raise _schema_error(name, context,
                                "'additionalProperties' is required to be supplied and to be false.")
        missing = [key for key in properties if key not in (node.get("required") or [])]
        if missing:  # [SO] all fields must be required
            raise _schema_error(name, context, "'required' is required to be supplied and to be an array "
                                f"including every key in properties. Missing '{missing[0]}'.")
    for key, value in node.items():
        if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            for sub_name, sub in value.items():
                _walk(name, sub, (*context, key, sub_name), depth, counts)
        elif key in ("items", "anyOf", "allOf", "oneOf"):
            _walk(name, value, (*context, key), depth, counts)


def check_strict_schema(name: str, schema: Any) -> None:
    """[SO] the rules of strict structured outputs; raises the 400 the service answers."""
    if not isinstance(schema, dict) or schema.get("type") != "object" or "anyOf" in schema:
        raise _schema_error(name, (), "the root of a schema must be an object, not anyOf.")
    counts = {"properties": 0, "enum_values": 0}
    _walk(name, schema, (), 0, counts)
    if counts["properties"] > 5000:  # [SO] up to 5000 object properties total
        raise _schema_error(name, (), "the schema has more than 5000 object properties.")
    if counts["enum_values"] > 1000:  # [SO] up to 1000 enum values across all enum properties
        raise _schema_error(name, (), "the schema has more than 1000 enum values.")


def check_response_format(fmt: Any, *, flavor: str) -> None:
    """The response_format a server takes: OpenAI/Azure strict json_schema; llama-cpp-python's
    text or json_object (with an optional schema) only."""
    if fmt is None:
        return
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if flavor == "llama_cpp":
        if kind not in ("text", "json_object"):  # [LCPP] a validation error, answered as HTTP 500
            raise ServiceError(500, {"error": {
                "message": "[{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
                           "'msg': \"Input should be 'text' or 'json_object'\", 'input': " + repr(kind) + "}]",
                "type": "internal_server_error", "param": None, "code": None}})
        return
    if kind == "json_schema":
        spec = fmt.get("json_schema") or {}
        name = str(spec.get("name") or "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):  # [SO] / API reference: a-z, A-Z, 0-9, _ and -, max 64
            raise _openai_error(400, "Invalid 'response_format.json_schema.name': string does not match pattern.",
                                param="response_format.json_schema.name", code="invalid_value")
        if spec.get("strict") is True:
            check_strict_schema(name, spec.get("schema"))
    elif kind not in ("text", "json_object"):
        raise _openai_error(400, f"Invalid value: '{kind}'. Supported values are: 'json_object', "
                            "'json_schema', and 'text'.", param="response_format.type", code="invalid_value")


GRAMMAR_BOUND_LIMIT = 1000  # [LCPPG] the largest bound whose grammar llama.cpp still parses
_BOUND_KEYWORDS = ("maxLength", "minLength", "maxItems", "minItems")


class ServerDies(Exception):
    """The request kills the server: the connection closes with no answer, and so do later ones."""


def check_llama_cpp_grammar(fmt: Any) -> None:
    """[LCPPG] a json_object schema whose grammar llama.cpp cannot parse takes the server down."""
    if not isinstance(fmt, dict) or fmt.get("type") != "json_object" or not isinstance(fmt.get("schema"), dict):
        return

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in _BOUND_KEYWORDS and isinstance(value, int) and value > GRAMMAR_BOUND_LIMIT:
                    raise ServerDies(f"{key} {value}: number of rules that are going to be repeated "
                                     "multiplied by the new repetition exceeds sane defaults")
                walk(value)

    walk(fmt["schema"])


def check_json_mode_prompt(body: dict[str, Any]) -> None:
    """[SO] JSON mode: "'messages' must contain the word 'json' in some form" (HTTP 400)."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") != "json_object":
        return
    text = " ".join(str(m.get("content") or "") for m in body.get("messages", []))
    if "json" not in text.lower():
        raise _openai_error(400, "'messages' must contain the word 'json' in some form, to use "
                            "'response_format' of type 'json_object'.", param="messages")
