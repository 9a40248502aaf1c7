"""One suite, two stores: FAISS and PostgreSQL + pgvector (a real server) must behave the same.

Covers the vector-store surface `CorpusIndex` and the retriever use (add,
replace, query, metadata filters, delete by document and by id, get_nodes,
vectors), and the keyword side: BM25 over PostgreSQL full text must give the
bm25s scores of `index.bm25.BM25Index` on the same texts.
"""

from __future__ import annotations

import numpy as np
import pytest
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.types import FilterOperator, MetadataFilter, MetadataFilters, VectorStoreQuery

from index.bm25 import BM25Index
from index.faiss_store import FaissChunkStore
from index.pg_store import PgChunkStore, new_table_name


@pytest.fixture(params=["faiss", "pgvector"])
def make_store(request, settings):
    def make(dim: int):
        if request.param == "faiss":
            return FaissChunkStore(dim=dim)
        url = request.getfixturevalue("pg_url")
        store = PgChunkStore(url, new_table_name(), dim, settings.pgvector)
        request.addfinalizer(store.close)
        return store

    return make


def node(nid: str, doc: str, vec: list[float], section: str = "Results", start: int = 0) -> TextNode:
    v = np.asarray(vec, dtype="float32")
    n = TextNode(
        id_=nid, text=f"text of {nid}", embedding=(v / np.linalg.norm(v)).tolist(),
        metadata={"doc_id": doc, "section": section, "title": f"Paper {doc}"},
        start_char_idx=start, end_char_idx=start + len(f"text of {nid}"),
    )
    n.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=doc)
    return n


def query(store, vec: list[float], k: int = 10, filters: MetadataFilters | None = None) -> list[str]:
    return store.query(VectorStoreQuery(query_embedding=vec, similarity_top_k=k, filters=filters)).ids


def only(key: str, value, operator: FilterOperator = FilterOperator.EQ) -> MetadataFilters:
    return MetadataFilters(filters=[MetadataFilter(key=key, value=value, operator=operator)])


def test_add_query_delete_by_document(make_store):
    store = make_store(3)
    store.add([node("a#0", "a", [1, 0, 0]), node("a#1", "a", [0.9, 0.1, 0]), node("b#0", "b", [0, 1, 0])])
    assert len(store) == 3
    assert query(store, [1, 0, 0], 2) == ["a#0", "a#1"]
    store.delete("a")
    assert query(store, [1, 0, 0]) == ["b#0"] and len(store) == 1


def test_similarities_are_cosines(make_store):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(30, 8))
    store = make_store(8)
    store.add([node(f"d{i}#0", f"d{i}", v.tolist()) for i, v in enumerate(vectors)])
    q = rng.normal(size=8)
    result = store.query(VectorStoreQuery(query_embedding=(q / np.linalg.norm(q)).tolist(), similarity_top_k=5))
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosine = unit @ (q / np.linalg.norm(q))
    assert result.ids == [f"d{i}#0" for i in np.argsort(-cosine)[:5]]
    np.testing.assert_allclose(result.similarities, np.sort(cosine)[::-1][:5], atol=1e-5)


def test_re_adding_a_node_replaces_it(make_store):
    store = make_store(2)
    store.add([node("a#0", "a", [1, 0])])
    store.add([node("a#0", "a", [0, 1])])
    assert len(store) == 1 and query(store, [0, 1], 1) == ["a#0"]
    assert store.query(VectorStoreQuery(query_embedding=[0, 1], similarity_top_k=1)).similarities[0] > 0.99


def test_get_nodes_keeps_text_offsets_metadata_and_order(make_store):
    store = make_store(2)
    store.add([node("a#0", "a", [1, 0], start=0), node("a#1", "a", [1, 1], section="Methods", start=40)])
    got = store.get_nodes(["a#1", "missing", "a#0"])
    assert [n.node_id for n in got] == ["a#1", "a#0"]
    assert got[0].text == "text of a#1" and (got[0].start_char_idx, got[0].end_char_idx) == (40, 51)
    assert got[0].metadata["section"] == "Methods" and got[0].ref_doc_id == "a"
    assert {n.node_id for n in store.get_nodes()} == {"a#0", "a#1"}


def test_vectors_come_back_as_stored(make_store):
    store = make_store(3)
    nodes = [node("a#0", "a", [1, 2, 3]), node("b#0", "b", [3, 2, 1])]
    store.add(nodes)
    np.testing.assert_allclose(store.vectors(["b#0", "a#0"]), [nodes[1].embedding, nodes[0].embedding], atol=1e-6)
    assert store.vectors([]).shape == (0, 3)


