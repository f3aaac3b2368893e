"""Token-level evidence for the pair verifier: the word pieces of one MiniLM forward pass, reduced,
aligned across two messages; what is left unaligned is what differs."""

from __future__ import annotations

import numpy as np

from engine.cache.embedder import Embedder
from engine.meaning.encoding import View, encode_views
from engine.meaning.tokens import MAX_TOKENS, TOKEN_DIMS, TOKEN_SCALARS, UNALIGNED, token_features
from engine.meaning.verifier import PairVerifier

GOING = "We are going ahead with the pilot at our Leeds office next month."
NOT_GOING = "We are not going ahead with the pilot at our Leeds office next month."


def test_one_forward_pass_gives_the_sentence_vectors_and_the_word_pieces(embedder: Embedder) -> None:
    texts = [GOING, "Thanks!", NOT_GOING]
    vectors, tokens = embedder.encode_with_tokens(texts, rows=[0, 2])
    assert np.allclose(vectors, embedder.encode_sync(texts), atol=1e-5)
    assert [len(row) for row in tokens] == [14, 15]  # 13 words and "." ([CLS], [SEP] dropped); "not" is one more
    assert all(row.shape[1] == 384 and row.dtype == np.float32 for row in tokens)


def test_the_unaligned_piece_is_the_one_that_changes_the_meaning(embedder: Embedder) -> None:
    projection = PairVerifier.load().projection
    going, not_going = (e.tokens for e in encode_views(embedder, [View(GOING, ""), View(NOT_GOING, "")],
                                                        projection=projection))
    assert going.shape == (14, TOKEN_DIMS) and np.allclose(np.linalg.norm(going, axis=1), 1.0, atol=1e-5)
    best = (not_going @ going.T).max(axis=1)
    assert int(best.argmin()) == 2 and best[2] < UNALIGNED  # "we are NOT": no counterpart on the other side
    features = dict(zip(TOKEN_SCALARS, token_features(going, not_going), strict=False))
    assert features["nothing_unaligned"] == 0.0 and features["unaligned_count"] > 0
    assert np.allclose(token_features(going, not_going), token_features(not_going, going))  # symmetric
    same = dict(zip(TOKEN_SCALARS, token_features(going, going), strict=False))
    assert same["nothing_unaligned"] == 1.0 and same["token_align_min"] > 0.99


def test_a_long_message_keeps_its_first_and_last_pieces_only(embedder: Embedder) -> None:
    projection = PairVerifier.load().projection
    long = " ".join([GOING] * 12 + ["Please send the contract to legal."])
    (encoded,) = encode_views(embedder, [View(long, "")], projection=projection)
    assert encoded.tokens.shape == (MAX_TOKENS, TOKEN_DIMS)
    _, (raw,) = embedder.encode_with_tokens([long], rows=[0])
    assert np.allclose(encoded.tokens[-1], projection.reduce(raw[-1:])[0], atol=1e-5)  # "." closes the ask
