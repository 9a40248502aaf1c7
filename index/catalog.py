"""The index's catalog: documents, their chunks and the live segments, in SQLite (WAL).

One file, `catalog.sqlite`, replaces the registry that was rewritten as JSONL on
every save. A document's cleaned text is stored once (zlib); a chunk is a row of
offsets into it (its text is a slice, never a copy), plus its section and page.
Row ids come from AUTOINCREMENT and are never reused: they are the ids of the
rows in the BM25 and vector segments (`index.segments`), so a replaced chunk
gets a new row and its old one is listed as dead until a merge drops it.

A commit is one SQLite transaction: the documents, chunks, dead rows and the
segment folders it adds (already written and fsynced) become visible together
or not at all. Readers in other processes see whole commits (WAL snapshots);
`stamp` changes with every commit.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from llama_index.core.schema import TextNode

from ingest.chunking import chunk_node

CATALOG_FILE = "catalog.sqlite"
FORMAT_VERSION = 3  # 3: SQLite catalog + segments; 2 was generation folders with JSONL

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    row INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL UNIQUE, title TEXT NOT NULL, source TEXT NOT NULL,
    text BLOB NOT NULL, content_hash TEXT NOT NULL, added TEXT NOT NULL, metadata TEXT NOT NULL,
    chunks INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    row INTEGER PRIMARY KEY AUTOINCREMENT, doc_row INTEGER NOT NULL, seq INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, section TEXT NOT NULL, page INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS chunks_by_document ON chunks (doc_row, seq);
CREATE TABLE IF NOT EXISTS segments (name TEXT PRIMARY KEY, kind TEXT NOT NULL, files TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dead (kind TEXT NOT NULL, row INTEGER NOT NULL, PRIMARY KEY (kind, row)) WITHOUT ROWID;
"""


@dataclass
class DocumentRecord:
    """A document as indexed: the cleaned text every citation span points into."""

    doc_id: str
    title: str
    source: str
    text: str
    content_hash: str
    added: str
    chunk_ids: list[str]
    metadata: dict[str, object] = field(default_factory=dict)


@dataclass
class ChunkSpan:
    """What the catalog keeps of a chunk: where it is in its document, and its section and page."""

    start: int
    end: int
    section: str = ""
    page: int | None = None


