"""The persisted corpus: documents, their chunks, vectors and BM25, kept in step; what the CLI and the UI hold.

Its surface is small: `open`, `delete`, `search`, `document`, `documents`,
`stats`, and for `ingest.pipeline.ingest` (which adds papers: ingest calls the index, never the reverse)
`writing`, `apply` and `commit`. The documents and chunk offsets live in the catalog
(`index.catalog`: SQLite in the folder, or PostgreSQL with the pgvector store); vectors and keyword postings in a chunk store
(`index.store.ChunkStore`): FAISS segments in the index folder
(`index.faiss_store`) or PostgreSQL + pgvector (`index.pg_store`,
`settings.store`). Nothing is held per chunk in memory: a search returns ids,
and only the hits become nodes. Reading files and chunking them is
`ingest.pipeline`'s job; it hands batches to `apply` and calls `commit`, one
catalog transaction that makes a checkpoint visible whole or not at all.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import math
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.schema import TextNode

from errors import (
    EmbeddingMismatchError,
    IndexDamagedError,
    IndexNotFoundError,
    IndexWriteError,
    OldIndexFormatError,
    UserError,
)
from index import kernels
from index.catalog import FORMAT_VERSION, Catalog, ChunkSpan, DocumentRecord, catalog_errors, open_catalog
from index.embed_cache import EmbeddingCache
from index.embedding import embed_texts, embedding_identity, load_embedding_model, model_name
from index.faiss_store import FaissChunkStore, SegmentDamagedError
from index.persistence import writer_lock
from index.pg_store import LAYOUT as PG_LAYOUT
from index.pg_store import PgChunkStore, check_database, database_url, new_table_name
from index.rerank import Candidate, CrossEncoderReranker, SentenceReranker
from index.retrieval import Hit, HybridRetriever
from index.store import ChunkStore, IndexVectorStore
from settings import Settings
from text.tokens import tokenize

SENTENCE_MEMO = 50_000  # sentence vectors kept in memory for the rerank (~75 MB)
RECORD_MEMO = 64  # document records kept until the next commit (`CorpusIndex.document`)
MIN_CHUNKS_FOR_TOPIC_WORDS = 50  # below this a term common to many chunks is one paper's word, not the topic
OLD_LAYOUT_POINTER = "CURRENT"  # format 2 kept generation folders named by this file


def _no_progress(phase: str, done: int, total: int | None) -> None:
    pass


class CorpusIndex:
    def __init__(self, folder: Path, settings: Settings) -> None:
        self.folder = Path(folder)
        self.settings = settings
        self._catalog: Catalog | None = None
        self._store: ChunkStore | None = None
        self._stamp = -1
        self._embed_cache: EmbeddingCache | None = None
        self._pending: dict[str, tuple[DocumentRecord, list[ChunkSpan]]] = {}  # applied, not yet committed
        self._lock = threading.RLock()  # one writer per process; readers see whole commits
        self._sentence_memo: collections.OrderedDict[str, np.ndarray] = collections.OrderedDict()
        # the records an answer reads (about eight papers, each asked for many times), valid until the next commit
        # is seen: with the catalog in PostgreSQL each read was a round trip that brought a paper's whole text
        self._records: collections.OrderedDict[str, DocumentRecord | None] = collections.OrderedDict()
        self._records_lock = threading.Lock()
        self._sentence_lock = threading.Lock()

    @property
    def _rebuild(self) -> str:
        return (f"delete that folder and ingest your papers again (`python app.py ingest PATH... --index "
                f"{self.folder}`; `python app.py` rebuilds the sample index by itself)")

    # --- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, folder: Path, settings: Settings, *, must_exist: bool = False) -> CorpusIndex:
        """Open the index in `folder` at its last commit, or an empty index if there is none yet."""
        index = cls(folder, settings)
        if (index.folder / OLD_LAYOUT_POINTER).exists() and not Catalog.exists(index.folder):
            raise OldIndexFormatError(
                f"the index in {index.folder} was written by an older version of biocite (format 2, generation "
                f"folders), which this version does not read; {index._rebuild}")
        if not Catalog.exists(index.folder):
            if settings.store == "pgvector":  # a missing URL or server fails now, not after reading every file
                check_database(database_url(settings))
            if must_exist:
                raise IndexNotFoundError(
                    f"no index in {index.folder}; build one with `python app.py ingest PATH --index {index.folder}`"
                )
            return index
        index._load()
        return index

    def _load(self) -> None:
        try:
            if self._catalog is None:
                self._catalog = self._open_catalog()
            with self._lock:
                self._load_store()
        except UserError:
            raise
        except SegmentDamagedError as exc:
            raise IndexDamagedError(f"the index in {self.folder} is damaged ({exc}); {self._rebuild}") from exc
        except Exception as exc:  # noqa: BLE001 (whatever a damaged file makes sqlite, numpy or faiss raise)
            raise IndexDamagedError(f"the index in {self.folder} is damaged ({type(exc).__name__}: {exc}); "
                                    f"{self._rebuild}") from exc

    def _open_catalog(self) -> Catalog:
        return open_catalog(self.folder, self.settings.store, lambda: database_url(self.settings))

    def _load_store(self) -> None:
        catalog = self._catalog
        meta = catalog.meta()
        if "format" not in meta:
            return  # created, nothing committed yet
        if meta.get("format") != FORMAT_VERSION:
            raise IndexDamagedError(f"the index in {self.folder} was written by another version of biocite; "
                                    f"{self._rebuild}")
        backend = meta.get("store", "faiss")
        if backend != self.settings.store:
            raise UserError(
                f"the index in {self.folder} keeps its chunks in {backend}, but settings ask for store = "
                f"{self.settings.store}; use another --index folder, or set BIOCITE_STORE={backend}"
            )
        if backend == "pgvector" and meta.get("pg_layout", 1) != PG_LAYOUT:
            raise OldIndexFormatError(
                f"the index in {self.folder} keeps its PostgreSQL tables in an older layout (layout "
                f"{meta.get('pg_layout', 1)}; this version reads layout {PG_LAYOUT}); {self._rebuild}, "
                "with BIOCITE_STORE=pgvector")
        if self._store is None:
            self._store = self._make_store(meta)
        self._store.reload(catalog)
        self._seen_commit(catalog.stamp())

    def _make_store(self, meta: dict[str, object]) -> ChunkStore:
        """The store the catalog names; a new index takes the settings' (PostgreSQL: fresh tables)."""
        backend = meta.get("store", self.settings.store)
        dim = meta.get("embedding_dim")
        if backend == "pgvector":
            table = str(meta.get("table") or new_table_name())
            return PgChunkStore(database_url(self.settings), table, int(dim or 0), self.settings.pgvector,
                                must_exist=bool(meta.get("table")))
        return FaissChunkStore(self.folder, self._catalog, self.settings.retrieval, int(dim) if dim else None)

    def refresh(self) -> bool:
        """See another process's newer commit; True when there was one."""
        if self._catalog is None:
            if not Catalog.exists(self.folder):
                return False
            self._load()
            return True
        if self._catalog.stamp() != self._stamp:
            with self._lock:
                if self._catalog.stamp() != self._stamp:
                    self._load()
                    return True
        return False

    @property
    def embed_model(self) -> BaseEmbedding:
        """The settings' embedding model, refused with a clear message if this index's vectors came from another."""
        model = load_embedding_model(self.settings.embedding, self.settings.paths.model_cache)
        meta = self._catalog.meta() if self._catalog is not None else {}
        built_name, built_dim = meta.get("embedding_model"), meta.get("embedding_dim")
        name, dim = model_name(model), getattr(model, "dimension", None)
        if (built_name and built_name != name) or (built_dim and dim and built_dim != dim):
            raise EmbeddingMismatchError(
                f"the index in {self.folder} was built with the embedding model {built_name or '?'} ({built_dim} "
                f"dimensions), but settings load {name} ({dim} dimensions): its vectors cannot be compared. Set "
                f"embedding.model_path back to that model, or build a new index with this one (`python app.py ingest "
                f"PATH... --index NEW_FOLDER`)"
            )
        return model

    # --- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.stats()["documents"]

    def stats(self) -> dict[str, int]:
        return self._catalog.stats() if self._catalog is not None else {"documents": 0, "chunks": 0}

    def documents(self) -> list[DocumentRecord]:
        return self._catalog.documents() if self._catalog is not None else []

    def document(self, doc_id: str) -> DocumentRecord | None:
        if self._catalog is None:
            return None
        with self._records_lock:
            if doc_id in self._records:
                self._records.move_to_end(doc_id)
                return self._records[doc_id]
            stamp = self._stamp
        record = self._catalog.document(doc_id)
        with self._records_lock:
            if stamp == self._stamp:  # no commit seen meanwhile
                self._records[doc_id] = record
                while len(self._records) > RECORD_MEMO:
                    self._records.popitem(last=False)
        return record

    def _seen_commit(self, stamp: int) -> None:
        """This process now reads commit `stamp`: records read before it may be stale."""
        with self._records_lock:
            self._stamp = stamp
            self._records.clear()

    def identities(self) -> list[tuple[str, str, dict[str, object]]]:
        """(doc id, title, metadata) of every document: how ingest finds a paper it already holds (`ingest.identity`)."""
        return self._catalog.identities() if self._catalog is not None else []

    def content_hash(self, doc_id: str) -> str | None:
        return self._catalog.content_hash(doc_id) if self._catalog is not None else None

    def chunk_ids_of(self, doc_id: str) -> list[str]:
        n = self._catalog.chunk_count(doc_id) if self._catalog is not None else 0
        return [f"{doc_id}#{i}" for i in range(n)]

    def chunk_ids_by_document(self, doc_ids: list[str]) -> dict[str, list[str]]:
        """`chunk_ids_of` for many documents at once; a document the index does not hold maps to []."""
        counts = self._catalog.chunk_counts(list(dict.fromkeys(doc_ids))) if self._catalog is not None else {}
        return {d: [f"{d}#{i}" for i in range(counts.get(d, 0))] for d in doc_ids}

    def chunks(self, chunk_ids: list[str]) -> list[TextNode]:
        """The stored chunks among these ids, in the given order."""
        return self._catalog.nodes(list(chunk_ids)) if self._catalog is not None and chunk_ids else []

    def vector_store(self) -> IndexVectorStore:
        """This index as a llama-index vector store (read-only; nodes built for hits only)."""
        if self._store is None:
            raise IndexNotFoundError(f"no index in {self.folder}; build one with `python app.py ingest PATH`")
        return IndexVectorStore(self._store, self._catalog)

    def store_vectors(self, chunk_ids: list[str]) -> np.ndarray:
        return self._store.vectors(chunk_ids)

    # --- writing (`ingest.pipeline` drives these) -------------------------------------------
    @contextlib.contextmanager
    def writing(self, progress=_no_progress) -> Iterator[None]:
        """Exclusive write access (this process and every other), at the last commit, with leftovers swept."""
        with writer_lock(self.folder), self._lock:
            self.refresh()
            if self._catalog is None:
                self._catalog = self._open_catalog()
            with self._catalog.exclusive():  # PostgreSQL: writers on other machines too
                self.refresh()
                if self._store is not None:
                    self._store.maintain(self._catalog, after_crash=bool(self._catalog.meta().get("writing")))
                self._catalog.set_meta(writing=True)  # still set at the next writer's start: this one failed
                try:
                    yield
                except BaseException:
                    self._end_writing(progress, failed=True)
                    raise
                try:
                    self._end_writing(progress)
                finally:
                    self._catalog.set_meta(writing=False)  # what it wrote is committed: nothing to sweep

    def _end_writing(self, progress, failed: bool = False) -> None:
        """The store's deferred work (pgvector's index builds). After a failed write its own error would hide the
        one that matters, so it is dropped: the next opener builds what is missing."""
        self._pending.clear()
        if self._store is None:
            return
        try:
            self._store.end_writing(progress)
        except UserError:
            if not failed:
                raise

    def apply(self, records: list[tuple[DocumentRecord, list[ChunkSpan]]], nodes: list[TextNode]) -> None:
        """Stage documents and their embedded chunks; they become visible at `commit`."""
        for record, spans in records:
            self._pending[record.doc_id] = (record, spans)
        if self._store is None:
            if not nodes:
                return
            self._store = self._make_store({"store": self.settings.store, "embedding_dim": len(nodes[0].embedding)})
        old = [c for record, _ in records for c in self.chunk_ids_of(record.doc_id)]
        self._store.remove(old, [])
        self._store.put(nodes, [(r.doc_id, f"{r.title}\n{r.text}") for r, _ in records])

    def commit(self, progress=_no_progress, removed: list[str] = ()) -> None:
        """One catalog transaction: the staged documents, `removed` ones gone, the store's new rows; then merges."""
        progress("Saving", 0, 2)
        catalog = self._catalog
        try:
            with catalog.transaction():
                for doc_id in removed:
                    catalog.remove_document(doc_id)
                for record, spans in self._pending.values():
                    catalog.put_document(record, spans)
                meta = catalog.meta()
                catalog.set_meta(
                    format=FORMAT_VERSION, store=meta.get("store", self.settings.store),
                    table=getattr(self._store, "table", ""),
                    embedding_dim=self._store.dim if self._store is not None and self._store.dim else None,
                    embedding_model=meta.get("embedding_model") or (model_name(self.embed_model) if self._pending else None),
                    chunk_words=self.settings.ingest.chunk_words,
                    **({"pg_layout": PG_LAYOUT} if meta.get("store", self.settings.store) == "pgvector" else {}),
                )
                if self._store is not None:
                    self._store.commit(catalog)
        except (OSError, *catalog_errors()) as exc:
            raise _write_error(self.folder, exc) from None
        self._pending.clear()
        if self._store is not None:
            self._store.reload(catalog)
            progress("Saving", 1, 2)
            try:
                self._store.maintain(catalog)
            except (OSError, *catalog_errors()) as exc:
                raise _write_error(self.folder, exc) from None
        self._seen_commit(catalog.stamp())
        progress("Saving", 2, 2)

    def delete(self, doc_id: str) -> bool:
        """Remove a document and its chunks; False when no such document exists."""
        with self.writing():
            if self.content_hash(doc_id) is None:
                return False
            chunk_ids = self.chunk_ids_of(doc_id)
            self.commit(removed=[doc_id])  # the catalog forgets it first: a crash then leaves only unseen rows
            if self._store is not None:
                self._store.remove(chunk_ids, [doc_id])
            return True

    @property
    def embed_cache(self) -> EmbeddingCache | None:
        path = self.settings.paths.embed_cache
        if not path:
            return None
        identity = embedding_identity(self.embed_model)  # changes once: a stand-in reference, then the choice
        if self._embed_cache is None or self._embed_cache.path != Path(path) or self._embed_cache.model_id != identity:
            self._embed_cache = EmbeddingCache(Path(path), identity)
        return self._embed_cache

    # --- retrieval ---------------------------------------------------------------------------
    def retriever(self) -> HybridRetriever:
        cfg = self.settings.retrieval
        if self._store is not None and len(self._store) >= kernels.WORTH_IT_ROWS:
            kernels.warm()  # BM25's compiled loop, loaded in the background (numpy until then)
        reranker = SentenceReranker(self.sentence_vectors, self._document_idf, cfg.rerank_depth, cfg.sentence_weight,
                                    cfg.coverage_weight)
        cross_encoder = CrossEncoderReranker(cfg.reranker, cfg.reranker_depth) if cfg.reranker != "none" else None
        with self._lock:
            return HybridRetriever(self._store, self.chunks, self.chunk_ids_by_document, lambda: self.embed_model, cfg,
                                   reranker, self._document_candidates, cross_encoder)

    def _document_idf(self, tokens: list[str]) -> dict[str, float]:
        return self._store.doc_terms.idf(tokens) if self._store is not None else {t: 1.0 for t in tokens}

    def _document_candidates(self, doc_ids: list[str]) -> dict[str, Candidate]:
        return {d: Candidate(rec.title, rec.text) for d in doc_ids if (rec := self.document(d))}

    def known_sentence_vectors(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The vectors of those `texts` that need no model call (this process's memory or the embedding cache):
        what an answer with a bound on fresh embeddings gets for free. Cache hits are kept in memory."""
        with self._sentence_lock:
            found = {t: self._sentence_memo[t] for t in texts if t in self._sentence_memo}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        cache = self.embed_cache if missing else None
        if cache is not None:
            found.update(cache.get_many(missing))
        self._remember(found)
        return found

    def sentence_vectors(self, texts: list[str]) -> np.ndarray:
        """Vectors of the rerank's sentence texts: from this process's memory, the embedding cache, or the model.

        The rerank embeds the sentences of its candidates when a query first needs them (SciFact, cold: 204 ms
        per claim against 37 ms warm); ingest is unchanged. A hit in memory or in the cache costs no model call.
        """
        found = self.known_sentence_vectors(texts)
        fresh = [t for t in dict.fromkeys(texts) if t not in found]
        if fresh:
            vectors = embed_texts(self.embed_model, fresh)
            if self.embed_cache is not None:
                self.embed_cache.put_many(fresh, vectors)
            new = dict(zip(fresh, vectors))
            self._remember(new)
            found.update(new)
        return np.stack([found[t] for t in texts])

    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        """Keep these sentence vectors in memory, most recently used last, at most SENTENCE_MEMO of them."""
        with self._sentence_lock:
            memo = self._sentence_memo
            for t in vectors:
                if t in memo:
                    memo.move_to_end(t)
            memo.update(vectors)
            while len(memo) > SENTENCE_MEMO:
                memo.popitem(last=False)

    def search(self, query: str, k: int | None = None, mode: str | None = None, rerank: bool | None = None) -> list[Hit]:
        """Ranked chunks for `query` (dense, BM25, or both fused; see `index.retrieval`); `rerank` by best sentence
        (None: `retrieval.rerank_chunks`)."""
        self.refresh()
        rerank = self.settings.retrieval.rerank_chunks if rerank is None else rerank
        return self.retriever().search(query, k or self.settings.retrieval.top_k, mode or self.settings.retrieval.mode,
                                       rerank)

    def search_documents(self, query: str, k: int = 100, mode: str | None = None) -> list[tuple[str, float]]:
        """Ranked document ids: what retrieval evals score."""
        self.refresh()
        return self.retriever().search_documents(query, k, mode or self.settings.retrieval.mode)

    def term_weights(self, tokens: list[str]) -> dict[str, float]:
        """IDF of BM25 tokens over this corpus's chunks: how much a query term says."""
        tokens = sorted(set(tokens))
        return self._store.chunk_terms.idf(tokens) if self._store is not None else {t: 1.0 for t in tokens}

    def _max_idf(self) -> float:
        n = self.stats()["chunks"]
        return math.log(1 + (n + 0.5) / 0.5)

    def unmentioned(self, names: list[str]) -> list[str]:
        """The names no indexed chunk contains (their first token has document frequency 0)."""
        keys = {name: (tokenize(name) or [""])[0] for name in names}
        idf = self.term_weights([k for k in keys.values() if k])
        top = self._max_idf() - 1e-9
        return [name for name, key in keys.items() if key and idf.get(key, top + 1) >= top]

    def common_terms(self, tokens: list[str], share: float) -> set[str]:
        """The tokens found in more than `share` of all chunks (the corpus's topic words)."""
        n = self.stats()["chunks"]
        if n < MIN_CHUNKS_FOR_TOPIC_WORDS or not tokens:
            return set()  # a handful of chunks has no topic words, only a few papers' own words
        idf = self.term_weights(tokens)
        # Lucene idf = log(1 + (n - df + 0.5) / (df + 0.5)); df > share * n  <=>  idf below the idf at that df
        df = share * n
        limit = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return {t for t, w in idf.items() if w < limit}




def _write_error(folder: Path, exc: Exception) -> IndexWriteError:
    """Disk full, quota, permissions: the catalog rolled back, so the last commit is intact."""
    full = getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or "full" in str(exc)
    hint = "free some space and run the same command again" if full else \
        "check the folder's permissions and run the same command again"
    if isinstance(exc, ConnectionError) or type(exc).__module__.startswith("psycopg2"):  # the catalog is in PostgreSQL
        hint = "check that PostgreSQL is reachable and has space, and run the same command again"
    reason = getattr(exc, "strerror", None) or str(exc)
    return IndexWriteError(f"could not save the index in {folder}: {reason}; the previous version is intact; {hint}")


__all__ = ["FORMAT_VERSION", "CorpusIndex", "DocumentRecord", "Hit"]
