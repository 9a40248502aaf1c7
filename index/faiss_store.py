"""FAISS as a llama-index vector store that can really delete.

llama-index's own `FaissVectorStore` cannot delete, and `FaissMapVectorStore`
reuses `ntotal` as the next id (ids collide after a delete) and adds vectors
one at a time. This store keeps a monotonically increasing int64 id per chunk
in an `IndexIDMap2` over an inner-product index (cosine on unit vectors),
stores the chunk nodes itself (`stores_text=True`) and persists to two files.
It implements the same `BasePydanticVectorStore` surface (add, delete, query
with metadata filters, get_nodes) as `index.pg_store.PgChunkStore`, which wraps
llama-index's `PGVectorStore`; tests/index/test_chunk_stores.py runs one suite
against both.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.schema import BaseNode, TextNode
from llama_index.core.vector_stores.types import BasePydanticVectorStore, VectorStoreQuery, VectorStoreQueryResult
from llama_index.core.vector_stores.utils import build_metadata_filter_fn

INDEX_FILE = "vectors.faiss"
NODES_FILE = "chunks.jsonl"


class FaissChunkStore(BasePydanticVectorStore):
    """Exact inner-product search over unit vectors, with chunk text and delete by document."""

    stores_text: bool = True
    is_embedding_query: bool = True

    _index: Any = PrivateAttr()
    _nodes: dict[str, TextNode] = PrivateAttr(default_factory=dict)
    _node_to_fid: dict[str, int] = PrivateAttr(default_factory=dict)
    _fid_to_node: dict[int, str] = PrivateAttr(default_factory=dict)
    _next_fid: int = PrivateAttr(default=0)

    def __init__(self, dim: int, index: Any = None) -> None:
        super().__init__()
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    @property
    def client(self) -> Any:
        return self._index

    @property
    def dim(self) -> int:
        return self._index.d

    def __len__(self) -> int:
        return len(self._nodes)

    # --- the vector-store surface ------------------------------------------------------
    def add(self, nodes: list[BaseNode], **kwargs: Any) -> list[str]:
        if not nodes:
            return []
        vectors = np.asarray([n.get_embedding() for n in nodes], dtype="float32")
        if vectors.shape[1] != self.dim:
            raise ValueError(f"embedding dimension {vectors.shape[1]} does not match the index ({self.dim})")
        self.delete_nodes([n.node_id for n in nodes if n.node_id in self._nodes])
        fids = np.arange(self._next_fid, self._next_fid + len(nodes), dtype="int64")
        self._next_fid += len(nodes)
        self._index.add_with_ids(vectors, fids)
        for node, fid in zip(nodes, fids.tolist()):
            stored = node.model_copy()
            stored.embedding = None  # the vector lives in FAISS; don't keep a second copy
            self._nodes[node.node_id] = stored
            self._node_to_fid[node.node_id] = fid
            self._fid_to_node[fid] = node.node_id
        return [n.node_id for n in nodes]

    def delete(self, ref_doc_id: str, **kwargs: Any) -> None:
        """Delete every chunk of document `ref_doc_id`."""
        self.delete_nodes([nid for nid, n in self._nodes.items() if n.ref_doc_id == ref_doc_id])

    def delete_nodes(self, node_ids: list[str] | None = None, filters: Any = None, **kwargs: Any) -> None:
        if filters is not None:
            node_ids = [n.node_id for n in self.get_nodes(node_ids, filters)]
        fids = [self._node_to_fid.pop(nid) for nid in node_ids or [] if nid in self._node_to_fid]
        if not fids:
            return
        self._index.remove_ids(np.asarray(fids, dtype="int64"))
        for fid in fids:
            self._nodes.pop(self._fid_to_node.pop(fid), None)

    def query(self, query: VectorStoreQuery, **kwargs: Any) -> VectorStoreQueryResult:
        k = min(query.similarity_top_k, len(self._nodes))
        if k == 0 or query.query_embedding is None:
            return VectorStoreQueryResult(nodes=[], similarities=[], ids=[])
        vector = np.asarray(query.query_embedding, dtype="float32")[None, :]
        if query.filters is not None:  # exact search over the chunks that pass the filters
            ids = [n.node_id for n in self.get_nodes(filters=query.filters)]
            scores = self.vectors(ids) @ vector[0]
            hits = [(float(scores[i]), ids[i]) for i in np.argsort(-scores, kind="stable")[:k]]
        else:
            scores, fids = self._index.search(vector, k)
            hits = [(float(s), self._fid_to_node[int(f)]) for s, f in zip(scores[0], fids[0]) if f >= 0]
        return VectorStoreQueryResult(
            nodes=[self._nodes[nid] for _, nid in hits], similarities=[s for s, _ in hits], ids=[nid for _, nid in hits]
        )

    def get_nodes(self, node_ids: list[str] | None = None, filters: Any = None, **kwargs: Any) -> list[BaseNode]:
        nodes = list(self._nodes.values()) if node_ids is None else [self._nodes[n] for n in node_ids if n in self._nodes]
        if filters is not None:
            passes = build_metadata_filter_fn(lambda nid: self._nodes[nid].metadata, filters)
            nodes = [n for n in nodes if passes(n.node_id)]
        return nodes

    def vectors(self, node_ids: list[str]) -> np.ndarray:
        """Stored unit vectors of these chunks (rows in the given order)."""
        if not node_ids:
            return np.zeros((0, self.dim), dtype="float32")
        return np.vstack([self._index.reconstruct(self._node_to_fid[nid]) for nid in node_ids])

    # --- lean reads for the retriever: ids and cosines ------------------------------------
    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine) of the k nearest chunks."""
        result = self.query(VectorStoreQuery(query_embedding=np.asarray(vector).tolist(), similarity_top_k=k))
        return list(zip(result.ids, result.similarities))

    def similarities(self, node_ids: list[str], vector: np.ndarray) -> np.ndarray:
        """Cosine of each chunk to `vector` (stored unit vectors times the query)."""
        return self.vectors(node_ids) @ np.asarray(vector, dtype="float32")

    # --- index type ----------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return "ivf" if isinstance(faiss.downcast_index(self._index), faiss.IndexIVF) else "flat"

    def use_index_kind(self, kind: str, ivf_threshold: int, nprobe: int) -> None:
        """Switch between exact (flat) and approximate (IVF) search; `auto` picks IVF at `ivf_threshold` chunks.

        Exact search costs O(chunks) per query. IVF-Flat keeps the exact vectors
        (exact scores for the hybrid fusion, real deletes, reconstruct) and scans
        only `nprobe` of its 2·sqrt(N) lists. Switching costs one k-means over 64
        points per list, done when the corpus crosses the threshold. Figures:
        README, from `python -m bench.scale`.
        """
        want = kind if kind != "auto" else ("ivf" if len(self) >= ivf_threshold else "flat")
        if want == self.kind:
            if want == "ivf":
                faiss.downcast_index(self._index).nprobe = nprobe
            return
        ids = np.asarray(sorted(self._fid_to_node), dtype="int64")
        vectors = self.vectors([self._fid_to_node[int(i)] for i in ids])
        if want == "flat":
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        else:
            nlist = max(1, min(int(2 * len(ids) ** 0.5), len(ids) // 39))
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dim), self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
            sample = vectors[np.random.default_rng(0).permutation(len(vectors))[: nlist * 64]]
            index.train(sample)
            index.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct and remove by id
            index.nprobe = nprobe
        if len(ids):
            index.add_with_ids(vectors, ids)
        self._index = index

    # --- persistence ---------------------------------------------------------------------
    def persist(self, persist_path: str, fs: Any = None) -> None:
        """Write into the folder `persist_path` (the caller makes the folder swap atomic)."""
        folder = Path(persist_path)
        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(folder / INDEX_FILE))
        with open(folder / NODES_FILE, "w", encoding="utf-8") as f:
            f.write(json.dumps({"next_fid": self._next_fid, "dim": self.dim}) + "\n")
            for nid, node in self._nodes.items():
                f.write(json.dumps({"fid": self._node_to_fid[nid], "node": node.to_dict()}, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())

    @classmethod
    def from_persist_dir(cls, persist_dir: str | Path) -> FaissChunkStore:
        folder = Path(persist_dir)
        index = faiss.read_index(str(folder / INDEX_FILE))
        store = cls(dim=index.d, index=index)
        with open(folder / NODES_FILE, encoding="utf-8") as f:
            header = json.loads(f.readline())
            store._next_fid = header["next_fid"]
            for line in f:
                row = json.loads(line)
                node = TextNode.from_dict(row["node"])
                store._nodes[node.node_id] = node
                store._node_to_fid[node.node_id] = row["fid"]
                store._fid_to_node[row["fid"]] = node.node_id
        return store
