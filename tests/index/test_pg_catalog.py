"""The catalog of a pgvector index lives in PostgreSQL: what several serving machines need, on a real server.

The rest of the catalog's behaviour runs on both engines through tests/index/test_corpus.py and
tests/index/test_chunk_stores.py (every test there is run with FAISS + SQLite and with pgvector + PostgreSQL).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg2
import pytest

from errors import IndexLockedError, IndexWriteError, OldIndexFormatError, UserError
from index.catalog import CATALOG_FILE, PG_POINTER_FILE, ChunkSpan, DocumentRecord, PgCatalog, open_catalog
from index.corpus import CorpusIndex
from ingest.pipeline import ingest

DOCS = {
    "dupilumab": "Dupilumab in IgG4-RD\n\nDupilumab blocks IL-4Rα and so inhibits IL-13 signalling.",
    "rituximab": "Rituximab in IgG4-RD\n\nRituximab depletes CD20 B cells. Relapse occurred after one year.",
}


def write_corpus(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / f"{name}.txt").write_text(text)
    return folder


def second_machine(folder: Path, tmp_path: Path) -> Path:
    """What another machine needs to serve the index: the one-line pointer file, nothing else."""
    other = tmp_path / "other-machine" / "index"
    other.mkdir(parents=True)
    shutil.copy(folder / PG_POINTER_FILE, other / PG_POINTER_FILE)
    return other


def test_a_pgvector_index_keeps_its_catalog_in_postgres_and_another_machine_serves_it(tmp_path, pg_settings, hash_model):
    folder = pg_settings.paths.index_dir
    writer = CorpusIndex.open(folder, pg_settings)
    ingest(writer, [write_corpus(tmp_path / "papers", DOCS)])
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [PG_POINTER_FILE]
    assert not (folder / CATALOG_FILE).exists()

    reader = CorpusIndex.open(second_machine(folder, tmp_path), pg_settings, must_exist=True)
    assert reader.stats() == {"documents": 2, "chunks": 2}
    hit = reader.search("CD20 B cells", k=1)[0]
    assert hit.doc_id == "rituximab"
    assert reader.document("rituximab").text[hit.node.start_char_idx : hit.node.end_char_idx] == hit.node.text

    ingest(writer, [write_corpus(tmp_path / "more", {"thalidomide": "Thalidomide\n\nThalidomide healed skin nodules."})])
    assert reader.refresh() and reader.search("skin nodules", k=1)[0].doc_id == "thalidomide"  # the new commit, at once


def test_writers_on_two_machines_take_turns(tmp_path, pg_settings, hash_model):
    """The folder lock cannot see another machine; the schema's advisory lock does."""
    folder = pg_settings.paths.index_dir
    first = CorpusIndex.open(folder, pg_settings)
    ingest(first, [write_corpus(tmp_path / "papers", DOCS)])
    second = CorpusIndex.open(second_machine(folder, tmp_path), pg_settings, must_exist=True)
    with first.writing():
        with pytest.raises(IndexLockedError, match="another process is writing"):
            with second.writing():
                pass
    with second.writing():  # released when the first writer finished
        pass


def test_a_connection_lost_during_a_commit_keeps_nothing_of_it_and_reads_reconnect(tmp_path, pg_url):
    catalog = open_catalog(tmp_path / "index", "pgvector", lambda: pg_url)
    record = DocumentRecord("a", "A", "test", "alpha beta", "h", "now", [], {})
    with catalog.transaction():
        catalog.put_document(record, [ChunkSpan(0, 5)])
    with pytest.raises(ConnectionError, match="lost during a commit"):
        with catalog.transaction():
            catalog.put_document(DocumentRecord("b", "B", "test", "gamma", "h", "now", [], {}), [ChunkSpan(0, 5)])
            with psycopg2.connect(pg_url) as admin, admin.cursor() as cur:  # the server drops our connection
                cur.execute("SELECT pg_terminate_backend(%s)", (catalog._db.get_backend_pid(),))
            with pytest.raises(psycopg2.Error):
                catalog.put_document(DocumentRecord("c", "C", "test", "delta", "h", "now", [], {}), [ChunkSpan(0, 5)])
            # A caller that swallowed that error must not go on in autocommit on a new connection ("d" kept alone).
            catalog.put_document(DocumentRecord("d", "D", "test", "omega", "h", "now", [], {}), [ChunkSpan(0, 5)])
    assert catalog.all_doc_ids() == ["a"] and catalog.stats() == {"documents": 1, "chunks": 1}  # reconnected
    assert catalog.nodes(["a#0"])[0].text == "alpha"


def test_a_pointer_to_a_schema_the_database_lacks_is_a_clear_error(tmp_path, pg_url):
    folder = tmp_path / "index"
    folder.mkdir()
    (folder / PG_POINTER_FILE).write_text('{"schema": "biocite_catalog_gone"}\n')
    with pytest.raises(UserError, match="does not have"):
        open_catalog(folder, "pgvector", lambda: pg_url)
    with pytest.raises(UserError, match="not a schema name"):
        PgCatalog(pg_url, "x; DROP TABLE meta")


