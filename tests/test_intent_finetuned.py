"""The fine-tuned intent reader, for real: the lookup's forward pass hands it the right hidden states,
its top layers are MiniLM's own (with zero deltas they give MiniLM's embedding back), contrast messages
are read on their side of decline / go-ahead, and messages that say nothing read as `general`.

The messages below were written for this test; none is in scripts/data/.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.cache.embedder import Embedder
from engine.meaning.encoding import View, encode_views
from engine.meaning.finetuned import FT_WEIGHTS, FinetunedIntent
from engine.meaning.intent import DECLINE, GO_AHEAD
from engine.meaning.models import load_intent
from tests.test_intent_model import CONTRASTS, assert_contrasts_on_their_side

pytestmark = pytest.mark.skipif(not FT_WEIGHTS.exists(), reason="no fine-tuned intent weights ship")


@pytest.fixture(scope="module")
def reader(embedder: Embedder) -> FinetunedIntent:
    loaded = load_intent(embedder)
    assert isinstance(loaded, FinetunedIntent)
    return loaded


def read(reader: FinetunedIntent, embedder: Embedder, pairs: list[tuple[str, str]]) -> list[str]:
    encoded = encode_views(embedder, [View(text=text, context=context) for context, text in pairs],
                           layer=reader.layer)
    return [reader.read(e).intent for e in encoded]


def test_zero_deltas_give_minilm_back_from_the_lookups_own_pass(reader: FinetunedIntent, embedder: Embedder) -> None:
    texts = ["We have decided against a pilot this year.", "Could you send pricing for 40 seats before Friday?"]
    outputs = embedder.encode_rows(texts, rows=[0, 1], layer=reader.layer)
    plain = FinetunedIntent(start=reader.layer, deltas={}, labels=["pooled"] * 384, scale=1.0,
                            head=np.eye(384, dtype=np.float32), head_bias=np.zeros(384, dtype=np.float32))
    plain.bind(embedder.state())
    for states, vector in zip(outputs.states, outputs.vectors, strict=True):
        pooled = plain.logits(states)
        assert float(pooled @ vector / np.linalg.norm(pooled)) > 0.9999
    # The same pass still gives the embedding and the verifier's word pieces as before.
    assert np.allclose(outputs.vectors, embedder.encode_sync(texts), atol=1e-5)
    assert [len(t) for t in outputs.tokens] == [len(t) for t in embedder.encode_with_tokens(texts, rows=[0, 1])[1]]


def test_contrast_messages_are_read_on_their_side(reader: FinetunedIntent, embedder: Embedder) -> None:
    assert_contrasts_on_their_side(read(reader, embedder, [(context, text) for context, text, _ in CONTRASTS]))


def test_messages_that_say_nothing_do_not_commit_across_the_divide(reader: FinetunedIntent,
                                                                   embedder: Embedder) -> None:
    said = read(reader, embedder, [("", "ok"), ("", "Noted, thanks."), ("", "Hmm, let me think.")])
    assert not set(said) & (DECLINE | GO_AHEAD), said


def test_a_message_encoded_without_the_states_is_refused_clearly(reader: FinetunedIntent, embedder: Embedder) -> None:
    (encoded,) = encode_views(embedder, [View(text="Send me the price list please.", context="")])
    with pytest.raises(ValueError, match="encode it with layer="):
        reader.read(encoded)
