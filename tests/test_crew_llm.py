"""The crews' LLM client (openai SDK) against the strict fake OpenAI server: retries, timeouts, errors, pooling.

Every check reads what the fake server recorded (requests, arrival times, client ports) or what the
client returned; no wall-clock thresholds beyond "waited at least what the server asked".
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import BaseModel

from engine.errors import LLMUnavailable
from engine.models import ThreadAnalysis
from engine.settings import EngineSettings
from engine.steps.crew.client import OpenAICompatibleLLM
from engine.steps.crew.llm import build_llm, configure_crewai
from tests.fakes.openai_server import FakeOpenAI, RecordedRequest, fake_openai

__all__ = ["fake_openai"]

MESSAGES = [{"role": "system", "content": "You analyse threads."},
            {"role": "user", "content": "Tom: can you send pricing for 12 seats?"}]


class Verdict(BaseModel):
    """A small structured answer."""

    label: str
    score: int


def llm_for(fake: FakeOpenAI, data_dir: Path, **overrides: object) -> OpenAICompatibleLLM:
    settings = EngineSettings(openai_api_key="test-key", openai_base_url=fake.base_url, data_dir=data_dir,
                              **overrides)  # type: ignore[arg-type]
    llm = build_llm(settings, temperature=0.0)
    assert isinstance(llm, OpenAICompatibleLLM)
    return llm


def gap(first: RecordedRequest, second: RecordedRequest) -> float:
    assert first.responded is not None
    return second.arrived - first.responded


async def test_structured_output_is_a_strict_json_schema_parsed_into_the_model(
        fake_openai: FakeOpenAI, data_dir: Path) -> None:
    fake_openai.enqueue({"label": "pricing", "score": 7})
    answer = await llm_for(fake_openai, data_dir).acall(MESSAGES, response_model=Verdict)
    assert answer == Verdict(label="pricing", score=7)
    (request,) = fake_openai.history
    fmt = request.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "Verdict"
    assert fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["additionalProperties"] is False
    assert request.body["messages"] == MESSAGES
    assert request.body["temperature"] == 0.0
    assert request.body["max_tokens"] == 1000  # the reply step's cap (families.STEP_CAPS)
    assert request.headers["authorization"] == "Bearer test-key"


async def test_without_a_response_model_the_answer_is_text(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    fake_openai.enqueue("Happy to send pricing.")
    assert await llm_for(fake_openai, data_dir).acall("Reply to Tom.") == "Happy to send pricing."
    assert "response_format" not in fake_openai.history[0].body


async def test_calls_share_one_pooled_connection(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    llm = llm_for(fake_openai, data_dir)
    for _ in range(3):
        await llm.acall(MESSAGES, response_model=ThreadAnalysis)
    await asyncio.to_thread(llm.call, MESSAGES, response_model=ThreadAnalysis)  # crewai's sync path
    await asyncio.to_thread(llm.call, MESSAGES, response_model=ThreadAnalysis)
    ports = [request.peer for request in fake_openai.history]
    assert len(ports) == 5 and None not in ports
    assert len(set(ports[:3])) == 1  # awaited calls: one keep-alive connection
    assert len(set(ports[3:])) == 1  # sync calls from threads: one connection on the I/O loop


async def test_a_server_error_is_retried(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    fake_openai.enqueue(status=503)
    fake_openai.enqueue(status=502)
    answer = await llm_for(fake_openai, data_dir, llm_max_retries=2).acall(MESSAGES, response_model=ThreadAnalysis)
    assert isinstance(answer, ThreadAnalysis)
    assert [request.status for request in fake_openai.history] == [503, 502, 200]


async def test_retry_after_is_honoured_in_seconds_and_milliseconds(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    fake_openai.enqueue(status=429, retry_after=0.3)
    fake_openai.enqueue(status=503, headers={"retry-after-ms": "200"})
    await llm_for(fake_openai, data_dir, llm_max_retries=2).acall(MESSAGES, response_model=ThreadAnalysis)
    first, second, third = fake_openai.history
    assert (first.status, second.status, third.status) == (429, 503, 200)
    assert gap(first, second) >= 0.3
    assert gap(second, third) >= 0.2


async def test_a_quota_429_that_never_clears_is_tried_exactly_max_retries_plus_one_times(
        fake_openai: FakeOpenAI, data_dir: Path) -> None:
    # crewai wraps every LLM call in its own rate-limit retry; our final error must not start
    # another round of three.
    for _ in range(5):
        fake_openai.enqueue(status=429, retry_after=0)
    with pytest.raises(LLMUnavailable, match=r"HTTP 429 .* after 2 attempts") as caught:
        await llm_for(fake_openai, data_dir, llm_max_retries=1).acall(MESSAGES, response_model=ThreadAnalysis)
    assert "MAX_CONCURRENT_REQUESTS" in str(caught.value)
    assert len(fake_openai.history) == 2


async def test_each_attempt_has_its_own_timeout(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    fake_openai.enqueue(hang=True)
    fake_openai.enqueue(hang=True)
    with pytest.raises(LLMUnavailable, match=r"did not answer within 0\.2 s \(2 attempts\).*LLM_TIMEOUT_S"):
        await llm_for(fake_openai, data_dir, llm_timeout_s=0.2, llm_max_retries=1).acall(MESSAGES)
    assert len(fake_openai.history) == 2


async def test_a_timed_out_attempt_is_retried_and_can_succeed(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    fake_openai.enqueue(hang=True)
    answer = await llm_for(fake_openai, data_dir, llm_timeout_s=0.2, llm_max_retries=1).acall(
        MESSAGES, response_model=ThreadAnalysis)
    assert isinstance(answer, ThreadAnalysis)
    assert len(fake_openai.history) == 2


@pytest.mark.parametrize(("status", "words"), [(400, "rejected the request with HTTP 400: scripted failure 400"),
                                               (401, "refused the credentials (HTTP 401)")])
async def test_a_client_error_is_not_retried(fake_openai: FakeOpenAI, data_dir: Path, status: int, words: str) -> None:
    fake_openai.enqueue(status=status)
    with pytest.raises(LLMUnavailable, match=words.replace("(", r"\(").replace(")", r"\)")):
        await llm_for(fake_openai, data_dir, llm_max_retries=3).acall(MESSAGES, response_model=ThreadAnalysis)
    assert len(fake_openai.history) == 1


async def test_an_answer_that_does_not_fit_the_model_says_so(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    fake_openai.enqueue('{"label": "pricing"}')  # text content: no score
    with pytest.raises(LLMUnavailable, match="does not fit Verdict"):
        await llm_for(fake_openai, data_dir).acall(MESSAGES, response_model=Verdict)


async def test_an_unreachable_endpoint_says_where_and_what_to_check(data_dir: Path) -> None:
    closed = FakeOpenAI()
    await closed.start()
    await closed.close()  # the port is now free: nothing listens
    with pytest.raises(LLMUnavailable, match=r"could not connect to the LLM at http://127\.0\.0\.1:\d+/v1.*OPENAI_BASE_URL"):
        await llm_for(closed, data_dir, llm_max_retries=1).acall(MESSAGES)


def test_crewai_tracing_is_declined_for_the_data_dir(data_dir: Path) -> None:
    from crewai_core.user_data import has_user_declined_tracing

    configure_crewai(EngineSettings(openai_api_key="k", data_dir=data_dir))
    assert has_user_declined_tracing()
