"""The real MiniLM: dtype choice, the bf16 accuracy check and its fp32 fallback, length-sorted batching."""

from __future__ import annotations

import numpy as np
import pytest

import index.embedding as embedding
from settings import EmbeddingSettings


def test_auto_dtype_follows_the_cpu(monkeypatch):
    monkeypatch.setattr(embedding, "cpu_has_fast_bf16", lambda: True)
    assert embedding.resolve_dtype("auto") == "bfloat16"
    monkeypatch.setattr(embedding, "cpu_has_fast_bf16", lambda: False)
    assert embedding.resolve_dtype("auto") == "float32"
    assert embedding.resolve_dtype("bfloat16") == "bfloat16" and embedding.resolve_dtype("float32") == "float32"


@pytest.mark.slow
def test_auto_runs_bf16_here_with_vectors_that_match_fp32():
    auto = embedding.load_embedding_model(EmbeddingSettings())
    fp32 = embedding.load_embedding_model(EmbeddingSettings(dtype="float32"))
    assert embedding.model_dtype(fp32) == "float32"
    assert embedding.model_dtype(auto) == ("bfloat16" if embedding.cpu_has_fast_bf16() else "float32")
    texts = ["Th2 cytokines drive IgG4 class switching.", "Rituximab depletes CD20+ B cells.", "A plain sentence."]
    a, b = embedding.embed_texts(auto, texts), embedding.embed_texts(fp32, texts)
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    assert np.min(np.sum(a * b, axis=1)) >= 0.998
    # one length-sorted encode call gives the vectors llama-index's own batching gives
    assert np.min(np.sum(a * np.asarray(auto.get_text_embedding_batch(texts)), axis=1)) >= 0.999


@pytest.mark.slow
def test_a_failed_bf16_check_falls_back_to_fp32_with_a_warning(monkeypatch):
    monkeypatch.setattr(embedding, "BF16_MIN_COSINE", 1.001)  # no bf16 model can pass this
    with pytest.warns(RuntimeWarning, match="using float32"):
        model = embedding.load_embedding_model(EmbeddingSettings(dtype="bfloat16", batch_size=17))  # own cache slot
    assert embedding.model_dtype(model) == "float32"
    reference = embedding.load_embedding_model(EmbeddingSettings(dtype="float32"))
    text = ["IgG4-related disease responds to rituximab."]
    assert np.allclose(embedding.embed_texts(model, text), embedding.embed_texts(reference, text), atol=1e-6)


def test_recent_queries_are_embedded_once_per_model():
    from tests.hash_embedding import HashEmbedding

    first, second = HashEmbedding(), HashEmbedding()
    a = embedding.embed_query(first, "Which biologics target Th2?")
    assert embedding.embed_query(first, "Which biologics target Th2?") is a and first.calls == 1
    assert not a.flags.writeable  # shared, so nobody may change it
    embedding.embed_query(second, "Which biologics target Th2?")
    assert second.calls == 1  # another model never gets the first one's vector
