"""The index's catalog: documents, their chunks and the live segments, in SQLite (WAL) or PostgreSQL.

With FAISS, one file, `catalog.sqlite`, replaces the registry that was rewritten
as JSONL on every save. With pgvector the same tables live in a PostgreSQL schema
of their own (`PgCatalog`), next to the chunk tables, and the index folder keeps
only `catalog.postgres`, naming that schema: any process on any machine that has
that file and the database URL serves the corpus, and sees each commit as soon as
it is made. A document's cleaned text is stored once (zlib); a chunk is a row of
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
import os
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from llama_index.core.schema import TextNode

from errors import IndexLockedError, UserError
from index.chunks import chunk_node

CATALOG_FILE = "catalog.sqlite"
PG_POINTER_FILE = "catalog.postgres"  # {"schema": ...}: the catalog of a pgvector index is in the database
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

# The same tables in PostgreSQL: identity columns are never reused either (a sequence), BYTEA for the texts.
PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    row BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, doc_id TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
    source TEXT NOT NULL, text BYTEA NOT NULL, content_hash TEXT NOT NULL, added TEXT NOT NULL,
    metadata TEXT NOT NULL, chunks INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    row BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, doc_row BIGINT NOT NULL, seq INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, section TEXT NOT NULL, page INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS chunks_by_document ON chunks (doc_row, seq);
CREATE TABLE IF NOT EXISTS segments (name TEXT PRIMARY KEY, kind TEXT NOT NULL, files TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dead (kind TEXT NOT NULL, row BIGINT NOT NULL, PRIMARY KEY (kind, row));
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
    """The catalog in `catalog.sqlite` in the index folder. SQL is written once, in the dialect both engines
    share (`?` parameters, ON CONFLICT, RETURNING); `PgCatalog` overrides only how statements reach the server."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / CATALOG_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a commit survives power loss, not only a killed process
        self._db.executescript(SCHEMA)
        self._lock = threading.RLock()  # one connection, shared by the UI's threads
        self._counts: dict[str, int] | None = None  # inside a write transaction: the counts it will store

    @staticmethod
    def exists(folder: Path) -> bool:
        """A catalog in the folder, or a pointer to one in PostgreSQL."""
        return (Path(folder) / CATALOG_FILE).is_file() or (Path(folder) / PG_POINTER_FILE).is_file()

    def close(self) -> None:
        self._db.close()

    def _execute(self, sql: str, params: tuple | list = ()):
        """Run one statement (under the caller's lock); a cursor."""
        return self._db.execute(sql, params)

    def _executemany(self, sql: str, rows: list[tuple]) -> None:
        self._db.executemany(sql, rows)

    def _begin(self, write: bool) -> None:
        self._execute("BEGIN IMMEDIATE" if write else "BEGIN")

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Writers on other machines kept out. SQLite needs nothing more: `index.persistence.writer_lock`
        locks the folder, and only processes that share the folder share the file."""
        yield

    def _rows(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        with self._lock:
            return self._execute(sql, params).fetchall()

    # --- meta ------------------------------------------------------------------------------
    def meta(self) -> dict[str, object]:
        return {k: json.loads(v) for k, v in self._rows("SELECT key, value FROM meta")}

    def set_meta(self, **values: object) -> None:
        with self._lock:
            self._executemany("INSERT INTO meta (key, value) VALUES (?, ?) "
                              "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
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
            self._begin(write=True)
            try:
                self._counts = self._stored_counts() or self._counted()
                yield self
                self.set_meta(commits=self.stamp() + 1, counts=self._counts)
                self._execute("COMMIT")
            except BaseException:
                self._execute("ROLLBACK")
                raise
            finally:
                self._counts = None

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Catalog]:
        """Several reads that see one commit."""
        with self._lock:
            self._begin(write=False)
            try:
                yield self
            finally:
                self._execute("COMMIT")

    # --- documents -------------------------------------------------------------------------
    def stats(self) -> dict[str, int]:
        """Documents and chunks: kept by each commit, so reading them never scans (an index written before the
        counts were kept, or by a write outside a transaction, is counted until its next commit)."""
        return self._stored_counts() or self._counted()

    def _stored_counts(self) -> dict[str, int] | None:
        rows = self._rows("SELECT value FROM meta WHERE key = 'counts'")
        return dict(json.loads(rows[0][0])) if rows else None

    def _counted(self) -> dict[str, int]:
        docs, chunks = self._rows("SELECT count(*), coalesce(sum(chunks), 0) FROM documents")[0]
        return {"documents": int(docs), "chunks": int(chunks)}

    def _count(self, documents: int, chunks: int) -> None:
        if self._counts is not None:
            self._counts = {"documents": self._counts["documents"] + documents, "chunks": self._counts["chunks"] + chunks}
        else:  # a write outside `transaction`: count again until the next commit stores the counts
            self._execute("DELETE FROM meta WHERE key = 'counts'")

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

    def identities(self) -> list[tuple[str, str, dict[str, object]]]:
        """Every document's id, title and metadata, without its text: what ingest matches a new paper against."""
        return [(d, t, json.loads(m)) for d, t, m in self._rows("SELECT doc_id, title, metadata FROM documents")]

    def content_hash(self, doc_id: str) -> str | None:
        rows = self._rows("SELECT content_hash FROM documents WHERE doc_id = ?", (doc_id,))
        return rows[0][0] if rows else None

    def chunk_count(self, doc_id: str) -> int:
        rows = self._rows("SELECT chunks FROM documents WHERE doc_id = ?", (doc_id,))
        return int(rows[0][0]) if rows else 0

    def chunk_counts(self, doc_ids: list[str]) -> dict[str, int]:
        """Chunks per document, in one statement per 500 ids: a document search asks for some 400 papers' counts,
        one statement each was ~5 ms a query on SQLite and a round trip each in PostgreSQL."""
        found: dict[str, int] = {}
        for start in range(0, len(doc_ids), 500):
            part = doc_ids[start : start + 500]
            found.update((d, int(n)) for d, n in self._rows(
                f"SELECT doc_id, chunks FROM documents WHERE doc_id IN ({','.join('?' * len(part))})", part))
        return found

    def put_document(self, record: DocumentRecord, spans: list[ChunkSpan]) -> None:
        """Insert, or replace (the old rows become dead); inside a transaction."""
        self.remove_document(record.doc_id)
        with self._lock:
            doc_row = self._execute(
                "INSERT INTO documents (doc_id, title, source, text, content_hash, added, metadata, chunks) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING row",
                (record.doc_id, record.title, record.source, zlib.compress(record.text.encode(), 6),
                 record.content_hash, record.added, json.dumps(record.metadata, ensure_ascii=False), len(spans)),
            ).fetchone()[0]
            self._executemany(
                'INSERT INTO chunks (doc_row, seq, start, "end", section, page) VALUES (?, ?, ?, ?, ?, ?)',
                [(doc_row, i, s.start, s.end, s.section, s.page) for i, s in enumerate(spans)])
            self._count(1, len(spans))

    def remove_document(self, doc_id: str) -> bool:
        """Delete a document and its chunks, listing their rows as dead; False if there is none."""
        with self._lock:
            rows = self._rows("SELECT row, chunks FROM documents WHERE doc_id = ?", (doc_id,))
            if not rows:
                return False
            doc_row, chunks = rows[0]
            self._execute("INSERT INTO dead (kind, row) VALUES ('documents', ?) ON CONFLICT DO NOTHING", (doc_row,))
            self._execute("INSERT INTO dead (kind, row) SELECT 'chunks', row FROM chunks WHERE doc_row = ? "
                          "ON CONFLICT DO NOTHING", (doc_row,))
            self._execute("DELETE FROM chunks WHERE doc_row = ?", (doc_row,))
            self._execute("DELETE FROM documents WHERE row = ?", (doc_row,))
            self._count(-1, -int(chunks))
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
            self._execute("INSERT INTO segments (name, kind, files) VALUES (?, ?, ?)", (name, kind, json.dumps(files)))

    def remove_segments(self, names: list[str]) -> None:
        with self._lock:
            self._executemany("DELETE FROM segments WHERE name = ?", [(n,) for n in names])

    def dead(self, kind: str) -> np.ndarray:
        return np.asarray([r for (r,) in self._rows("SELECT row FROM dead WHERE kind = ? ORDER BY row", (kind,))],
                          dtype=np.int64)

    def forget_dead(self, kind: str, lo: int, hi: int) -> None:
        """Dead rows in [lo, hi) were dropped by a merge."""
        with self._lock:
            self._execute("DELETE FROM dead WHERE kind = ? AND row >= ? AND row < ?", (kind, lo, hi))


