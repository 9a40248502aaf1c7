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


def test_numpy_build_scores_equal_bm25s_own_build_and_remembers_tokens(tmp_path: Path, monkeypatch):
    import bm25s
    import numpy as np

    import index.bm25 as bm25_module

    texts = ["IgG4-related disease responds to rituximab.", "Dupilumab blocks IL-4Rα and IL-13 signalling in Th2 cells.",
             "Th2 cytokines IL-4, IL-5 and IL-13 drive fibrosis; IL-13 most.", "", "B cells, B cells and plasmablasts.",
             "Rituximab depletes CD20+ B cells in IgG4-RD; relapse follows B cell return."]
    ids = [f"c{i}" for i in range(len(texts))]
    ours = BM25Index()
    ours.index(ids, texts)
    reference = bm25s.BM25()
    reference.index([tokenize(t) or ["\x00"] for t in texts], show_progress=False)
    for query in ["IL-13 Th2", "rituximab B cells", "igg4-rd relapse", "fibrosis"]:
        tokens = [t for t in tokenize(query) if t in reference.vocab_dict]
        expected = reference.get_scores(tokens)
        got = ours.scores(query, ids)
        assert np.allclose([got[i] for i in ids], expected, rtol=1e-5), query
        top = sorted(range(len(ids)), key=lambda i: -expected[i])[:3]
        assert np.allclose([s for _, s in ours.retrieve(query, 3)], [expected[i] for i in top if expected[i] > 0], rtol=1e-5)

    # a rebuild tokenizes only new or changed texts, and forgets deleted ones
    calls = []
    monkeypatch.setattr(bm25_module, "tokenize", lambda t: calls.append(t) or tokenize(t))
    ours.index(ids[1:] + ["new"], ["changed text about IL-13"] + texts[2:] + ["A new chunk on IgG4."])
    assert calls == ["changed text about IL-13", "A new chunk on IgG4."]
    assert ours.retrieve("rituximab responds", 5)[0][0] == "c5" and "c0" not in dict(ours.retrieve("responds", 5))
    ours.save(tmp_path)
    assert BM25Index.load(tmp_path).retrieve("IL-13", 3) == ours.retrieve("IL-13", 3)


def test_a_loaded_index_tokenizes_only_new_texts_and_survives_a_bad_token_file(tmp_path: Path, monkeypatch):
    import index.bm25 as bm25_module

    ids = ["a", "b", "c"]
    texts = ["IL-13 drives fibrosis.", "Th2 cytokines IL-4 and IL-5.", "Rituximab depletes B cells in IgG4-RD."]
    built = BM25Index()
    built.index(ids, texts)
    built.save(tmp_path / "saved")
    calls = []
    monkeypatch.setattr(bm25_module, "tokenize", lambda t: calls.append(t) or tokenize(t))
    loaded = BM25Index.load(tmp_path / "saved")
    loaded.index(ids + ["d"], texts + ["Dupilumab blocks IL-4Rα."])
    assert calls == ["Dupilumab blocks IL-4Rα."]  # the three saved texts were not tokenized again
    fresh = BM25Index()
    fresh.index(ids + ["d"], texts + ["Dupilumab blocks IL-4Rα."])
    for query in ["IL-4 Th2", "rituximab IgG4-RD", "dupilumab IL-4Rα"]:
        assert loaded.retrieve(query, 4) == fresh.retrieve(query, 4)

    (tmp_path / "saved" / bm25_module.TOKENS_FILE).write_bytes(b"not numpy")
    calls.clear()
    damaged = BM25Index.load(tmp_path / "saved")
    damaged.index(ids, texts)
    assert len(calls) == 3 and damaged.retrieve("IL-13", 3) == built.retrieve("IL-13", 3)
