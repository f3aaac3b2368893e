"""replycrew's engine: drafts replies to sales prospects. Knows nothing of Slack.

The front door: `build_engine(settings)` wires an `Engine`; requests, results and errors are the
models and errors below. Importing `engine` changes no environment and loads neither crewai nor
torch: the crew backends set crewai's switches when they are imported (engine/steps/crew/env.py),
the embedder sets the Hugging Face ones when it loads its model (engine/cache/embedder.py).

    engine/
      __init__.py   this front door
      build.py      settings -> store, caches, templates, backends -> Engine
      workflow.py   Engine: profile || analysis -> reply, streaming step events
      protocols.py  the step backends', caches' and template drafter's interfaces
      guard.py      the leak guard every draft passes
      text/         the one reader of pasted threads (messages, names, facts, negation, scrub)
      steps/        the step backends: offline heuristics, crew/ (CrewAI)
      cache/        exact, profile, FAQ and semantic caches, the store
      templates/    template files, variables, the template drafter
      batch/        CSV batches
      models.py, errors.py, settings.py, metrics.py, fetch.py
"""

from __future__ import annotations

from engine.build import build_engine
from engine.errors import (
    BatchNotFound,
    BatchRejected,
    FetchFailed,
    FetchRefused,
    InvalidRequest,
    LLMUnavailable,
    ReplycrewError,
    ScopeRequired,
    StepFailed,
    StepTimeout,
    StoreUnavailable,
)
from engine.models import (
    BatchItem,
    BatchReport,
    Channel,
    Draft,
    DraftRequest,
    Intent,
    Mode,
    ProspectProfile,
    Result,
    Source,
    StepEvent,
    StepName,
    StepResult,
    ThreadAnalysis,
)
from engine.settings import EngineSettings
from engine.workflow import Engine

__all__ = [
    "BatchItem",
    "BatchNotFound",
    "BatchRejected",
    "BatchReport",
    "Channel",
    "Draft",
    "DraftRequest",
    "Engine",
    "EngineSettings",
    "FetchFailed",
    "FetchRefused",
    "Intent",
    "InvalidRequest",
    "LLMUnavailable",
    "Mode",
    "ProspectProfile",
    "ReplycrewError",
    "Result",
    "ScopeRequired",
    "Source",
    "StepEvent",
    "StepFailed",
    "StepName",
    "StepResult",
    "StepTimeout",
    "StoreUnavailable",
    "ThreadAnalysis",
    "build_engine",
]
