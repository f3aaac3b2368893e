"""The real crew backends drive the workflow against a fake OpenAI-compatible server on loopback.

Overlap is proven from the fake's recorded request arrival and response times, never from wall
clock thresholds.
"""

from __future__ import annotations

from pathlib import Path

from engine.models import DraftRequest, Mode, Result
from engine.settings import EngineSettings
from engine.steps.crew.backends import CrewAnalysis, CrewProfile, CrewReply, crew_backends
from engine.steps.offline import OfflineAnalysis
from engine.workflow import Engine
from tests.fakes.openai_server import FakeOpenAI, RecordedRequest, fake_openai

__all__ = ["fake_openai"]  # the fixture, used by name

THREAD = (
    "Rep (Jordan Lee): Hi Mateus, worth a quick look at how fleets cut idle time?\n"
    "Mateus Oliveira: We run 40 vehicles. What would pricing look like? "
    "Happy to do a 30 min demo next Thursday.\n"
    "Mateus Oliveira | Fleet lead | mateus@rotaverde.example"
)


def crew_engine(fake: FakeOpenAI, data_dir: Path, **overrides: object) -> Engine:
    settings = EngineSettings(openai_api_key="test-key", openai_base_url=fake.base_url, data_dir=data_dir,
                              **overrides)  # type: ignore[arg-type]
    return Engine(settings)


async def run(engine: Engine, mode: Mode = "parallel", **fields: object) -> Result:
    request = DraftRequest(conversation_thread=THREAD, mode=mode, **fields)
    return await engine.run(request, scope="tenant-a", use_cache=False)


def one(fake: FakeOpenAI, schema: str) -> RecordedRequest:
    found = fake.requests_for(schema)
    assert len(found) == 1, [r.schema_name for r in fake.history]
    return found[0]


def responded(request: RecordedRequest) -> float:
    assert request.responded is not None
    return request.responded


