"""`replycrew doctor`, the start-up checks and /healthz, against the strict fakes (LLM, Slack) and real stores."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from tests.conftest import MakeClient
from tests.fakes.openai_server import FakeOpenAI, errors
from tests.fakes.slack_server import FakeSlack


async def doctor(cwd: Path, **env: str) -> tuple[int, list[dict[str, Any]]]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_", "SLACK_", "REDIS_"))}
    full.update({"DATA_DIR": str(cwd / "data"), "PYTHONIOENCODING": "utf-8", **env})
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "doctor", "--json", cwd=cwd,
                                                env=full, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=100)
    assert out, err.decode()[-2000:]
    return int(proc.returncode or 0), json.loads(out)


async def test_doctor_reports_a_working_setup(tmp_path: Path, redis_server: str) -> None:
    llm = await FakeOpenAI(api_key="sk-test", models={"gpt-5-mini"}).start()
    slack = await FakeSlack().start()
    try:
        code, checks = await doctor(tmp_path, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=llm.base_url,
                                    LLM_MODEL="gpt-5-mini", REDIS_URL=redis_server,
                                    SLACK_BOT_TOKEN=slack.token, SLACK_API_URL=slack.url)
    finally:
        await llm.close()
        await slack.close()
    by_name = {check["name"]: check for check in checks}
    assert code == 0 and all(check["ok"] for check in checks), checks
    assert "gpt-5-mini (reasoning family), structured output: json_schema" in by_name["llm"]["detail"]
    assert by_name["store"]["detail"].startswith("Redis at 127.0.0.1")
    assert by_name["crewai"]["ok"]
    assert len(llm.history) == 1 and llm.history[0].body["response_format"]["json_schema"]["name"] == "Probe"


async def test_doctor_names_what_to_fix(tmp_path: Path) -> None:
    llm = await FakeOpenAI().start()
    llm.enqueue(error=errors.insufficient_quota())
    slack = await FakeSlack().start()
    try:
        code, checks = await doctor(tmp_path, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=llm.base_url,
                                    SLACK_BOT_TOKEN="xoxb-wrong", SLACK_API_URL=slack.url)
    finally:
        await llm.close()
        await slack.close()
    by_name = {check["name"]: check for check in checks}
    assert code == 1
    assert not by_name["llm"]["ok"] and "no quota left" in by_name["llm"]["fix"]
    assert not by_name["slack"]["ok"] and "SLACK_BOT_TOKEN" in by_name["slack"]["fix"]
    assert by_name["store"]["ok"] and by_name["store"]["detail"].startswith("SQLite at ")


async def test_doctor_refuses_a_pasted_uri_that_is_not_azure_openai(tmp_path: Path) -> None:
    code, checks = await doctor(tmp_path, AZURE_OPENAI_ENDPOINT="https://res.cognitiveservices.azure.com/language/x",
                                AZURE_OPENAI_API_KEY="k", AZURE_OPENAI_DEPLOYMENT="chat")
    assert code == 1
    assert "AZURE_OPENAI_ENDPOINT=" in checks[0]["fix"] and "cannot be used" in checks[0]["fix"]


async def test_healthz_reports_the_start_up_checks(make_client: MakeClient) -> None:
    llm = await FakeOpenAI(flavor="llama_cpp").start()
    try:
        client = await make_client(openai_base_url=llm.base_url, startup_checks=True)
        for _ in range(200):
            body = await (await client.get("/healthz")).json()
            if body["checks"] is not None:
                break
            await asyncio.sleep(0.05)
    finally:
        await llm.close()
    assert body["llm"] == "local"
    llm_check = body["checks"][0]
    assert llm_check["name"] == "llm" and llm_check["ok"], body
    assert "json_object + schema (the server refuses json_schema)" in llm_check["detail"]
    assert [r.status for r in llm.history] == [500, 200]  # refused once, then the fallback