class Catalog:
    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / CATALOG_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a commit survives power loss, not only a killed process
        self._db.executescript(SCHEMA)
        self._lock = threading.RLock()  # one connection, shared by the UI's threads

    @staticmethod
    def exists(folder: Path) -> bool:
        return (Path(folder) / CATALOG_FILE).is_file()

    def close(self) -> None:
        self._db.close()

    def _rows(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # --- meta ------------------------------------------------------------------------------
    def meta(self) -> dict[str, object]:
        return {k: json.loads(v) for k, v in self._rows("SELECT key, value FROM meta")}

    def set_meta(self, **values: object) -> None:
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                 [(k, json.dumps(v)) for k, v in values.items()])

    def stamp(self) -> int:
        row = self._rows("SELECT value FROM meta WHERE key = 'commits'")
        return int(json.loads(row[0][0])) if row else 0

    def next_number(self, key: str) -> int:
        """A counter in meta (inside the caller's transaction)."""
        value = int(self.meta().get(key, 0)) + 1
        self.set_meta(**{key: value})
        return value

    # --- transactions ----------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Catalog]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error: all of a commit or none of it."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self
                self.set_meta(commits=self.stamp() + 1)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Catalog]:
        """Several reads that see one commit."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self
            finally:
                self._db.execute("COMMIT")

    # --- documents -------------------------------------------------------------------------
    def stats(self) -> dict[str, int]:
        docs, chunks = self._rows("SELECT count(*), coalesce(sum(chunks), 0) FROM documents")[0]
        return {"documents": int(docs), "chunks": int(chunks)}

    def _record(self, row: tuple) -> DocumentRecord:
        doc_id, title, source, text, content_hash, added, metadata, chunks = row
        return DocumentRecord(doc_id, title, source, zlib.decompress(text).decode(), content_hash, added,
                              [f"{doc_id}#{i}" for i in range(chunks)], json.loads(metadata))

    _RECORD = "SELECT doc_id, title, source, text, content_hash, added, metadata, chunks FROM documents"

    def document(self, doc_id: str) -> DocumentRecord | None:
        rows = self._rows(f"{self._RECORD} WHERE doc_id = ?", (doc_id,))
        return self._record(rows[0]) if rows else None

    def documents(self) -> list[DocumentRecord]:
        """Every document, newest first (the UI's list; reads every text)."""
        return [self._record(r) for r in self._rows(f"{self._RECORD} ORDER BY added DESC, row DESC")]

    def content_hash(self, doc_id: str) -> str | None:
        rows = self._rows("SELECT content_hash FROM documents WHERE doc_id = ?", (doc_id,))
        return rows[0][0] if rows else None

    def chunk_count(self, doc_id: str) -> int:
        rows = self._rows("SELECT chunks FROM documents WHERE doc_id = ?", (doc_id,))
        return int(rows[0][0]) if rows else 0

    def put_document(self, record: DocumentRecord, spans: list[ChunkSpan]) -> None:
        """Insert, or replace (the old rows become dead); inside a transaction."""
        self.remove_document(record.doc_id)
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO documents (doc_id, title, source, text, content_hash, added, metadata, chunks) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (record.doc_id, record.title, record.source, zlib.compress(record.text.encode(), 6),
                 record.content_hash, record.added, json.dumps(record.metadata, ensure_ascii=False), len(spans)))
            doc_row = cur.lastrowid
            self._db.executemany(
                'INSERT INTO chunks (doc_row, seq, start, "end", section, page) VALUES (?, ?, ?, ?, ?, ?)',
                [(doc_row, i, s.start, s.end, s.section, s.page) for i, s in enumerate(spans)])

    def remove_document(self, doc_id: str) -> bool:
        """Delete a document and its chunks, listing their rows as dead; False if there is none."""
        with self._lock:
            rows = self._db.execute("SELECT row FROM documents WHERE doc_id = ?", (doc_id,)).fetchall()
            if not rows:
                return False
            doc_row = rows[0][0]
            self._db.execute("INSERT OR IGNORE INTO dead (kind, row) VALUES ('documents', ?)", (doc_row,))
            self._db.execute("INSERT OR IGNORE INTO dead (kind, row) SELECT 'chunks', row FROM chunks WHERE doc_row = ?",
                             (doc_row,))
            self._db.execute("DELETE FROM chunks WHERE doc_row = ?", (doc_row,))
            self._db.execute("DELETE FROM documents WHERE row = ?", (doc_row,))
            return True

    # --- chunks ----------------------------------------------------------------------------
    def _chunk_rows(self, chunk_ids: list[str]) -> dict[tuple[str, int], tuple]:
        """{(doc_id, seq): (row, start, end, section, page, title, source)} of these chunk ids, in a few queries."""
        wanted = {}
        for cid in chunk_ids:
            if _is_chunk_id(cid):
                doc_id, seq = cid.rsplit("#", 1)
                wanted.setdefault(doc_id, set()).add(int(seq))
        found: dict[tuple[str, int], tuple] = {}
        doc_ids = list(wanted)
        for start in range(0, len(doc_ids), 500):
            part = doc_ids[start : start + 500]
            rows = self._rows(
                'SELECT d.doc_id, c.seq, c.row, c.start, c."end", c.section, c.page, d.title, d.source FROM chunks c '
                f"JOIN documents d ON d.row = c.doc_row WHERE d.doc_id IN ({','.join('?' * len(part))})", part)
            for doc_id, seq, *rest in rows:
                if seq in wanted[doc_id]:
                    found[(doc_id, seq)] = tuple(rest)
        return found

    def nodes(self, chunk_ids: list[str]) -> list[TextNode]:
        """The chunks among these ids, in the given order, built from their documents' text."""
        found = self._chunk_rows(chunk_ids)
        texts: dict[str, str] = {}
        nodes = []
        for cid in chunk_ids:
            doc_id, _, seq = cid.rpartition("#")
            row = found.get((doc_id, int(seq))) if seq.isdigit() else None
            if row is None:
                continue
            _, start, end, section, page, title, source = row
            if doc_id not in texts:
                texts[doc_id] = zlib.decompress(self._rows("SELECT text FROM documents WHERE doc_id = ?", (doc_id,))[0][0]).decode()
            nodes.append(chunk_node(doc_id, title, source, texts[doc_id], start, end, int(seq), section, page))
        return nodes

    def rows_of(self, kind: str, ids: list[str]) -> list[int | None]:
        """Row ids of these chunk ids (kind "chunks") or document ids ("documents"); None where unknown."""
        if kind == "documents":
            found: dict[str, int] = {}
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                found.update(self._rows(f"SELECT doc_id, row FROM documents WHERE doc_id IN ({','.join('?' * len(part))})",
                                        part))
            return [found.get(i) for i in ids]
        chunks = self._chunk_rows(ids)
        out: list[int | None] = []
        for cid in ids:
            doc_id, _, seq = cid.rpartition("#")
            row = chunks.get((doc_id, int(seq))) if seq.isdigit() else None
            out.append(row[0] if row else None)
        return out

    def ids_of(self, kind: str, rows: list[int]) -> dict[int, str]:
        """Chunk ids (or document ids) of these row ids; a row no longer live is left out."""
        out: dict[int, str] = {}
        for start in range(0, len(rows), 500):
            part = rows[start : start + 500]
            marks = ",".join("?" * len(part))
            if kind == "documents":
                found = self._rows(f"SELECT row, doc_id FROM documents WHERE row IN ({marks})", part)
            else:
                found = [(r, f"{d}#{s}") for r, d, s in self._rows(
                    f"SELECT c.row, d.doc_id, c.seq FROM chunks c JOIN documents d ON d.row = c.doc_row "
                    f"WHERE c.row IN ({marks})", part)]
            out.update(found)
        return out

    def new_rows(self, kind: str, ids: list[str]) -> list[int]:
        """Row ids just assigned (inside the transaction that inserted them)."""
        rows = self.rows_of(kind, ids)
        missing = [i for i, r in zip(ids, rows) if r is None]
        if missing:
            raise KeyError(f"not in the catalog: {missing[:3]}")
        return [int(r) for r in rows]

    def all_chunk_ids(self) -> list[str]:
        return [f"{d}#{s}" for d, s in self._rows("SELECT d.doc_id, c.seq FROM chunks c JOIN documents d ON d.row = c.doc_row")]

    def all_doc_ids(self) -> list[str]:
        return [d for (d,) in self._rows("SELECT doc_id FROM documents")]

    # --- segments --------------------------------------------------------------------------
    def segments(self) -> list[tuple[str, str, dict[str, list]]]:
        """(name, kind, {file: [bytes, sha256]}) of every live segment, oldest first."""
        return [(n, k, json.loads(f)) for n, k, f in self._rows("SELECT name, kind, files FROM segments ORDER BY name")]

    def add_segment(self, name: str, kind: str, files: dict[str, list]) -> None:
        with self._lock:
            self._db.execute("INSERT INTO segments (name, kind, files) VALUES (?, ?, ?)", (name, kind, json.dumps(files)))

    def remove_segments(self, names: list[str]) -> None:
        with self._lock:
            self._db.executemany("DELETE FROM segments WHERE name = ?", [(n,) for n in names])

    def dead(self, kind: str) -> np.ndarray:
        return np.asarray([r for (r,) in self._rows("SELECT row FROM dead WHERE kind = ? ORDER BY row", (kind,))],
                          dtype=np.int64)

    def forget_dead(self, kind: str, lo: int, hi: int) -> None:
        """Dead rows in [lo, hi) were dropped by a merge."""
        with self._lock:
            self._db.execute("DELETE FROM dead WHERE kind = ? AND row >= ? AND row < ?", (kind, lo, hi))


def _is_chunk_id(cid: str) -> bool:
    head, _, seq = cid.rpartition("#")
    return bool(head) and seq.isdigit()


__all__ = ["Catalog", "ChunkSpan", "DocumentRecord", "FORMAT_VERSION"]
