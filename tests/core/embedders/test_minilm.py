"""The minilm embedder: real all-MiniLM-L6-v2 on onnxruntime, checked against PyTorch."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from learnwire.core.embedders.minilm import MiniLMEmbedder, MiniLMSettings, shared_embedder
from learnwire.core.errors import ConfigurationError

REFERENCE = json.loads((Path(__file__).parent / "reference_vectors.json").read_text())


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return shared_embedder(MiniLMSettings())


def test_minilm_matches_sentence_transformers_reference(embedder):
    vectors = embedder.embed_array(REFERENCE["sentences"])
    reference = np.asarray(REFERENCE["vectors"], dtype=np.float32)
    cosine = (vectors * reference).sum(axis=1)
    assert cosine.min() > 0.99, dict(zip(REFERENCE["sentences"], cosine.round(4), strict=True))
    # Pairwise similarities, which the ranker actually uses, agree closely too.
    assert np.abs(vectors @ vectors.T - reference @ reference.T).max() < 0.02


def test_minilm_vectors_are_unit_length_and_384_wide(embedder):
    vectors = embedder.embed(["Running effective retrospectives", ""])
    assert [len(v) for v in vectors] == [384, 384]
    assert np.allclose(np.linalg.norm(np.asarray(vectors), axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]) == []


def test_minilm_places_feedback_query_nearer_feedback_than_sql(embedder):
    query, feedback, sql = embedder.embed_array(
        [
            "giving constructive feedback to a direct report",
            "Feedback conversations that help people grow: the situation-behaviour-impact "
            "model for managers",
            "Writing efficient SQL joins and window functions in PostgreSQL",
        ]
    )
    assert query @ feedback > query @ sql + 0.1


def test_minilm_result_does_not_depend_on_batching_or_order(embedder):
    texts = REFERENCE["sentences"]
    together = embedder.embed_array(texts)
    one_by_one = MiniLMEmbedder(MiniLMSettings(batch_size=1)).embed_array(texts)
    reversed_order = embedder.embed_array(texts[::-1])[::-1]
    assert np.allclose(together, one_by_one, atol=1e-4)
    assert np.allclose(together, reversed_order, atol=1e-4)


def test_minilm_is_safe_to_share_between_threads():
    shared = MiniLMEmbedder()  # not loaded yet: the threads race to load it
    texts = [f"{s} ({n})" for n in range(4) for s in REFERENCE["sentences"][:6]]
    expected = MiniLMEmbedder().embed_array(texts)
    with ThreadPoolExecutor(max_workers=4) as pool:
        parts = list(pool.map(lambda k: shared.embed_array(texts[k::4]), range(4)))
    for k, part in enumerate(parts):
        assert np.allclose(part, expected[k::4], atol=1e-4)


def test_minilm_truncates_long_texts_to_the_models_limit(embedder):
    long_text = REFERENCE["sentences"][-1]
    tokenizer = embedder._model()[0]
    assert len(tokenizer.encode(long_text).ids) == 256
    assert len(tokenizer.encode(long_text + " more words").ids) == 256


def test_minilm_runs_without_pytorch(embedder):
    embedder.embed(["offline"])
    assert "torch" not in sys.modules


def test_minilm_missing_model_file_is_a_configuration_error(tmp_path):
    broken = MiniLMEmbedder(MiniLMSettings(model_path=tmp_path / "absent.onnx"))
    with pytest.raises(ConfigurationError, match="no such file"):
        broken.embed(["anything"])


def test_minilm_rejects_a_file_that_is_not_an_onnx_model(tmp_path):
    bogus = tmp_path / "model.onnx"
    bogus.write_bytes(b"not a model")
    with pytest.raises(ConfigurationError, match="onnxruntime cannot load"):
        MiniLMEmbedder(MiniLMSettings(model_path=bogus)).load()
