"""The sentence-and-coverage rerank: scores checked against a hand computation, the head/tail contract,
and, through a real CorpusIndex, that sentence vectors are embedded once and then come from memory or cache."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from index.rerank import Candidate, SentenceReranker, coverage, sentence_texts
from ingest.pipeline import ingest
from text.tokens import tokenize

CANDIDATES = {
    "a": Candidate("Thalidomide in skin disease", "Patients improved. Thalidomide reduced IgG4 levels."),
    "b": Candidate("Dupilumab letter", "Dupilumab blocks IL-4 signalling. It also inhibits IL-13."),
    "c": Candidate("", "An unrelated sentence about rice."),
}
# Hand-made unit vectors for each embedded text (first axis = "about the question").
VECTORS = {
    "Thalidomide in skin disease\n\nPatients improved.": [0.2, 0.98],
    "Thalidomide in skin disease\n\nThalidomide reduced IgG4 levels.": [0.6, 0.8],
    "Dupilumab letter\n\nDupilumab blocks IL-4 signalling.": [0.9, math.sqrt(1 - 0.81)],
    "Dupilumab letter\n\nIt also inhibits IL-13.": [0.1, math.sqrt(1 - 0.01)],
    "An unrelated sentence about rice.": [0.0, 1.0],
}
IDF = {"dupilumab": 3.0, "il-4": 2.0, "il": 0.5, "4": 1.0, "block": 1.5, "rice": 4.0}


def embed(texts: list[str]) -> np.ndarray:
    return np.asarray([VECTORS[t] for t in texts], dtype="float32")


def idf(tokens: list[str]) -> dict[str, float]:
    return {t: IDF.get(t, 1.0) for t in tokens}


def candidates_of(ids: list[str]) -> dict[str, Candidate]:
    return {i: CANDIDATES[i] for i in ids if i in CANDIDATES}


def test_sentence_texts_carry_the_title():
    assert sentence_texts(CANDIDATES["a"]) == [
        "Thalidomide in skin disease\n\nPatients improved.",
        "Thalidomide in skin disease\n\nThalidomide reduced IgG4 levels.",
    ]
    assert sentence_texts(CANDIDATES["c"]) == ["An unrelated sentence about rice."]


def test_coverage_is_the_share_of_idf_mass_present():
    query = "Does dupilumab block IL-4?"
    q = {t: IDF.get(t, 1.0) for t in set(tokenize(query))}
    assert set(q) == {"dupilumab", "block", "il-4", "il", "4"}  # "does" is a stop word
    # b holds dupilumab, "blocks" (stems to block), il-4, il and 4: everything.
    assert coverage(q, CANDIDATES["b"]) == pytest.approx(1.0)
    # a holds none of them; c holds none either.
    assert coverage(q, CANDIDATES["a"]) == 0.0
    assert coverage({}, CANDIDATES["b"]) == 0.0


def test_rerank_scores_equal_a_hand_computation_and_keep_the_tail():
    query = "Does dupilumab block IL-4?"
    qvec = np.array([1.0, 0.0], dtype="float32")
    fused = [("a", 0.50), ("c", 0.45), ("b", 0.40), ("tail1", 0.30), ("tail2", 0.20)]
    reranker = SentenceReranker(embed, idf, depth=3, sentence_weight=0.7, coverage_weight=0.2)
    got = dict(reranker.rerank(query, qvec, fused, candidates_of))
    expected = {
        "a": 0.50 + 0.7 * 0.6 + 0.2 * 0.0,  # best sentence: the IgG4 one (0.6)
        "b": 0.40 + 0.7 * 0.9 + 0.2 * 1.0,  # best sentence: the IL-4 one (0.9); covers the whole query
        "c": 0.45 + 0.7 * 0.0 + 0.2 * 0.0,
    }
    for i, score in expected.items():
        assert got[i] == pytest.approx(score, abs=1e-6)
    order = [i for i, _ in reranker.rerank(query, qvec, fused, candidates_of)]
    assert order == ["b", "a", "c", "tail1", "tail2"]  # head re-sorted; the tail untouched, after it
    assert got["tail1"] == 0.30 and got["tail2"] == 0.20


def test_depth_zero_or_no_candidates_change_nothing():
    fused = [("a", 0.5), ("b", 0.4)]
    qvec = np.array([1.0, 0.0], dtype="float32")
    off = SentenceReranker(embed, idf, depth=0, sentence_weight=0.7, coverage_weight=0.2)
    assert off.rerank("dupilumab", qvec, fused, candidates_of) == fused
    on = SentenceReranker(embed, idf, depth=5, sentence_weight=0.7, coverage_weight=0.2)
    assert on.rerank("dupilumab", qvec, [], candidates_of) == []
    # An id the corpus no longer knows keeps its fused score (no sentence, no coverage).
    assert dict(on.rerank("dupilumab", qvec, [("gone", 0.9)], candidates_of)) == {"gone": 0.9}


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "letter.txt").write_text(
        "Th2 biologics in IgG4-related disease\n\nDupilumab blocks IL-4 receptor alpha. "
        "Mepolizumab targets IL-5. Abatacept regulates T cells.", encoding="utf-8")
    (folder / "rice.txt").write_text("Rice farming\n\nRice grows in paddies. Paddies need water.", encoding="utf-8")
    return folder


def testsentence_vectors_are_embedded_once_then_remembered(tmp_path, settings, hash_model):
    from index.corpus import CorpusIndex

    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [_corpus(tmp_path)])
    before = hash_model.calls
    first = index.search_documents("which biologic blocks IL-4?", k=2)
    embedded = hash_model.calls - before
    assert first[0][0] == "letter" and embedded > 1  # the query, then the candidates' sentences
    again = hash_model.calls
    assert index.search_documents("which biologic blocks IL-4?", k=2) == first
    assert hash_model.calls == again  # query and sentence vectors remembered: no model call

    # A new process (fresh CorpusIndex) reads the sentences from the persistent embedding cache.
    reopened = CorpusIndex.open(settings.paths.index_dir, settings)
    start = hash_model.calls
    assert reopened.search_documents("which biologic blocks IL-4?", k=2) == first
    assert hash_model.calls == start


def test_rerank_can_be_turned_off(tmp_path, settings, hash_model):
    from index.corpus import CorpusIndex

    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [_corpus(tmp_path)])
    settings.retrieval.rerank_depth = 0
    before = hash_model.calls
    index.search_documents("mepolizumab IL-5", k=2)
    assert hash_model.calls - before <= 1  # the query only, no sentence


def test_chunk_search_reranks_by_sentence_only_when_asked(tmp_path, settings, hash_model):
    """Off by default (a fresh question's sentences cost ~600 ms); on for an LLM's context."""
    from answer.generative import GenerativeAnswerer
    from index.corpus import CorpusIndex

    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [_corpus(tmp_path)])
    before = hash_model.calls
    plain = index.search("which biologic blocks IL-4?", k=2)
    assert plain[0].doc_id == "letter" and hash_model.calls - before == 1  # the query only
    before = hash_model.calls
    reranked = index.search("which drug targets IL-5?", k=2, rerank=True)
    assert reranked[0].doc_id == "letter" and hash_model.calls - before > 1  # the query, then the sentences
    assert GenerativeAnswerer(index).extractive.rerank is True  # llm.rerank_context
    settings.llm.rerank_context = False
    assert GenerativeAnswerer(index).extractive.rerank is False
