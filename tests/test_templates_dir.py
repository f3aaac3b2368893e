"""Users add and override templates in TEMPLATES_DIR; `replycrew templates check` catches broken ones."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.cli.main import main
from engine.models import Draft, DraftRequest, ProspectProfile, Source, ThreadAnalysis
from engine.settings import EngineSettings
from engine.templates.library import Templates

THREAD = ("Rep (Jordan Lee): Hi Mateus, worth a quick look?\n"
          "Mateus Oliveira: What would pricing look like for 40 seats?")
PRICING = ThreadAnalysis(intent="asks_pricing")

OVERRIDE = """---
scenario: Our own pricing reply
intents: [asks_pricing]
channels: [linkedin]
required: [first_name]
optional: [number]
---
Hey {{ first_name }}, our price list{% if number %} for {{ number }}{% endif %} is on its way.
"""
NEW = """---
scenario: Pricing with a company name, preferred when the company is known
intents: [asks_pricing]
channels: [email]
required: [first_name, company]
fallbacks: [pricing_email]
priority: 10
subject: "Pricing for {{ company }}"
---
Hi {{ first_name }}, pricing for {{ company }} follows.
"""


def _write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / f"{name}.j2"
    path.write_text(text, encoding="utf-8")
    return path


async def test_a_file_in_templates_dir_overrides_the_builtin_of_the_same_name(tmp_path: Path) -> None:
    _write(tmp_path / "tpl", "pricing_linkedin", OVERRIDE)
    templates = Templates.load(EngineSettings(templates_dir=tmp_path / "tpl"))
    assert templates.get("pricing_linkedin") is not None
    assert templates.get("pricing_linkedin").origin == "custom"  # type: ignore[union-attr]
    outcome = await templates.draft(DraftRequest(conversation_thread=THREAD), profile=None, analysis=PRICING)
    assert outcome.draft is not None
    assert outcome.draft.text == "Hey Mateus, our price list for 40 seats is on its way."


async def test_a_new_template_is_used_and_falls_back_when_its_variable_is_missing(tmp_path: Path) -> None:
    _write(tmp_path / "tpl", "pricing_with_company", NEW)
    templates = Templates.load(EngineSettings(templates_dir=tmp_path / "tpl"))
    request = DraftRequest(conversation_thread=THREAD, channel="email",
                           prospect_company_url="https://www.linkedin.com/company/lumenfield-apparel")
    outcome = await templates.draft(request, profile=None, analysis=PRICING)
    assert outcome.draft is not None and outcome.draft.template_id == "pricing_with_company"
    assert outcome.draft.subject == "Pricing for Lumenfield Apparel"
    # No company anywhere: the template is skipped for its fallback, and the note says why.
    outcome = await templates.draft(DraftRequest(conversation_thread=THREAD, channel="email"),
                                    profile=None, analysis=PRICING)
    assert outcome.draft is not None and outcome.draft.template_id == "pricing_email"
    assert "pricing_with_company needs company" in outcome.note


async def test_no_template_fills_names_the_missing_variable() -> None:
    templates = Templates.load(EngineSettings())
    nameless = DraftRequest(conversation_thread="what would pricing look like for 40 seats?")
    outcome = await templates.draft(nameless, profile=None, analysis=PRICING)
    assert outcome.draft is None
    assert "needs first_name" in outcome.note and "offline path" in outcome.note


async def test_referral_without_a_named_colleague_uses_the_fallback_template() -> None:
    templates = Templates.load(EngineSettings())
    thread = "Rep (Jordan Lee): Hi Mateus, worth a look?\nMateus Oliveira: Not my area, sorry."
    outcome = await templates.draft(DraftRequest(conversation_thread=thread), profile=None,
                                    analysis=ThreadAnalysis(intent="referral_to_colleague"))
    assert outcome.draft is not None and outcome.draft.template_id == "referral_thanks_linkedin"
    assert "referral_linkedin needs colleague" in outcome.note


async def test_ai_polish_offline_returns_the_template_labelled() -> None:
    templates = Templates.load(EngineSettings())
    request = DraftRequest(conversation_thread=THREAD, ai_polish=True)
    outcome = await templates.draft(request, profile=None, analysis=PRICING)
    assert outcome.draft is not None and outcome.draft.template_id == "pricing_linkedin"
    assert "polish skipped: offline" in outcome.note


class _Polisher:
    """A reply backend that records what it was asked to personalise."""

    source: Source = "llm"

    def __init__(self) -> None:
        self.snippets: list[str] = []

    async def draft(self, request: DraftRequest, *, profile: ProspectProfile | None,
                    analysis: ThreadAnalysis | None, snippets: Sequence[str] = ()) -> Draft:
        self.snippets.extend(snippets)
        return Draft(text="Hi Mateus, personalised pricing note.", channel=request.channel)


async def test_ai_polish_with_an_llm_personalises_the_template_draft() -> None:
    polisher = _Polisher()
    templates = Templates.load(EngineSettings(), polisher=polisher)
    outcome = await templates.draft(DraftRequest(conversation_thread=THREAD, ai_polish=True), profile=None,
                                    analysis=PRICING)
    assert outcome.draft is not None and outcome.draft.text == "Hi Mateus, personalised pricing note."
    assert outcome.draft.template_id == "pricing_linkedin" and "personalised by the LLM" in outcome.note
    assert len(polisher.snippets) == 1 and "40 seats" in polisher.snippets[0]


def test_templates_check_passes_on_the_builtins(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["templates", "check", "--quiet"]) == 0
    assert "0 broken" in capsys.readouterr().out


@pytest.mark.parametrize(("body", "problem"), [
    (OVERRIDE.replace("{% endif %}", ""), "Jinja syntax error"),
    (OVERRIDE.replace("{{ first_name }}", "{{ first_nmae }}"), "not declared"),
    (OVERRIDE.replace("required: [first_name]", "required: [first_name, shoe_size]"), "unknown variable"),
    (OVERRIDE.replace("Hey {{ first_name }}", "Hey {{ number }}"), "leaks"),
    (OVERRIDE.replace("---\nscenario", "scenario", 1), "no front matter"),
    (OVERRIDE.replace("channels: [linkedin]", "channels: [email]"), "needs a `subject`"),
    (OVERRIDE.replace("optional: [number]", "optional: [number]\nfallbacks: [nope]"), "fallback(s) not found"),
])
def test_templates_check_catches_a_broken_template(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   body: str, problem: str) -> None:
    _write(tmp_path / "tpl", "pricing_linkedin", body)
    assert main(["templates", "check", "--quiet", "--dir", str(tmp_path / "tpl")]) == 1
    out = capsys.readouterr().out
    assert problem in out and "pricing_linkedin" in out and "1 broken" in out


def test_templates_list_shows_builtin_and_custom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path / "tpl", "pricing_with_company", NEW)
    assert main(["templates", "list", "--dir", str(tmp_path / "tpl")]) == 0
    out = capsys.readouterr().out
    assert "pricing_with_company" in out and "custom" in out and "unsubscribe_email" in out
