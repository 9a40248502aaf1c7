"""Hybrid retrieval: dense (FAISS or pgvector) and BM25 over the same chunks, fused.

Two fusion functions, both measured in `evals/README.md`:
- `rrf`: reciprocal rank fusion, sum of 1/(rrf_k + rank); needs no score calibration.
- `weighted`: a convex combination of per-query normalised scores,
  w * cosine + (1 - w) * bm25 / max(bm25); keeps how *much* better a hit is,
  which RRF throws away (Bruch et al., 2023, "An Analysis of Fusion Functions
  for Hybrid Retrieval").
Document-level search pools each retriever's chunk scores per document (max)
before fusing, so a long paper with many mediocre chunks cannot outrank a short
one with one excellent chunk, and the result is a ranking of papers.
In hybrid mode the head of the fused ranking of papers (and of chunks, with
`retrieval.rerank_chunks`, and for an LLM's context) is then reranked by best sentence and term coverage
(`index.rerank`); a cross-encoder, when set, reranks both.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.schema import TextNode

from index.chunks import doc_id_of
from index.embedding import embed_query
from index.rerank import Candidate, CrossEncoderReranker, SentenceReranker
from index.store import ChunkStore
from settings import RetrievalSettings
from text.concepts import expansion_terms, question_tokens
from text.drugs import find_drugs

Ranking = list[tuple[str, float]]  # (id, score), best first


@dataclass
class Hit:
    """One retrieved chunk with the scores that ranked it (None where a retriever missed it)."""

    node: TextNode
    score: float
    rank: int
    dense: float | None = None
    bm25: float | None = None

    @property
    def chunk_id(self) -> str:
        return self.node.node_id

    @property
    def doc_id(self) -> str:
        return str(self.node.metadata.get("doc_id", self.node.ref_doc_id))


def fuse_rankings(rankings: list[Ranking], method: str = "rrf", rrf_k: int = 60, dense_weight: float = 0.5) -> Ranking:
    """Fuse [dense, bm25] rankings (or pass one ranking through with its own scores)."""
    rankings = [r for r in rankings if r] or [[]]
    if len(rankings) == 1:
        return list(rankings[0])
    fused: dict[str, float] = {}
    if method == "rrf":
        for ranking in rankings:
            for rank, (cid, _) in enumerate(ranking, 1):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (rrf_k + rank)
    elif method == "weighted":
        dense, sparse = rankings
        top = max((s for _, s in sparse), default=1.0) or 1.0
        for cid, s in dense:
            fused[cid] = dense_weight * s
        for cid, s in sparse:
            fused[cid] = fused.get(cid, 0.0) + (1 - dense_weight) * s / top
    else:
        raise ValueError(f"unknown fusion method {method!r}")
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


def pool_by_document(ranking: Ranking, doc_of: Callable[[str], str]) -> Ranking:
    """Best chunk score per document, in ranking order (max pooling)."""
    best: dict[str, float] = {}
    for cid, score in ranking:
        best.setdefault(doc_of(cid), score)
    return list(best.items())


# BM25 candidates are found on another thread while the query is embedded and the vectors searched: numpy,
# FAISS and the model release the GIL, so on two cores a hybrid search costs about the slower side, not the sum
# (at a million chunks, ~30 ms of BM25 beside ~30 ms of embedding and vector search).
_KEYWORD_SEARCH = ThreadPoolExecutor(max_workers=2, thread_name_prefix="keyword-search")


class HybridRetriever:
    """Dense, BM25 or hybrid search over one corpus: chunk-level (for answers) or document-level (for papers).

    In hybrid mode each retriever contributes its top candidates, and every
    candidate then gets its *exact* score from both sides (a stored vector
    times the query; a BM25 score), so a paper found by only one retriever is
    not scored as if the other had given it zero.
    """

    def __init__(
        self, store: ChunkStore | None, nodes_of: Callable[[list[str]], list[TextNode]],
        chunk_ids_of: Callable[[list[str]], dict[str, list[str]]], embed_model: Callable[[], BaseEmbedding],
        settings: RetrievalSettings,
        reranker: SentenceReranker | None = None,
        documents_of: Callable[[list[str]], dict[str, Candidate]] = lambda ids: {},
        cross_encoder: CrossEncoderReranker | None = None,
    ) -> None:
        self.store, self._nodes_of = store, nodes_of
        self._chunk_ids_of, self._embed_model, self.settings = chunk_ids_of, embed_model, settings
        self._reranker, self._documents_of, self._cross_encoder = reranker, documents_of, cross_encoder

    @property
    def chunk_bm25(self):
        return self.store.chunk_terms

    @property
    def doc_bm25(self):
        return self.store.doc_terms

    def _rerank(self, query: str, qvec: np.ndarray | None, ranking: Ranking, mode: str,
                candidates: Callable[[list[str]], dict[str, Candidate]]) -> Ranking:
        """Hybrid: the sentence rerank; then, in any mode, the user's cross-encoder if one is set."""
        if mode == "hybrid" and self._reranker is not None and qvec is not None:
            ranking = self._reranker.rerank(query, qvec, ranking, candidates)
        if self._cross_encoder is not None:
            ranking = self._cross_encoder.rerank(query, ranking, candidates)
        return ranking

    def _chunk_candidates(self, chunk_ids: list[str]) -> dict[str, Candidate]:
        return {n.node_id: Candidate(str(n.metadata.get("title", "")), n.text) for n in self._nodes_of(chunk_ids)}

    def _empty(self) -> bool:
        return self.store is None or not len(self.store)

    def _dense_chunks(self, qvec: np.ndarray, n: int) -> Ranking:
        return self.store.nearest(qvec, n)

    def _fuse(self, dense: Ranking, sparse: Ranking, mode: str) -> Ranking:
        cfg = self.settings
        parts = [dense, sparse] if mode == "hybrid" else [dense if mode == "dense" else sparse]
        return fuse_rankings(parts, cfg.fusion, cfg.rrf_k, cfg.dense_weight)

    def keyword_query(self, query: str) -> str:
        """The BM25 query: the user's words, weighted up by repetition, plus the words of the concepts they name."""
        repeats = self.settings.expansion_repeats
        extra = expansion_terms(question_tokens(query)) if repeats else []
        return " ".join([query] * repeats + extra) if extra else query

    def search(self, query: str, k: int, mode: str, rerank: bool = False) -> list[Hit]:
        if self._empty():
            return []
        query = with_generic_names(query)
        n = max(self.settings.candidates, k)
        keywords = self.keyword_query(query)
        sparse_job = _KEYWORD_SEARCH.submit(self.chunk_bm25.retrieve, keywords, n) if mode in ("bm25", "hybrid") else None
        qvec = embed_query(self._embed_model(), query) if mode in ("dense", "hybrid") else None
        dense = self._dense_chunks(qvec, n) if qvec is not None else []
        sparse = sparse_job.result() if sparse_job is not None else []
        if mode == "hybrid":
            dense, sparse = _complete(
                dense, sparse,
                lambda ids: self.store.similarities(ids, qvec),
                lambda ids: self.chunk_bm25.scores(keywords, ids),
            )
        fused = self._fuse(dense, sparse, mode)
        if rerank:
            fused = self._rerank(query, qvec, fused, mode, self._chunk_candidates)
        elif self._cross_encoder is not None:
            fused = self._cross_encoder.rerank(query, fused, self._chunk_candidates)
        dense_by_id, sparse_by_id = dict(dense), dict(sparse)
        nodes = self._first_nodes(fused, k)
        hits = [
            Hit(nodes[cid], score, rank, dense_by_id.get(cid), sparse_by_id.get(cid))
            for rank, (cid, score) in enumerate([(c, s) for c, s in fused if c in nodes][:k], 1)
        ]
        if qvec is not None:  # dense mode: every hit already has its cosine; bm25 mode has none
            for h in hits:
                h.dense = dense_by_id.get(h.chunk_id, h.dense)
        return hits

    def _first_nodes(self, ranking: Ranking, k: int) -> dict[str, TextNode]:
        """Nodes of the first k ranked chunks the catalog holds (normally simply the first k: a pgvector row of an
        ingest that crashed before its commit is not in the catalog, and is skipped)."""
        found: dict[str, TextNode] = {}
        for start in range(0, len(ranking), k):
            window = [cid for cid, _ in ranking[start : start + k]]
            found.update((n.node_id, n) for n in self._nodes_of(window))
            if len(found) >= k:
                break
        return found

    def search_documents(self, query: str, k: int, mode: str, query_vector: np.ndarray | None = None) -> Ranking:
        """Papers, best first: dense = best chunk's cosine; BM25 over whole documents; then fused. A caller that
        embedded its queries in one batch (`embed_queries`) passes the query's vector."""
        if self._empty():
            return []
        n = max(self.settings.candidates, k)
        keywords = self.keyword_query(query)
        sparse_job = _KEYWORD_SEARCH.submit(self.doc_bm25.retrieve, keywords, n) if mode in ("bm25", "hybrid") else None
        qvec = None
        if mode in ("dense", "hybrid"):
            qvec = query_vector if query_vector is not None else embed_query(self._embed_model(), query)
        dense = pool_by_document(self._dense_chunks(qvec, 3 * n), doc_id_of)[:n] if qvec is not None else []
        sparse = sparse_job.result() if sparse_job is not None else []
        if mode == "hybrid":
            dense, sparse = _complete(
                dense, sparse,
                lambda ids: self._best_chunk_cosines(ids, qvec),
                lambda ids: self.doc_bm25.scores(keywords, ids),
            )
        fused = self._fuse(dense, sparse, mode)
        held = self._chunk_ids_of([d for d, _ in fused])
        fused = [(d, s) for d, s in fused if held[d]]
        return self._rerank(query, qvec, fused, mode, self._documents_of)[:k]

    def _best_chunk_cosines(self, doc_ids: list[str], qvec: np.ndarray) -> np.ndarray:
        """Each document's best chunk cosine, from one call for all their chunks (one round trip to a database)."""
        chunks = self._chunk_ids_of(doc_ids)
        flat = [c for cs in chunks.values() for c in cs]
        cosine = dict(zip(flat, map(float, self.store.similarities(flat, qvec)))) if flat else {}
        return np.asarray([max((cosine[c] for c in chunks[d]), default=0.0) for d in doc_ids])


def _complete(
    dense: Ranking, sparse: Ranking, dense_of: Callable[[list[str]], np.ndarray],
    sparse_of: Callable[[list[str]], dict[str, float]],
) -> tuple[Ranking, Ranking]:
    """Give every candidate of either ranking its exact score on both sides; re-sort both."""
    d, s = dict(dense), dict(sparse)
    missing_dense = [i for i in s if i not in d]
    if missing_dense:
        d.update(zip(missing_dense, map(float, dense_of(missing_dense))))
    missing_sparse = [i for i in d if i not in s]
    if missing_sparse:
        s.update(sparse_of(missing_sparse))
    by_score = lambda kv: (-kv[1], kv[0])  # noqa: E731
    return sorted(d.items(), key=by_score), sorted(s.items(), key=by_score)


def with_generic_names(query: str) -> str:
    """"is Dupixent safe?" -> "is Dupixent (dupilumab) safe?": papers name the generic, and neither the model nor
    BM25 knows the brand."""
    for start, end, generic in reversed(find_drugs(query)):
        if generic != query[start:end].lower() and generic not in query.lower():
            query = f"{query[:end]} ({generic}){query[end:]}"
    return query
