"""Bounded response schemas for local servers: every string has a `maxLength`, every array a `maxItems`.

A local server (llama.cpp, Ollama, vLLM, LM Studio) constrains its sampling to the response schema
with a grammar; an unbounded `"type": "string"` or `"type": "array"` lets a small model write until
the output cap. Measured with Gemma 3 270M on llama-cpp-python's server: the profile's `notes`
and the analysis's `questions` grew to 700 tokens of repeated items and the reply's `text` to 1,000
tokens, each cut off (finish_reason: length). With the bounds below the grammar itself closes the
JSON: llama-cpp-python turns `maxLength` into at most N `char`s and `maxItems` into at most N items
(llama_cpp/llama_grammar.py, `SchemaConverter.visit` and `_build_repetition`, after llama.cpp's
converter, whose keywords are documented in llama.cpp's grammars/README.md, "JSON Schemas → GBNF":
`minLength`/`maxLength`, `minItems`/`maxItems`, `enum`), and `enum` into its values only.

Every bound stays at or under `CEILING`: llama-cpp-python writes a bound of N as N nested optional
groups (about 2N grammar rules), and llama.cpp refuses a repetition that expands past 2,000 rules
(`MAX_REPETITION_THRESHOLD`, src/llama-grammar.cpp). Past it the grammar fails to parse, and
llama-cpp-python 0.3.36 then adds a null sampler and its server process dies (measured: maxLength
1,000 parses, 1,001 does not).

The bounds only narrow the strict schema (schemas.py): whatever fits them fits the pydantic model,
which still validates every answer. OpenAI and Azure get the strict schema unchanged: their strict
mode takes a documented subset of JSON Schema that has not always held these keywords, and their
models need no grammar to stop (client.py decides who gets which). Per-field bounds are sized from
what each step's prompt asks (prompts.py: "one or two sentences", "at most three short facts") with
room to spare; fields not listed get `DEFAULT`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from engine.steps.crew.schemas import strict_schema

__all__ = ["BOUNDS", "CEILING", "DEFAULT", "Bound", "bounded_schema"]

CEILING = 1000  # llama.cpp's MAX_REPETITION_THRESHOLD (2,000 rules) / ~2 rules per bounded step


@dataclass(frozen=True)
class Bound:
    """The most a field may hold: characters per string (each item's, for arrays) and array items."""

    length: int
    items: int = 5
    min_length: int = 0  # a field that must say something (the reply's text)


DEFAULT = Bound(length=200, items=5)

# Keyed by the response model's name (the schema's title), so this module imports no step module.
BOUNDS: dict[str, dict[str, Bound]] = {
    "ProspectProfile": {
        "name": Bound(80), "first_name": Bound(40), "company": Bound(80), "company_domain": Bound(80),
        # The page's own title and description replace these (backends.CrewProfile): keep them short.
        "website_title": Bound(100), "website_description": Bound(160),
        "website_summary": Bound(300),  # "one or two sentences"
        "industry": Bound(60),  # "a few words"
        "notes": Bound(120, items=3),  # "at most three short facts"
    },
    "ThreadAnalysis": {
        "key_facts": Bound(60, items=5),  # numbers, dates, products: short
        "questions": Bound(150, items=3), "objections": Bound(150, items=3),
        "scenario": Bound(60),  # "a few words"
        "summary": Bound(200),  # "one sentence"
    },
    "ReplyText": {
        # An e-mail of two or three short paragraphs fits in ~900 characters; a LinkedIn message in 600.
        "text": Bound(900, min_length=1), "subject": Bound(120),
    },
}
_cache: dict[type[BaseModel], dict[str, Any]] = {}


def bounded_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's strict schema with every string and array bounded (computed once per model)."""
    found = _cache.get(model)
    if found is None:
        schema = copy.deepcopy(strict_schema(model))
        _bound_object(schema, BOUNDS.get(str(schema.get("title", model.__name__)), {}))
        _cache[model] = found = schema
    return found


def _bound_object(node: dict[str, Any], fields: dict[str, Bound]) -> None:
    for name, sub in node.get("properties", {}).items():
        _bound(sub, fields.get(name, DEFAULT))
    for sub in node.get("$defs", {}).values():
        _bound(sub, DEFAULT)


def _bound(node: Any, bound: Bound) -> None:
    """Bound one property's schema in place: its strings, arrays, alternatives and nested objects."""
    if not isinstance(node, dict):
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, []):
            _bound(option, bound)
    kind = node.get("type")
    if kind == "string" and "enum" not in node and "const" not in node:
        node["maxLength"] = min(bound.length, CEILING)
        if bound.min_length:
            node["minLength"] = bound.min_length
    elif kind == "array":
        node["maxItems"] = min(bound.items, CEILING)
        _bound(node.get("items"), Bound(bound.length))
    elif kind == "object" or "properties" in node:
        _bound_object(node, {})
