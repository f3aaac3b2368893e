"""Where LLM calls go and how they authenticate: OpenAI, Azure OpenAI (v1 or classic), local servers.

One `Endpoint` per configuration, built from the settings once; `Endpoint.client()` makes the
openai SDK client (`AsyncOpenAI`, or `AsyncAzureOpenAI` for Azure's classic deployments API).

- OpenAI: `OPENAI_API_KEY` (and `OPENAI_BASE_URL` for another OpenAI-compatible service).
- Local: `OPENAI_BASE_URL` alone (Ollama, vLLM, LM Studio, llama.cpp): no Authorization header.
- Azure v1 (default): `{AZURE_OPENAI_ENDPOINT}/openai/v1/` with the deployment as the model, no
  api-version (https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle).
- Azure classic: `AZURE_OPENAI_API_VERSION` set -> `/openai/deployments/{d}/chat/completions?api-version=`.
- Azure auth: the key in the `api-key` header only (never also as a bearer token: gateways such as
  APIM log or refuse that); with no key, a Microsoft Entra ID token from azure-identity's
  `DefaultAzureCredential` (the optional `azure` extra), refreshed by the SDK per request.

A portal "Target URI" pasted into AZURE_OPENAI_ENDPOINT is reduced to the resource endpoint (its
deployment and api-version are used when not set separately) or refused with what to paste instead.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from engine.errors import LLMUnavailable
from engine.settings import EngineSettings
from engine.steps.crew.families import Family, family_for
from engine.steps.crew.prompts import LLM_WORDS

__all__ = ["AzureTarget", "Endpoint", "endpoint_for", "parse_azure_endpoint"]

Auth = Literal["bearer", "none", "api-key", "entra"]
_ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"
_CLASSIC_PATH = re.compile(r"^/openai/deployments/(?P<deployment>[^/]+)(?:/.*)?$")


@dataclass(frozen=True)
class AzureTarget:
    """What AZURE_OPENAI_ENDPOINT says once a pasted Target URI is taken apart."""

    endpoint: str
    deployment: str | None = None
    api_version: str | None = None


def parse_azure_endpoint(value: str) -> AzureTarget:
    """`https://res.openai.azure.com` from itself or from a pasted Target URI; LLMUnavailable otherwise."""
    text = value.strip()
    parts = urlsplit(text if "://" in text else f"https://{text}")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise LLMUnavailable(LLM_WORDS.bad_azure_endpoint(text, "it is not an http(s) URL"))
    endpoint = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    versions = parse_qs(parts.query).get("api-version")
    version = versions[0] if versions else None
    if path in ("", "/openai", "/openai/v1") or path.startswith("/openai/v1/"):
        return AzureTarget(endpoint)
    classic = _CLASSIC_PATH.match(path)
    if classic:
        return AzureTarget(endpoint, deployment=classic.group("deployment"), api_version=version)
    raise LLMUnavailable(LLM_WORDS.bad_azure_endpoint(text, f"its path {path!r} is not an Azure OpenAI route"))


@dataclass(frozen=True)
class Endpoint:
    """One configured LLM endpoint: where, which model, which auth; makes SDK clients."""

    kind: Literal["openai", "azure", "local"]
    base_url: str  # for AsyncOpenAI; for Azure classic the resource endpoint
    model: str  # the model name, or the Azure deployment
    family: Family
    auth: Auth
    key: str = field(default="", repr=False)
    api_version: str | None = None  # Azure classic only
    label: str = ""  # where calls go, for messages and logs (never the key)
    settings_hint: str = "OPENAI_BASE_URL"  # the setting that names this endpoint, for messages
    model_hint: str = "LLM_MODEL"

    @property
    def api(self) -> str:
        """`openai`, `azure-v1`, `azure-classic` or `local`: how calls are shaped."""
        if self.kind == "azure":
            return "azure-classic" if self.api_version else "azure-v1"
        return self.kind

    def client(self, *, timeout: float, max_retries: int, http_client: Any) -> Any:
        """A new SDK client on `http_client` (one per event loop; see client.py)."""
        from openai import AsyncAzureOpenAI, AsyncOpenAI

        common: dict[str, Any] = {"timeout": timeout, "max_retries": max_retries, "http_client": http_client}
        if self.api == "azure-classic":
            if self.auth == "entra":
                return AsyncAzureOpenAI(azure_endpoint=self.base_url, api_version=self.api_version,
                                        azure_ad_token_provider=_entra_token_provider(), **common)
            return AsyncAzureOpenAI(azure_endpoint=self.base_url, api_version=self.api_version,
                                    api_key=self.key, **common)
        if self.auth == "entra":
            return AsyncOpenAI(base_url=self.base_url, api_key=_entra_token_provider(), **common)
        # api-key (Azure v1) and none (local) send no Authorization: see request_headers().
        return AsyncOpenAI(base_url=self.base_url, api_key=self.key or "unused", **common)

    def request_headers(self) -> dict[str, Any]:
        """Per-request headers: Azure v1's `api-key` instead of the SDK's bearer header; none for local."""
        from openai import omit

        if self.auth == "api-key" and self.api == "azure-v1":
            return {"api-key": self.key, "Authorization": omit}
        if self.auth == "none":
            return {"Authorization": omit}
        return {}


def _entra_token_provider() -> Callable[[], Awaitable[str]]:
    """azure-identity's async bearer-token provider for Azure OpenAI (an optional dependency)."""
    try:
        from azure.identity.aio import DefaultAzureCredential, get_bearer_token_provider
    except ImportError:
        raise LLMUnavailable(LLM_WORDS.entra_missing()) from None
    provider: Callable[[], Awaitable[str]] = get_bearer_token_provider(DefaultAzureCredential(), _ENTRA_SCOPE)
    return provider


def endpoint_for(settings: EngineSettings) -> Endpoint:
    """The endpoint the settings describe; LLMUnavailable saying what to set when they are incomplete."""
    kind = settings.llm_kind
    override = settings.llm_model_family
    if kind == "azure":
        target = parse_azure_endpoint(settings.azure_openai_endpoint or "")
        deployment = settings.azure_openai_deployment or target.deployment
        if not deployment:
            raise LLMUnavailable(LLM_WORDS.no_deployment())
        version = settings.azure_openai_api_version or target.api_version
        key = settings.azure_openai_api_key or ""
        auth: Auth = "api-key" if key else "entra"
        base = target.endpoint if version else f"{target.endpoint}/openai/v1"
        label = (f"{target.endpoint}/openai/deployments/{deployment} (api-version {version})" if version
                 else f"{target.endpoint}/openai/v1 (deployment {deployment})")
        return Endpoint("azure", base, deployment, family_for(deployment, override=override), auth, key,
                        api_version=version, label=label, settings_hint="AZURE_OPENAI_ENDPOINT",
                        model_hint="AZURE_OPENAI_DEPLOYMENT")
    if kind == "openai":
        base = (settings.openai_base_url or "https://api.openai.com/v1").rstrip("/")
        return Endpoint("openai", base, settings.llm_model, family_for(settings.llm_model, override=override),
                        "bearer", settings.openai_api_key or "", label=base)
    if kind == "local":
        base = (settings.openai_base_url or "").rstrip("/")
        return Endpoint("local", base, settings.llm_model, family_for(settings.llm_model, override=override),
                        "none", label=base)
    raise LLMUnavailable(LLM_WORDS.not_configured())
