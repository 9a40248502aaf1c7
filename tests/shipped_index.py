"""Checks every shipped index takes (data/sample-index, evals/indexes): it holds what ingesting its files now holds,
and its vectors are this model's as this CPU computes them. Used by tests/index/test_sample_index.py and
tests/evals/test_eval_indexes.py."""

from __future__ import annotations

import numpy as np


def assert_holds_fresh_build(shipped, fresh, queries: list[str], rebuild: str) -> None:
    """Same documents (with the metadata ingest stores), chunks and keyword postings as `fresh`, an index just built
    from the same files: whatever ingest changes, this fails until the shipped index is rebuilt (`rebuild` says how)."""
    assert shipped.stats() == fresh.stats(), rebuild
    docs = lambda index: {d.doc_id: (d.title, d.source, d.content_hash, d.text, d.metadata) for d in index.documents()}  # noqa: E731
    assert docs(shipped) == docs(fresh), f"the shipped documents differ from a fresh build: {rebuild}"
    ids = [c for d in sorted(docs(fresh)) for c in fresh.chunk_ids_of(d)]
    spans = lambda index: [(n.node_id, n.start_char_idx, n.end_char_idx, n.text) for n in index.chunks(ids)]  # noqa: E731
    assert spans(shipped) == spans(fresh), f"the shipped chunks differ from a fresh build: {rebuild}"
    for query in queries:
        assert [h.chunk_id for h in shipped.search(query, mode="bm25")] == [h.chunk_id for h in fresh.search(query, mode="bm25")]


def assert_vectors_are_this_models(index, sample: int) -> None:
    """`sample` chunks drawn at random (seeded), embedded now with the variant this CPU runs: the shipped vectors (the
    building machine's variant) stay within the variant bar, cosine >= 0.99 at the 5th percentile."""
    from index.chunks import embedding_text
    from index.embedding import QUALITY_P5

    ids = [c for d in index.documents() for c in d.chunk_ids]
    ids = [ids[i] for i in sorted(np.random.default_rng(2026).choice(len(ids), sample, replace=False))]
    now = np.asarray(index.embed_model.get_text_embedding_batch([embedding_text(n) for n in index.chunks(ids)]))
    cosines = np.sum(index.store_vectors(ids).astype("float32") * now.astype("float32"), axis=1)
    assert np.percentile(cosines, 5) >= QUALITY_P5, f"shipped vectors are off (p5 cosine {np.percentile(cosines, 5)})"