class PgCatalog(Catalog):
    """The catalog in a PostgreSQL schema of its own, for a pgvector index: every table `Catalog` has.

    Serving processes on any machine need only the database URL and the schema's name (the index
    folder's `catalog.postgres`); they see a commit as soon as it is made. Writers also take an advisory
    lock on the schema, because `index.persistence.writer_lock` locks a folder on one machine only."""

    def __init__(self, url: str, schema: str, *, create: bool = False) -> None:
        if not schema.replace("_", "").isalnum() or not schema.isascii() or schema[0].isdigit():
            raise UserError(f"the PostgreSQL schema named in {PG_POINTER_FILE} is not a schema name: {schema!r}")
        self.path, self.schema, self._url = None, schema, _libpq_url(url)
        self._lock = threading.RLock()
        self._counts = None
        self._in_transaction = False
        self._connect()
        with self._lock:
            found = self._execute("SELECT count(*) FROM pg_namespace WHERE nspname = ?", (schema,)).fetchone()[0]
            if not found and not create:
                raise UserError(f"this index's catalog was in the PostgreSQL schema {schema}, which the database at "
                                f"{_hide_password(url)} does not have; point the URL at the database the index was "
                                "built in, or ingest into a new --index folder")
            self._execute("BEGIN")  # two processes creating tables at once would collide: one at a time
            self._execute("SELECT pg_advisory_xact_lock(hashtext('biocite catalog tables'))")
            self._execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            for statement in filter(str.strip, PG_SCHEMA.split(";")):
                self._execute(statement)
            self._execute("COMMIT")

    def _connect(self) -> None:
        import psycopg2

        from index.pg_store import error_reason

        try:
            self._db = psycopg2.connect(self._url, options=f"-c search_path={self.schema}")
        except psycopg2.Error as exc:
            raise UserError(f"cannot use PostgreSQL for the index catalog: {error_reason(exc)}") from None
        self._db.autocommit = True  # transactions are explicit, as with SQLite's isolation_level=None

    def _execute(self, sql: str, params: tuple | list = ()):
        if self._db.closed:  # the connection died (a server restart, a network cut)
            if self._in_transaction:  # never go on in autocommit: the server already rolled the rest back
                if sql == "ROLLBACK":
                    self._in_transaction = False
                    return None
                raise ConnectionError("the connection to PostgreSQL was lost during a commit; nothing of it was kept")
            self._connect()  # between commits: a serving process reconnects instead of failing forever
        cursor = self._db.cursor()
        cursor.execute(sql.replace("?", "%s"), tuple(params) or None)
        if sql.startswith("BEGIN") or sql in ("COMMIT", "ROLLBACK"):
            self._in_transaction = sql.startswith("BEGIN")
        return cursor

    def _executemany(self, sql: str, rows: list[tuple]) -> None:
        from psycopg2.extras import execute_batch

        execute_batch(self._db.cursor(), sql.replace("?", "%s"), rows, page_size=1000)  # not one round trip a row

    def _begin(self, write: bool) -> None:
        if write:
            self._execute("BEGIN")
            self._execute("SELECT pg_advisory_xact_lock(hashtext(?))", (self.schema,))
        else:
            self._execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """The schema's advisory lock for the whole of a write, or IndexLockedError at once (released if we die)."""
        with self._lock:
            got = self._execute("SELECT pg_try_advisory_lock(hashtext(?))", (self.schema,)).fetchone()[0]
        if not got:
            raise IndexLockedError(f"another process is writing this index (catalog schema {self.schema} in "
                                   "PostgreSQL); wait for it to finish and try again")
        try:
            yield
        finally:
            with self._lock:
                if not self._db.closed:
                    self._execute("SELECT pg_advisory_unlock(hashtext(?))", (self.schema,))


