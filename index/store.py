"""The one interface both chunk stores implement: FAISS segments (`index.faiss_store`) and PostgreSQL + pgvector
(`index.pg_store`).

`CorpusIndex` and `HybridRetriever` use only these verbs, and tests/index/test_chunk_stores.py runs one suite
against both stores. Chunk ids are `doc_id#n`; a store answers in chunk ids and document ids, and the catalog
(`index.catalog`) turns the hits into nodes. Writes become visible at `commit`, which runs inside the catalog's
transaction so that a store's rows and the catalog's documents change together.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
from llama_index.core.schema import TextNode

from index.catalog import Catalog

Ranking = list[tuple[str, float]]  # (id, score), best first


@runtime_checkable
class KeywordIndex(Protocol):
    """BM25 (bm25s's Lucene variant) over chunks or whole documents."""

    def __len__(self) -> int: ...

    def retrieve(self, query: str, k: int) -> Ranking:
        """Top-k (id, score) pairs with a positive score."""

    def scores(self, query: str, ids: list[str]) -> dict[str, float]:
        """Exact scores of these ids (0 for one without a query term, or not indexed)."""

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """Inverse document frequency of each token (Lucene form); unseen tokens get the maximum."""


@runtime_checkable
class ChunkStore(Protocol):
    """Vectors and keyword postings of an index's chunks (and documents)."""

    chunk_terms: KeywordIndex
    doc_terms: KeywordIndex

    @property
    def dim(self) -> int: ...

    @property
    def kind(self) -> str:
        """How vectors are searched: flat, ivf or hnsw."""

    def __len__(self) -> int: ...

    def put(self, nodes: list[TextNode], documents: list[tuple[str, str]]) -> None:
        """Chunks with their embeddings, and (doc_id, title + text) of their documents; replaces same ids."""

    def remove(self, chunk_ids: list[str], doc_ids: list[str]) -> None: ...

    def commit(self, catalog: Catalog) -> None:
        """Make the adds and deletes durable, inside the catalog's open transaction."""

    def maintain(self, catalog: Catalog, after_crash: bool = False) -> None:
        """Housekeeping between commits: merge segments, sweep what no commit lists (after a crash: orphan rows)."""

    def reload(self, catalog: Catalog) -> None:
        """See the catalog's last commit (another process may have written)."""

    def nearest(self, vector: np.ndarray, k: int) -> Ranking:
        """(chunk id, cosine) of the k nearest chunks."""

    def similarities(self, chunk_ids: list[str], vector: np.ndarray) -> np.ndarray:
        """Cosine of each chunk to `vector` (0 for one not stored)."""

    def vectors(self, chunk_ids: list[str]) -> np.ndarray:
        """Stored unit vectors (rows in the given order; zeros for one not stored)."""

    def close(self) -> None: ...
