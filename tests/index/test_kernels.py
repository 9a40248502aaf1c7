"""BM25's compiled scoring loop (numba, the real compiler) against the numpy one it replaces: equal to the bit."""

from __future__ import annotations

import numpy as np
import pytest

from index import kernels
from index.segments import Rows, Segment, SegmentSet, VectorLayout, text_terms, write_segment


def _postings(tmp_path, n_rows: int, n_postings: int, seed: int):
    """One term's postings as a search reads them: read-only arrays mapped from files, rows ascending, unique."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n_rows, size=n_postings, replace=False)).astype(kernels.ROWS)
    tfs = rng.integers(1, 70_000, size=n_postings).clip(max=65_535).astype(kernels.TFS)
    rows.tofile(tmp_path / f"rows{seed}")
    tfs.tofile(tmp_path / f"tfs{seed}")
    return (np.memmap(tmp_path / f"rows{seed}", dtype=kernels.ROWS, mode="r"),
            np.memmap(tmp_path / f"tfs{seed}", dtype=kernels.TFS, mode="r"))


def test_the_compiled_loop_loads_and_scores_exactly_as_numpy(tmp_path, monkeypatch):
    assert kernels.warm(wait=True), "numba is a dependency: the compiled loop must load"
    compiled = kernels._compiled
    rng = np.random.default_rng(0)
    n = 5_000
    norm = (1.5 * (0.25 + 0.75 * rng.integers(1, 400, size=n) / 160)).astype(np.float32)
    terms = [(_postings(tmp_path, n, size, seed), weight)
             for seed, (size, weight) in enumerate([(4_000, 0.3), (900, 2.7), (17, 9.1), (1, 4.0)])]
    results = []
    for use in (compiled, None):
        monkeypatch.setattr(kernels, "_compiled", use)
        scores = np.zeros(n, dtype=np.float32)
        for (rows, tfs), weight in terms:
            kernels.add_postings(scores, rows, tfs, norm, weight)
        results.append(scores)
    assert results[0].any()
    np.testing.assert_array_equal(results[0], results[1])


def test_postings_of_other_types_fall_back_to_numpy(monkeypatch):
    calls = []
    monkeypatch.setattr(kernels, "_compiled", lambda *a: calls.append(a))
    scores = np.zeros(4, np.float32)
    kernels.add_postings(scores, np.array([0, 2], np.int64), np.array([1, 3], np.uint16), np.ones(4, np.float32), 2.0)
    assert not calls and scores.tolist() == pytest.approx([1.0, 0.0, 1.5, 0.0])


def test_a_segment_search_ranks_the_same_with_either_loop(tmp_path, monkeypatch):
    """Top-k over a real written segment, compiled and numpy, with a dead row."""
    texts = [f"igg4 {'fibrosis ' * (i % 5)}rituximab relapse {'dupilumab ' * (i % 3)} patient {i}" for i in range(300)]
    write_segment(tmp_path / "s", Rows(np.arange(300, dtype=np.int64), [text_terms(t) for t in texts], None),
                  VectorLayout(None, 8))
    segment = Segment(tmp_path / "s", "s")
    segment.mark_dead(np.asarray([7]))
    assert kernels.warm(wait=True)
    tops = []
    for use in (kernels._compiled, None):
        monkeypatch.setattr(kernels, "_compiled", use)
        tops.append(SegmentSet([segment]).bm25_top(["dupilumab", "fibrosis", "relapse", "igg4"], 20))
    assert tops[0] == tops[1] and len(tops[0]) == 20 and 7 not in [r for r, _ in tops[0]]