def test_metadata_filters_in_query_get_and_delete(make_store):
    store = make_store(2)
    store.add([
        node("a#0", "a", [1, 0]), node("a#1", "a", [0.7, 0.3], section="Methods"),
        node("b#0", "b", [1, 0.05]), node("c#0", "c", [0, 1]),
    ])
    assert query(store, [1, 0], filters=only("doc_id", "b")) == ["b#0"]
    assert query(store, [1, 0], 2, filters=only("doc_id", ["a", "c"], FilterOperator.IN)) == ["a#0", "a#1"]
    assert query(store, [1, 0], filters=only("section", "Methods")) == ["a#1"]
    assert query(store, [1, 0], filters=only("doc_id", "nobody")) == []
    assert {n.node_id for n in store.get_nodes(filters=only("doc_id", "a"))} == {"a#0", "a#1"}
    store.delete_nodes(filters=only("section", "Methods"))
    assert sorted(query(store, [1, 0])) == ["a#0", "b#0", "c#0"]


def test_delete_by_id_and_empty_store(make_store):
    store = make_store(4)
    assert query(store, [1, 0, 0, 0]) == []
    store.add([node("a#0", "a", [1, 0, 0, 0]), node("a#1", "a", [0, 1, 0, 0])])
    store.delete_nodes(["a#0", "not-there"])
    assert query(store, [1, 0, 0, 0]) == ["a#1"] and len(store) == 1


def test_wrong_dimension_is_refused(make_store):
    store = make_store(3)
    with pytest.raises(ValueError, match="dimension"):
        store.add([node("a#0", "a", [1, 0])])


TEXTS = {
    "c1": "Dupilumab blocks IL-4Rα and so inhibits IL-13 signalling in Th2 disease.",
    "c2": "Rituximab depletes CD20 B cells; IgG4-RD relapse after rituximab was common.",
    "c3": "IgG4-related disease: serum IgG4 was raised in 60% of patients with IgG4-RD.",
    "c4": "Th2 cytokines IL-4, IL-5 and IL-13 drive fibrosis; it's the Th2 axis.",
    "c5": "",
    "c6": "Abatacept (CTLA4-Ig) in IgG4-RD: a pilot study of 10 patients.",
}
QUERIES = ["IgG4-RD rituximab", "IL-13 Th2 Th2", "il-4rα", "CTLA4-Ig pilot", "no such words", "it's patients 60%"]


def test_postgres_bm25_scores_equal_bm25s(pg_url, settings):
    store = PgChunkStore(pg_url, new_table_name(), 2, settings.pgvector)
    try:
        pg = store.chunk_terms
        pg.add(list(TEXTS), list(TEXTS.values()))
        pg.add(["c1"], [TEXTS["c1"]])  # idempotent
        local = BM25Index()
        local.index(list(TEXTS), list(TEXTS.values()))
        assert len(pg) == len(local) == len(TEXTS)
        for q in QUERIES:
            want, got = local.retrieve(q, 10), pg.retrieve(q, 10)
            assert [i for i, _ in got] == [i for i, _ in want], q
            np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)
            exact_want, exact_got = local.scores(q, ["c2", "c4", "zz"]), pg.scores(q, ["c2", "c4", "zz"])
            assert exact_got.keys() == exact_want.keys()
            np.testing.assert_allclose(list(exact_got.values()), list(exact_want.values()), rtol=1e-5)
        tokens = ["igg4", "th2", "unseen"]
        np.testing.assert_allclose(list(pg.idf(tokens).values()), list(local.idf(tokens).values()))
        pg.delete(["c2", "c3"])
        assert [i for i, _ in pg.retrieve("IgG4-RD rituximab", 10)] == ["c6"]
    finally:
        store.close()


def test_lean_reads_agree_with_query_and_vectors(make_store):
    rng = np.random.default_rng(2)
    store = make_store(6)
    store.add([node(f"d{i}#0", f"d{i}", rng.normal(size=6).tolist()) for i in range(20)])
    q = rng.normal(size=6)
    q = (q / np.linalg.norm(q)).astype("float32")
    full = store.query(VectorStoreQuery(query_embedding=q.tolist(), similarity_top_k=7))
    lean = store.nearest(q, 7)
    assert [i for i, _ in lean] == full.ids
    np.testing.assert_allclose([s for _, s in lean], full.similarities, atol=1e-5)
    ids = ["d3#0", "d11#0"]
    np.testing.assert_allclose(store.similarities(ids, q), store.vectors(ids) @ q, atol=1e-5)