def _search_indexes(url: str, table: str) -> set[str]:
    """The indexes a bulk write puts off: the HNSW index (keyword postings need none)."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", (f"data_{table}",))
        return {name for (name,) in cur.fetchall() if name.endswith("_embedding_idx")}


def test_a_bulk_ingest_builds_the_search_indexes_once_at_its_end_and_a_small_one_keeps_them(
    tmp_path, pg_settings, pg_url, hash_model
):
    """Above `pgvector.bulk_rows` new chunks (and more than the index held) the HNSW index is dropped
    while rows go in and built at the end, with progress; the index answers the same either way."""
    pg_settings.pgvector.bulk_rows = 3
    pg_settings.ingest.embed_batch = 2  # several puts, so the drop happens mid-ingest
    docs = {f"paper{i}": f"Paper {i}\n\nDrug{i} was given to {i} patients with IgG4-related disease." for i in range(6)}
    events: list[tuple] = []
    index = CorpusIndex.open(pg_settings.paths.index_dir, pg_settings)
    ingest(index, [write_corpus(tmp_path / "papers", docs)], progress=lambda *e: events.append(e))
    table = index._catalog.meta()["table"]
    assert len(_search_indexes(pg_url, table)) == 1  # back after the build
    order = [e[0] for e in events]
    last_embedding = max(i for i, phase in enumerate(order) if phase == "Embedding")
    assert order.index("Building the vector index (HNSW)") > last_embedding
    assert index.search("Drug4 patients", k=1)[0].doc_id == "paper4"

    events.clear()  # 1 new chunk into 6: kept incremental, nothing rebuilt
    ingest(index, [write_corpus(tmp_path / "more", {"late": "Late\n\nDrug9 helped."})], progress=lambda *e: events.append(e))
    assert not [e for e in events if e[0].startswith("Building")]
    assert len(_search_indexes(pg_url, table)) == 1 and index.search("Drug9", k=1)[0].doc_id == "late"

    with psycopg2.connect(pg_url) as conn, conn.cursor() as cur:  # what a writer killed before its build leaves
        for name in _search_indexes(pg_url, table):
            cur.execute(f"DROP INDEX {name}")
    reopened = CorpusIndex.open(pg_settings.paths.index_dir, pg_settings, must_exist=True)
    assert len(_search_indexes(pg_url, table)) == 1  # the next process to open it builds them
    assert reopened.search("Drug2 patients", k=1)[0].doc_id == "paper2"


def test_a_failed_index_build_loses_no_document_and_does_not_hide_an_earlier_error(
    tmp_path, pg_settings, pg_url, hash_model
):
    """PostgreSQL refusing the deferred build (here: a memory setting it rejects) is a clear error after the
    documents are committed; the next opener builds the indexes. When the write itself failed, its error is the
    one reported."""
    pg_settings.pgvector.bulk_rows = 3
    pg_settings.pgvector.build_memory_mb = 10**9  # more than PostgreSQL accepts for maintenance_work_mem
    docs = {f"paper{i}": f"Paper {i}\n\nDrug{i} was given to {i} patients." for i in range(4)}
    index = CorpusIndex.open(pg_settings.paths.index_dir, pg_settings)
    with pytest.raises(IndexWriteError, match="documents were saved, but PostgreSQL could not build the search indexes"):
        ingest(index, [write_corpus(tmp_path / "papers", docs)])
    table = index._catalog.meta()["table"]
    assert not _search_indexes(pg_url, table)  # dropped for the bulk write, not built

    pg_settings.pgvector.build_memory_mb = 64
    reopened = CorpusIndex.open(pg_settings.paths.index_dir, pg_settings, must_exist=True)
    assert reopened.stats() == {"documents": 4, "chunks": 4} and len(_search_indexes(pg_url, table)) == 1
    assert reopened.search("Drug3 patients", k=1)[0].doc_id == "paper3"

    pg_settings.pgvector.build_memory_mb = 10**9
    with pytest.raises(RuntimeError, match="the write's own error"), reopened.writing():
        reopened._store._deferred = True  # a bulk write that then fails
        raise RuntimeError("the write's own error")


def test_an_index_in_a_previous_table_layout_gets_one_clear_message(tmp_path, pg_settings, hash_model):
    """Indexes built before keyword postings (tsvector rows, `pg_layout` absent) or with a row's length in every
    posting (layout 2) are refused with the rebuild command."""
    folder = pg_settings.paths.index_dir
    index = CorpusIndex.open(folder, pg_settings)
    ingest(index, [write_corpus(tmp_path / "papers", DOCS)])
    for older in ("DELETE FROM meta WHERE key = 'pg_layout'", "INSERT INTO meta (key, value) VALUES ('pg_layout', '2')"):
        with index._catalog.transaction():
            index._catalog._execute(older)
        with pytest.raises(OldIndexFormatError, match=r"older layout.*python app.py ingest PATH\.\.\. --index"):
            CorpusIndex.open(folder, pg_settings, must_exist=True)
