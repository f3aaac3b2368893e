"""Every sample thread gets a leak-free templated draft, or an explicit note saying why not."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from engine.build import build_engine
from engine.guard import GuardContext, find_leaks
from engine.models import INTENTS, DraftRequest, ThreadAnalysis
from engine.settings import EngineSettings
from engine.templates.library import Templates
from engine.workflow import Engine
from tests.conftest import SAMPLES

ROWS: list[dict[str, Any]] = [json.loads(line) for line in (SAMPLES / "threads.jsonl").read_text().splitlines()]
FIRST_NAMES = {row["prospect_name"].split()[0] for row in ROWS}


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates.load(EngineSettings())


@pytest.fixture
def engine(data_dir: Path) -> Engine:
    return build_engine(EngineSettings(data_dir=data_dir))


def _request(row: dict[str, Any], **extra: Any) -> DraftRequest:
    return DraftRequest(conversation_thread=row["thread"], channel=row["channel"], use_templates=True,
                        use_cache=False, **extra)


async def test_every_sample_gets_a_clean_templated_draft_or_a_fallback_note(engine: Engine) -> None:
    templated = 0
    for row in ROWS:
        request = _request(row)
        result = await engine.run(request, scope="test")
        reply = result.steps[2]
        draft = result.draft
        assert not find_leaks(draft, GuardContext.for_request(request)), (row["id"], draft.text)
        if reply.source == "template":
            templated += 1
            assert draft.template_id and any(draft.template_id in note for note in result.notes)
            first = row["prospect_name"].split()[0]
            assert first in draft.text, (row["id"], draft.text)
            # No other sample prospect's first name may appear in this prospect's draft.
            strangers = {name for name in FIRST_NAMES - {first}
                         if re.search(rf"\b{re.escape(name)}\b", draft.text) and name not in row["thread"]}
            assert not strangers, (row["id"], strangers)
            assert (draft.subject is not None) == (row["channel"] == "email"), row["id"]
        else:
            assert any("No template" in note for note in result.notes), (row["id"], result.notes)
    assert templated > 0


@pytest.mark.parametrize("intent", [i for i in INTENTS if i != "general"])
def test_each_labelled_intent_selects_a_template_for_it(templates: Templates, intent: str) -> None:
    rows = [row for row in ROWS if row["intent"] == intent]
    assert rows, intent
    for row in rows:
        selection = templates.select(_request(row), profile=None, analysis=ThreadAnalysis(intent=intent))
        assert selection.template is not None, (row["id"], selection.skipped)
        assert intent in selection.template.meta.intents
        assert row["channel"] in selection.template.meta.channels


def test_selection_follows_the_analysis_intent(templates: Templates) -> None:
    from engine.steps.heuristics import analyse_thread

    for row in ROWS:
        analysis = analyse_thread(row["thread"])
        selection = templates.select(_request(row), profile=None, analysis=analysis)
        if selection.template is not None:
            intents = selection.template.meta.intents
            fell_back = bool(selection.skipped)
            assert analysis.intent in intents or fell_back, (row["id"], analysis.intent, selection.template.id)


def test_the_referral_template_names_the_colleague(templates: Templates) -> None:
    row = next(row for row in ROWS if row["id"] == "d08-a")
    selection = templates.select(_request(row), profile=None, analysis=ThreadAnalysis(intent="referral_to_colleague"))
    assert selection.draft is not None and "Hemi Walker" in selection.draft.text
    assert selection.draft.subject


def test_unsubscribe_and_not_interested_never_push(templates: Templates) -> None:
    pushy = re.compile(r"\b(call|demo|meeting|calendar|book|schedule|quick chat)\b", re.I)
    for row in ROWS:
        if row["intent"] in ("unsubscribe_request", "not_interested"):
            analysis = ThreadAnalysis(intent=row["intent"])
            selection = templates.select(_request(row), profile=None, analysis=analysis)
            assert selection.draft is not None
            assert not pushy.search(selection.draft.text), (row["id"], selection.draft.text)
