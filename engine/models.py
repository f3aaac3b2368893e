"""The engine's edges: DraftRequest in; StepEvents, a Draft and a Result out."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

__all__ = [
    "CHANNELS",
    "INTENTS",
    "MAX_THREAD_CHARS",
    "BatchItem",
    "BatchReport",
    "Channel",
    "Draft",
    "DraftRequest",
    "Intent",
    "Mode",
    "ProspectProfile",
    "Result",
    "Source",
    "StepEvent",
    "StepName",
    "StepResult",
    "ThreadAnalysis",
    "describe_validation_error",
    "new_request_id",
]

Channel = Literal["linkedin", "email", "slack", "other"]
CHANNELS: tuple[str, ...] = ("linkedin", "email", "slack", "other")
Mode = Literal["sequential", "parallel", "fast"]
StepName = Literal["profile", "analysis", "reply"]
StepStatus = Literal["started", "ok", "failed", "skipped"]
Source = Literal["llm", "offline", "exact_cache", "semantic_cache", "profile_cache", "template"]
Intent = Literal[
    "interested_book_meeting",
    "asks_pricing",
    "asks_case_study",
    "not_interested",
    "bad_timing_follow_up_next_quarter",
    "budget_objection",
    "already_uses_competitor",
    "referral_to_colleague",
    "out_of_office",
    "unsubscribe_request",
    "asks_security_compliance",
    "asks_integration_question",
    "congratulates_funding_round_context",
    "partnership_interest",
    "wants_trial",
    "asks_to_send_more_info_by_email",
    "general",
]
INTENTS: tuple[str, ...] = Intent.__args__  # type: ignore[attr-defined]

# Threads longer than this are rejected, never sent whole to an LLM. 15,000 characters is
# about 40 e-mails; the sample threads are all under 1,200. Overridable via MAX_THREAD_CHARS.
MAX_THREAD_CHARS = 15_000
MAX_INSTRUCTIONS = 5
MAX_INSTRUCTION_CHARS = 300


def describe_validation_error(error: ValidationError) -> str:
    """One readable line per invalid field: `channel: unsupported channel 'fax'; ...`."""
    lines = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "request"
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        # A message that already names its field ("conversation_thread is empty") stands alone.
        lines.append(message if message.startswith(field) else f"{field}: {message}")
    return "; ".join(lines)


def new_request_id() -> str:
    """A short unique id for a request, a draft or a batch."""
    return uuid.uuid4().hex[:16]


# A DNS name, an IPv4 address or an IPv6 literal; anything else is not a URL we can use.
_HOST = re.compile(r"[A-Za-z0-9.\-]+|[0-9a-fA-F:.]+")


def _check_url(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be a URL string")
    text = value.strip()
    if not text:
        return None
    if len(text) > 2048:
        raise ValueError("invalid URL: longer than 2,048 characters")
    parts = urlsplit(text if "://" in text else f"https://{text}")
    host = parts.hostname or ""
    looks_like_host = bool(_HOST.fullmatch(host)) and ("." in host or ":" in host or host == "localhost")
    if parts.scheme not in ("http", "https") or not looks_like_host:
        raise ValueError(f"invalid URL {text!r}: expected http(s)://host/...")
    return parts.geturl()


class DraftRequest(BaseModel):
    """One reply to draft: the pasted thread and what we know about the prospect."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    conversation_thread: str
    channel: Channel = "linkedin"
    prospect_profile_url: str | None = None
    prospect_company_url: str | None = None
    prospect_company_website: str | None = None
    prospect_name: str | None = Field(default=None, max_length=200)
    # What the rep asked of this version ("shorter", "in German"): the reply step follows them.
    instructions: list[Annotated[str, StringConstraints(min_length=1, max_length=MAX_INSTRUCTION_CHARS)]] = Field(
        default_factory=list, max_length=MAX_INSTRUCTIONS)
    use_templates: bool = False
    use_cache: bool = True
    ai_polish: bool = False
    mode: Mode = "parallel"

    @field_validator("conversation_thread")
    @classmethod
    def _thread_present_and_bounded(cls, value: str) -> str:
        if not value:
            raise ValueError("conversation_thread is empty: paste the conversation to reply to")
        if len(value) > MAX_THREAD_CHARS:
            raise ValueError(
                f"thread too long: {len(value):,} chars, limit {MAX_THREAD_CHARS:,}; "
                "paste only the latest messages"
            )
        return value

    @field_validator("channel", mode="before")
    @classmethod
    def _known_channel(cls, value: object) -> object:
        if isinstance(value, str):
            name = value.strip().lower()
            if name not in CHANNELS:
                raise ValueError(
                    f"unsupported channel {value!r}; expected linkedin or email (or slack, other)"
                )
            return name
        return value

    @field_validator("prospect_profile_url", "prospect_company_url", "prospect_company_website",
                     mode="before")
    @classmethod
    def _valid_url(cls, value: object) -> str | None:
        return _check_url(value)

    @field_validator("prospect_name", mode="before")
    @classmethod
    def _blank_name_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


class ProspectProfile(BaseModel):
    """What profile enrichment learned about the prospect and their company."""

    name: str | None = None
    first_name: str | None = None
    company: str | None = None
    company_domain: str | None = None
    website_title: str | None = None
    website_description: str | None = None
    website_summary: str | None = None
    industry: str | None = None
    notes: list[str] = Field(default_factory=list)


class ThreadAnalysis(BaseModel):
    """What the prospect's latest message means. Holds no names: it may be reused across prospects."""

    intent: Intent = "general"
    sentiment: Literal["positive", "neutral", "negative"] = "neutral"
    key_facts: list[str] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    objections: list[str] = Field(default_factory=list)
    urgency: Literal["low", "medium", "high"] = "medium"
    scenario: str = ""
    summary: str = ""


class Draft(BaseModel):
    """The reply a rep may send."""

    text: str
    subject: str | None = None
    channel: Channel = "linkedin"
    template_id: str | None = None


class StepResult(BaseModel):
    """How one step went and where its output came from."""

    name: StepName
    status: Literal["ok", "failed", "skipped"] = "ok"
    source: Source | None = None
    started_ms: int = 0
    elapsed_ms: int = 0
    similarity: float | None = None
    error: str | None = None


class StepEvent(BaseModel):
    """A step started or finished; streamed to Slack progress, NDJSON and WebSocket clients."""

    type: Literal["step"] = "step"
    request_id: str
    name: StepName
    status: StepStatus
    source: Source | None = None
    started_ms: int = 0
    elapsed_ms: int = 0
    similarity: float | None = None
    error: str | None = None


class Result(BaseModel):
    """The answer of every /run* call (see DESIGN.md)."""

    type: Literal["result"] = "result"
    request_id: str
    mode: Mode | Literal["template"]
    total_ms: int
    degraded: bool = False
    offline: bool = False
    draft: Draft
    analysis: ThreadAnalysis | None = None
    profile: ProspectProfile | None = None
    steps: list[StepResult]
    notes: list[str] = Field(default_factory=list)


class BatchItem(BaseModel):
    """One request of a batch: its result, or why it failed."""

    index: int
    ok: bool
    result: Result | None = None
    error: str | None = None


class BatchReport(BaseModel):
    """A batch's results in input order, with the seed's metrics."""

    batch_id: str
    total_requests: int
    successful_requests: int
    failed_requests: int
    total_processing_time: str
    average_time_per_request: str
    throughput: str
    total_processing_ms: int
    results: list[BatchItem]
    metrics: dict[str, Any] = Field(default_factory=dict)
