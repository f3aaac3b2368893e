"""Issue 11's configuration table, measured: each configuration against the strict fake LLM; one JSON line each.

    python scripts/llm_configurations.py     # from a repo root (also works in an older checkout)
"""
import asyncio, json, sys, tempfile
from pathlib import Path
sys.path.insert(0, ".")
import engine
from engine.models import DraftRequest
from engine.settings import EngineSettings
from engine.workflow import Engine
from tests.fakes.openai_server import FakeOpenAI, errors

THREAD = "Rep (Ana Ruiz): Thanks for the call, Tom.\nTom Becker: Can you send pricing for 12 seats?"

async def one(name, fake_kwargs, settings_of, script=None):
    fake = await FakeOpenAI(**fake_kwargs).start()
    for item in script or []:
        fake.enqueue(**item)
    try:
        s = settings_of(fake)
        try:
            r = await Engine(s).run(DraftRequest(conversation_thread=THREAD, mode="parallel"), scope="t", use_cache=False)
            out = {st.name: ("ok:" + str(st.source)) if st.status == "ok" else ("FAILED: " + (st.error or ""))[:150] for st in r.steps}
        except Exception as exc:
            out = {"error": str(exc)[:200]}
    finally:
        await fake.close()
    print(json.dumps({"config": name, "requests": len(fake.history), "steps": out}))

async def main():
    d = Path(tempfile.mkdtemp())
    E = lambda **kw: EngineSettings(data_dir=d, _env_file=None, **kw)
    await one("openai gpt-4o-mini", {"api_key": "sk", "models": {"gpt-4o-mini"}}, lambda f: E(openai_api_key="sk", openai_base_url=f.base_url))
    await one("openai gpt-5-mini", {"api_key": "sk", "models": {"gpt-5-mini"}}, lambda f: E(openai_api_key="sk", openai_base_url=f.base_url, llm_model="gpt-5-mini"))
    await one("openai o4-mini", {"api_key": "sk", "models": {"o4-mini"}}, lambda f: E(openai_api_key="sk", openai_base_url=f.base_url, llm_model="o4-mini"))
    await one("azure v1", {"flavor": "azure", "api_key": "az", "deployments": {"chat": "gpt-4o-mini"}}, lambda f: E(azure_openai_api_key="az", azure_openai_endpoint=f.endpoint, azure_openai_deployment="chat"))
    await one("azure classic", {"flavor": "azure", "api_key": "az", "deployments": {"chat": "gpt-4o-mini"}}, lambda f: E(azure_openai_api_key="az", azure_openai_endpoint=f.endpoint, azure_openai_deployment="chat", azure_openai_api_version="2024-10-21"))
    await one("local keyless (llama.cpp-like)", {"flavor": "llama_cpp"}, lambda f: E(openai_base_url=f.base_url))
    await one("quota 429", {}, lambda f: E(openai_api_key="sk", openai_base_url=f.base_url, llm_max_retries=3), [{"error": errors.insufficient_quota()}] * 20)
    await one("truncated reply", {}, lambda f: E(openai_api_key="sk", openai_base_url=f.base_url), [{"finish_reason": "length", "match": "ReplyText"}])
    await one("content filter (prompt)", {}, lambda f: E(openai_api_key="sk", openai_base_url=f.base_url), [{"error": errors.content_filter()}] * 3)

asyncio.run(main())
