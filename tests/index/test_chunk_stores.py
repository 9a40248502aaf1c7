"""One suite, two stores: FAISS segments and PostgreSQL + pgvector (a real server) behind `index.store.ChunkStore`.

Each store is driven the way `CorpusIndex` drives it: `put` the chunks of a document, then commit inside the
catalog's transaction, then `reload`. Covers nearest neighbours, cosines, stored vectors, replace, delete, the
dimension check, and BM25 over chunks and documents, which must equal a fresh bm25s index of the same texts.
"""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from index.catalog import Catalog, ChunkSpan, DocumentRecord, open_catalog
from index.chunks import chunk_node, embedding_text
from index.faiss_store import FaissChunkStore
from index.pg_store import PgChunkStore, new_table_name
from index.store import ChunkStore
from text.tokens import tokenize


class Harness:
    """A store and its catalog, written to as `CorpusIndex` writes."""

    def __init__(self, store: ChunkStore, catalog: Catalog) -> None:
        self.store, self.catalog = store, catalog

    def add(self, doc_id: str, texts: list[str], vectors: list[list[float]], title: str = "") -> list[str]:
        text, spans, nodes = "", [], []
        for chunk in texts:
            start = len(text)
            text += chunk + " "
            spans.append(ChunkSpan(start, start + len(chunk)))
        for i, (span, vec) in enumerate(zip(spans, vectors)):
            node = chunk_node(doc_id, title, "test", text, span.start, span.end, i)
            v = np.asarray(vec, dtype="float32")
            node.embedding = (v / np.linalg.norm(v)).tolist()
            nodes.append(node)
        old = [f"{doc_id}#{i}" for i in range(self.catalog.chunk_count(doc_id))]
        self.store.remove(old, [])
        self.store.put(nodes, [(doc_id, f"{title}\n{text}")])
        with self.catalog.transaction():
            self.catalog.put_document(DocumentRecord(doc_id, title, "test", text, "h", "now", [], {}), spans)
            self.store.commit(self.catalog)
        self.store.reload(self.catalog)
        return [embedding_text(n) for n in nodes]

    def delete(self, doc_id: str) -> None:
        chunk_ids = [f"{doc_id}#{i}" for i in range(self.catalog.chunk_count(doc_id))]
        with self.catalog.transaction():
            self.catalog.remove_document(doc_id)
            self.store.commit(self.catalog)
        self.store.remove(chunk_ids, [doc_id])
        self.store.reload(self.catalog)


@pytest.fixture(params=["faiss", "pgvector"])
def make_store(request, settings, tmp_path):
    def make(dim: int) -> Harness:
        folder = tmp_path / f"index{len(list(tmp_path.iterdir()))}"
        catalog = open_catalog(folder, request.param, lambda: request.getfixturevalue("pg_url"))
        request.addfinalizer(catalog.close)
        if request.param == "faiss":
            store = FaissChunkStore(folder, catalog, settings.retrieval, dim)
        else:
            store = PgChunkStore(request.getfixturevalue("pg_url"), new_table_name(), dim, settings.pgvector)
            request.addfinalizer(store.close)
        assert isinstance(store, ChunkStore)
        return Harness(store, catalog)

    return make


def ids(ranking) -> list[str]:
    return [i for i, _ in ranking]


def test_nearest_replace_and_delete_by_document(make_store):
    h = make_store(3)
    h.add("a", ["alpha one", "alpha two"], [[1, 0, 0], [0.9, 0.1, 0]])
    h.add("b", ["beta"], [[0, 1, 0]])
    assert len(h.store) == 3
    assert ids(h.store.nearest(np.asarray([1, 0, 0], "float32"), 2)) == ["a#0", "a#1"]
    h.add("a", ["alpha again"], [[0, 0, 1]])  # replaced: one chunk now, another vector
    assert len(h.store) == 2 and ids(h.store.nearest(np.asarray([0, 0, 1], "float32"), 1)) == ["a#0"]
    assert "a#1" not in ids(h.store.nearest(np.asarray([1, 0, 0], "float32"), 5))
    h.delete("a")
    assert ids(h.store.nearest(np.asarray([1, 0, 0], "float32"), 5)) == ["b#0"] and len(h.store) == 1


