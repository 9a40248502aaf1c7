"""Models the user swaps in: any sentence-transformers folder as the embedder, a cross-encoder as a last rerank.

Nothing can be downloaded here, so the models are built inside the tests: a two-layer BERT with random weights and
the bundled MiniLM's tokenizer, saved with `save_pretrained` and loaded back exactly as a user's folder would be.
Random weights rank nonsense, which is the point: the plumbing (dimension, pooling, persistence, refusal, order)
is what is tested, not the model.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from errors import EmbeddingMismatchError, ModelLoadError
from index.corpus import CorpusIndex
from ingest.pipeline import ingest
from settings import PROJECT_DIR
from tests.conftest import SEEDS

pytestmark = pytest.mark.slow


def _bert(folder: Path, dim: int, classifier: bool) -> Path:
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification, BertModel

    from index.embedding import default_model_path

    tokenizer = AutoTokenizer.from_pretrained(str(default_model_path()))
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=dim, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=2 * dim, max_position_embeddings=256, num_labels=1)
    (BertForSequenceClassification if classifier else BertModel)(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_embedder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 48-dimension sentence-transformers model with CLS pooling (MiniLM: 384, mean pooling)."""
    from sentence_transformers import SentenceTransformer, models

    root = tmp_path_factory.mktemp("tiny-embedder")
    word = models.Transformer(str(_bert(root / "bert", 48, classifier=False)), max_seq_length=128)
    model = SentenceTransformer(modules=[word, models.Pooling(48, pooling_mode="cls"), models.Normalize()], device="cpu")
    model.save(str(root / "model"))
    return root / "model"


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _bert(tmp_path_factory.mktemp("tiny-cross-encoder") / "model", 32, classifier=True)


def test_any_sentence_transformers_folder_embeds_searches_and_persists(settings, tiny_embedder):
    from index.embedding import describe, load_embedding_model

    settings.embedding.model_path = tiny_embedder
    settings.embedding.backend, settings.embedding.precision = "torch", "float32"
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    assert ingest(index, [SEEDS]).count("added") == 2
    hits = index.search("IgG4-related disease treatment", k=3)
    assert len(hits) == 3
    manifest = index._catalog.meta()
    assert manifest["embedding_dim"] == 48  # read from the model, not assumed
    assert manifest["embedding_model"].startswith("model-")
    reopened = CorpusIndex.open(settings.paths.index_dir, settings, must_exist=True)
    assert [h.chunk_id for h in reopened.search("IgG4-related disease treatment", k=3)] == [h.chunk_id for h in hits]
    assert describe(load_embedding_model(settings.embedding)) == "torch fp32"


def test_openvino_runs_another_model_with_its_own_pooling(settings, tiny_embedder, tmp_path):
    """The export takes the whole sentence-transformers pipeline, so CLS pooling and 48 dimensions come along."""
    from index.embedding import embed_texts, load_embedding_model
    from settings import EmbeddingSettings

    texts = ["Rituximab depletes B cells.", "Serum IgG4 is raised in most patients with pancreatitis.", ""]
    torch_model = load_embedding_model(EmbeddingSettings(model_path=tiny_embedder, backend="torch", precision="float32"))
    ov_model = load_embedding_model(EmbeddingSettings(model_path=tiny_embedder, backend="openvino", precision="float32"),
                                    tmp_path / "models")
    a, b = embed_texts(torch_model, texts), embed_texts(ov_model, texts)
    assert a.shape == b.shape == (3, 48)
    assert np.min(np.sum(a * b, axis=1)) > 0.9999


def test_an_index_refuses_a_query_model_it_was_not_built_with(settings, tiny_embedder):
    settings.embedding.model_path = tiny_embedder
    settings.embedding.backend, settings.embedding.precision = "torch", "float32"
    ingest(CorpusIndex.open(settings.paths.index_dir, settings), [SEEDS])
    settings.embedding.model_path = None  # back to the bundled MiniLM
    index = CorpusIndex.open(settings.paths.index_dir, settings, must_exist=True)
    with pytest.raises(EmbeddingMismatchError, match="built with the embedding model model-.*48 dimensions.*384"):
        index.search("rituximab", k=3)
    # adding papers with the other model is refused the same way, before anything is written
    with pytest.raises(EmbeddingMismatchError):
        ingest(index, [PROJECT_DIR / "data" / "sample" / "pages" / "classification_criteria_2019.txt"])
    assert len(CorpusIndex.open(settings.paths.index_dir, settings, must_exist=True)) == 2
    # the CLI says it in one line, with what to do
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "BIOCITE_EMBEDDING__BACKEND": "torch"}
    out = subprocess.run([sys.executable, "app.py", "search", "rituximab", "--index", str(settings.paths.index_dir)],
                         capture_output=True, text=True, env=env, cwd=PROJECT_DIR, timeout=300)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "built with the embedding model" in out.stderr and "embedding.model_path" in out.stderr, out.stderr


def test_a_cross_encoder_reorders_the_head_of_the_ranking(settings, hash_model, tiny_cross_encoder):
    from sentence_transformers import CrossEncoder

    question = "Which treatment induces remission in IgG4-related disease?"
    ingest(CorpusIndex.open(settings.paths.index_dir, settings), [SEEDS, PROJECT_DIR / "data" / "sample" / "pages"])
    plain = CorpusIndex.open(settings.paths.index_dir, settings, must_exist=True).search(question, k=30)
    settings.retrieval.reranker, settings.retrieval.reranker_depth = str(tiny_cross_encoder), 8
    reranked = CorpusIndex.open(settings.paths.index_dir, settings, must_exist=True).search(question, k=30)

    head = plain[:8]
    scores = CrossEncoder(str(tiny_cross_encoder), device="cpu").predict(
        [(question, f"{h.node.metadata.get('title', '')}\n{h.node.text}".strip()) for h in head])
    expected = [h.chunk_id for _, h in sorted(zip(scores, head), key=lambda sh: -sh[0])]
    assert [h.chunk_id for h in reranked[:8]] == expected
    assert expected != [h.chunk_id for h in head]  # the test would notice a reranker that did nothing
    assert [h.chunk_id for h in reranked[8:]] == [h.chunk_id for h in plain[8:]]  # the tail keeps its order
    assert all(0.0 <= h.score <= 1.0 for h in reranked[:8])  # the cross-encoder's probability


def test_a_missing_reranker_is_a_clear_error(settings, hash_model, tmp_path):
    ingest(CorpusIndex.open(settings.paths.index_dir, settings), [SEEDS])
    settings.retrieval.reranker = str(tmp_path / "no-such-model")
    with pytest.raises(ModelLoadError, match="retrieval.reranker"):
        CorpusIndex.open(settings.paths.index_dir, settings, must_exist=True).search("rituximab", k=3)
