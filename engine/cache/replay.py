"""Replaying threads through the semantic analysis cache: the guard's measurement on real data.

Each input thread is looked up, then stored, in file order, in a fresh temporary store under one
scope. Only `id`, `channel` and `thread` are read (`prospect_name` and `company` are accepted);
labels such as `group` or `intent` are never looked at, so they cannot influence a decision.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

from engine.cache.embedder import Embedder
from engine.cache.health import CacheHealth
from engine.cache.semantic import SemanticAnalyses
from engine.cache.store import SQLiteStore
from engine.errors import InvalidRequest
from engine.meaning.models import MeaningModels, get_models
from engine.steps.heuristics import analyse_thread

__all__ = ["READ_FIELDS", "read_jsonl", "replay"]

READ_FIELDS = ("id", "channel", "thread", "prospect_name", "company")
SCOPE = "replay"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The inputs of a JSONL file, reduced to the fields replay may read; errors name the line."""
    items: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidRequest(f"line {number}", f"not JSON ({exc.msg}); one object per line") from exc
            if not isinstance(raw, dict) or not isinstance(raw.get("thread"), str) or "id" not in raw:
                raise InvalidRequest(f"line {number}", "needs an `id` and a `thread` string")
            items.append({name: raw[name] for name in READ_FIELDS if name in raw})
    return items


async def replay(items: Iterable[dict[str, Any]], *, threshold: float, verifier_threshold: float | None = None,
                 embedder: Embedder | None = None, ttl: int = 86_400) -> AsyncIterator[dict[str, Any]]:
    """One decision per input: {id, decision, check, matched_id, similarity, reason, lookup_ms}; `check`
    says which check decided (engine/cache/semantic.py CHECKS, "facts:<kind>" for a fact)."""
    with tempfile.TemporaryDirectory(prefix="replycrew-replay-") as workdir:
        store = SQLiteStore(Path(workdir) / "replay.sqlite3")
        models = get_models() if embedder is None else MeaningModels(embedder)
        cache = SemanticAnalyses(CacheHealth(store), embedder=models.embedder, models=models,
                                 threshold=threshold, verifier_threshold=verifier_threshold, ttl=ttl)
        ids_by_entry: dict[str, str] = {}
        try:
            await cache.start()  # load the models first: lookup_ms measures lookups, not start-up
            for item in items:
                thread = str(item["thread"])
                started = time.perf_counter()
                found = await cache.lookup_detailed(thread, scope=SCOPE)
                lookup_ms = (time.perf_counter() - started) * 1000
                matched = ids_by_entry.get(found.entry_id or "") if found.decision != "miss" else None
                yield {"id": item["id"], "decision": found.decision, "check": found.check, "matched_id": matched,
                       "similarity": None if found.similarity is None else round(found.similarity, 4),
                       "reason": found.reason,
                       "lookup_ms": round(lookup_ms, 2)}
                entry_id = await cache.remember(thread, scope=SCOPE, analysis=analyse_thread(thread))
                ids_by_entry.setdefault(entry_id, str(item["id"]))
        finally:
            await store.close()