def test_similarities_are_cosines_and_vectors_come_back_as_stored(make_store):
    """As stored: FAISS segments keep fp16 (`retrieval.vector_precision`), so within 1e-3 of what went in."""
    rng = np.random.default_rng(2)
    h = make_store(6)
    vectors = rng.normal(size=(20, 6))
    for i in range(20):
        h.add(f"d{i}", [f"text {i}"], [vectors[i].tolist()])
    q = rng.normal(size=6)
    q = (q / np.linalg.norm(q)).astype("float32")
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    nearest = h.store.nearest(q, 7)
    assert ids(nearest) == [f"d{i}#0" for i in np.argsort(-(unit @ q))[:7]]
    np.testing.assert_allclose([s for _, s in nearest], np.sort(unit @ q)[::-1][:7], atol=1e-3)
    wanted = ["d3#0", "d11#0", "missing#0"]
    np.testing.assert_allclose(h.store.vectors(wanted)[:2], unit[[3, 11]], atol=1e-3)
    assert not h.store.vectors(wanted)[2].any()
    np.testing.assert_allclose(h.store.similarities(wanted, q), [unit[3] @ q, unit[11] @ q, 0.0], atol=1e-3)


def test_wrong_dimension_is_refused(make_store):
    h = make_store(3)
    with pytest.raises(ValueError, match="dimension"):
        h.add("a", ["x"], [[1, 0]])


TEXTS = {
    "c1": "Dupilumab blocks IL-4Rα and so inhibits IL-13 signalling in Th2 disease.",
    "c2": "Rituximab depletes CD20 B cells; IgG4-RD relapse after rituximab was common.",
    "c3": "IgG4-related disease: serum IgG4 was raised in 60% of patients with IgG4-RD.",
    "c4": "Th2 cytokines IL-4, IL-5 and IL-13 drive fibrosis; it's the Th2 axis.",
    "c5": "",
    "c6": "Abatacept (CTLA4-Ig) in IgG4-RD: a pilot study of 10 patients.",
}
QUERIES = ["IgG4-RD rituximab", "IL-13 Th2 Th2", "il-4rα", "CTLA4-Ig pilot", "no such words", "it's patients 60%"]


def _check_bm25(keywords, texts: dict[str, str]) -> None:
    ref = bm25s.BM25()
    keys = list(texts)
    ref.index([tokenize(texts[k]) or ["\x00"] for k in keys], show_progress=False)
    assert len(keywords) == len(keys)
    for q in QUERIES:
        known = [t for t in tokenize(q) if t in ref.vocab_dict]
        expected = dict(zip(keys, ref.get_scores(known))) if known else dict.fromkeys(keys, 0.0)
        got = keywords.retrieve(q, 10)
        want = sorted(((k, s) for k, s in expected.items() if s > 0), key=lambda kv: (-kv[1], kv[0]))
        assert ids(got) == ids(want), q
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)
        exact = keywords.scores(q, keys[:3] + ["zz"])
        np.testing.assert_allclose([exact[k] for k in keys[:3]], [expected[k] for k in keys[:3]], rtol=1e-5, atol=1e-7)
        assert exact["zz"] == 0.0
    tokens = ["igg4", "th2", "unseen"]
    df = {t: sum(t in tokenize(x) for x in texts.values()) for t in tokens}
    n = len(keys)
    want = [np.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in tokens]
    np.testing.assert_allclose([keywords.idf(tokens)[t] for t in tokens], want)  # after searches (pgvector: remembered)
    if hasattr(keywords, "forget_counts"):
        keywords.forget_counts()  # pgvector: from the posting rows' sizes, or counted when some row is dead
    np.testing.assert_allclose([keywords.idf(tokens)[t] for t in tokens], want)


