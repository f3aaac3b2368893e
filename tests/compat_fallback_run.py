"""`python -m tests.compat_fallback_run`: one draft against the fake with compat's fallbacks; prints JSON.

Run by tests/test_crewai_compat.py with REPLYCREW_CREWAI_PUBLIC_ONLY=1 in a process of its own.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import engine  # noqa: F401  (crewai's environment first)
from engine.models import DraftRequest
from engine.settings import EngineSettings
from engine.steps.crew import compat
from engine.workflow import Engine
from tests import network_guard
from tests.fakes.openai_server import FakeOpenAI

THREAD = "Rep (Ana Ruiz): Any thoughts?\nTom Becker: Can you send pricing for 12 seats?"


async def main() -> dict[str, object]:
    fake = await FakeOpenAI().start()
    try:
        settings = EngineSettings(openai_api_key="k", openai_base_url=fake.base_url,
                                  data_dir=Path(os.environ["DATA_DIR"]))
        result = await Engine(settings).run(DraftRequest(conversation_thread=THREAD, mode="parallel"),
                                            scope="t", use_cache=False)
    finally:
        await fake.close()
    report = compat.check()
    return {"forced": report.forced, "fallbacks": report.fallbacks,
            "executor": None if compat.single_answer_executor() is None else "single",
            "errors": [s.error for s in result.steps if s.error], "degraded": result.degraded,
            "sources": [s.source for s in result.steps],
            "schemas": sorted(str(r.schema_name) for r in fake.history),
            "outside": network_guard.take_outside_contacts()}


if __name__ == "__main__":
    network_guard.install()
    print(json.dumps(asyncio.run(main())))
