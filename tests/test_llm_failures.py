"""Failures reach the rep with their real cause: in the step's error (REST result), the Slack draft and the CLI.

The fake answers as the service would (tests/fakes/openai_rules.py); each check also reads how many
requests the fake saw, so a refusal that retrying cannot change is never retried.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from engine.models import DraftRequest, Result
from engine.settings import EngineSettings
from engine.workflow import Engine
from tests.fakes.openai_rules import ServiceError
from tests.fakes.openai_server import FakeOpenAI, errors
from tests.slack_helpers import slack_harness

THREAD = "Rep (Ana Ruiz): Any thoughts?\nTom Becker: Can you send pricing for 12 seats?"


async def run(fake: FakeOpenAI, data_dir: Path, **settings: object) -> Result:
    values: dict[str, object] = {"openai_api_key": "sk-test", "openai_base_url": fake.base_url,
                                 "data_dir": data_dir, "llm_max_retries": 3, **settings}
    engine = Engine(EngineSettings(**values))  # type: ignore[arg-type]
    return await engine.run(DraftRequest(conversation_thread=THREAD, mode="parallel"), scope="t", use_cache=False)


def errors_by_step(result: Result) -> dict[str, str]:
    return {step.name: step.error or "" for step in result.steps if step.status == "failed"}


@pytest.mark.parametrize(("error", "words"), [
    (errors.insufficient_quota(), "no quota left (HTTP 429 insufficient_quota"),
    (errors.content_filter(), "content filter of the LLM at"),
    (errors.context_length_exceeded(128000, 130000), "too long for the model"),
])
async def test_a_refusal_is_named_and_never_retried(data_dir: Path, error: ServiceError, words: str) -> None:
    fake = await FakeOpenAI().start()
    for _ in range(3):
        fake.enqueue(error=error)
    try:
        result = await run(fake, data_dir)
    finally:
        await fake.close()
    failed = errors_by_step(result)
    assert set(failed) == {"profile", "analysis", "reply"}, failed
    assert all(words in text for text in failed.values()), failed
    assert len(fake.history) == 3  # one request per step: LLM_MAX_RETRIES=3 did not apply
    assert result.degraded and result.draft.text  # the rep still gets the offline draft


async def test_a_bad_key_names_the_setting(data_dir: Path) -> None:
    fake = await FakeOpenAI(api_key="sk-right").start()
    try:
        result = await run(fake, data_dir, openai_api_key="sk-wrong")
    finally:
        await fake.close()
    assert all("refused the credentials (HTTP 401); check OPENAI_API_KEY" in e
               for e in errors_by_step(result).values())
    assert len(fake.history) == 3


async def test_an_unknown_model_or_deployment_names_the_setting(data_dir: Path) -> None:
    fake = await FakeOpenAI(models={"gpt-4o-mini"}).start()
    try:
        result = await run(fake, data_dir, llm_model="gpt-4o-mnii")
    finally:
        await fake.close()
    assert all("no model or deployment named 'gpt-4o-mnii'" in e and "check LLM_MODEL" in e
               for e in errors_by_step(result).values())
    azure = await FakeOpenAI(flavor="azure", api_key="k", deployments={"chat": "gpt-4o-mini"}).start()
    try:
        result = await Engine(EngineSettings(azure_openai_endpoint=azure.endpoint, azure_openai_api_key="k",
                                             azure_openai_deployment="chta", data_dir=data_dir)).run(
            DraftRequest(conversation_thread=THREAD), scope="t", use_cache=False)
    finally:
        await azure.close()
    assert all("DeploymentNotFound" in e and "check AZURE_OPENAI_DEPLOYMENT" in e
               for e in errors_by_step(result).values())


async def test_a_cut_off_answer_says_which_setting_to_raise(data_dir: Path) -> None:
    fake = await FakeOpenAI().start()
    fake.enqueue(finish_reason="length", match="ReplyText")
    try:
        result = await run(fake, data_dir, llm_max_output_tokens=40)
    finally:
        await fake.close()
    failed = errors_by_step(result)
    assert list(failed) == ["reply"]
    assert "cut off at 40 tokens (finish_reason: length)" in failed["reply"]
    assert "raise LLM_MAX_OUTPUT_TOKENS" in failed["reply"]
    assert "structured output" not in failed["reply"]  # the old, wrong advice


async def test_a_filtered_answer_and_a_refusal_are_named(data_dir: Path) -> None:
    fake = await FakeOpenAI().start()
    fake.enqueue(finish_reason="content_filter", match="ReplyText")
    fake.enqueue(refusal="I can't help with that.", match="ThreadAnalysis")
    try:
        result = await run(fake, data_dir)
    finally:
        await fake.close()
    failed = errors_by_step(result)
    assert "content filter" in failed["reply"] and "blocked the answer" in failed["reply"]
    assert "declined to answer (I can't help with that.)" in failed["analysis"]


async def test_the_rest_result_carries_the_cause(make_client: object, data_dir: Path) -> None:
    fake = await FakeOpenAI().start()
    for _ in range(3):
        fake.enqueue(error=errors.insufficient_quota())
    try:
        client = await make_client(openai_api_key="sk-test", openai_base_url=fake.base_url)  # type: ignore[operator]
        response = await client.post("/run-parallel", json={"conversation_thread": THREAD})
        body = await response.json()
    finally:
        await fake.close()
    assert response.status == 200 and body["degraded"] is True
    assert all("no quota left" in step["error"] for step in body["steps"])


async def test_the_slack_draft_shows_the_cause(data_dir: Path) -> None:
    fake = await FakeOpenAI().start()
    fake.enqueue(finish_reason="length", match="ReplyText")
    try:
        async with slack_harness(data_dir, openai_api_key="sk-test", openai_base_url=fake.base_url) as slack:
            await slack.command(THREAD)
            await slack.settle()
            [message] = slack.fake.messages_in(slack.channel_id)
            text = message.all_text
    finally:
        await fake.close()
    assert "cut off at 1000 tokens" in text and "LLM_MAX_OUTPUT_TOKENS" in text


async def test_the_cli_prints_the_cause(tmp_path: Path) -> None:
    fake = await FakeOpenAI().start()
    for _ in range(3):
        fake.enqueue(error=errors.insufficient_quota())
    (tmp_path / "thread.txt").write_text(THREAD)
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "OPENAI_API_KEY": "sk-test",
           "OPENAI_BASE_URL": fake.base_url, "PYTHONIOENCODING": "utf-8"}
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "draft", "thread.txt", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), timeout=100)
    finally:
        await fake.close()
    assert proc.returncode == 0, err.decode()
    lines = [line for line in out.decode().splitlines() if " failed: " in line]
    assert len(lines) == 3 and all("no quota left" in line for line in lines), out.decode()
    assert json.dumps(lines)  # printable as-is


async def test_azure_without_a_key_or_azure_identity_says_how_to_sign_in(data_dir: Path) -> None:
    import importlib.util

    assert importlib.util.find_spec("azure") is None  # the optional extra (azure-identity) is not installed here
    fake = await FakeOpenAI(flavor="azure", api_key="k", deployments={"chat": "gpt-4o-mini"}).start()
    try:
        result = await Engine(EngineSettings(azure_openai_endpoint=fake.endpoint, azure_openai_deployment="chat",
                                             data_dir=data_dir)).run(
            DraftRequest(conversation_thread=THREAD), scope="t", use_cache=False)
    finally:
        await fake.close()
    failed = errors_by_step(result)
    assert set(failed) == {"profile", "analysis", "reply"}
    assert all("AZURE_OPENAI_API_KEY is not set" in e and "replycrew[azure]" in e for e in failed.values())
    assert fake.history == []  # nothing was sent without credentials


async def test_an_answer_whole_before_the_cap_is_kept(data_dir: Path) -> None:
    # A small local model under a JSON grammar pads with whitespace up to the cap: the JSON is whole.
    fake = await FakeOpenAI().start()
    fake.enqueue('{"text": "Hi Tom, pricing attached.", "subject": null}' + "\n" * 40, finish_reason="length",
                 cut=False, match="ReplyText")
    try:
        result = await run(fake, data_dir)
    finally:
        await fake.close()
    assert errors_by_step(result) == {}
    assert result.draft.text.startswith("Hi Tom, pricing attached.")
