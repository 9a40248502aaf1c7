"""The catalog of a pgvector index lives in PostgreSQL: what several serving machines need, on a real server.

The rest of the catalog's behaviour runs on both engines through tests/index/test_corpus.py and
tests/index/test_chunk_stores.py (every test there is run with FAISS + SQLite and with pgvector + PostgreSQL).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg2
import pytest

from errors import IndexLockedError, UserError
from index.catalog import CATALOG_FILE, PG_POINTER_FILE, ChunkSpan, DocumentRecord, PgCatalog, open_catalog
from index.corpus import CorpusIndex

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
    writer.ingest([write_corpus(tmp_path / "papers", DOCS)])
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [PG_POINTER_FILE]
    assert not (folder / CATALOG_FILE).exists()

    reader = CorpusIndex.open(second_machine(folder, tmp_path), pg_settings, must_exist=True)
    assert reader.stats() == {"documents": 2, "chunks": 2}
    hit = reader.search("CD20 B cells", k=1)[0]
    assert hit.doc_id == "rituximab"
    assert reader.document("rituximab").text[hit.node.start_char_idx : hit.node.end_char_idx] == hit.node.text

    writer.ingest([write_corpus(tmp_path / "more", {"thalidomide": "Thalidomide\n\nThalidomide healed skin nodules."})])
    assert reader.refresh() and reader.search("skin nodules", k=1)[0].doc_id == "thalidomide"  # the new commit, at once


def test_writers_on_two_machines_take_turns(tmp_path, pg_settings, hash_model):
    """The folder lock cannot see another machine; the schema's advisory lock does."""
    folder = pg_settings.paths.index_dir
    first = CorpusIndex.open(folder, pg_settings)
    first.ingest([write_corpus(tmp_path / "papers", DOCS)])
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
