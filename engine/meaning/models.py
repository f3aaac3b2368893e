"""The meaning models of one process: MiniLM, the intent model and the verifier, loaded once.

A server loads them in the background at start-up (`warm`) and answers meanwhile: until `ready`, the
semantic cache reuses exact threads only and the offline reading falls back to the rules (and says
so). If they cannot load at all, `/healthz` shows why and nothing is reused semantically.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from dataclasses import dataclass
from typing import Any, Literal

from engine.cache.embedder import Embedder, get_embedder
from engine.meaning.encoding import Encoded, View, encode_many
from engine.meaning.finetuned import FT_WEIGHTS, FinetunedIntent
from engine.meaning.intent import DECLINE, GO_AHEAD, IntentModel, IntentReading
from engine.meaning.pairs import Side
from engine.meaning.verifier import PairVerifier

__all__ = ["IntentReader", "MeaningModels", "Read", "get_models", "load_intent"]

log = logging.getLogger(__name__)
State = Literal["not loaded", "loading", "ready", "unavailable"]
LOAD_SWITCH_S = 0.0005
# The fine-tuned reader when its weights ship (engine/meaning/finetuned.py), else the LR reader.
IntentReader = IntentModel | FinetunedIntent


def load_intent(embedder: Embedder) -> IntentReader:
    """The shipped intent reader: the fine-tuned one bound to the embedder's base weights if its weights
    are there, else the logistic-regression one."""
    if FT_WEIGHTS.exists():
        reader = FinetunedIntent.load()
        reader.bind(embedder.state())
        return reader
    return IntentModel.load()


@dataclass(frozen=True)
class Read:
    """A view, its embeddings, and the intent model's reading of it."""

    view: View
    encoded: Encoded
    reading: IntentReading
    # What the semantic cache's intent gate and the verifier read: the LR reader's reading, the one the
    # shipped verifier was trained on (re-trained on the fine-tuned reader's distributions it kept 0.01
    # of paraphrases at zero wrong out of fold, against 0.04: issue 12, session 6). Offline reading and
    # template choice read `reading`.
    gate: IntentReading


class MeaningModels:
    """Loads lazily (blocking) or in the background; `ready` says whether reading will wait."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder = embedder or get_embedder()
        self.state: State = "not loaded"
        self.detail = ""
        self._intent: IntentReader | None = None
        self._gate: IntentModel | None = None
        self._verifier: PairVerifier | None = None
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        """True once every model is in memory."""
        return self.state == "ready"

    @property
    def intent(self) -> IntentReader:
        """The intent model (load first)."""
        if self._intent is None:
            raise RuntimeError("the meaning models are not loaded yet")
        return self._intent

    @property
    def gate(self) -> IntentModel:
        """The LR reader the cache's intent gate and the verifier read (`intent` itself without fine-tuned
        weights; load first)."""
        if self._gate is None:
            raise RuntimeError("the meaning models are not loaded yet")
        return self._gate

    @property
    def verifier(self) -> PairVerifier:
        """The pair verifier (load first)."""
        if self._verifier is None:
            raise RuntimeError("the meaning models are not loaded yet")
        return self._verifier

    def load(self) -> bool:
        """Load everything now (blocking); returns whether the models are usable."""
        with self._lock:
            if self.state in ("ready", "unavailable"):
                return self.ready
            self.state = "loading"  # (again, for a blocking load)
            # While this thread imports and unpickles (holding the GIL), the event loop gets the GIL
            # back every LOAD_SWITCH_S instead of Python's 5 ms after each socket wait: a first draft
            # served during the load, 3 runs each, p50 886 -> 827 ms (perf/bench_first_draft.py).
            # Process-wide, so put back as soon as the models are in.
            previous = sys.getswitchinterval()
            sys.setswitchinterval(LOAD_SWITCH_S)
            try:
                self.embedder.load()
                self._intent = load_intent(self.embedder)
                self._gate = self._intent if isinstance(self._intent, IntentModel) else IntentModel.load()
                self._verifier = PairVerifier.load()
            except Exception as exc:  # a broken install must not stop drafting: say so on /healthz
                self.state, self.detail = "unavailable", f"{type(exc).__name__}: {exc}"
                log.exception("the meaning models could not load; semantic reuse is off, offline reading "
                              "uses the rules")
                return False
            finally:
                sys.setswitchinterval(previous)
            self.state = "ready"
            return True

    async def warm(self) -> bool:
        """`load` in a worker thread: a server's start-up, so no request waits for it."""
        if self.state == "not loaded":
            self.state = "loading"  # now, not when the thread starts: a request arriving meanwhile must not wait
        return await asyncio.to_thread(self.load)

    async def read(self, view: View) -> Read:
        """Embed a view (all its texts and its reduced word pieces in one forward pass, off the event loop)
        and read its intent; the models must be ready."""
        encoded = (await encode_many(self.embedder, [view], projection=self.verifier.projection,
                                     layer=self.intent.layer))[0]
        reading = self.intent.read(encoded)
        return Read(view=view, encoded=encoded, reading=reading,
                    gate=reading if self.gate is self.intent else self.gate.read(encoded))

    def side(self, read: Read, *, tokens: frozenset[str]) -> Side:
        """What the verifier needs of a read thread (`tokens`: its message's word hashes, from the facts)."""
        mass = dict(zip(self.gate.labels, read.gate.probabilities.tolist(), strict=True))
        return Side.of(read.encoded, read.gate.probabilities, version=self.verifier.version,
                       decline=sum(mass.get(label, 0.0) for label in DECLINE),
                       go_ahead=sum(mass.get(label, 0.0) for label in GO_AHEAD), tokens=tokens)

    def status(self) -> dict[str, Any]:
        """What /healthz says about the models."""
        status: dict[str, Any] = {"state": self.state}
        if self.detail:
            status["detail"] = self.detail
        return status


_shared: MeaningModels | None = None
_shared_lock = threading.Lock()


def get_models() -> MeaningModels:
    """The process-wide models (loaded at most once per process)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = MeaningModels()
        return _shared
