"""Rerank the head of a fused ranking by each candidate's best sentence and its query-term coverage.

Why: a chunk vector averages ~200 tokens, so one sentence that states the
claim is diluted by its neighbours; and BM25 rewards repeating a term more
than covering every term of the question. On SciFact train (`python -m
bench.retrieval_lab`, grouped 5-fold cross-validation) adding, for the first
`rerank_depth` fused candidates,

    sentence_weight * max cosine(question, "title\\n\\nsentence") + coverage_weight * coverage

raises hybrid nDCG@10 from 0.737 to 0.748 (0.745 with the weights refitted on
each fold; the folds chose 0.6-1.0 and 0.2-0.4). Coverage is the share of the question's IDF mass
whose terms occur in the candidate (title and text). Sentence vectors are
computed on demand for the candidates only (the caller passes a cached
embedder), so ingest does not change and a repeated candidate costs nothing.
Only the head's order changes: what ranks below `rerank_depth` stays as fused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from text.sentences import split_sentences
from text.tokens import tokenize

Ranking = list[tuple[str, float]]


@dataclass(frozen=True)
class Candidate:
    """What the reranker reads of a ranked id: its document's title and the text to split into sentences."""

    title: str
    text: str


def sentence_texts(candidate: Candidate) -> list[str]:
    """The texts embedded for a candidate: each sentence behind its document title (as chunks carry theirs)."""
    sentences = [candidate.text[a:b] for a, b in split_sentences(candidate.text)] or [candidate.text]
    return [f"{candidate.title}\n\n{s}" if candidate.title else s for s in sentences if s.strip()]


def coverage(query_idf: dict[str, float], candidate: Candidate) -> float:
    """Share of the query's IDF mass whose tokens occur in the candidate (0..1)."""
    total = sum(query_idf.values())
    if total <= 0:
        return 0.0
    present = set(tokenize(f"{candidate.title}\n{candidate.text}"))
    return sum(w for t, w in query_idf.items() if t in present) / total


class SentenceReranker:
    """One verb, `rerank`; the embedder and the IDF table are the caller's (cached and corpus-wide)."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], idf: Callable[[list[str]], dict[str, float]],
                 depth: int, sentence_weight: float, coverage_weight: float) -> None:
        self._embed, self._idf = embed, idf
        self.depth, self.sentence_weight, self.coverage_weight = depth, sentence_weight, coverage_weight

    def rerank(self, query: str, qvec: np.ndarray, ranking: Ranking,
               candidates: Callable[[list[str]], dict[str, Candidate]]) -> Ranking:
        """`ranking` with its first `depth` entries re-scored and re-sorted; the rest unchanged, after them."""
        if self.depth <= 0 or not ranking:
            return ranking
        head, tail = ranking[: self.depth], ranking[self.depth :]
        found = candidates([i for i, _ in head])
        texts = {i: sentence_texts(c) for i, c in found.items()}
        flat = [t for ts in texts.values() for t in ts]
        vectors = self._embed(flat) if flat else np.zeros((0, len(qvec)), dtype="float32")
        cosines = vectors @ qvec
        best, start = {}, 0
        for i, ts in texts.items():
            if ts:
                best[i] = float(cosines[start : start + len(ts)].max())
                start += len(ts)
        query_idf = self._idf(sorted(set(tokenize(query)))) if self.coverage_weight else {}
        rescored = [
            (i, s + self.sentence_weight * best.get(i, 0.0)
             + (self.coverage_weight * coverage(query_idf, found[i]) if i in found and query_idf else 0.0))
            for i, s in head
        ]
        return sorted(rescored, key=lambda kv: (-kv[1], kv[0])) + tail


class CrossEncoderReranker:
    """An optional last stage (`retrieval.reranker`): a cross-encoder reads (question, passage) pairs of the head.

    For users who can download one (an ms-marco MiniLM or MedCPT cross-encoder): a sentence-transformers
    `CrossEncoder` folder or cached hub name. The first `depth` entries are re-sorted by its score, which becomes
    their score (a probability where the model ends in a sigmoid); the rest keep their fused order and score.
    Nothing is downloaded unless the user names a hub model and allows it (`HF_HUB_OFFLINE=0`).
    """

    def __init__(self, source: str, depth: int) -> None:
        self.source, self.depth = source, depth

    def rerank(self, query: str, ranking: Ranking, candidates: Callable[[list[str]], dict[str, Candidate]]) -> Ranking:
        if self.depth <= 0 or not ranking:
            return ranking
        head, tail = ranking[: self.depth], ranking[self.depth :]
        found = candidates([i for i, _ in head])
        ids = [i for i, _ in head if i in found]
        if not ids:
            return ranking
        pairs = [(query, f"{found[i].title}\n{found[i].text}".strip()) for i in ids]
        scores = np.asarray(load_cross_encoder(self.source).predict(pairs, show_progress_bar=False), dtype="float64")
        rescored = sorted(zip(ids, map(float, scores.reshape(len(ids), -1)[:, -1])), key=lambda kv: (-kv[1], kv[0]))
        return rescored + [kv for kv in head if kv[0] not in found] + tail


@functools.lru_cache(maxsize=2)
def load_cross_encoder(source: str):
    """The cross-encoder at `source`, loaded once per process."""
    from errors import ModelLoadError

    try:
        from sentence_transformers import CrossEncoder

        return CrossEncoder(source, device="cpu")
    except Exception as exc:  # noqa: BLE001 (missing folder, not a cross-encoder, no network for a hub name)
        raise ModelLoadError(
            f"the reranker at {source} could not be loaded ({type(exc).__name__}: {str(exc)[:160]}); set "
            "retrieval.reranker to a sentence-transformers CrossEncoder folder, a hub name already in the Hugging "
            "Face cache, or none"
        ) from None
