"""FAISS segments on the real sample corpus: an index written with IVF finds what exact search finds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.slow
def test_ivf_on_the_real_sample_corpus_finds_what_exact_search_finds(local_sample_index_dir: Path, tmp_path: Path):
    """Real MiniLM vectors (from the session's embedding cache), real questions: IVF keeps the hybrid top documents
    of an exact index of the same vectors (built here: the shipped copy's come from another CPU's variant)."""
    from index.corpus import CorpusIndex
    from ingest.pipeline import ingest
    from settings import PROJECT_DIR, load_settings

    # the questions the papers answer: an off-topic one ("How do I bake sourdough bread?") has near-tied
    # scores for unrelated papers, whose order an approximate index need not keep
    cases = [json.loads(line) for line in (PROJECT_DIR / "evals" / "sample_questions.jsonl").open()]
    questions = [c["question"] for c in cases if c["expect"] == "answered"]
    exact_settings, ivf_settings = load_settings(), load_settings()
    ivf_settings.retrieval.vector_index = "ivf"
    exact = CorpusIndex.open(local_sample_index_dir, exact_settings, must_exist=True)
    ivf = CorpusIndex.open(tmp_path / "ivf", ivf_settings)
    report = ingest(ivf, [str(p) for p in ivf_settings.paths.sample_corpus])
    assert report.chunks_embedded == 0 and ivf.stats() == exact.stats()  # every vector came from the cache
    assert exact._store.kind == "flat" and ivf._store.kind == "ivf"
    for q in questions:
        assert [h.doc_id for h in ivf.search(q, k=3)] == [h.doc_id for h in exact.search(q, k=3)], q
