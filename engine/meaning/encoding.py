"""What the models look at: the prospect's latest message and, for a short reply, the rep's question.

With a token projection (the verifier's), the same forward pass also keeps the message view's
contextual token embeddings, reduced (engine/meaning/tokens.py): what the verifier aligns. With a
`layer` (the fine-tuned intent reader's, engine/meaning/finetuned.py), it keeps the message view's hidden
states after that layer too: the reader runs only the layers above it again.

"Yes, that works!" means whatever the rep asked, so every message is embedded together with the
rep's message before it, in one call to the embedder (two rows of one batch). Only short messages
let the context speak; a long message stands on its own.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from engine.cache.embedder import DIMENSIONS, Embedder, Vectors
from engine.cache.signature import clean_message
from engine.meaning.tokens import TokenProjection

__all__ = ["CONTEXT_CHARS", "SHORT_WORDS", "Encoded", "View", "encode_many", "encode_views", "view_of"]

SHORT_WORDS = 8      # fewer words than this and the reply needs the rep's question to mean anything
CONTEXT_CHARS = 300  # the rep's question is at the end of their message: keep its tail

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
# Sentence ends, line breaks, dashes and semicolons: a long e-mail is read one sentence at a time too,
# so "thanks, glad you liked it!" does not drown the one sentence that says what the prospect wants.
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+|\s+[—–]\s+|;\s+")
MAX_SENTENCES = 8


@dataclass(frozen=True)
class View:
    """The latest prospect message (cleaned) and the rep's message just before it."""

    text: str
    context: str

    @property
    def words(self) -> int:
        """Words in the prospect's message."""
        return len(_WORD.findall(self.text))

    @property
    def sentences(self) -> list[str]:
        """The message's sentences when it has more than one (at most MAX_SENTENCES); for a short reply read
        with the rep's question, the reply on its own; else none."""
        parts = [part.strip() for part in _SENTENCE.split(self.text) if len(part.strip()) > 2]
        if len(parts) > 1:
            return parts[:MAX_SENTENCES]
        # A short reply is embedded behind the rep's question, which outweighs it: "No thanks." and "Sure,
        # why not." to the same question would look alike if the reply's own words had no row.
        return [self.text] if self.short and self.context else []

    @property
    def short(self) -> bool:
        """Whether the message is too short to be read without the rep's question."""
        return self.words < SHORT_WORDS

    @property
    def embedded(self) -> str:
        """The text whose embedding stands for the message: a short reply travels with the rep's question."""
        if self.short and self.context:
            return f"{self.context} {self.text}"
        return self.text


@dataclass(frozen=True)
class Encoded:
    """A view's embeddings: the message (with the rep's question if short), its sentences, and the
    rep's question (zeros unless the reply is short)."""

    message: Vectors
    sentences: Vectors  # one row per sentence; no rows for a one-sentence message
    context: Vectors
    short: bool
    words: int
    # The message view's word pieces, reduced by the verifier's projection; no rows without one.
    tokens: Vectors = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    # The message view's hidden states after the fine-tuned reader's layer ([CLS]/[SEP] kept); no rows
    # unless asked for.
    states: Vectors = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))


def view_of(thread: str) -> View:
    """The view of a pasted thread."""
    message = clean_message(thread)
    context = " ".join(message.context.split())[-CONTEXT_CHARS:]
    return View(text=message.text, context=context)


def _with_context(view: View) -> bool:
    # Only a short reply is read with the rep's question: a long message's context is never encoded.
    return view.short and bool(view.context)


def _texts(view: View) -> list[str]:
    return [view.embedded, *([view.context] if _with_context(view) else []), *view.sentences]


_NONE = np.zeros((0, 0), dtype=np.float32)


def _encoded(view: View, vectors: Vectors, tokens: Vectors | None, states: Vectors | None) -> Encoded:
    at = 2 if _with_context(view) else 1
    context = vectors[1] if _with_context(view) else np.zeros(DIMENSIONS, dtype=np.float32)
    return Encoded(message=vectors[0], sentences=vectors[at:], context=context, short=view.short,
                   words=view.words, tokens=_NONE if tokens is None else tokens,
                   states=_NONE if states is None else states)


def encode_views(embedder: Embedder, views: Sequence[View], *, projection: TokenProjection | None = None,
                 layer: int | None = None) -> list[Encoded]:
    """Encode many views in the calling thread: every text of every view in one forward pass (with a
    `projection`, each message view's reduced token embeddings come from that same pass; with a `layer`,
    each message view's hidden states after it)."""
    texts = [_texts(view) for view in views]
    flat = [text for group in texts for text in group]
    starts = np.cumsum([0, *map(len, texts)])[:-1].tolist()
    tokens: list[Vectors | None] = [None] * len(views)
    states: list[Vectors | None] = [None] * len(views)
    if projection is None and layer is None:
        vectors = embedder.encode_sync(flat)
    else:
        outputs = embedder.encode_rows(flat, rows=starts, layer=layer)
        vectors = outputs.vectors
        tokens = [projection.reduce(row) if projection else None for row in outputs.tokens]
        states = list(outputs.states) if layer is not None else states
    return [_encoded(view, vectors[at:at + len(group)], token_rows, state_rows)
            for view, group, at, token_rows, state_rows in zip(views, texts, starts, tokens, states, strict=True)]


async def encode_many(embedder: Embedder, views: Sequence[View], *, projection: TokenProjection | None = None,
                      layer: int | None = None) -> list[Encoded]:
    """`encode_views` off the event loop: one thread hop and one forward pass for all the views of a
    lookup (a lookup that needs another view adds it to the list, not another call)."""
    return await asyncio.to_thread(partial(encode_views, embedder, views, projection=projection, layer=layer))
