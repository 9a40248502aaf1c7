"""How much the sentence-and-coverage rerank is worth on SciFact train, measured honestly.

    python -m bench.retrieval_lab [--depth 30] [--folds 5]

The rerank's two weights were fitted on SciFact train, which is also where CI
measures them; so this command refits them by grouped k-fold cross-validation
(claims that share a relevant paper stay in one fold, since SciFact pairs a
claim with its negation) and reports the held-out figure next to the
in-sample one. It works in numpy over full score matrices (809 claims x 5,183
papers) built with the production pieces: the index's chunk vectors and
document BM25, `index.rerank.sentence_texts` / `coverage`, and the index's
sentence-vector cache (the first run embeds every sentence: ~4 minutes).
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from evals.datasets import DATASETS
from evals.metrics import evaluate_run
from evals.retrieval import load_qrels, load_queries, open_eval_index
from index.embedding import embed_query
from index.rerank import Candidate, coverage, sentence_texts
from ingest.chunking import doc_id_of
from settings import load_settings
from text.tokens import tokenize

SENTENCE_WEIGHTS = np.round(np.arange(0.0, 1.55, 0.1), 2)
COVERAGE_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4)


def score_matrices(index, queries: list[str]):
    """(fused hybrid, best-sentence cosine, coverage), each queries x papers, and the paper ids."""
    cfg = index.settings.retrieval
    retriever = index.retriever()
    records = index.documents()
    docs = [r.doc_id for r in records]
    chunk_ids = [c for r in records for c in r.chunk_ids]
    position = {d: i for i, d in enumerate(docs)}
    owner = np.array([position[doc_id_of(c)] for c in chunk_ids])
    Q = np.stack([embed_query(index.embed_model, q) for q in queries])
    cosine = Q @ retriever.store.vectors(chunk_ids).T
    dense = np.full((len(queries), len(docs)), -1.0, dtype="float32")
    np.maximum.at(dense.T, owner, cosine.T)
    bm25 = np.array([[s[d] for d in docs] for s in (retriever.doc_bm25.scores(q, docs) for q in queries)])
    fused = cfg.dense_weight * dense + (1 - cfg.dense_weight) * bm25 / np.maximum(bm25.max(1, keepdims=True), 1e-9)

    candidates = {r.doc_id: Candidate(r.title, r.text) for r in records}
    texts = [sentence_texts(candidates[d]) for d in docs]
    vectors = index.sentence_vectors([t for ts in texts for t in ts])
    sentence_owner = np.repeat(np.arange(len(docs)), [len(ts) for ts in texts])
    best = np.full((len(queries), len(docs)), 0.0, dtype="float32")
    np.maximum.at(best.T, sentence_owner, (Q @ vectors.T).T)
    idf = retriever.doc_bm25.idf
    covered = np.array([[coverage(w, candidates[d]) for d in docs]
                        for w in (idf(sorted(set(tokenize(q)))) for q in queries)], dtype="float32")
    return fused, best, covered, docs


def reranked_runs(top, fused, best, covered, docs, depth: int, a: float, c: float) -> list[list[str]]:
    """Each query's top 100 papers (`top`: fused order) after reranking the first `depth` with weights (a, c)."""
    runs = []
    for order, f, b, v in zip(top, fused, best, covered):
        head, tail = order[:depth], order[depth:]
        head = head[np.argsort(-(f[head] + a * b[head] + c * v[head]), kind="stable")]
        runs.append([docs[i] for i in np.concatenate([head, tail])])
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=30)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    settings = load_settings()
    scifact = next(d for d in DATASETS if d.name == "scifact-train")
    index, _ = open_eval_index(scifact.corpus, settings)
    queries, qrels = load_queries(scifact.queries), load_qrels(scifact.qrels)
    qids = [q for q in qrels if q in queries]
    fused, best, covered, docs = score_matrices(index, [queries[q] for q in qids])
    top = np.argsort(-fused, axis=1, kind="stable")[:, :100]

    def metrics(rows: list[int], a: float, c: float, depth: int = args.depth) -> dict[str, float]:
        runs = reranked_runs(top[rows], fused[rows], best[rows], covered[rows], docs, depth, a, c)
        return evaluate_run({qids[r]: run for r, run in zip(rows, runs)}, {qids[r]: qrels[qids[r]] for r in rows})

    everyone = list(range(len(qids)))
    grid = list(itertools.product(SENTENCE_WEIGHTS, COVERAGE_WEIGHTS))
    groups: dict[str, int] = {}
    fold = [groups.setdefault(min(qrels[q]), len(groups)) % args.folds for q in qids]
    held_out: dict[str, list[str]] = {}
    print(f"{'fold':<6}{'sentence_weight':>16}{'coverage_weight':>16}")
    for k in range(args.folds):
        train = [i for i in everyone if fold[i] != k]
        test = [i for i in everyone if fold[i] == k]
        a, c = max(grid, key=lambda w: metrics(train, *w)["nDCG@10"])
        print(f"{k:<6}{a:>16.1f}{c:>16.1f}")
        runs = reranked_runs(top[test], fused[test], best[test], covered[test], docs, args.depth, a, c)
        held_out.update({qids[i]: run for i, run in zip(test, runs)})
    cfg = settings.retrieval
    rows = [
        ("fused, no rerank", metrics(everyone, 0.0, 0.0, depth=0)),
        (f"rerank, settings' weights ({cfg.sentence_weight}, {cfg.coverage_weight})",
         metrics(everyone, cfg.sentence_weight, cfg.coverage_weight)),
        (f"rerank, weights refitted per fold ({args.folds}-fold CV)", evaluate_run(held_out, qrels)),
    ]
    print(f"\n{'SciFact train, depth ' + str(args.depth):<58}{'nDCG@10':>9}{'R@10':>8}{'R@100':>8}{'MRR@10':>8}")
    for name, m in rows:
        print(f"{name:<58}{m['nDCG@10']:>9.4f}{m['Recall@10']:>8.4f}{m['Recall@100']:>8.4f}{m['MRR@10']:>8.4f}")


if __name__ == "__main__":
    main()
