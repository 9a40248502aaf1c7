"""PostgreSQL + pgvector: the chunk store for corpora that outgrow one machine's FAISS file.

One index uses these tables, named from one random prefix that the catalog records (so a deleted and
re-created index folder never meets old rows):

- `data_<table>`: llama-index `PGVectorStore`'s table, i.e. the chunk id, metadata as JSONB and a pgvector
  column with an HNSW cosine index. Vector search, metadata filters and delete are PGVectorStore's.
- `<table>_chunk_terms_*`, `<table>_doc_terms_*`: the keyword side (`PgKeywordIndex`): posting lists packed in
  `bytea`, one row per term and segment, scored in numpy with the formula and parameters bm25s uses (Lucene
  variant, k1 = 1.5, b = 0.75), as the FAISS path does; a test checks the scores against bm25s.

BM25 used to be scored in SQL over `tsvector` rows: every query unpacked every matching row's `tsvector` and
counted each term's document frequency, 0.76 s per search at 100k chunks and 25 s at 1M. A query now reads
its terms' few posting rows in one statement; N and the average length are kept at commit.

Writes are idempotent (a re-added chunk replaces its rows), so an ingest that crashed half-way is repaired by
running it again; `CorpusIndex` ignores rows its catalog does not vouch for. A bulk write builds the HNSW index
once at its end instead of row by row (`PgChunkStore.end_writing`).
"""

from __future__ import annotations

import io
import math
import os
import secrets
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.schema import BaseNode
from llama_index.core.vector_stores.types import BasePydanticVectorStore, VectorStoreQuery, VectorStoreQueryResult

from errors import IndexWriteError, UserError
from index.chunks import embedding_text
from settings import PgVectorSettings, Settings
from text.tokens import tokenize

K1, B = 1.5, 0.75  # bm25s defaults, as `index.segments` (the FAISS path) scores
MAX_TERM_BYTES = 2046  # a btree entry holds ~2.7 kB; longer "tokens" are binary junk (they still count in lengths)
FLUSH_ROWS = 20_000  # buffered keyword rows written as a segment before the commit, so memory stays bounded
LAYOUT = 3  # 3: postings of (row, tf), lengths once per row; 2 repeated the length in every posting;
#            1 was tsvector rows and PGVectorStore's text


def new_table_name() -> str:
    return "biocite_" + secrets.token_hex(5)


def database_url(settings: Settings) -> str:
    """The PostgreSQL URL from the environment variable the settings name (it may hold a password)."""
    url = os.environ.get(settings.pgvector.url_env, "").strip()
    if not url:
        raise UserError(
            f"store = pgvector needs a PostgreSQL URL in ${settings.pgvector.url_env} "
            "(postgresql://user:password@host:5432/database, with the pgvector extension available)"
        )
    return url


def _engines(url: str) -> tuple[Any, Any]:
    """A sync engine (psycopg2) for everything we run, and the async one PGVectorStore insists on holding."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError
    from sqlalchemy.ext.asyncio import create_async_engine

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UserError("the PostgreSQL URL is not a URL; expected postgresql://user:password@host:5432/database") from None
    if not parsed.drivername.startswith("postgresql"):
        raise UserError(f"the database URL must be postgresql://…, not {parsed.drivername}://…")
    # Filtered vector search keeps walking the HNSW graph until it has enough rows (pgvector >= 0.8).
    options = {"options": "-c hnsw.iterative_scan=strict_order"}
    engine = create_engine(parsed.set(drivername="postgresql+psycopg2"), pool_pre_ping=True, connect_args=options)
    async_engine = create_async_engine(parsed.set(drivername="postgresql+asyncpg"))
    return engine, async_engine


def check_database(url: str) -> None:
    """Fail early and clearly: the server is reachable and can load pgvector."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    engine, _ = _engines(url)
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")).scalar_one() == 0:
                raise UserError("this PostgreSQL server has no pgvector extension (https://github.com/pgvector/pgvector)")
    except SQLAlchemyError as exc:
        raise UserError(f"cannot use PostgreSQL at {engine.url.render_as_string(hide_password=True)}: {error_reason(exc)}") from None
    finally:
        engine.dispose()


POSTING = np.dtype([("row", "<u4"), ("tf", "<u2")])  # 6 bytes, packed: segments concatenate
ROW_LENGTH = np.dtype([("row", "<u4"), ("length", "<u4")])  # each row's token count, once, in its segment's row
MERGE_FANOUT = 8  # this many keyword segments of one size class are merged into one
MERGE_BATCH_TERMS = 5_000  # terms read and written per batch when a merge drops dead rows
SCORED_QUERIES = 4  # score arrays kept for `scores` after a `retrieve` of the same query


