"""Segments: BM25 over several segments with deletes and merges equals a fresh bm25s index of the live texts,
and vectors (flat or IVF) survive deletes and merges exactly."""

from __future__ import annotations

import math
from pathlib import Path

import bm25s
import numpy as np
import pytest

from index.segments import Rows, Segment, SegmentSet, VectorLayout, merge_segments, text_terms, write_segment
from text.tokens import tokenize

TEXTS = ["IgG4-related disease responds to rituximab.", "Dupilumab blocks IL-4Rα and IL-13 signalling in Th2 cells.",
         "Th2 cytokines IL-4, IL-5 and IL-13 drive fibrosis; IL-13 most.", "", "B cells, B cells and plasmablasts.",
         "Rituximab depletes CD20+ B cells in IgG4-RD; relapse follows B cell return.",
         "Abatacept (CTLA4-Ig) in IgG4-RD: a pilot study of 10 patients.", "Serum IgG4 was raised in 60% of patients.",
         "Mepolizumab lowers eosinophils; IL-5 is its target.", "Fibrosis in IgG4-RD: storiform fibrosis, IL-13."]
QUERIES = ["IL-13 Th2 Th2", "rituximab B cells", "igg4-rd relapse", "fibrosis", "patients 60%", "no such words"]


def test_tokenizer_keeps_biomedical_names_and_their_parts():
    tokens = tokenize("Dupilumab blocks IL-4Rα; IgG4-RD and CD19+ B cells.")
    for t in ["il-4rα", "il", "4rα", "igg4-rd", "igg4", "rd", "cd19", "dupilumab", "block"]:
        assert t in tokens, t
    assert "and" not in tokens


def _segments(tmp_path: Path, groups: list[list[int]], vectors: np.ndarray | None = None, ivf: int | None = None,
              named: bool = False):
    out = []
    for n, rows in enumerate(groups):
        folder = tmp_path / f"s{n}"
        data = Rows(np.asarray(rows, dtype=np.int64), [text_terms(TEXTS[r]) for r in rows],
                    vectors[rows] if vectors is not None else None, [_name(r) for r in rows] if named else None)
        write_segment(folder, data, VectorLayout(ivf, 8))
        out.append(Segment(folder, folder.name, nprobe=8))
    return out


def _reference(live: list[int]):
    ref = bm25s.BM25()
    ref.index([tokenize(TEXTS[r]) or ["\x00"] for r in live], show_progress=False)
    return ref


def _assert_bm25_equal(segments: SegmentSet, live: list[int]) -> None:
    ref = _reference(live)
    for query in QUERIES:
        tokens = tokenize(query)
        known = [t for t in tokens if t in ref.vocab_dict]
        expected = ref.get_scores(known) if known else np.zeros(len(live))
        got = segments.bm25_scores(tokens, live)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7, err_msg=query)
        top = sorted(range(len(live)), key=lambda i: (-expected[i], live[i]))[:4]
        want = [(live[i], expected[i]) for i in top if expected[i] > 0]
        hits = segments.bm25_top(tokens, 4)
        assert [r for r, _ in hits] == [r for r, _ in want], query
        np.testing.assert_allclose([s for _, s in hits], [s for _, s in want], rtol=1e-5)
        # After a top-k of the same query, scores are read from the arrays it kept, not searched again.
        searched, segments._scores_at = segments._scores_at, None
        try:
            np.testing.assert_allclose(segments.bm25_scores(tokens, live[::-1]), expected[::-1], rtol=1e-5,
                                       atol=1e-7, err_msg=query)
        finally:
            segments._scores_at = searched


def test_bm25_over_segments_with_deletes_and_merges_equals_a_fresh_bm25s_index(tmp_path: Path):
    segments = _segments(tmp_path, [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]])
    _assert_bm25_equal(SegmentSet(segments), list(range(10)))

    dead = np.asarray([1, 5, 9], dtype=np.int64)  # deleted rows in every segment
    for s in segments:
        s.mark_dead(dead)
    live = [r for r in range(10) if r not in dead]
    _assert_bm25_equal(SegmentSet(segments), live)
    assert [r for r, _ in SegmentSet(segments).bm25_top(tokenize("dupilumab"), 3)] == []

    merge_segments(tmp_path / "m", segments[1:], VectorLayout(None, 8))
    merged = Segment(tmp_path / "m", "m")
    assert list(merged.ids) == [4, 6, 7, 8] and merged.live == 4  # dead rows dropped
    _assert_bm25_equal(SegmentSet([segments[0], merged]), live)


def test_a_merge_in_blocks_of_a_few_postings_writes_the_same_segment(tmp_path: Path, monkeypatch):
    """Merge blocks are bounded by postings, not terms; any block size gives byte-identical postings."""
    import index.segments as segments_module

    segments = _segments(tmp_path, [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]])
    for s in segments:
        s.mark_dead(np.asarray([2, 5], dtype=np.int64))
    merge_segments(tmp_path / "whole", segments, VectorLayout(None, 8))
    monkeypatch.setattr(segments_module, "MERGE_BLOCK_POSTINGS", 3)
    merge_segments(tmp_path / "blocks", segments, VectorLayout(None, 8))
    for name in ("ids", "lengths", "terms", "starts", "rows", "tfs"):
        whole, blocks = (np.load(tmp_path / f / f"{name}.npy") for f in ("whole", "blocks"))
        np.testing.assert_array_equal(whole, blocks, err_msg=name)
    assert len(list(segments_module._term_blocks(np.load(tmp_path / "whole" / "terms.npy"), segments))) > 10
    _assert_bm25_equal(SegmentSet([Segment(tmp_path / "blocks", "blocks")]), [r for r in range(10) if r not in (2, 5)])


