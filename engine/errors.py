"""The engine's exceptions. Every error that reaches a user says what happened and what to do.

    ReplycrewError
    ├── InvalidRequest          a request field is wrong (HTTP 422, a per-row batch error)
    ├── BatchRejected           a whole batch file is refused before any work (bad header, too big)
    ├── BatchNotFound           no checkpointed batch has this id (nothing to resume)
    ├── StepFailed              one step failed; the workflow degrades instead of failing
    │   └── StepTimeout         ... because it ran past its time limit
    ├── LLMUnavailable          the LLM endpoint refused or kept failing after retries
    ├── FetchRefused            profile enrichment will not fetch this URL (private address, LinkedIn, scheme)
    ├── FetchFailed             the website could not be fetched or read
    ├── StoreUnavailable        Redis (or the embedded store) cannot be reached
    └── ScopeRequired           a semantic-cache lookup was attempted without a tenant scope
"""

from __future__ import annotations

__all__ = [
    "BatchNotFound",
    "BatchRejected",
    "FetchFailed",
    "FetchRefused",
    "InvalidRequest",
    "LLMUnavailable",
    "ReplycrewError",
    "ScopeRequired",
    "StepFailed",
    "StepTimeout",
    "StoreUnavailable",
]


class ReplycrewError(Exception):
    """Base of every error replycrew raises on purpose."""


class InvalidRequest(ReplycrewError):
    """A request field is invalid; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class BatchRejected(ReplycrewError):
    """A batch file is refused as a whole, before any row runs; the message says how to fix it."""


class BatchNotFound(ReplycrewError):
    """No checkpointed batch has this id, so there is nothing to resume."""


class StepFailed(ReplycrewError):
    """A workflow step failed."""


class StepTimeout(StepFailed):
    """A workflow step ran past its time limit."""


class LLMUnavailable(ReplycrewError):
    """The LLM endpoint refused or kept failing after retries."""


class FetchRefused(ReplycrewError):
    """The URL is one profile enrichment must not fetch."""


class FetchFailed(ReplycrewError):
    """The website could not be fetched or read."""


class StoreUnavailable(ReplycrewError):
    """The store (Redis) cannot be reached."""


class ScopeRequired(ReplycrewError):
    """A tenant-scoped lookup was attempted without a scope."""
