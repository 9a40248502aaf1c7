"""PostgreSQL + pgvector: the chunk store for corpora that outgrow one machine's FAISS file.

One index uses three tables, named from one random prefix that the index
manifest records (so a deleted and re-created index folder never meets old rows):

- `data_<table>`: llama-index `PGVectorStore`, i.e. chunk text, metadata as
  JSONB and a pgvector column with an HNSW cosine index. Vector search,
  metadata filters and delete are PGVectorStore's.
- `<table>_chunk_terms`, `<table>_doc_terms`: the keyword side, in PostgreSQL
  full text. A row holds a `tsvector` of *our* BM25 tokens
  (`index.bm25.tokenize`, so "IL-4Rα" and "IgG4" stay whole), one position per
  occurrence, plus the token count. A GIN index finds the rows sharing a query
  term, and BM25 is scored in SQL with the formula and parameters bm25s uses
  (Lucene variant, k1 = 1.5, b = 0.75). Keyword scores therefore equal the
  FAISS path's (a test checks this). PostgreSQL's own `ts_rank` has no inverse
  document frequency, and PGVectorStore's text search combines words with AND.

Writes are idempotent (a re-added chunk replaces its rows), so an ingest that
crashed half-way is repaired by running it again; `CorpusIndex` ignores rows
its document registry does not vouch for. A bulk write builds the HNSW and GIN
indexes once at its end instead of row by row (`PgChunkStore.end_writing`).
"""

from __future__ import annotations

import math
import os
import secrets
import threading
from collections import Counter
from typing import Any

import numpy as np
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.schema import BaseNode
from llama_index.core.vector_stores.types import BasePydanticVectorStore, VectorStoreQuery, VectorStoreQueryResult

from errors import IndexWriteError, UserError
from ingest.chunking import embedding_text
from settings import PgVectorSettings, Settings
from text.tokens import tokenize

K1, B = 1.5, 0.75  # bm25s defaults, used by index.bm25.BM25Index
MAX_POSITIONS = 256  # PostgreSQL keeps at most 256 positions per lexeme: term frequency saturates long before
MAX_LEXEME_BYTES = 2046  # PostgreSQL's limit; longer "tokens" are binary junk


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


def _tsvector(tokens: list[str]) -> str:
    """A tsvector literal with one position per occurrence: tf = number of positions."""
    counts = Counter(t for t in tokens if len(t.encode()) <= MAX_LEXEME_BYTES)
    parts = []
    for token, n in counts.items():
        quoted = token.replace("\\", "\\\\").replace("'", "''")
        parts.append(f"'{quoted}':" + ",".join(map(str, range(1, min(n, MAX_POSITIONS) + 1))))
    return " ".join(parts)


def _tsquery(terms: list[str]) -> str:
    return " | ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms)


