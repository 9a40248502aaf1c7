from __future__ import annotations

from pathlib import Path

import numpy as np
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.types import VectorStoreQuery

from index.faiss_store import FaissChunkStore


def node(nid: str, doc: str, vec: list[float]) -> TextNode:
    v = np.asarray(vec, dtype="float32")
    n = TextNode(id_=nid, text=f"text of {nid}", embedding=(v / np.linalg.norm(v)).tolist(), metadata={"doc_id": doc})
    n.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=doc)
    return n


def query(store: FaissChunkStore, vec: list[float], k: int = 10) -> list[str]:
    return store.query(VectorStoreQuery(query_embedding=vec, similarity_top_k=k)).ids


def test_add_query_delete_by_document():
    store = FaissChunkStore(dim=3)
    store.add([node("a#0", "a", [1, 0, 0]), node("a#1", "a", [0.9, 0.1, 0]), node("b#0", "b", [0, 1, 0])])
    assert query(store, [1, 0, 0], 2) == ["a#0", "a#1"]
    store.delete("a")
    assert query(store, [1, 0, 0]) == ["b#0"] and len(store) == 1


def test_ids_do_not_collide_after_delete():
    """llama-index's FaissMapVectorStore reuses ntotal as the next id; after a delete that overwrites a live id."""
    store = FaissChunkStore(dim=2)
    store.add([node("a#0", "a", [1, 0]), node("b#0", "b", [0, 1]), node("c#0", "c", [1, 1])])
    store.delete("a")
    store.add([node("d#0", "d", [1, -1])])
    assert sorted(query(store, [1, 0])) == ["b#0", "c#0", "d#0"]
    assert query(store, [0, 1], 1) == ["b#0"] and query(store, [1, -1], 1) == ["d#0"]


def test_re_adding_a_node_replaces_it():
    store = FaissChunkStore(dim=2)
    store.add([node("a#0", "a", [1, 0])])
    store.add([node("a#0", "a", [0, 1])])
    assert len(store) == 1 and query(store, [0, 1], 1) == ["a#0"]
    assert store.query(VectorStoreQuery(query_embedding=[0, 1], similarity_top_k=1)).similarities[0] > 0.99


def test_persist_round_trip(tmp_path: Path):
    store = FaissChunkStore(dim=2)
    store.add([node("a#0", "a", [1, 0]), node("b#0", "b", [0, 1])])
    store.delete("b")
    store.add([node("c#0", "c", [1, 1])])
    store.persist(str(tmp_path))
    loaded = FaissChunkStore.from_persist_dir(tmp_path)
    assert query(loaded, [1, 0]) == query(store, [1, 0])
    assert loaded.get_nodes(["c#0"])[0].text == "text of c#0"
    np.testing.assert_allclose(loaded.vectors(["c#0"]), store.vectors(["c#0"]))
    loaded.add([node("d#0", "d", [0, 1])])  # ids continue after the persisted maximum
    assert set(query(loaded, [0, 1])) == {"a#0", "c#0", "d#0"}


def test_empty_store_query():
    assert query(FaissChunkStore(dim=4), [1, 0, 0, 0]) == []
