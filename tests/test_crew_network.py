"""A crew-backed draft talks to the configured LLM endpoint and nothing else (no telemetry, no downloads).

Every socket connect and DNS lookup in the process is seen through a Python audit hook while a
draft runs; the only host allowed is the fake LLM on 127.0.0.1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from engine.models import DraftRequest
from engine.settings import EngineSettings
from engine.workflow import Engine
from tests.fakes.openai_server import FakeOpenAI, fake_openai

__all__ = ["fake_openai"]

_seen: list[str] | None = None  # hosts contacted while recording; None when not recording


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _seen is None:
        return
    if event == "socket.getaddrinfo":
        _seen.append(str(args[0]))
    elif event == "socket.connect" and isinstance(args[1], tuple):
        _seen.append(str(args[1][0]))


sys.addaudithook(_audit)  # process-wide and permanent: it does nothing unless _seen is a list

THREAD = "Rep (Ana Ruiz): Any thoughts?\nTom Becker: Can you send pricing for 12 seats?"


async def test_a_crew_draft_contacts_only_the_llm_endpoint(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    global _seen
    _seen = []
    try:
        settings = EngineSettings(openai_api_key="k", openai_base_url=fake_openai.base_url, data_dir=data_dir)
        engine = Engine(settings)
        for mode in ("parallel", "fast"):
            result = await engine.run(DraftRequest(conversation_thread=THREAD, mode=mode,
                                                   prospect_profile_url="https://linkedin.com/in/tom-becker"),
                                      scope="t", use_cache=False)
            assert not result.degraded
        hosts = set(_seen)
    finally:
        _seen = None
    assert hosts == {"127.0.0.1"}, hosts
    assert len(fake_openai.history) == 6
