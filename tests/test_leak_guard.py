"""The leak guard: what it rejects, how it repairs, and that the workflow runs it on every draft."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from engine.guard import (
    EMAIL_SUBJECT_MAX,
    LINKEDIN_CONNECTION_NOTE_MAX,
    LINKEDIN_MESSAGE_MAX,
    GuardContext,
    find_leaks,
    guard_draft,
    guard_reply,
)
from engine.models import Draft, DraftRequest, ProspectProfile, Source, ThreadAnalysis
from engine.protocols import Backends
from engine.settings import EngineSettings
from engine.steps.offline import OfflineAnalysis, OfflineProfile
from engine.workflow import Engine

THREAD = ("Rep (Jordan Lee): Hi Mateus, worth a quick look?\n"
          "Mateus Oliveira: What would pricing look like for 40 seats?")
REQUEST = DraftRequest(conversation_thread=THREAD, channel="linkedin")
CONTEXT = GuardContext.for_request(REQUEST)


def _kinds(text: str, *, subject: str | None = None, context: GuardContext = CONTEXT) -> set[str]:
    return {leak.kind for leak in find_leaks(Draft(text=text, subject=subject), context)}


@pytest.mark.parametrize(("text", "kind"), [
    ("Hi {first_name}, thanks for asking.", "placeholder"),
    ("Hi Mateus, pricing for {{ company }} follows.", "placeholder"),
    ("Hi Mateus, {% if x %}yes{% endif %} it works.", "placeholder"),
    ("Hi Mateus, the team at ${company} will reply.", "placeholder"),
    ("Hi [Name], thanks for asking.", "bracket_placeholder"),
    ("Hi Mateus, I'll send it to [Company] today.", "bracket_placeholder"),
    ("Hi None, thanks for asking.", "null_value"),
    ("Hi Mateus, pricing for null.", "null_value"),
    ("Hi Mateus, the NaN plan is ready.", "null_value"),
    ("Hi ,\n\nThanks for asking.", "empty_salutation"),
    ("Dear,\n\nThanks for asking.", "empty_salutation"),
    ("Hi  there, thanks for asking.", "doubled_space"),
    ("Hi Mateus, pricing for  your team follows.", "doubled_space"),
    ("Hi Mateus, thanks for asking , I'll reply.", "space_before_punctuation"),
    ("Hi Mateus, pricing for () is ready.", "empty_value"),
    ("Hi Priyanka, thanks for asking.", "wrong_name"),
    ("Hi", "empty_draft"),
])
def test_leaks_are_found(text: str, kind: str) -> None:
    assert kind in _kinds(text)


@pytest.mark.parametrize("text", [
    "Hi Mateus,\n\nThanks for asking. None of our customers pay setup fees.\n\nBest,\nJordan",
    "Hi there, thanks for asking. The API returns null values only for empty fields.",
    "Hi,\n\nThanks for asking.",
    "Hi team, happy to help with 40 seats.",
    "Hi Dr. Oliveira, thanks for asking.",
])
def test_clean_drafts_pass(text: str) -> None:
    assert _kinds(text) == set()


def test_channel_limits() -> None:
    long_text = "Hi Mateus, " + "pricing follows. " * 600
    assert len(long_text) > LINKEDIN_MESSAGE_MAX and "too_long" in _kinds(long_text)
    note = GuardContext.for_request(REQUEST, max_chars=LINKEDIN_CONNECTION_NOTE_MAX)
    assert "too_long" in _kinds("Hi Mateus, " + "x y " * 100, context=note)
    subject = "Pricing " * 12
    assert len(subject) > EMAIL_SUBJECT_MAX and "too_long" in _kinds("Hi Mateus, ok.", subject=subject)
    assert "line_break" in _kinds("Hi Mateus, ok.", subject="Pricing\nBcc: x")


def test_repairs_keep_the_draft_readable() -> None:
    draft = Draft(text="Hi {first_name},\n\nPricing for  {{ company }} is [Company] ready , None.\n\nBest,\nJordan",
                  subject="Pricing for {company}")
    outcome = guard_draft(draft, CONTEXT)
    assert outcome.ok and outcome.leaks
    assert outcome.draft.text.startswith("Hi,\n\nPricing for is ready")
    assert "{" not in outcome.draft.text and "[" not in outcome.draft.text and "None" not in outcome.draft.text
    assert outcome.draft.subject == "Pricing for"
    truncated = guard_draft(Draft(text="Hi Mateus. " + "Pricing follows. " * 700), CONTEXT)
    assert truncated.ok and len(truncated.draft.text) <= LINKEDIN_MESSAGE_MAX
    assert truncated.draft.text.endswith(".")


def test_a_strangers_name_in_the_greeting_becomes_the_prospects() -> None:
    profile = ProspectProfile(name="Mateus Oliveira", first_name="Mateus")
    draft, notes = guard_reply(Draft(text="Hi Priyanka,\n\nThanks for asking."), request=REQUEST,
                               profile=profile, analysis=None)
    assert draft.text.startswith("Hi Mateus,") and notes and "wrong name" in notes[0]


def test_an_unrepairable_draft_is_replaced_by_a_safe_one() -> None:
    draft, notes = guard_reply(Draft(text="{{ x }}"), request=REQUEST, profile=None, analysis=None)
    assert not find_leaks(draft, CONTEXT) and draft.text
    assert notes and "could not repair" in notes[0]


class _LeakyReply:
    """A reply backend that drafts as a careless LLM might: a placeholder and someone else's name."""

    source: Source = "llm"

    async def draft(self, request: DraftRequest, *, profile: ProspectProfile | None,
                    analysis: ThreadAnalysis | None, snippets: Sequence[str] = ()) -> Draft:
        return Draft(text="Hi Priyanka,\n\nPricing for {company_name} is attached.\n\nBest,\n[Your Name]",
                     channel=request.channel)


async def test_the_workflow_guards_drafts_that_are_not_templated(data_dir: Path) -> None:
    backends = Backends(profile=OfflineProfile(), analysis=OfflineAnalysis(), reply=_LeakyReply())
    engine = Engine(EngineSettings(data_dir=data_dir), backends=backends)
    result = await engine.run(REQUEST, scope="test")
    assert result.steps[2].source == "llm"
    assert not find_leaks(result.draft, CONTEXT), result.draft.text
    assert "Priyanka" not in result.draft.text and "{" not in result.draft.text
    assert any("Leak guard" in note for note in result.notes)
