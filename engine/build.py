"""The composition root: settings -> store, caches, templates, backends -> one Engine."""

from __future__ import annotations

from engine.cache.setup import build_caches
from engine.cache.store import open_store
from engine.metrics import metered_caches
from engine.settings import EngineSettings
from engine.templates.library import Templates
from engine.workflow import Engine

__all__ = ["build_engine"]


def build_engine(settings: EngineSettings) -> Engine:
    """An Engine wired with everything the settings configure."""
    engine = Engine(settings, store=open_store(settings))
    # Templates polish through the reply backend only when an LLM is configured.
    polisher = None if engine.offline else engine.backends.reply
    engine.templates = Templates.load(settings, polisher=polisher)
    engine.caches = build_caches(settings, engine.store)  # exact, profile, FAQ (+ semantic with an LLM)
    engine.caches = metered_caches(engine.caches)  # every lookup counted for /metrics
    return engine