async def test_parallel_mode_overlaps_profile_and_analysis(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    fake_openai.latency = 0.2
    result = await run(crew_engine(fake_openai, data_dir), "parallel")
    profile, analysis, reply = (one(fake_openai, name) for name in ("ProspectProfile", "ThreadAnalysis", "ReplyText"))
    # Both independent requests were in flight before either was answered ...
    assert max(profile.arrived, analysis.arrived) < min(responded(profile), responded(analysis))
    # ... and the reply waited for both.
    assert reply.arrived >= max(responded(profile), responded(analysis))
    assert not result.degraded
    assert [step.source for step in result.steps] == ["llm", "llm", "llm"]


async def test_sequential_mode_runs_one_step_at_a_time(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    fake_openai.latency = 0.05
    await run(crew_engine(fake_openai, data_dir), "sequential")
    profile, analysis, reply = (one(fake_openai, name) for name in ("ProspectProfile", "ThreadAnalysis", "ReplyText"))
    assert analysis.arrived >= responded(profile)
    assert reply.arrived >= responded(analysis)


async def test_fast_mode_starts_all_three_at_once(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    fake_openai.latency = 0.2
    result = await run(crew_engine(fake_openai, data_dir), "fast")
    requests = [one(fake_openai, name) for name in ("ProspectProfile", "ThreadAnalysis", "ReplyText")]
    assert max(r.arrived for r in requests) < min(responded(r) for r in requests)
    # The fast reply reads the raw thread: no analysis or profile was handed to it.
    assert "Analysis of their latest message: (not available" in requests[2].prompt
    assert not result.degraded


async def test_structured_output_lands_in_the_models(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    fake_openai.enqueue({"intent": "asks_pricing", "sentiment": "positive", "urgency": "high",
                         "key_facts": ["40 vehicles", "next Thursday"], "questions": ["What would pricing look like?"],
                         "objections": [], "scenario": "pricing question", "summary": "Asks for pricing."},
                        match="ThreadAnalysis")
    fake_openai.enqueue({"text": "Hi Mateus,\n\nHere is our pricing for 40 vehicles.\n\nBest,\nJordan",
                         "subject": "Pricing for 40 vehicles"}, match="ReplyText")
    result = await run(crew_engine(fake_openai, data_dir), "parallel", channel="email")
    assert result.analysis is not None
    assert result.analysis.intent == "asks_pricing"
    assert result.analysis.key_facts == ["40 vehicles", "next Thursday"]
    assert result.draft.subject == "Pricing for 40 vehicles"
    assert result.draft.text.startswith("Hi Mateus,")
    assert result.draft.channel == "email"
    # Native structured output: a strict json_schema response format, not a schema pasted in the prompt.
    request = one(fake_openai, "ThreadAnalysis")
    assert request.body["response_format"]["type"] == "json_schema"
    assert request.body["response_format"]["json_schema"]["strict"] is True
    assert "OpenAPI schema" not in request.prompt
    # The reply saw what the analysis found.
    assert '"intent": "asks_pricing"' in one(fake_openai, "ReplyText").prompt


async def test_analysis_names_no_one(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    fake_openai.enqueue({"intent": "asks_pricing",
                         "summary": "Mateus Oliveira of Rotaverde asks Jordan for pricing (mateus@rotaverde.example).",
                         "questions": ["Mateus's question: what would pricing look like?"]},
                        match="ThreadAnalysis")
    result = await run(crew_engine(fake_openai, data_dir))
    assert result.analysis is not None
    text = " ".join([result.analysis.summary, *result.analysis.questions])
    for leaked in ("Mateus", "Oliveira", "Jordan", "Rotaverde", "@"):
        assert leaked not in text, text
    assert result.analysis.summary.startswith("the prospect of their company asks the rep for pricing")


async def test_a_failing_step_degrades_instead_of_failing(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    for _ in range(2):  # the first try and its one retry
        fake_openai.enqueue(status=500, match="ThreadAnalysis")
    result = await run(crew_engine(fake_openai, data_dir, llm_max_retries=1))
    steps = {step.name: step for step in result.steps}
    assert result.degraded is True
    assert steps["analysis"].status == "failed"
    assert steps["analysis"].error is not None and "HTTP 500" in steps["analysis"].error
    assert steps["profile"].status == "ok" and steps["reply"].status == "ok"
    assert result.draft.text
    assert len(fake_openai.requests_for("ThreadAnalysis")) == 2


async def test_a_hanging_llm_call_times_out_and_degrades(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    fake_openai.enqueue(hang=True, match="ProspectProfile")
    result = await run(crew_engine(fake_openai, data_dir, llm_timeout_s=0.3, llm_max_retries=0))
    steps = {step.name: step for step in result.steps}
    assert result.degraded is True
    assert steps["profile"].status == "failed"
    assert steps["profile"].error is not None and "did not answer within 0.3 s" in steps["profile"].error
    assert steps["analysis"].status == "ok" and steps["reply"].status == "ok"
    assert result.draft.text


async def test_a_rate_limited_call_is_retried_after_retry_after(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    fake_openai.enqueue(status=429, retry_after=0.05, match="ThreadAnalysis")
    result = await run(crew_engine(fake_openai, data_dir, llm_max_retries=2))
    first, second = fake_openai.requests_for("ThreadAnalysis")
    assert (first.status, second.status) == (429, 200)
    assert second.arrived - responded(first) >= 0.05  # it honoured Retry-After
    assert not result.degraded


async def test_a_website_that_cannot_be_fetched_leaves_a_note(fake_openai: FakeOpenAI, data_dir: Path) -> None:
    result = await run(crew_engine(fake_openai, data_dir), prospect_company_website="http://127.0.0.1:9/",
                       prospect_profile_url="https://www.linkedin.com/in/mateus-oliveira")
    assert result.profile is not None
    assert result.steps[0].status == "ok"
    assert any("website was not used" in note for note in result.profile.notes)
    assert any("LinkedIn is never fetched" in note for note in result.profile.notes)
    assert "Website text:\n(none)" in one(fake_openai, "ProspectProfile").prompt


def test_no_key_means_offline_backends(data_dir: Path) -> None:
    assert isinstance(Engine(EngineSettings(data_dir=data_dir)).backends.analysis, OfflineAnalysis)


def test_a_key_means_crew_backends(data_dir: Path) -> None:
    backends = Engine(EngineSettings(openai_api_key="k", openai_base_url="http://127.0.0.1:9/v1",
                                     data_dir=data_dir)).backends
    assert isinstance(backends.profile, CrewProfile)
    assert isinstance(backends.analysis, CrewAnalysis)
    assert isinstance(backends.reply, CrewReply)
    assert {backends.profile.source, backends.analysis.source, backends.reply.source} == {"llm"}


async def test_crewais_stock_provider_is_refused_by_the_strict_schema_rules(
        fake_openai: FakeOpenAI, data_dir: Path) -> None:
    # The configuration perf/bench_workflow.py compares against: crewai's flow executor and its
    # OpenAI provider. Its strict schema keeps ThreadAnalysis's defaults, which the services refuse
    # ("'default' is not permitted"): the reason replycrew sends its own (engine/steps/crew/schemas.py).
    settings = EngineSettings(openai_api_key="test-key", openai_base_url=fake_openai.base_url, data_dir=data_dir)
    result = await Engine(settings, backends=crew_backends(settings, stock=True)).run(
        DraftRequest(conversation_thread=THREAD, mode="parallel"), scope="tenant-a", use_cache=False)
    failed = {step.name: step.error or "" for step in result.steps if step.status == "failed"}
    assert list(failed) == ["analysis"], failed
    assert "'default' is not permitted" in failed["analysis"]
    assert one(fake_openai, "ThreadAnalysis").status == 400


async def test_warming_makes_no_llm_call_and_drafts_as_before(fake_openai: FakeOpenAI,
                                                          data_dir: Path) -> None:
    engine = crew_engine(fake_openai, data_dir)
    await engine.warm()  # a server's start-up
    assert fake_openai.history == []  # no request: nothing is spent, nothing needs the LLM up
    result = await run(engine)
    assert [step.source for step in result.steps] == ["llm", "llm", "llm"] and not result.degraded
    assert {r.schema_name for r in fake_openai.history} == {"ProspectProfile", "ThreadAnalysis", "ReplyText"}


async def test_warming_an_offline_engine_does_nothing_and_drafts_as_before(data_dir: Path) -> None:
    engine = Engine(EngineSettings(data_dir=data_dir))
    await engine.warm()
    result = await run(engine)
    assert [step.source for step in result.steps] == ["offline", "offline", "offline"]