class PgKeywordIndex:
    """BM25 over posting lists in PostgreSQL, scored in numpy; the read surface of `index.segments.SegmentSet`.

    Tables (prefix `table`):
    - `_rows`: (id, row, length) of every live chunk or document; `row` numbers its postings and is never reused.
    - `_postings`: one row per (term, segment): that term's postings in that segment, packed `POSTING` records
      (row, term frequency) in one `bytea`, stored uncompressed (`STORAGE EXTERNAL`).
    - `_segments`: one row per segment: its live row count and its rows' token counts (packed `ROW_LENGTH`),
      read once at the first search and then only for segments written since (a row's length never changes:
      row numbers are not reused). Keeping the length in every posting cost 4 of 10 bytes: 824 MB at 1M chunks.
    - `_dead`: rows deleted or replaced whose postings are still in some segment (skipped when scoring).
    - `_stats`: one row, the live rows' count and total length, updated in the transaction that changes them.

    A query reads the few rows of its terms' postings in one statement and scores them with bm25s's formula and
    parameters (Lucene idf, k1 = 1.5, b = 0.75) in numpy: the document frequency of a term is the number of its
    live postings, N and the average length come from `_stats`, the rows' lengths from `_segments`. Nothing is
    counted per query or per reload.
    Writes are buffered and written at `flush` (the store's commit) as one new segment; segments of similar
    size are merged by `merge` (one SQL statement: packed records concatenate), so a term has a handful of rows.
    """

    def __init__(self, engine: Any, table: str) -> None:
        from sqlalchemy import text

        self._engine, self.table = engine, table
        self._stats: tuple[int, float] | None = None
        self._dead: np.ndarray | None = None  # True at dead row numbers (`_row_mask`)
        self._buffer: dict[str, tuple[Counter, int]] = {}  # id -> (term frequencies, length), written at `flush`
        self._scored: OrderedDict[tuple, np.ndarray | None] = OrderedDict()  # see `_score_all`
        self._df: dict[str, int] = {}  # document frequencies seen since the last reload
        self._lengths = np.zeros(0, dtype=np.uint32)  # token count by row number, 0 where not read (`_row_lengths`)
        self._length_segments: dict[int, np.ndarray] = {}  # segment -> its `ROW_LENGTH` records, as read
        self._lock = threading.Lock()
        with engine.begin() as conn:
            if conn.execute(text("SELECT to_regclass(:t)"), {"t": f"{table}_stats"}).scalar() is not None:
                return  # opening an index: no DDL (ALTER TABLE would wait for a writer's open transaction)
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('biocite keyword tables'))"))
            for statement in (
                f"CREATE TABLE IF NOT EXISTS {table}_rows (id text PRIMARY KEY, row bigint NOT NULL UNIQUE, "
                "length integer NOT NULL)",
                f"CREATE SEQUENCE IF NOT EXISTS {table}_row_seq",
                f"CREATE TABLE IF NOT EXISTS {table}_postings (term text NOT NULL, segment bigint NOT NULL, "
                "postings bytea NOT NULL, PRIMARY KEY (term, segment))",
                f"ALTER TABLE {table}_postings ALTER COLUMN postings SET STORAGE EXTERNAL",
                f"CREATE TABLE IF NOT EXISTS {table}_segments (segment bigint PRIMARY KEY, rows bigint NOT NULL, "
                "lengths bytea NOT NULL)",
                f"ALTER TABLE {table}_segments ALTER COLUMN lengths SET STORAGE EXTERNAL",
                f"CREATE SEQUENCE IF NOT EXISTS {table}_segment_seq",
                f"CREATE TABLE IF NOT EXISTS {table}_dead (row bigint PRIMARY KEY)",
                f"CREATE TABLE IF NOT EXISTS {table}_stats (one boolean PRIMARY KEY DEFAULT true CHECK (one), "
                "n bigint NOT NULL, total_length bigint NOT NULL)",
                f"INSERT INTO {table}_stats (n, total_length) VALUES (0, 0) ON CONFLICT DO NOTHING",
            ):
                conn.execute(text(statement))

    def __len__(self) -> int:
        return self._corpus_stats()[0]

    def forget_counts(self) -> None:
        """Another process may have written: read the statistics and dead rows again when next asked."""
        with self._lock:
            self._stats, self._dead = None, None
            self._scored.clear()
            self._df.clear()

    # --- writing ---------------------------------------------------------------------------
    def add(self, ids: list[str], texts: list[str]) -> None:
        """Insert or replace rows (idempotent); written at `flush`."""
        for i, t in zip(ids, texts):
            tokens = tokenize(t)
            self._buffer[i] = (Counter(x for x in tokens if _indexable(x)), max(1, len(tokens)))  # bm25s: empty -> 1
        if len(self._buffer) >= FLUSH_ROWS:
            self.flush()

    def delete(self, ids: list[str]) -> None:
        """Remove rows now (and from the buffer)."""
        for i in ids:
            self._buffer.pop(i, None)
        if not ids:
            return
        raw = self._engine.raw_connection()
        try:
            with raw.cursor() as cur:
                self._delete_rows(cur, list(ids))
            raw.commit()
        finally:
            raw.close()
        self.forget_counts()

    def _delete_rows(self, cur: Any, ids: list[str]) -> None:
        t = self.table
        cur.execute(f"WITH gone AS (DELETE FROM {t}_rows WHERE id = ANY(%s) RETURNING row, length), "
                    f"dead AS (INSERT INTO {t}_dead SELECT row FROM gone ON CONFLICT DO NOTHING) "
                    f"UPDATE {t}_stats SET n = n - (SELECT count(*) FROM gone), "
                    "total_length = total_length - (SELECT coalesce(sum(length), 0) FROM gone)", (ids,))

    def flush(self) -> None:
        """Write the buffered rows as one new segment, in one transaction (rows they replace become dead)."""
        if not self._buffer:
            return
        ids = list(self._buffer)
        counts = [self._buffer[i][0] for i in ids]
        lengths = np.asarray([self._buffer[i][1] for i in ids], dtype=np.int64)
        t = self.table
        raw = self._engine.raw_connection()
        try:
            with raw.cursor() as cur:
                self._delete_rows(cur, ids)
                cur.execute(f"SELECT nextval('{t}_row_seq') FROM generate_series(1, %s)", (len(ids),))
                rows = np.asarray([r for (r,) in cur.fetchall()], dtype=np.int64)
                if rows.max() > np.iinfo(np.uint32).max:
                    raise IndexWriteError(f"keyword table {t} ran out of row numbers; ingest into a new --index folder")
                cur.copy_expert(f"COPY {t}_rows (id, row, length) FROM STDIN",
                                _copy_text((i, int(r), int(n)) for i, r, n in zip(ids, rows, lengths)))
                cur.execute(f"SELECT nextval('{t}_segment_seq')")
                segment = cur.fetchone()[0]
                cur.copy_expert(f"COPY {t}_postings (term, segment, postings) FROM STDIN",
                                _copy_text((term, segment, _bytea(p)) for term, p in _postings(counts, rows)))
                cur.execute(f"INSERT INTO {t}_segments (segment, rows, lengths) VALUES (%s, %s, %s)",
                            (segment, len(ids), _length_records(rows, lengths).tobytes()))
                cur.execute(f"UPDATE {t}_stats SET n = n + %s, total_length = total_length + %s",
                            (len(ids), int(lengths.sum())))
            raw.commit()
        finally:
            raw.close()
        self._buffer.clear()
        self.forget_counts()

    def discard(self) -> None:
        """Forget buffered rows (their writer failed before its commit)."""
        self._buffer.clear()

    def merge(self) -> None:
        """Merge segments of one size class (`MERGE_FANOUT` of them, `MERGE_FANOUT` times the size of the last)
        into one, in one transaction. With no dead rows each term's packed postings, and the segments' row
        lengths, are concatenated in SQL; otherwise the group's postings are streamed through numpy, dead rows'
        postings and lengths dropped and those rows struck from `_dead` (a row's postings all live in the segment
        that wrote it), so deleted and replaced chunks stop costing disk and search time, and document
        frequencies are read from the rows' sizes again once no dead row is left."""
        from sqlalchemy import text

        t = self.table
        with self._engine.begin() as conn:
            sizes = conn.execute(text(f"SELECT segment, rows FROM {t}_segments ORDER BY segment")).all()
            classes: dict[int, list[int]] = {}
            for segment, rows in sizes:
                classes.setdefault(int(math.log(max(int(rows), 1), MERGE_FANOUT)), []).append(int(segment))
            group = next((g for _, g in sorted(classes.items()) if len(g) >= MERGE_FANOUT), None)
            if group is None:
                return
            new = conn.execute(text(f"SELECT nextval('{t}_segment_seq')")).scalar_one()
            dead = np.asarray(conn.execute(text(f"SELECT row FROM {t}_dead ORDER BY row")).scalars().all(), np.int64)
            if len(dead):
                dead_mask = _row_mask(dead)
                self._merge_live(conn.connection, group, new, dead_mask)
                parts = [np.frombuffer(bytes(b), dtype=ROW_LENGTH) for (b,) in conn.execute(text(
                    f"SELECT lengths FROM {t}_segments WHERE segment = ANY(:old) ORDER BY segment"), {"old": group})]
                lengths = np.concatenate(parts)
                gone = _is_dead(lengths["row"], dead_mask)
                conn.execute(text(f"INSERT INTO {t}_segments (segment, rows, lengths) VALUES (:new, :rows, :lengths)"),
                             {"new": new, "rows": int((~gone).sum()), "lengths": lengths[~gone].tobytes()})
                conn.execute(text(f"DELETE FROM {t}_dead WHERE row = ANY(:rows)"),
                             {"rows": lengths["row"][gone].astype(np.int64).tolist()})
            else:
                conn.execute(text(
                    f"INSERT INTO {t}_postings (term, segment, postings) SELECT term, :new, "
                    f"string_agg(postings, ''::bytea ORDER BY segment) FROM {t}_postings WHERE segment = ANY(:old) "
                    "GROUP BY term"), {"new": new, "old": group})
                conn.execute(text(
                    f"INSERT INTO {t}_segments (segment, rows, lengths) SELECT :new, sum(rows), "
                    f"string_agg(lengths, ''::bytea ORDER BY segment) FROM {t}_segments WHERE segment = ANY(:old)"),
                    {"new": new, "old": group})
            conn.execute(text(f"DELETE FROM {t}_postings WHERE segment = ANY(:old)"), {"old": group})
            conn.execute(text(f"DELETE FROM {t}_segments WHERE segment = ANY(:old)"), {"old": group})
        self.forget_counts()
        self.merge()  # the merged segment may complete the next size class

    def _merge_live(self, raw: Any, group: list[int], new: int, dead_mask: np.ndarray) -> None:
        """Write segment `new`'s postings from the live postings of the `group` segments (streamed term by term,
        so memory holds one batch of terms)."""
        t = self.table
        reader = raw.cursor(name=f"merge_{new}")  # server-side: a million chunks' postings never sit in memory
        reader.itersize = MERGE_BATCH_TERMS
        reader.execute(f"SELECT term, postings FROM {t}_postings WHERE segment = ANY(%s) ORDER BY term, segment",
                       (group,))

        def merged() -> Iterator[tuple[str, np.ndarray]]:
            term, parts = None, []
            for row_term, blob in reader:
                if row_term != term and parts:
                    yield term, np.concatenate(parts)
                    parts = []
                term = row_term
                parts.append(np.frombuffer(bytes(blob), dtype=POSTING))
            if parts:
                yield term, np.concatenate(parts)

        writer = raw.cursor()
        batch: list[tuple[str, int, str]] = []
        for term, postings in merged():
            postings = postings[~_is_dead(postings["row"], dead_mask)]
            if len(postings):
                batch.append((term, new, _bytea(postings)))
            if len(batch) >= MERGE_BATCH_TERMS:
                writer.copy_expert(f"COPY {t}_postings (term, segment, postings) FROM STDIN", _copy_text(batch))
                batch = []
        if batch:
            writer.copy_expert(f"COPY {t}_postings (term, segment, postings) FROM STDIN", _copy_text(batch))
        reader.close()
        writer.close()

    def all_ids(self) -> set[str]:
        from sqlalchemy import text

        with self._engine.connect() as conn:
            return set(conn.execute(text(f"SELECT id FROM {self.table}_rows")).scalars())

    # --- reading ---------------------------------------------------------------------------
    def _corpus_stats(self) -> tuple[int, float]:
        return self._state()[:2]

    def _state(self) -> tuple[int, float, np.ndarray]:
        """(N, average length) of the live rows, and a mask of the dead rows (`_row_mask`): read once per reload."""
        from sqlalchemy import text

        with self._lock:
            if self._stats is None or self._dead is None:
                with self._engine.connect() as conn:
                    n, total = conn.execute(text(f"SELECT n, total_length FROM {self.table}_stats")).one()
                    dead = conn.execute(text(f"SELECT row FROM {self.table}_dead ORDER BY row")).scalars().all()
                self._stats = (int(n), float(total) / int(n) if n else 1.0)
                self._dead = _row_mask(np.asarray(dead, dtype=np.int64))
            return (*self._stats, self._dead)

    def _row_lengths(self, rows: np.ndarray) -> np.ndarray:
        """These rows' token counts (float32). The segments' length arrays are read at the first search, then
        again, only for segments this process has not read, when a row is not covered (another writer's commit)."""
        for refresh in (False, True):
            with self._lock:
                if refresh or not len(self._lengths):
                    self._read_lengths()
                table = self._lengths
            out = np.zeros(len(rows), dtype=np.float32)
            inside = rows < len(table)
            out[inside] = table[rows[inside]]
            if out.all():
                break
        return np.maximum(out, 1)  # a row written after this read is scored as a one-token row, never divided by 0

    def _read_lengths(self) -> None:
        """Read the length arrays of segments not read yet (one statement), drop merged-away ones, rebuild the
        by-row table. Called under `_lock`."""
        from sqlalchemy import text

        known = list(self._length_segments)
        with self._engine.connect() as conn:
            found = conn.execute(text(f"SELECT segment, CASE WHEN segment = ANY(:known) THEN NULL ELSE lengths END "
                                      f"FROM {self.table}_segments"), {"known": known}).all()
        segments = {}
        for segment, blob in found:
            segments[int(segment)] = (self._length_segments[int(segment)] if blob is None
                                      else np.frombuffer(bytes(blob), dtype=ROW_LENGTH))
        self._length_segments = segments
        records = [r for r in segments.values() if len(r)]
        top = max((int(r["row"].max()) for r in records), default=-1)
        table = np.zeros(top + 1, dtype=np.uint32)
        for r in records:
            table[r["row"]] = r["length"]
        self._lengths = table

    def _postings(self, terms: list[str]) -> dict[str, np.ndarray]:
        """Each term's live postings (`POSTING` records), from one statement."""
        from sqlalchemy import text

        if not terms:
            return {}
        dead = self._state()[2]
        with self._engine.connect() as conn:
            found = conn.execute(text(f"SELECT term, postings FROM {self.table}_postings WHERE term = ANY(:terms)"),
                                 {"terms": list(terms)}).all()
        parts: dict[str, list[np.ndarray]] = {}
        for term, blob in found:
            parts.setdefault(term, []).append(np.frombuffer(blob, dtype=POSTING))
        out = {}
        for term, arrays in parts.items():
            p = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
            if len(dead):
                p = p[~_is_dead(p["row"], dead)]
            out[term] = p
        with self._lock:
            self._df.update((t, len(out.get(t, ()))) for t in terms)
        return out

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """Inverse document frequency (Lucene form), as `SegmentSet.idf`."""
        n = len(self)
        if n == 0:
            return {t: 1.0 for t in tokens}
        df = self._document_frequencies(sorted({t for t in tokens if _indexable(t)}))
        return {t: _idf(n, df.get(t, 0)) for t in tokens}

    def _document_frequencies(self, terms: list[str]) -> dict[str, int]:
        """Live postings per term: remembered from this reload's searches; else, with no dead rows, the sizes of
        the posting rows (PostgreSQL reads them from the TOAST pointers, without the postings); else counted."""
        from sqlalchemy import text

        with self._lock:
            out = {t: self._df[t] for t in terms if t in self._df}
        missing = [t for t in terms if t not in out]
        if missing and not len(self._state()[2]):
            with self._engine.connect() as conn:
                sizes = dict(conn.execute(text(
                    f"SELECT term, sum(octet_length(postings)) FROM {self.table}_postings WHERE term = ANY(:terms) "
                    "GROUP BY term"), {"terms": missing}).all())
            found = {t: int(sizes.get(t) or 0) // POSTING.itemsize for t in missing}
            with self._lock:
                self._df.update(found)
            out.update(found)
        elif missing:
            out.update((t, len(p)) for t, p in self._postings(missing).items())
            out.update((t, 0) for t in missing if t not in out)
        return out

    def _score_all(self, query: str) -> np.ndarray | None:
        """The score of every row number (float32, 0 where no query term); None when no query term is indexed.

        A hybrid search asks `scores` for the dense candidates right after `retrieve` of the same query, so the
        last few arrays are kept (until the next reload) and a repeated query reads no postings."""
        counts = Counter(t for t in tokenize(query) if _indexable(t))
        n, avgdl = self._corpus_stats()
        if not counts or n == 0:
            return None
        key = tuple(sorted(counts.items()))
        with self._lock:
            if key in self._scored:
                self._scored.move_to_end(key)
                return self._scored[key]
        postings = self._postings(sorted(counts))
        terms = [(t, c) for t, c in key if len(postings.get(t, ()))]
        scores = None
        if terms:
            top_row = max(int(postings[t]["row"].max()) for t, _ in terms)
            scores = np.zeros(top_row + 1, dtype=np.float32)
            for term, c in terms:
                p = postings[term]
                weight = np.float32(c * _idf(n, len(p)))
                tf = p["tf"].astype(np.float32)
                norm = (K1 * (1 - B + B * self._row_lengths(p["row"]) / np.float32(avgdl))).astype(np.float32)
                scores += np.bincount(p["row"], weights=weight * tf / (tf + norm), minlength=top_row + 1).astype(
                    np.float32)
        with self._lock:
            self._scored[key] = scores
            while len(self._scored) > SCORED_QUERIES:
                self._scored.popitem(last=False)
        return scores

    def _names(self, rows: np.ndarray) -> dict[int, str]:
        from sqlalchemy import text

        with self._engine.connect() as conn:
            return dict(conn.execute(text(f"SELECT row, id FROM {self.table}_rows WHERE row = ANY(:rows)"),
                                     {"rows": rows.tolist()}).all())

    def retrieve(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top-k (id, score) pairs with a positive score."""
        scores = self._score_all(query)
        if scores is None or k <= 0:
            return []
        positive = np.flatnonzero(scores > 0)
        if len(positive) > k:
            positive = positive[np.argpartition(-scores[positive], k - 1)[:k]]
        names = self._names(positive)  # a row deleted since its postings were read has no name: left out
        hits = [(names[int(r)], float(scores[r])) for r in positive if int(r) in names]
        return sorted(hits, key=lambda h: (-h[1], h[0]))

    def scores(self, query: str, ids: list[str]) -> dict[str, float]:
        """Exact scores of the given ids (ids without a query term, or not indexed, score 0)."""
        from sqlalchemy import text

        out = {i: 0.0 for i in ids}
        if not ids:
            return out
        scores = self._score_all(query)
        if scores is None:
            return out
        with self._engine.connect() as conn:
            rows = conn.execute(text(f"SELECT id, row FROM {self.table}_rows WHERE id = ANY(:ids)"),
                                {"ids": list(ids)}).all()
        for i, row in rows:
            if row < len(scores):
                out[i] = float(scores[row])
        return out


class PgChunkStore(BasePydanticVectorStore):
    """Chunks in PostgreSQL: PGVectorStore for vectors (fp16, as the FAISS segments), filters by document and
    delete; `PgKeywordIndex` for BM25.

    Text is stored once, in the catalog: each vector row holds the chunk id, its document id (for delete and
    filters) and the vector, and PGVectorStore's `text` column is left empty. So, in llama-index's terms, this
    store does not store text (`stores_text = False`): its `query` and `get_nodes` give nodes with ids and doc
    ids, and `CorpusIndex.vector_store()` is the llama-index face that builds whole nodes from the catalog."""

    stores_text: bool = False
    is_embedding_query: bool = True

    _pg: Any = PrivateAttr()
    _engine: Any = PrivateAttr()
    _dim: int = PrivateAttr()
    _ef_search: int = PrivateAttr()
    _data_table: str = PrivateAttr()
    _chunk_terms: PgKeywordIndex = PrivateAttr()
    _doc_terms: PgKeywordIndex = PrivateAttr()
    _settings: PgVectorSettings = PrivateAttr()
    _session: tuple[int, int] | None = PrivateAttr(default=None)  # (rows when this writer began, rows it put since)
    _deferred: bool = PrivateAttr(default=False)  # the search indexes are dropped until `end_writing`

    def __init__(self, url: str, table: str, dim: int, settings: PgVectorSettings, *, must_exist: bool = False) -> None:
        """Connect, creating the tables unless `must_exist` (an index whose registry expects its rows)."""
        from llama_index.vector_stores.postgres import PGVectorStore
        from sqlalchemy import inspect, text
        from sqlalchemy.exc import SQLAlchemyError

        super().__init__()
        self._engine, async_engine = _engines(url)
        self._dim, self._ef_search, self._settings = dim, settings.hnsw_ef_search, settings
        self._data_table = f"data_{table}"
        try:
            if must_exist and not inspect(self._engine).has_table(f"data_{table}"):
                self._engine.dispose()
                raise UserError(
                    f"this index's chunks were in table data_{table}, which the database at "
                    f"{self._engine.url.render_as_string(hide_password=True)} does not have; "
                    "point the URL at the database the index was built in, or ingest into a new --index folder"
                )
            self._pg = PGVectorStore(
                table_name=table, embed_dim=dim, use_jsonb=True, use_halfvec=True, engine=self._engine,
                async_engine=async_engine,
                hnsw_kwargs={"hnsw_m": settings.hnsw_m, "hnsw_ef_construction": settings.hnsw_ef_construction,
                             "hnsw_ef_search": settings.hnsw_ef_search, "hnsw_dist_method": "halfvec_cosine_ops"},
                initialization_fail_on_error=True,
            )
            self._pg._initialize()  # create the extension, table and HNSW index now, where errors are clear
            self._chunk_terms = PgKeywordIndex(self._engine, f"{table}_chunk_terms")
            self._doc_terms = PgKeywordIndex(self._engine, f"{table}_doc_terms")
            with self._engine.begin() as conn:  # PGVectorStore has none: every delete and lookup by id was a scan
                conn.execute(text(f"CREATE INDEX IF NOT EXISTS {self._data_table}_node_id ON {self._data_table} (node_id)"))
        except SQLAlchemyError as exc:
            self._engine.dispose()
            raise UserError(f"PostgreSQL with pgvector is not usable: {error_reason(exc)}") from None

    @property
    def client(self) -> Any:
        return self._engine

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def kind(self) -> str:
        return "hnsw"

    @property
    def chunk_terms(self) -> PgKeywordIndex:
        return self._chunk_terms

    @property
    def doc_terms(self) -> PgKeywordIndex:
        return self._doc_terms

    def __len__(self) -> int:
        return len(self._chunk_terms)  # kept at commit: no count over the rows

    def close(self) -> None:
        self._engine.dispose()

    def forget_counts(self) -> None:
        """Another process may have written: count rows again when next asked."""
        self._chunk_terms.forget_counts()
        self._doc_terms.forget_counts()

    # --- the vector-store surface ------------------------------------------------------
    def add(self, nodes: list[BaseNode], **kwargs: Any) -> list[str]:
        if not nodes:
            return []
        if len(nodes[0].get_embedding()) != self.dim:
            raise ValueError(f"embedding dimension {len(nodes[0].get_embedding())} does not match the index ({self.dim})")
        ids = [n.node_id for n in nodes]
        self.delete_nodes(ids)  # a re-added chunk replaces its rows: PGVectorStore would keep both
        self._copy(nodes)
        self._chunk_terms.add(ids, [embedding_text(n) for n in nodes])
        return ids

    def _copy(self, nodes: list[BaseNode]) -> None:
        """PGVectorStore's rows by COPY instead of ORM inserts: the id, the document id (under the two keys its
        delete and filters read) and the vector; no text (the catalog has it)."""
        import csv
        import json

        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)  # an unquoted empty field would be NULL
        for node in nodes:
            doc_id = str(node.metadata.get("doc_id") or node.ref_doc_id)
            metadata = {"doc_id": doc_id, "ref_doc_id": doc_id}
            writer.writerow(["", json.dumps(metadata), node.node_id, _vector_literal(node.get_embedding())])
        buffer.seek(0)
        raw = self._engine.raw_connection()
        try:
            with raw.cursor() as cur:
                cur.copy_expert(f"COPY {self._data_table} (text, metadata_, node_id, embedding) FROM STDIN "
                                "WITH (FORMAT csv)", buffer)
            raw.commit()
        finally:
            raw.close()

    def delete(self, ref_doc_id: str, **kwargs: Any) -> None:
        """Delete every chunk of document `ref_doc_id`."""
        ids = [n.node_id for n in self._pg.get_nodes(filters=_doc_filter(ref_doc_id))]
        self.delete_nodes(ids)

    def delete_nodes(self, node_ids: list[str] | None = None, filters: Any = None, **kwargs: Any) -> None:
        if filters is not None:
            node_ids = [n.node_id for n in self._pg.get_nodes(node_ids=node_ids, filters=filters)]
        if not node_ids:
            return
        self._pg.delete_nodes(node_ids=list(node_ids))
        self._chunk_terms.delete(list(node_ids))

    def query(self, query: VectorStoreQuery, **kwargs: Any) -> VectorStoreQueryResult:
        if query.query_embedding is None or query.similarity_top_k <= 0:
            return VectorStoreQueryResult(nodes=[], similarities=[], ids=[])
        ef_search = min(1000, max(self._ef_search, query.similarity_top_k))  # see `nearest`
        result = self._pg.query(query, hnsw_ef_search=ef_search)
        for node in result.nodes:
            node.embedding = None
        return result

    def get_nodes(self, node_ids: list[str] | None = None, filters: Any = None, **kwargs: Any) -> list[BaseNode]:
        if node_ids is None and filters is None:
            node_ids = self.node_ids()
        if not node_ids and filters is None:
            return []
        nodes = self._pg.get_nodes(node_ids=node_ids, filters=filters)
        for node in nodes:
            node.embedding = None  # `vectors` serves vectors; nodes stay light
        if node_ids is not None:
            order = {nid: i for i, nid in enumerate(node_ids)}
            nodes.sort(key=lambda n: order.get(n.node_id, len(order)))
        return nodes

    def node_ids(self) -> list[str]:
        from sqlalchemy import text

        with self._engine.connect() as conn:
            return list(conn.execute(text(f"SELECT node_id FROM {self._data_table} ORDER BY id")).scalars())

    def vectors(self, node_ids: list[str]) -> np.ndarray:
        """Stored unit vectors of these chunks (rows in the given order; zeros for a row not there).

        A missing row can only be one an interrupted ingest had not yet replaced;
        a zero vector scores it 0 instead of failing the search.
        """
        from sqlalchemy import text

        if not node_ids:
            return np.zeros((0, self.dim), dtype="float32")
        with self._engine.connect() as conn:
            rows = dict(conn.execute(
                text(f"SELECT node_id, embedding FROM {self._data_table} WHERE node_id = ANY(:ids)"),
                {"ids": list(node_ids)},
            ).all())
        zero = np.zeros(self.dim, dtype="float32")
        return np.vstack([_as_vector(rows[nid]) if nid in rows else zero for nid in node_ids]).astype("float32")

    # --- lean reads for the retriever: ids and cosines, no text or metadata ---------------
    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine) of the k nearest chunks, through the HNSW index."""
        from sqlalchemy import text

        if k <= 0:
            return []
        # HNSW returns at most ef_search rows; pgvector caps ef_search at 1000 (iterative scan goes on past it).
        ef_search = min(1000, max(self._ef_search, k))
        with self._engine.begin() as conn:
            conn.execute(text(f"SET LOCAL hnsw.ef_search = {int(ef_search)}"))
            rows = conn.execute(text(
                # ranked through the index with an fp16 query; the cosine with the fp32 one, as FAISS gives it
                f"SELECT node_id, 1 - (CAST(embedding AS vector) <=> CAST(:q AS vector)) AS cosine FROM {self._data_table} "
                "ORDER BY embedding <=> CAST(:q AS halfvec) LIMIT :k"
            ), {"q": _vector_literal(vector), "k": int(k)}).all()
        rows.sort(key=lambda r: -r[1])
        return [(nid, float(c)) for nid, c in rows]

    def similarities(self, node_ids: list[str], vector: np.ndarray) -> np.ndarray:
        """Cosine of each chunk to `vector`, computed in the database (0 for a row not there)."""
        from sqlalchemy import text

        if not node_ids:
            return np.zeros(0, dtype="float32")
        with self._engine.connect() as conn:
            rows = dict(conn.execute(text(
                f"SELECT node_id, 1 - (CAST(embedding AS vector) <=> CAST(:q AS vector)) FROM {self._data_table} "
                "WHERE node_id = ANY(:ids)"  # fp16 rows, fp32 query: as FAISS computes it
            ), {"q": _vector_literal(vector), "ids": list(node_ids)}).all())
        return np.asarray([float(rows.get(nid, 0.0)) for nid in node_ids], dtype="float32")

    # --- `index.store.ChunkStore` ------------------------------------------------------------
    @property
    def table(self) -> str:
        """The prefix of this index's tables (the catalog records it)."""
        return self._data_table.removeprefix("data_")

    def put(self, nodes: list[BaseNode], documents: list[tuple[str, str]]) -> None:
        """Chunks (vectors, text, keyword postings) and their documents' keyword postings, written at once."""
        self._defer_indexes_if_bulk(len(nodes))
        self.add(nodes)
        self._doc_terms.add([d for d, _ in documents], [t for _, t in documents])

    def remove(self, chunk_ids: list[str], doc_ids: list[str]) -> None:
        self.delete_nodes(list(chunk_ids))
        self._doc_terms.delete(list(doc_ids))

    def commit(self, catalog: Any) -> None:
        """Write the buffered keyword rows (vectors are written as they come); the catalog's commit, which runs
        next, is what makes them count."""
        self._chunk_terms.flush()
        self._doc_terms.flush()

    # --- bulk writes -------------------------------------------------------------------------
    # Growing an HNSW graph row by row slows as it grows (100k chunks took 953 s, mostly that), and GIN
    # indexes pay per row too. PostgreSQL and pgvector both advise loading first and indexing after, so a
    # writer that adds many rows (more than the table held) drops the three search indexes and builds them
    # once at its end. Searches meanwhile scan exactly, slower but right. If the writer dies first, the next
    # process that opens the index creates any missing index (PGVectorStore and `PgKeywordIndex` both
    # CREATE ... IF NOT EXISTS).
    def _search_indexes(self) -> list[tuple[str, str, str]]:
        """(name, what it is, CREATE statement) of the indexes a bulk write puts off."""
        s, data = self._settings, self._data_table
        hnsw = (f"CREATE INDEX IF NOT EXISTS {data}_embedding_idx ON {data} USING hnsw (embedding halfvec_cosine_ops) "
                f"WITH (m = {int(s.hnsw_m)}, ef_construction = {int(s.hnsw_ef_construction)})")
        return [(f"{data}_embedding_idx", "vector index (HNSW)", hnsw)]

    def _defer_indexes_if_bulk(self, rows: int) -> None:
        from sqlalchemy import text

        start, added = self._session or (len(self), 0)
        self._session = (start, added + rows)
        if self._deferred or added + rows < self._settings.bulk_rows or added + rows <= start:
            return
        with self._engine.begin() as conn:
            for name, _, _ in self._search_indexes():
                conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
        self._deferred = True

    def end_writing(self, progress: Any = None) -> None:
        """Build the indexes this writer dropped, reporting `progress(phase, done, total)` from PostgreSQL's own.

        A build that fails (server gone, out of memory or disk) loses nothing: the rows are committed, searches
        scan them exactly meanwhile, and the next process to open the index builds what is missing."""
        import psycopg2
        from sqlalchemy.exc import SQLAlchemyError

        self._session = None
        self._chunk_terms.discard()  # a writer that failed before its commit: that work is not kept
        self._doc_terms.discard()
        if not self._deferred:
            return
        self._deferred = False
        what = "search indexes"
        try:
            raw = self._engine.raw_connection()
            try:
                with raw.cursor() as cur:
                    cur.execute("SELECT pg_backend_pid()")
                    pid = cur.fetchone()[0]
                    cur.execute(f"SET maintenance_work_mem = '{int(self._settings.build_memory_mb)}MB'")
                    for _, what, create in self._search_indexes():
                        with _CreateIndexProgress(self._engine, pid, f"Building the {what}", progress):
                            cur.execute(create)
                        raw.commit()
            finally:
                raw.close()
        except (psycopg2.Error, SQLAlchemyError) as exc:
            raise IndexWriteError(
                f"the documents were saved, but PostgreSQL could not build the {what} ({error_reason(exc)}); searches "
                "scan every row until it is built, which the next command that opens this index does") from None

    def reload(self, catalog: Any) -> None:
        self.forget_counts()  # another process may have written

    def maintain(self, catalog: Any, after_crash: bool = False) -> None:
        """After a writer crashed: delete the rows its uncommitted work left (the catalog does not list them)."""
        if after_crash:
            self.sweep_orphans(set(catalog.all_chunk_ids()), set(catalog.all_doc_ids()))
        self._chunk_terms.merge()
        self._doc_terms.merge()

    def sweep_orphans(self, chunk_ids: set[str], doc_ids: set[str]) -> int:
        """Delete chunk and document rows whose ids are not in these sets; how many rows went."""
        from sqlalchemy import text

        with self._engine.connect() as conn:
            stored = set(conn.execute(text(f"SELECT node_id FROM {self._data_table}")).scalars())
        terms, docs = self._chunk_terms.all_ids(), self._doc_terms.all_ids()
        orphans = sorted((stored | terms) - chunk_ids)
        for start in range(0, len(orphans), 5000):
            self.delete_nodes(orphans[start : start + 5000])
        doc_orphans = sorted(docs - doc_ids)
        self._doc_terms.delete(doc_orphans)
        return len(orphans) + len(doc_orphans)


class _CreateIndexProgress:
    """While a CREATE INDEX runs on backend `pid`: poll pg_stat_progress_create_index each second into `progress`."""

    def __init__(self, engine: Any, pid: int, phase: str, progress: Any) -> None:
        self._engine, self._pid, self._phase, self._progress = engine, pid, phase, progress
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> None:
        if self._progress is not None:
            self._progress(self._phase, 0, None)
            self._thread.start()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _watch(self) -> None:
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self._engine.connect() as conn:
                while not self._stop.wait(1.0):
                    row = conn.execute(text(
                        "SELECT tuples_done, tuples_total, blocks_done, blocks_total "
                        "FROM pg_stat_progress_create_index WHERE pid = :pid"), {"pid": self._pid}).first()
                    conn.commit()  # a fresh snapshot next time
                    if row is not None and row[1]:
                        self._progress(self._phase, int(row[0]), int(row[1]))
                    elif row is not None and row[3]:
                        self._progress(self._phase, int(row[2]), int(row[3]))
        except SQLAlchemyError:
            pass  # progress is a courtesy: the build itself reports any real failure


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _indexable(term: str) -> bool:
    return "\x00" not in term and len(term.encode()) <= MAX_TERM_BYTES


def _postings(counts: list[Counter], rows: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
    """(term, packed postings) of these rows' term frequencies, rows ascending within a term."""
    by_term: dict[str, list[tuple[int, int]]] = {}
    for terms, row in zip(counts, rows.tolist()):
        for term, tf in terms.items():
            by_term.setdefault(term, []).append((row, min(tf, 65535)))
    for term, records in by_term.items():
        yield term, np.asarray(records, dtype=POSTING)


def _length_records(rows: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A segment's packed `ROW_LENGTH` records."""
    out = np.zeros(len(rows), dtype=ROW_LENGTH)
    out["row"], out["length"] = rows, np.minimum(lengths, np.iinfo(np.uint32).max)
    return out


def _row_mask(rows: np.ndarray) -> np.ndarray:
    """A boolean array that is True at these row numbers (a lookup, where `np.isin` would sort per term)."""
    mask = np.zeros(int(rows.max()) + 1 if len(rows) else 0, dtype=bool)
    mask[rows] = True
    return mask


def _is_dead(rows: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Which of these row numbers the mask marks (rows beyond its end are live)."""
    inside = rows < len(mask)
    out = np.zeros(len(rows), dtype=bool)
    out[inside] = mask[rows[inside]]
    return out


def _bytea(p: np.ndarray) -> str:
    return "\\x" + p.tobytes().hex()


def _copy_text(rows: Iterable[tuple]) -> io.StringIO:
    """Rows in COPY's text format (tab-separated, backslash escapes)."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_field(v) for v in row) + "\n")
    buffer.seek(0)
    return buffer


def _copy_field(value: object) -> str:
    s = str(value)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.9g}" for x in np.asarray(vector, dtype="float32")) + "]"


def _as_vector(value: Any) -> np.ndarray:
    """pgvector returns numpy arrays with its SQLAlchemy type, and '[1,2,…]' strings through plain SQL."""
    if isinstance(value, str):
        return np.asarray(value.strip("[]").split(","), dtype="float32")
    return np.asarray(value, dtype="float32")


def _doc_filter(doc_id: str) -> Any:
    from llama_index.core.vector_stores.types import MetadataFilter, MetadataFilters

    return MetadataFilters(filters=[MetadataFilter(key="doc_id", value=doc_id)])


def error_reason(exc: Exception) -> str:
    """The first line of the driver's message, without SQLAlchemy's boilerplate."""
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


__all__ = ["PgChunkStore", "PgKeywordIndex", "error_reason", "new_table_name"]