class PgKeywordIndex:
    """BM25 over PostgreSQL full text; the read surface of `index.bm25.BM25Index`, plus incremental writes."""

    def __init__(self, engine: Any, table: str) -> None:
        from sqlalchemy import text

        self._engine, self.table = engine, table
        self._stats: tuple[int, float] | None = None
        with engine.begin() as conn:
            conn.execute(text(
                f"CREATE TABLE IF NOT EXISTS {table} (id text PRIMARY KEY, terms tsvector NOT NULL, length integer NOT NULL)"
            ))
            conn.execute(text(self.create_index))

    @property
    def create_index(self) -> str:
        """The statement that builds (or, if there, keeps) the GIN index over the rows' terms."""
        return f"CREATE INDEX IF NOT EXISTS {self.table}_terms ON {self.table} USING gin (terms)"

    def __len__(self) -> int:
        return self._corpus_stats()[0]

    def forget_counts(self) -> None:
        self._stats = None

    # --- writing ---------------------------------------------------------------------------
    def add(self, ids: list[str], texts: list[str]) -> None:
        """Insert or replace rows (idempotent)."""
        if not ids:
            return
        rows = []
        for i, t in zip(ids, texts):
            tokens = tokenize(t)
            rows.append({"id": i, "terms": _tsvector(tokens), "length": max(1, len(tokens))})  # BM25Index: empty -> 1
        from psycopg2.extras import execute_values

        raw = self._engine.raw_connection()  # execute_values: one statement per 1,000 rows, not one per row
        try:
            with raw.cursor() as cur:
                execute_values(
                    cur, f"INSERT INTO {self.table} (id, terms, length) VALUES %s "
                    "ON CONFLICT (id) DO UPDATE SET terms = EXCLUDED.terms, length = EXCLUDED.length",
                    [(r["id"], r["terms"], r["length"]) for r in rows], template="(%s, CAST(%s AS tsvector), %s)",
                    page_size=1000)
            raw.commit()
        finally:
            raw.close()
        self._stats = None

    def delete(self, ids: list[str]) -> None:
        from sqlalchemy import text

        if ids:
            with self._engine.begin() as conn:
                conn.execute(text(f"DELETE FROM {self.table} WHERE id = ANY(:ids)"), {"ids": list(ids)})
            self._stats = None

    # --- reading ---------------------------------------------------------------------------
    def _corpus_stats(self) -> tuple[int, float]:
        from sqlalchemy import text

        if self._stats is None:
            with self._engine.connect() as conn:
                n, avg = conn.execute(text(f"SELECT count(*), coalesce(avg(length), 1) FROM {self.table}")).one()
            self._stats = (int(n), float(avg))
        return self._stats

    def _document_frequencies(self, terms: list[str]) -> dict[str, int]:
        from sqlalchemy import text

        if not terms:
            return {}
        with self._engine.connect() as conn:
            rows = conn.execute(text(
                f"SELECT q.term, (SELECT count(*) FROM {self.table} t WHERE t.terms @@ CAST(q.query AS tsquery)) "
                "FROM unnest(CAST(:terms AS text[]), CAST(:queries AS text[])) AS q(term, query)"
            ), {"terms": terms, "queries": [_tsquery([t]) for t in terms]}).all()
        return {term: int(df) for term, df in rows}

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """Inverse document frequency (Lucene form), as `BM25Index.idf`."""
        n = len(self)
        if n == 0:
            return {t: 1.0 for t in tokens}
        df = self._document_frequencies(sorted(set(tokens)))
        return {t: math.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5)) for t in tokens}

    def _query_weights(self, query: str) -> dict[str, float]:
        """idf x occurrences in the query, for the query's tokens that occur in the corpus (as bm25s scores them)."""
        counts = Counter(t for t in tokenize(query) if len(t.encode()) <= MAX_LEXEME_BYTES)
        if not counts or len(self) == 0:
            return {}
        n = len(self)
        df = self._document_frequencies(sorted(counts))
        return {t: c * math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t, c in counts.items() if df.get(t)}

    def _score(self, weights: dict[str, float], where: str, params: dict[str, Any], limit: str = "") -> list[tuple[str, float]]:
        from sqlalchemy import text

        _, avgdl = self._corpus_stats()
        sql = (
            "WITH q AS (SELECT * FROM unnest(CAST(:terms AS text[]), CAST(:weights AS float8[])) AS q(term, weight)) "
            f"SELECT t.id, sum(q.weight * u.tf / (u.tf + :k1 * (1 - :b + :b * t.length / :avgdl))) AS score "
            f"FROM {self.table} t "
            # Only the query's lexemes of each row: mark them with weight A, keep A (not every lexeme of the row).
            "CROSS JOIN LATERAL (SELECT lexeme, cardinality(positions) AS tf "
            "FROM unnest(ts_filter(setweight(setweight(t.terms, 'D'), 'A', CAST(:terms AS text[])), '{a}'))) u "
            f"JOIN q ON q.term = u.lexeme WHERE {where} GROUP BY t.id ORDER BY score DESC, t.id {limit}"
        )
        params = {**params, "terms": list(weights), "weights": list(weights.values()), "k1": K1, "b": B, "avgdl": avgdl}
        with self._engine.connect() as conn:
            return [(i, float(s)) for i, s in conn.execute(text(sql), params).all()]

    def retrieve(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top-k (id, score) pairs with a positive score."""
        weights = self._query_weights(query)
        if not weights:
            return []
        return self._score(weights, "t.terms @@ CAST(:query AS tsquery)", {"query": _tsquery(list(weights)), "k": k},
                           "LIMIT :k")

    def scores(self, query: str, ids: list[str]) -> dict[str, float]:
        """Exact scores of the given ids (ids without a query term, or not indexed, score 0)."""
        out = {i: 0.0 for i in ids}
        weights = self._query_weights(query) if ids else {}
        if weights:
            out.update(self._score(weights, "t.id = ANY(:ids)", {"ids": list(ids)}))
        return out


class PgChunkStore(BasePydanticVectorStore):
    """Chunks in PostgreSQL: PGVectorStore for vectors, text, filters and delete; `PgKeywordIndex` for BM25."""

    stores_text: bool = True
    is_embedding_query: bool = True

    _pg: Any = PrivateAttr()
    _engine: Any = PrivateAttr()
    _dim: int = PrivateAttr()
    _ef_search: int = PrivateAttr()
    _count: int | None = PrivateAttr(default=None)
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
                table_name=table, embed_dim=dim, use_jsonb=True, engine=self._engine, async_engine=async_engine,
                hnsw_kwargs={"hnsw_m": settings.hnsw_m, "hnsw_ef_construction": settings.hnsw_ef_construction,
                             "hnsw_ef_search": settings.hnsw_ef_search, "hnsw_dist_method": "vector_cosine_ops"},
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
        from sqlalchemy import text

        if self._count is None:
            with self._engine.connect() as conn:
                self._count = int(conn.execute(text(f"SELECT count(*) FROM {self._data_table}")).scalar_one())
        return self._count

    def close(self) -> None:
        self._engine.dispose()

    def forget_counts(self) -> None:
        """Another process may have written: count rows again when next asked."""
        self._count = None
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
        self._count = None
        return ids

    def _copy(self, nodes: list[BaseNode]) -> None:
        """The rows `PGVectorStore.add` writes (same columns and metadata), by COPY instead of ORM inserts."""
        import csv
        import io
        import json

        from llama_index.core.schema import MetadataMode
        from llama_index.core.vector_stores.utils import node_to_metadata_dict

        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)  # an unquoted empty field would be NULL
        for node in nodes:
            metadata = node_to_metadata_dict(node, remove_text=True, flat_metadata=self._pg.flat_metadata)
            writer.writerow([node.get_content(metadata_mode=MetadataMode.NONE), json.dumps(metadata), node.node_id,
                             _vector_literal(node.get_embedding())])
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
        self._count = None

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
                f"SELECT node_id, 1 - (embedding <=> CAST(:q AS vector)) AS cosine FROM {self._data_table} "
                "ORDER BY embedding <=> CAST(:q AS vector) LIMIT :k"
            ), {"q": _vector_literal(vector), "k": int(k)}).all()
        return [(nid, float(c)) for nid, c in rows]

    def similarities(self, node_ids: list[str], vector: np.ndarray) -> np.ndarray:
        """Cosine of each chunk to `vector`, computed in the database (0 for a row not there)."""
        from sqlalchemy import text

        if not node_ids:
            return np.zeros(0, dtype="float32")
        with self._engine.connect() as conn:
            rows = dict(conn.execute(text(
                f"SELECT node_id, 1 - (embedding <=> CAST(:q AS vector)) FROM {self._data_table} WHERE node_id = ANY(:ids)"
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
        """Rows are durable once written; the catalog's commit is what makes them count."""

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
        hnsw = (f"CREATE INDEX IF NOT EXISTS {data}_embedding_idx ON {data} USING hnsw (embedding vector_cosine_ops) "
                f"WITH (m = {int(s.hnsw_m)}, ef_construction = {int(s.hnsw_ef_construction)})")
        terms = [(f"{t.table}_terms", "keyword index", t.create_index) for t in (self._chunk_terms, self._doc_terms)]
        return [(f"{data}_embedding_idx", "vector index (HNSW)", hnsw), *terms]

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

    def sweep_orphans(self, chunk_ids: set[str], doc_ids: set[str]) -> int:
        """Delete chunk and document rows whose ids are not in these sets; how many rows went."""
        from sqlalchemy import text

        with self._engine.connect() as conn:
            stored = set(conn.execute(text(f"SELECT node_id FROM {self._data_table}")).scalars())
            terms = set(conn.execute(text(f"SELECT id FROM {self._chunk_terms.table}")).scalars())
            docs = set(conn.execute(text(f"SELECT id FROM {self._doc_terms.table}")).scalars())
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