def _name(row: int) -> str:
    return f"paper-{row}-αβ#{row % 3}"  # not ASCII: names are UTF-8


def test_segments_name_their_live_rows_and_a_merge_names_the_rows_of_older_segments(tmp_path: Path):
    """A search names its hits from the segments; rows of a segment written before names existed are left to the
    catalog, and a merge names them (through the catalog's lookup) so the merged segment needs no catalog."""
    old = _segments(tmp_path / "old", [[0, 1, 2]])[0]  # written before names existed
    named = _segments(tmp_path, [[3, 4, 5], [6, 7, 8, 9]], named=True)
    for s in [old, *named]:
        s.mark_dead(np.asarray([1, 4], dtype=np.int64))
    found, ask = SegmentSet([old, *named]).names_of([9, 4, 0, 3, 1, 42])
    assert found == {9: _name(9), 3: _name(3)} and ask == [0, 1, 42]  # 4 is dead; 0 and 1 the catalog's

    merge_segments(tmp_path / "both", named, VectorLayout(None, 8))
    both = Segment(tmp_path / "both", "both")
    assert both.named and both.names_at(np.arange(len(both))) == [_name(r) for r in (3, 5, 6, 7, 8, 9)]

    asked = []

    def catalog(rows: np.ndarray) -> list[str]:
        asked.append(rows.tolist())
        return [_name(r) for r in rows.tolist()]

    merge_segments(tmp_path / "unnamed", [old, named[0]], VectorLayout(None, 8))
    assert not Segment(tmp_path / "unnamed", "unnamed").named  # no lookup given: the catalog keeps naming them
    merge_segments(tmp_path / "all", [old, named[0]], VectorLayout(None, 8), catalog)
    merged = Segment(tmp_path / "all", "all")
    assert asked == [[0, 2]]  # only the old segment's live rows are looked up
    assert SegmentSet([merged]).names_of([0, 2, 3, 5]) == ({r: _name(r) for r in (0, 2, 3, 5)}, [])


def test_idf_is_lucenes_over_live_rows(tmp_path: Path):
    segments = _segments(tmp_path, [[0, 1, 2], [5, 9]])
    n = 5
    got = SegmentSet(segments).idf(["il-13", "rituximab", "unseen"])
    assert math.isclose(got["il-13"], math.log(1 + (n - 3 + 0.5) / 3.5))
    assert math.isclose(got["rituximab"], math.log(1 + (n - 2 + 0.5) / 2.5))
    assert math.isclose(got["unseen"], math.log(1 + (n + 0.5) / 0.5))


def _clustered(n: int, dim: int = 32, clusters: int = 40, seed: int = 0) -> np.ndarray:
    """Unit vectors around random centres: the structure real embeddings have and IVF relies on."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    v = centres[rng.integers(0, clusters, n)] + 0.3 * rng.normal(size=(n, dim))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype("float32")


def _vector_segment(folder: Path, ids: np.ndarray, vectors: np.ndarray, layout: VectorLayout) -> Segment:
    write_segment(folder, Rows(ids, [np.asarray([i], dtype=np.int64) for i in ids], vectors[ids]), layout)
    return Segment(folder, folder.name, nprobe=8)


@pytest.mark.parametrize("fp16", [False, True])
@pytest.mark.parametrize("ivf", [None, 0])
def test_vectors_survive_deletes_and_merges_exactly(tmp_path: Path, ivf, fp16):
    """Exact (one list) or IVF, fp32 or fp16: nearest rows, stored vectors, deletes and merges."""
    vectors = _clustered(3000)
    layout = VectorLayout(ivf, 8, fp16)
    first = _vector_segment(tmp_path / "a", np.arange(0, 2000), vectors, layout)
    second = _vector_segment(tmp_path / "b", np.arange(2000, 3000), vectors, layout)
    assert first.kind == ("ivf" if ivf == 0 else "flat")
    same = np.testing.assert_allclose if fp16 else np.testing.assert_array_equal
    tolerance = {"atol": 1e-3} if fp16 else {}
    both = SegmentSet([first, second])
    queries = _clustered(50, seed=1)
    exact = [list(np.argsort(-(vectors @ q), kind="stable")[:10]) for q in queries]
    found = [[r for r, _ in both.nearest(q, 10)] for q in queries]
    recall = np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact)])
    assert recall >= (0.9 if ivf == 0 else 0.99 if fp16 else 1.0), recall
    same(both.vectors([5, 2500, 10**9], 32), np.vstack([vectors[5], vectors[2500], np.zeros(32)]), **tolerance)

    gone = np.asarray(sorted({e[0] for e in exact}), dtype=np.int64)  # each query's best row, deleted
    for s in (first, second):
        s.mark_dead(gone)
    after = SegmentSet([first, second])
    assert not {r for q in queries for r, _ in after.nearest(q, 10)} & set(gone.tolist())

    merge_segments(tmp_path / "m", [first, second], VectorLayout(ivf if ivf is None else 1000, 8, fp16))
    merged = Segment(tmp_path / "m", "m", nprobe=8)
    assert len(merged) == 3000 - len(gone) and merged.kind == ("ivf" if ivf == 0 else "flat")
    keep = [r for r in range(3000) if r not in set(gone.tolist())][::97]
    same(SegmentSet([merged]).vectors(keep, 32), vectors[keep], **tolerance)
    for q in queries[:10]:
        got = [r for r, _ in SegmentSet([merged]).nearest(q, 10)]
        assert not set(got) & set(gone.tolist()) and len(got) == 10
