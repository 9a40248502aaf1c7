"""Fusion and pooling checked against hand computation."""

from __future__ import annotations

import pytest

from index.retrieval import fuse_rankings, pool_by_document

DENSE = [("a", 0.9), ("b", 0.8), ("c", 0.1)]
SPARSE = [("c", 12.0), ("a", 3.0)]


def test_reciprocal_rank_fusion():
    fused = dict(fuse_rankings([DENSE, SPARSE], "rrf", rrf_k=60))
    assert fused == pytest.approx({"a": 1 / 61 + 1 / 62, "b": 1 / 62, "c": 1 / 63 + 1 / 61})
    assert [cid for cid, _ in fuse_rankings([DENSE, SPARSE], "rrf", rrf_k=60)] == ["a", "c", "b"]


def test_weighted_fusion_normalises_bm25_by_its_maximum():
    fused = dict(fuse_rankings([DENSE, SPARSE], "weighted", dense_weight=0.3))
    assert fused == pytest.approx({"a": 0.3 * 0.9 + 0.7 * 3 / 12, "b": 0.3 * 0.8, "c": 0.3 * 0.1 + 0.7 * 1.0})
    assert [cid for cid, _ in fuse_rankings([DENSE, SPARSE], "weighted", dense_weight=0.3)] == ["c", "a", "b"]


def test_single_or_empty_rankings_pass_through():
    assert fuse_rankings([DENSE]) == DENSE
    assert fuse_rankings([DENSE, []]) == DENSE
    assert fuse_rankings([[], []]) == []
    with pytest.raises(ValueError):
        fuse_rankings([DENSE, SPARSE], "mean")


def test_pool_by_document_keeps_the_best_chunk():
    ranking = [("p1#2", 0.9), ("p2#0", 0.8), ("p1#0", 0.7), ("p3#1", 0.1)]
    assert pool_by_document(ranking, lambda c: c.split("#")[0]) == [("p1", 0.9), ("p2", 0.8), ("p3", 0.1)]