def test_bm25_over_chunks_and_documents_equals_bm25s(make_store):
    h = make_store(2)
    embedded = {}
    for i, (key, text) in enumerate(TEXTS.items()):
        embedded[f"{key}#0"] = h.add(key, [text], [[1, i + 1]], title=f"Paper {key}")[0]
    _check_bm25(h.store.chunk_terms, embedded)  # no row replaced yet
    h.add("c1", [TEXTS["c1"]], [[1, 1]], title="Paper c1")  # re-added: replaced, not counted twice
    _check_bm25(h.store.chunk_terms, embedded)
    docs = {k: f"Paper {k}\n{t} " for k, t in TEXTS.items()}
    _check_bm25(h.store.doc_terms, docs)
    h.delete("c2")
    h.delete("c3")
    assert ids(h.store.chunk_terms.retrieve("IgG4-RD rituximab", 10)) == ["c6#0"]
    assert ids(h.store.doc_terms.retrieve("IgG4-RD rituximab", 10)) == ["c6"]


def test_a_pgvector_merge_drops_the_postings_of_deleted_and_replaced_rows(pg_url):
    """Eight keyword segments (one size class) merged: the postings of rows replaced or deleted before the merge
    are gone from the merged segment and from `_dead`, scores still equal bm25s over the live texts, and document
    frequencies are read from the posting rows' sizes again (the path that needs no dead row)."""
    from sqlalchemy import text

    from index.pg_store import MERGE_FANOUT, POSTING, ROW_LENGTH, PgKeywordIndex, _engines

    engine, _ = _engines(pg_url)
    keywords = PgKeywordIndex(engine, new_table_name())
    t = keywords.table
    live = dict(TEXTS)
    keywords.add(list(live), list(live.values()))
    keywords.flush()  # segment 1: c1 ... c6
    keywords.add(["c1"], ["Dupilumab again: IL-4Rα blockade in Th2-high IgG4-RD."])  # c1's first row is dead
    live["c1"] = "Dupilumab again: IL-4Rα blockade in Th2-high IgG4-RD."
    keywords.flush()
    keywords.delete(["c2"])  # dead, no new segment
    del live["c2"]
    for i in range(MERGE_FANOUT - 2):  # segments 3 ... 8
        live[f"e{i}"] = f"Extra paper {i} on IgG4-RD relapse and rituximab, {i} patients."
        keywords.add([f"e{i}"], [live[f"e{i}"]])
        keywords.flush()

    def count(sql: str) -> int:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())

    assert count(f"SELECT count(*) FROM {t}_segments") == MERGE_FANOUT and count(f"SELECT count(*) FROM {t}_dead") == 2
    _check_bm25(keywords, live)
    keywords.merge()
    assert count(f"SELECT count(*) FROM {t}_segments") == 1 and count(f"SELECT count(*) FROM {t}_dead") == 0
    assert count(f"SELECT sum(rows) FROM {t}_segments") == len(live)
    with engine.connect() as conn:
        rows = {int(r) for (blob,) in conn.execute(text(f"SELECT postings FROM {t}_postings"))
                for r in np.frombuffer(bytes(blob), dtype=POSTING)["row"]}
        live_rows = {int(r) for r in conn.execute(text(f"SELECT row FROM {t}_rows")).scalars()}
    assert rows <= live_rows  # no posting of a dead row is left
    with engine.connect() as conn:
        (blob,) = conn.execute(text(f"SELECT lengths FROM {t}_segments")).one()
    assert set(np.frombuffer(bytes(blob), dtype=ROW_LENGTH)["row"].tolist()) == live_rows  # nor a dead row's length
    keywords.forget_counts()
    _check_bm25(keywords, live)
    engine.dispose()


def test_a_pgvector_reader_scores_rows_another_writer_committed_after_its_first_search(pg_url):
    """Row lengths are read once per segment: a reader that searched before another process's commit scores the
    new rows with their own lengths (not a stale or missing one), as bm25s does over all the texts."""
    from index.pg_store import PgKeywordIndex, _engines

    engine, _ = _engines(pg_url)
    table = new_table_name()
    writer, reader = PgKeywordIndex(engine, table), PgKeywordIndex(engine, table)
    first = {k: TEXTS[k] for k in list(TEXTS)[:3]}
    writer.add(list(first), list(first.values()))
    writer.flush()
    _check_bm25(reader, first)
    writer.add(list(TEXTS)[3:], list(TEXTS.values())[3:])
    writer.flush()
    reader.forget_counts()  # what `PgChunkStore.reload` does when the catalog shows a new commit
    _check_bm25(reader, dict(TEXTS))
    engine.dispose()
