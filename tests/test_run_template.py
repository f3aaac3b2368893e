"""POST /run-template over loopback: a templated draft in one step, or the full workflow with a note."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.cli.main import main
from bot.server import build_web_app
from bot.settings import Settings
from engine.build import build_engine
from engine.models import Result

Client = TestClient[Any, web.Application]

THREAD = ("Rep (Jordan Lee): Hi Mateus, worth a quick look?\n"
          "Mateus Oliveira: What would pricing look like for 40 seats? Can you send it over?")


@pytest.fixture
async def client(aiohttp_client: Callable[..., Awaitable[Client]], data_dir: Path) -> Client:
    settings = Settings(data_dir=data_dir)
    return await aiohttp_client(build_web_app(settings, engine=build_engine(settings)))


async def test_run_template_drafts_from_a_template(client: Client) -> None:
    response = await client.post("/run-template", json={"conversation_thread": THREAD, "channel": "email"})
    assert response.status == 200, await response.text()
    result = Result.model_validate(await response.json())
    assert result.mode == "template" and result.offline is True
    assert [(s.name, s.source) for s in result.steps] == [("profile", "offline"), ("analysis", "offline"),
                                                          ("reply", "template")]
    assert result.draft.template_id == "pricing_email"
    assert result.draft.text.startswith("Hi Mateus,") and "40 seats" in result.draft.text
    assert result.draft.subject == "Pricing for 40 seats"
    assert any("pricing_email" in note for note in result.notes)


async def test_run_template_falls_back_to_the_workflow_and_says_why(client: Client) -> None:
    body = {"conversation_thread": "what would pricing look like for 40 seats?", "use_templates": False}
    response = await client.post("/run-template", json=body)
    assert response.status == 200, await response.text()
    result = Result.model_validate(await response.json())
    assert result.mode == "parallel" and result.steps[2].source == "offline"
    assert any("needs first_name" in note for note in result.notes), result.notes


async def test_run_template_treats_template_syntax_in_the_input_as_text(client: Client) -> None:
    thread = ("Rep (Jordan Lee): Hi {{ 7*191 }}, worth a look?\n"
              "Mateus Oliveira: {% for i in range(9) %}A{% endfor %} pricing for {{ 7*191 }} seats?")
    response = await client.post("/run-template", json={"conversation_thread": thread,
                                                         "prospect_name": "{{ 7*191 }}"})
    assert response.status == 200, await response.text()
    text = (await response.json())["draft"]["text"]
    assert "1337" not in text and "AAAAAAAAA" not in text and "{" not in text and "%" not in text


async def test_run_template_names_invalid_fields(client: Client) -> None:
    response = await client.post("/run-template", json={"conversation_thread": "", "channel": "fax"})
    assert response.status == 422
    body = await response.json()
    assert "conversation_thread" in body["fields"] and "channel" in body["fields"]


def test_cli_draft_with_template(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    thread_file = tmp_path / "thread.json"
    thread_file.write_text(json.dumps({"conversation_thread": THREAD, "channel": "email"}))
    assert main(["draft", "--template", str(thread_file)]) == 0
    out = capsys.readouterr().out
    assert "Subject: Pricing for 40 seats" in out and "template" in out and "pricing_email" in out
