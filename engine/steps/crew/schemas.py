"""Response models -> the strict JSON schemas OpenAI's and Azure's structured outputs accept.

Strict structured outputs take a subset of JSON Schema
(https://platform.openai.com/docs/guides/structured-outputs#supported-schemas): every object lists
all its properties in `required` and says `additionalProperties: false`, `default` is not
permitted, a `$ref` stands alone, the root is an object, and a schema stays within 5,000 object
properties, 10 levels of nesting and 1,000 enum values. Pydantic's own schema keeps defaults and
leaves fields with defaults out of `required`; the openai SDK's helper (`openai.lib._pydantic`,
private) keeps non-null defaults, which Azure refuses. So the schema is rewritten here, once per
model: fields with a default become required (the model always answers them; the pydantic model
still fills the default when a lenient server leaves one out).

`strict_violations` checks a schema against those rules; tests/fakes/openai_rules.py enforces the
same rules in the fake server, and a test runs every response model through both.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

__all__ = ["LIMITS", "json_object_instructions", "response_format_for", "strict_schema"]

LIMITS = {"properties": 5000, "depth": 10, "enum_values": 1000}
_cache: dict[type[BaseModel], dict[str, Any]] = {}


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema in the strict subset (computed once per model)."""
    found = _cache.get(model)
    if found is None:
        raw = model.model_json_schema()
        defs = raw.get("$defs", {})
        found = _strict(raw, defs)
        _cache[model] = found
    return found


def _resolve(ref: str, defs: dict[str, Any]) -> dict[str, Any]:
    name = ref.rsplit("/", 1)[-1]
    target = defs.get(name)
    if not isinstance(target, dict):
        raise ValueError(f"unresolvable $ref {ref!r}")
    return target


def _strict(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_strict(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    node = copy.copy(node)
    node.pop("default", None)
    if "$ref" in node and len(node) > 1:
        # A $ref with siblings (pydantic puts a field's description beside it) is inlined.
        ref = node.pop("$ref")
        node = {**_resolve(ref, defs), **node}
        node.pop("default", None)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _strict(sub, defs) for name, sub in value.items()}
        elif key == "$defs" and isinstance(value, dict):
            out[key] = {name: _strict(sub, defs) for name, sub in value.items()}
        elif key in ("items", "anyOf", "allOf", "oneOf"):
            out[key] = _strict(value, defs)
        else:
            out[key] = value
    if out.get("type") == "object" or "properties" in out:
        out["type"] = "object"
        out["properties"] = out.get("properties", {})
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    return out


def response_format_for(model: type[BaseModel], *, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """The strict `json_schema` response format for a model (`schema`: another one, e.g. bounded)."""
    return {"type": "json_schema", "json_schema": {
        "name": model.__name__, "schema": strict_schema(model) if schema is None else schema, "strict": True}}


def json_object_instructions(model: type[BaseModel], *, schema: dict[str, Any] | None = None) -> str:
    """What to add to the prompt when a server takes only `json_object`: the word JSON (OpenAI's
    JSON mode refuses a request whose messages never say it) and the schema to fill."""
    import json

    return ("Answer with one JSON object only, no other text, valid for this JSON schema:\n"
            + json.dumps(strict_schema(model) if schema is None else schema, separators=(",", ":")))