def open_catalog(folder: Path, store: str, url: Callable[[], str]) -> Catalog:
    """The folder's catalog: `catalog.sqlite` there, or the PostgreSQL schema its `catalog.postgres` names.

    A new index gets the kind its store wants: a pgvector index a new schema, created before the
    pointer is written (atomically), so a crash never leaves a pointer to nothing."""
    folder = Path(folder)
    pointer = folder / PG_POINTER_FILE
    if pointer.is_file() and not (folder / CATALOG_FILE).is_file():
        if store != "pgvector":  # without the URL its catalog cannot even be read: say what it is
            raise UserError(f"the index in {folder} keeps its chunks in pgvector, but settings ask for store = "
                            f"{store}; use another --index folder, or set BIOCITE_STORE=pgvector")
        return PgCatalog(url(), str(json.loads(pointer.read_text())["schema"]))
    if store != "pgvector" or (folder / CATALOG_FILE).is_file():
        return Catalog(folder)
    folder.mkdir(parents=True, exist_ok=True)
    catalog = PgCatalog(url(), "biocite_catalog_" + os.urandom(5).hex(), create=True)
    tmp = pointer.with_name(pointer.name + ".tmp")
    with open(tmp, "w") as handle:
        handle.write(json.dumps({"schema": catalog.schema}) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, pointer)
    return catalog


def catalog_errors() -> tuple[type[BaseException], ...]:
    """What a failed catalog write raises: SQLite's errors, or the PostgreSQL driver's."""
    import psycopg2

    return (sqlite3.OperationalError, psycopg2.Error)


def _libpq_url(url: str) -> str:
    """libpq takes postgresql://… but not SQLAlchemy's postgresql+driver://…"""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _is_chunk_id(cid: str) -> bool:
    head, _, seq = cid.rpartition("#")
    return bool(head) and seq.isdigit()


__all__ = ["Catalog", "ChunkSpan", "DocumentRecord", "FORMAT_VERSION", "PgCatalog", "open_catalog"]
