from __future__ import annotations

import math
from pathlib import Path

from index.bm25 import BM25Index, tokenize


def test_tokenizer_keeps_biomedical_names_and_their_parts():
    tokens = tokenize("Dupilumab blocks IL-4Rα; IgG4-RD and CD19+ B cells.")
    for t in ["il-4rα", "il", "4rα", "igg4-rd", "igg4", "rd", "cd19", "dupilumab", "block"]:
        assert t in tokens, t
    assert "and" not in tokens


def test_exact_term_ranks_first_and_persists(tmp_path: Path):
    bm25 = BM25Index()
    bm25.index(["x", "y", "z"], ["IL-13 drives fibrosis.", "IL-4 and IL-5 are Th2 cytokines.", "Rituximab depletes B cells."])
    assert bm25.retrieve("which drug blocks IL-13?", 3)[0][0] == "x"
    assert bm25.retrieve("rituximab", 3) == bm25.retrieve("rituximab", 3)[:1]
    bm25.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded.retrieve("Th2 cytokines", 2) == bm25.retrieve("Th2 cytokines", 2)
    assert loaded.retrieve("", 2) == [] and BM25Index().retrieve("anything", 2) == []


def test_idf_matches_lucene_formula():
    bm25 = BM25Index()
    bm25.index(["a", "b", "c", "d"], ["th2 cells", "th2 cytokines", "b cells", "fibrosis"])
    n = 4
    expected = {"th2": math.log(1 + (n - 2 + 0.5) / (2 + 0.5)), "fibrosi": math.log(1 + (n - 1 + 0.5) / 1.5),
                "unseen": math.log(1 + (n + 0.5) / 0.5)}
    got = bm25.idf(list(expected))
    for k, v in expected.items():
        assert math.isclose(got[k], v, rel_tol=1e-9), k
