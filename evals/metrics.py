"""Ranking metrics with trec_eval / BEIR conventions (linear gain, log2 discount, graded qrels).

Each function takes one query's ranked document ids and its qrels
({doc_id: grade}, grade > 0 relevant) and returns a value in [0, 1].
"""

from __future__ import annotations

import math


def ndcg_at_k(ranked: list[str], qrels: dict[str, int], k: int = 10) -> float:
    dcg = sum(qrels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in qrels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at_k(ranked: list[str], qrels: dict[str, int], k: int) -> float:
    relevant = {d for d, g in qrels.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def mrr_at_k(ranked: list[str], qrels: dict[str, int], k: int = 10) -> float:
    for i, d in enumerate(ranked[:k]):
        if qrels.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def evaluate_run(run: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    """Mean metrics over the queries that have qrels (a query with no result counts as zero)."""
    qids = [q for q in qrels if any(g > 0 for g in qrels[q].values())]
    if not qids:
        return {"nDCG@10": 0.0, "Recall@10": 0.0, "Recall@100": 0.0, "MRR@10": 0.0, "queries": 0}
    def mean(fn, **kw) -> float:
        return sum(fn(run.get(q, []), qrels[q], **kw) for q in qids) / len(qids)

    return {
        "nDCG@10": mean(ndcg_at_k, k=10),
        "Recall@10": mean(recall_at_k, k=10),
        "Recall@100": mean(recall_at_k, k=100),
        "MRR@10": mean(mrr_at_k, k=10),
        "queries": len(qids),
    }
