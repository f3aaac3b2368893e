"""Engine settings (LLM, store, caches, limits), read once from the environment and `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["EngineSettings", "LLMKind"]

LLMKind = Literal["openai", "azure", "local", "offline"]


class EngineSettings(BaseSettings):
    """Everything the engine reads from the environment; names match DESIGN.md."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    openai_api_key: str | None = None
    openai_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    azure_openai_api_key: str | None = None
    azure_openai_endpoint: str | None = None
    azure_openai_deployment: str | None = None
    # Unset: Azure's v1 API ({endpoint}/openai/v1/). Set (e.g. 2024-10-21): the classic deployments API.
    azure_openai_api_version: str | None = None
    # Which parameters the model takes (engine/steps/crew/families.py); auto reads the model's name.
    llm_model_family: Literal["auto", "reasoning", "standard"] = "auto"
    # Overrides every step's temperature (reasoning models take none).
    llm_temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    # Caps every call's output tokens; unset: per-step caps (families.STEP_CAPS).
    llm_max_output_tokens: int | None = Field(default=None, ge=16)

    redis_url: str | None = None
    redis_host: str | None = None
    redis_port: int = 6379
    data_dir: Path = Path("./data")

    max_concurrent_requests: int = Field(default=50, ge=1)
    # Batch (CSV) limits, stated in the error when a file exceeds them.
    max_batch_rows: int = Field(default=1000, ge=1)
    max_batch_bytes: int = Field(default=10_000_000, ge=1)
    # The batch queue (REDIS_URL; engine/batch/queue.py). A row job may run this long (three LLM
    # steps of up to STEP_TIMEOUT_S each, plus waiting for a slot), is swept (and retried) once
    # its worker has not beaten its heartbeat for BATCH_ROW_HEARTBEAT_S, and gets
    # BATCH_ROW_RETRIES retries with exponential backoff before its error is the row's outcome.
    batch_row_timeout_s: int = Field(default=300, ge=180)
    batch_row_heartbeat_s: int = Field(default=30, ge=2)
    batch_row_retries: int = Field(default=3, ge=0)
    # How often workers look for jobs of dead workers (saq's sweep; one sweep per interval overall).
    batch_sweep_s: int = Field(default=15, ge=1)
    step_timeout_s: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=3, ge=0)
    # One LLM HTTP call's limit (LLM_TIMEOUT_S); retries come on top, the step timeout caps them all.
    llm_timeout_s: float = Field(default=30.0, gt=0)

    cache_ttl_profile: int = 7200
    cache_ttl_workflow: int = 3600
    cache_ttl_faq: int = 86400
    # Cosine over MiniLM that makes a cached thread a candidate; what may be reused is decided by the
    # exact fact checks and the verifier (engine/meaning/). perf/bench_trust.py measures both settings.
    # The default is the candidate threshold scripts/train_verifier.py cross-validated the verifier
    # with (engine/meaning/weights/verifier.npz `similarity`; a test keeps the two equal).
    semantic_similarity_threshold: float = Field(default=0.70, ge=0.0, le=1.0)
    # The verifier's bar (engine/meaning/verifier.py): the probability that both threads are the same
    # situation and meaning. Unset = the value scripts/train_verifier.py chose by cross-validation
    # (engine/meaning/weights/verifier.npz). 1.0 turns semantic reuse off (exact reuse stays).
    semantic_verifier_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    # How long the analysis step waits for the cache lookup before it starts the LLM call anyway
    # (engine/speculation.py): enough for an exact hit (one store read), less than MiniLM's encode.
    # A semantic hit that comes later cancels the call, at the price of that call's tokens; larger
    # values trade draft latency for fewer such calls (perf/bench_first_draft.py measures both).
    semantic_lookup_wait_ms: float = Field(default=5.0, ge=0.0)
    # SEMANTIC_CACHE: auto = on when an LLM runs the analysis (offline analysis costs ~1 ms).
    semantic_cache: Literal["auto", "on", "off"] = "auto"

    allow_private_fetch: bool = False
    fetch_timeout_s: float = 5.0
    fetch_max_bytes: int = 1_000_000

    templates_dir: Path | None = None

    @field_validator("openai_api_key", "azure_openai_api_key", "redis_url", "redis_host",
                     "openai_base_url", "azure_openai_endpoint", "azure_openai_deployment",
                     "azure_openai_api_version", "llm_temperature", "llm_max_output_tokens", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def llm_kind(self) -> LLMKind:
        """Which LLM backend is configured.

        azure: AZURE_OPENAI_ENDPOINT (with AZURE_OPENAI_API_KEY, or Microsoft Entra ID without);
        openai: OPENAI_API_KEY (OPENAI_BASE_URL may point it elsewhere); local: OPENAI_BASE_URL alone
        (Ollama, vLLM, LM Studio, llama.cpp: no key); offline: none of these.
        """
        if self.azure_openai_endpoint:
            return "azure"
        if self.openai_api_key:
            return "openai"
        if self.openai_base_url:
            return "local"
        return "offline"

    @property
    def redis_dsn(self) -> str | None:
        """REDIS_URL, or one built from REDIS_HOST and REDIS_PORT; None means the embedded store."""
        if self.redis_url:
            return self.redis_url
        if self.redis_host:
            return f"redis://{self.redis_host}:{self.redis_port}/0"
        return None
