"""The engine drafts with no LLM key: offline heuristics, labelled as such."""

from __future__ import annotations

from pathlib import Path

from engine.models import DraftRequest, StepEvent
from engine.settings import EngineSettings
from engine.workflow import Engine

THREAD = (
    "Rep (Jordan Lee): Hi Mateus, worth a quick look?\n"
    "Mateus Oliveira: Happy to do a 30 min demo next Thursday afternoon. Can you send an invite?"
)


async def test_offline_draft_is_labelled_offline(data_dir: Path) -> None:
    engine = Engine(EngineSettings(data_dir=data_dir))
    result = await engine.run(DraftRequest(conversation_thread=THREAD), scope="test")
    assert result.offline is True
    assert [step.source for step in result.steps] == ["offline", "offline", "offline"]
    assert result.analysis is not None and result.analysis.intent == "interested_book_meeting"
    assert result.draft.text.startswith("Hi Mateus,")


async def test_stream_yields_start_and_finish_of_each_step(data_dir: Path) -> None:
    engine = Engine(EngineSettings(data_dir=data_dir))
    events = [item async for item in engine.stream(DraftRequest(conversation_thread=THREAD),
                                                   scope="test")]
    steps = [(e.name, e.status) for e in events if isinstance(e, StepEvent)]
    assert sorted(steps) == sorted([(name, status) for name in ("profile", "analysis", "reply")
                                    for status in ("started", "ok")])
    # The reply starts only after both independent steps finished (parallel mode).
    assert steps.index(("reply", "started")) > steps.index(("profile", "ok"))
    assert steps.index(("reply", "started")) > steps.index(("analysis", "ok"))
