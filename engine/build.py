"""The composition root: settings -> store, caches, templates, backends -> one Engine."""

from __future__ import annotations

from engine.cache.store import open_store
from engine.settings import EngineSettings
from engine.workflow import Engine

__all__ = ["build_engine"]


def build_engine(settings: EngineSettings) -> Engine:
    """An Engine wired with everything the settings configure."""
    return Engine(settings, store=open_store(settings))
