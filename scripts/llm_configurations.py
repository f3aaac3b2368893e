"""Issue 11's configuration table, measured: one draft per configuration against the strict fake LLM.

    .venv/bin/python scripts/llm_configurations.py

Prints one JSON line per configuration: how many requests reached the fake, and each step's source
(or the error the rep would read). The fake enforces each provider's documented rules
(tests/fakes/openai_rules.py), so a configuration that passes here sends what the real service accepts.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.models import DraftRequest
from engine.settings import EngineSettings
from engine.workflow import Engine
from tests.fakes.openai_server import FakeOpenAI, errors

THREAD = "Rep (Ana Ruiz): Thanks for the call, Tom.\nTom Becker: Can you send pricing for 12 seats?"
DATA_DIR = Path(tempfile.mkdtemp(prefix="replycrew-configs-"))


def settings(**options: Any) -> EngineSettings:
    """Settings from these options only (no .env, no environment beyond the defaults)."""
    return EngineSettings(data_dir=DATA_DIR, _env_file=None, **options)  # type: ignore[call-arg]


def openai(**extra: Any) -> Callable[[FakeOpenAI], EngineSettings]:
    return lambda fake: settings(openai_api_key="sk", openai_base_url=fake.base_url, **extra)


def azure(**extra: Any) -> Callable[[FakeOpenAI], EngineSettings]:
    return lambda fake: settings(azure_openai_api_key="az", azure_openai_endpoint=fake.endpoint,
                                 azure_openai_deployment="chat", **extra)


AZURE = {"flavor": "azure", "api_key": "az", "deployments": {"chat": "gpt-4o-mini"}}
# name, the fake's options, the settings a user would give, what the fake answers (in order)
CONFIGURATIONS: list[tuple[str, dict[str, Any], Callable[[FakeOpenAI], EngineSettings], list[dict[str, Any]]]] = [
    ("openai gpt-4o-mini", {"api_key": "sk", "models": {"gpt-4o-mini"}}, openai(), []),
    ("openai gpt-5-mini", {"api_key": "sk", "models": {"gpt-5-mini"}}, openai(llm_model="gpt-5-mini"), []),
    ("openai o4-mini", {"api_key": "sk", "models": {"o4-mini"}}, openai(llm_model="o4-mini"), []),
    ("azure v1", AZURE, azure(), []),
    ("azure classic", AZURE, azure(azure_openai_api_version="2024-10-21"), []),
    ("local keyless (llama.cpp-like)", {"flavor": "llama_cpp"},
     lambda fake: settings(openai_base_url=fake.base_url), []),
    ("quota 429", {}, openai(llm_max_retries=3), [{"error": errors.insufficient_quota()}] * 20),
    ("truncated reply", {}, openai(), [{"finish_reason": "length", "match": "ReplyText"}]),
    ("content filter (prompt)", {}, openai(), [{"error": errors.content_filter()}] * 3),
]


async def measure(name: str, fake_options: dict[str, Any], settings_of: Callable[[FakeOpenAI], EngineSettings],
                  answers: list[dict[str, Any]]) -> dict[str, Any]:
    """One draft against a fresh fake; each step's source, or the error the rep would read."""
    fake = await FakeOpenAI(**fake_options).start()
    for answer in answers:
        fake.enqueue(**answer)
    try:
        request = DraftRequest(conversation_thread=THREAD, mode="parallel")
        result = await Engine(settings_of(fake)).run(request, scope="configs", use_cache=False)
        steps = {step.name: f"ok: {step.source}" if step.status == "ok" else f"FAILED: {step.error or ''}"[:150]
                 for step in result.steps}
    finally:
        await fake.close()
    return {"config": name, "requests": len(fake.history), "steps": steps}


async def main() -> None:
    for configuration in CONFIGURATIONS:
        print(json.dumps(await measure(*configuration)))


if __name__ == "__main__":
    asyncio.run(main())
