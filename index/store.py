"""The one interface both chunk stores implement: FAISS segments (`index.faiss_store`) and PostgreSQL + pgvector
(`index.pg_store`).

`CorpusIndex` and `HybridRetriever` use only these verbs, and tests/index/test_chunk_stores.py runs one suite
against both stores. Chunk ids are `doc_id#n`; a store answers in chunk ids and document ids, and the catalog
(`index.catalog`) turns the hits into nodes. Writes become visible at `commit`, which runs inside the catalog's
transaction so that a store's rows and the catalog's documents change together.

`IndexVectorStore` is the llama-index face of an index: a `BasePydanticVectorStore` whose query builds nodes
for its hits only, so llama-index query engines and retrievers run on an index of any size.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.schema import BaseNode, TextNode
from llama_index.core.vector_stores.types import BasePydanticVectorStore, VectorStoreQuery, VectorStoreQueryResult
from llama_index.core.vector_stores.utils import build_metadata_filter_fn

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

    def end_writing(self, progress: Any = None) -> None:
        """A writer is done (or failed): build what its bulk writes put off (pgvector drops its search indexes)."""

    def nearest(self, vector: np.ndarray, k: int) -> Ranking:
        """(chunk id, cosine) of the k nearest chunks."""

    def similarities(self, chunk_ids: list[str], vector: np.ndarray) -> np.ndarray:
        """Cosine of each chunk to `vector` (0 for one not stored)."""

    def vectors(self, chunk_ids: list[str]) -> np.ndarray:
        """Stored unit vectors (rows in the given order; zeros for one not stored)."""

    def close(self) -> None: ...


class IndexVectorStore(BasePydanticVectorStore):
    """A llama-index view of an index (`CorpusIndex.vector_store()`): nearest chunks from the store, nodes from
    the catalog, built for the hits only. Read-only: papers go in through `python app.py ingest` (or
    `CorpusIndex.ingest`), which keeps the catalog, vectors and keyword postings in step."""

    stores_text: bool = True
    is_embedding_query: bool = True

    _store: Any = PrivateAttr()
    _catalog: Any = PrivateAttr()

    def __init__(self, store: ChunkStore, catalog: Catalog) -> None:
        super().__init__()
        self._store, self._catalog = store, catalog

    @property
    def client(self) -> Any:
        return self._store

    def add(self, nodes: list[BaseNode], **kwargs: Any) -> list[str]:
        raise NotImplementedError("this store is read-only: add papers with `python app.py ingest PATH...`")

    def delete(self, ref_doc_id: str, **kwargs: Any) -> None:
        raise NotImplementedError("this store is read-only: delete papers in the app or with CorpusIndex.delete")

    def query(self, query: VectorStoreQuery, **kwargs: Any) -> VectorStoreQueryResult:
        """The k nearest chunks; with metadata filters, the k nearest of those that pass (from a 10x deeper pool)."""
        k = query.similarity_top_k
        if query.query_embedding is None or k <= 0 or not len(self._store):
            return VectorStoreQueryResult(nodes=[], similarities=[], ids=[])
        vector = np.asarray(query.query_embedding, dtype=np.float32)
        hits = self._store.nearest(vector, k if query.filters is None else 10 * k)
        nodes = {n.node_id: n for n in self._catalog.nodes([cid for cid, _ in hits])}
        if query.filters is not None:
            passes = build_metadata_filter_fn(lambda nid: nodes[nid].metadata, query.filters)
            nodes = {nid: n for nid, n in nodes.items() if passes(nid)}
        kept = [(cid, s) for cid, s in hits if cid in nodes][:k]
        return VectorStoreQueryResult(nodes=[nodes[c] for c, _ in kept], similarities=[s for _, s in kept],
                                      ids=[c for c, _ in kept])

    def get_nodes(self, node_ids: list[str] | None = None, filters: Any = None, **kwargs: Any) -> list[BaseNode]:
        if node_ids is None:
            raise ValueError("name the chunk ids: listing every chunk would build every node")
        nodes = self._catalog.nodes(list(node_ids))
        if filters is not None:
            by_id = {n.node_id: n for n in nodes}
            passes = build_metadata_filter_fn(lambda nid: by_id[nid].metadata, filters)
            nodes = [n for n in nodes if passes(n.node_id)]
        return nodes
