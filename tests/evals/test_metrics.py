"""Golden test: metrics checked against values computed by hand, independently of the code."""

from __future__ import annotations

import math

import pytest

from evals.metrics import evaluate_run, mrr_at_k, ndcg_at_k, recall_at_k

# Query A: relevant d1 (grade 2) and d4 (grade 1); ranking d3, d1, d2, d4.
RUN = {"A": ["d3", "d1", "d2", "d4"], "B": ["x", "y"], "C": []}
QRELS = {"A": {"d1": 2, "d4": 1, "d9": 0}, "B": {"y": 1}, "C": {"z": 1}, "D": {"n": 0}}


def test_ndcg_by_hand():
    dcg = 2 / math.log2(3) + 1 / math.log2(5)   # d1 at rank 2, d4 at rank 4
    idcg = 2 / math.log2(2) + 1 / math.log2(3)  # ideal: grade 2 then grade 1
    assert ndcg_at_k(RUN["A"], QRELS["A"], 10) == pytest.approx(dcg / idcg)  # 0.64332
    assert ndcg_at_k(RUN["A"], QRELS["A"], 10) == pytest.approx(0.64332, abs=1e-5)
    assert ndcg_at_k(RUN["A"], QRELS["A"], 1) == 0.0


def test_recall_and_mrr_by_hand():
    assert recall_at_k(RUN["A"], QRELS["A"], 2) == 0.5 and recall_at_k(RUN["A"], QRELS["A"], 4) == 1.0
    assert mrr_at_k(RUN["A"], QRELS["A"]) == 0.5 and mrr_at_k(RUN["B"], QRELS["B"]) == 0.5
    assert mrr_at_k(RUN["C"], QRELS["C"]) == 0.0


def test_mean_over_queries_with_relevant_documents():
    m = evaluate_run(RUN, QRELS)  # D has no relevant document: not counted
    assert m["queries"] == 3
    assert m["MRR@10"] == pytest.approx((0.5 + 0.5 + 0) / 3)
    assert m["Recall@100"] == pytest.approx((1 + 1 + 0) / 3)
    assert m["nDCG@10"] == pytest.approx((0.64332 + 1 / math.log2(3) + 0) / 3, abs=1e-5)
