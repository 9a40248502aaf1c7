"""The persisted corpus: documents, their chunks, vectors and BM25, kept in step.

`CorpusIndex` is what the CLI and the UI hold. Its surface is small:
`open`, `ingest`, `delete`, `search`, `document`, `documents`, `stats`.
Ingest is incremental (a content hash per document: new documents are added,
changed ones re-indexed, unchanged ones skipped) and checkpointed; every save
goes through `index.persistence`, so the index on disk is never half-written.

Chunks, vectors and keyword postings live in one of two stores (`settings.store`):
FAISS and bm25s files inside the index folder, or PostgreSQL + pgvector
(`index.pg_store`). With PostgreSQL the folder keeps the document registry and
the manifest, which names the tables; rows the registry does not vouch for (an
ingest that crashed before its save) are never shown and are replaced when the
document is ingested again.
"""

from __future__ import annotations

import collections
import hashlib
import json
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from llama_index.core import Document
from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.schema import TextNode

from errors import EmbeddingMismatchError, IndexDamagedError, IndexNotFoundError, UserError
from index.bm25 import BM25Index
from index.embed_cache import EmbeddingCache
from index.embedding import describe, embed_texts, embedding_identity, load_embedding_model, model_name
from index.faiss_store import FaissChunkStore
from index.persistence import check_generation, current_generation, generation_stamp, save_generation, writer_lock
from index.pg_store import PgChunkStore, PgKeywordIndex, check_database, database_url, new_table_name
from index.rerank import Candidate, CrossEncoderReranker, SentenceReranker
from index.retrieval import Hit, HybridRetriever
from ingest.chunking import chunk_document, embedding_text
from ingest.loaders import LoadResult, ReadLimits, load_paths
from settings import Settings
from text.tokens import tokenize

DOCUMENTS_FILE = "documents.jsonl"
MANIFEST_FILE = "manifest.json"
FORMAT_VERSION = 2  # bump when the files of a generation change meaning
SAVE_STEPS = 4  # vector index, chunk keywords, document keywords, files
SENTENCE_MEMO = 50_000  # sentence vectors kept in memory for the rerank (~75 MB)
MIN_CHUNKS_FOR_TOPIC_WORDS = 50  # below this a term common to many chunks is one paper's word, not the topic

# progress(phase, done, total): total is None while unknown.
ProgressFn = Callable[[str, int, "int | None"], None]


def _no_progress(phase: str, done: int, total: int | None) -> None:
    pass


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
class IngestOutcome:
    status: str  # added | updated | skipped | failed
    source: str
    doc_id: str = ""
    reason: str = ""
    kept: float | None = None  # share of the file's text that survived cleaning

    @property
    def kept_text(self) -> str:
        return "" if self.kept is None else f"kept {self.kept:.0%} of the text"


@dataclass
class IngestReport:
    outcomes: list[IngestOutcome] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_reused: int = 0  # vectors not recomputed: unchanged chunks of updated documents, or the embedding cache
    seconds: float = 0.0
    embedder: str = ""  # which backend and precision embedded them ("openvino int8")

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("added", "updated", "skipped", "failed")]
        reused = f" ({self.chunks_reused} vectors reused)" if self.chunks_reused else ""
        by = f" with {self.embedder}" if self.embedder and self.chunks_embedded else ""
        return f"{', '.join(parts)}; {self.chunks_embedded} chunks embedded{by}{reused} in {self.seconds:.1f}s"


def content_hash(doc: Document) -> str:
    payload = json.dumps([doc.text, doc.metadata.get("title", "")], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


class CorpusIndex:
    def __init__(self, folder: Path, settings: Settings) -> None:
        self.folder = Path(folder)
        self.settings = settings
        self._documents: dict[str, DocumentRecord] = {}
        self._store: FaissChunkStore | PgChunkStore | None = None
        self._backend = settings.store  # an existing index keeps the store it was built with (see _load)
        self._table = ""  # PostgreSQL tables of this index, once it has any
        self._embed_cache: EmbeddingCache | None = None
        # Keyword search (bm25s files; with PostgreSQL, the store's postings tables, see _new_store/_load):
        self._bm25: BM25Index | PgKeywordIndex = BM25Index()  # over chunks: chunk search, answer term weights
        self._doc_bm25: BM25Index | PgKeywordIndex = BM25Index()  # over whole documents (title + text)
        self._stamp = ""
        self._built_with: tuple[str | None, int | None] = (None, None)  # (embedding model, dimension) of the vectors
        self._lock = threading.RLock()  # one writer per process; readers see whole states
        self._sentence_memo: collections.OrderedDict[str, np.ndarray] = collections.OrderedDict()
        self._sentence_lock = threading.Lock()

    # --- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, folder: Path, settings: Settings, *, must_exist: bool = False) -> CorpusIndex:
        """Load the live generation in `folder`, or an empty index if there is none yet."""
        index = cls(folder, settings)
        if current_generation(index.folder) is None:
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
        gen = current_generation(self.folder)
        if gen is None:
            return
        rebuild = (f"delete that folder and ingest your papers again (`python app.py ingest PATH... --index "
                   f"{self.folder}`; `python app.py` rebuilds the sample index by itself)")
        check_generation(gen, rebuild)
        try:
            self._load_generation(gen, rebuild)
        except UserError:
            raise
        except Exception as exc:  # noqa: BLE001 (whatever a damaged file makes json, faiss or bm25s raise)
            raise IndexDamagedError(f"the index in {self.folder} is damaged ({type(exc).__name__}: {exc}); {rebuild}") from exc

    def _load_generation(self, gen: Path, rebuild: str) -> None:
        manifest = json.loads((gen / MANIFEST_FILE).read_text())
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexDamagedError(f"the index in {self.folder} was written by another version of biocite; {rebuild}")
        documents = {}
        with open(gen / DOCUMENTS_FILE, encoding="utf-8") as f:
            for line in f:
                rec = DocumentRecord(**json.loads(line))
                documents[rec.doc_id] = rec
        backend = manifest.get("store", "faiss")
        if backend != self.settings.store:
            raise UserError(
                f"the index in {self.folder} keeps its chunks in {backend}, but settings ask for store = "
                f"{self.settings.store}; use another --index folder, or set BIOCITE_STORE={backend}"
            )
        if backend == "pgvector":
            table = manifest["table"]
            store = self._store if isinstance(self._store, PgChunkStore) and self._table == table else None
            store = store or PgChunkStore(database_url(self.settings), table, manifest["embedding_dim"],
                                          self.settings.pgvector, must_exist=True)
            store.forget_counts()  # another process may have written
            bm25, doc_bm25 = store.chunk_terms, store.doc_terms
        else:
            table = ""
            store = FaissChunkStore.from_persist_dir(gen) if manifest["chunks"] else None
            if store is not None:  # nprobe is a setting, not part of the file
                cfg = self.settings.retrieval
                store.use_index_kind(cfg.vector_index, cfg.ivf_threshold, cfg.ivf_nprobe)
            bm25, doc_bm25 = BM25Index.load(gen / "bm25_chunks"), BM25Index.load(gen / "bm25_documents")
        with self._lock:
            self._documents, self._store, self._stamp, self._table = documents, store, gen.name, table
            self._bm25, self._doc_bm25 = bm25, doc_bm25
            self._built_with = (manifest.get("embedding_model"), manifest.get("embedding_dim"))

    def refresh(self) -> bool:
        """Reload if another process saved a newer generation; True when it did."""
        if generation_stamp(self.folder) != self._stamp:
            with self._lock:
                if generation_stamp(self.folder) != self._stamp:
                    self._load()
                    return True
        return False

    @property
    def embed_model(self) -> BaseEmbedding:
        """The settings' embedding model, refused with a clear message if this index's vectors came from another."""
        model = load_embedding_model(self.settings.embedding, self.settings.paths.model_cache)
        built_name, built_dim = self._built_with
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
        return len(self._documents)

    def stats(self) -> dict[str, int]:
        return {"documents": len(self._documents), "chunks": sum(len(d.chunk_ids) for d in self._documents.values())}

    def documents(self) -> list[DocumentRecord]:
        return sorted(self._documents.values(), key=lambda d: d.added, reverse=True)

    def document(self, doc_id: str) -> DocumentRecord | None:
        return self._documents.get(doc_id)

    def chunks(self, chunk_ids: list[str]) -> list[TextNode]:
        """The stored chunks among these ids, in the given order (one store round trip)."""
        nodes = self._store.get_nodes(list(chunk_ids)) if self._store is not None and chunk_ids else []
        return [n for n in nodes if self._vouched(n)]

    # --- writing ---------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], progress: ProgressFn = _no_progress) -> IngestReport:
        """Add new, re-index changed, skip unchanged documents; never raises for a bad file."""
        started = time.perf_counter()
        report = IngestReport()
        with writer_lock(self.folder), self._lock:
            self.refresh()
            pending = self._read(paths, report, progress)
            total_chunks = sum(len(chunks) for _, chunks, _ in pending)
            done = since_save = 0
            batch: list[tuple[Document, list[TextNode], IngestOutcome]] = []
            batch_chunks = 0
            progress("Embedding", 0, total_chunks)
            chunks_before = self.stats()["chunks"]
            for i, item in enumerate(pending):
                pending[i] = None  # the store keeps its own copies: processed chunks can go (1M chunks = GBs)
                last = i == len(pending) - 1
                batch.append(item)
                batch_chunks += len(item[1])
                if batch_chunks >= self.settings.ingest.embed_batch or last:
                    n, reused = self._embed_and_apply(batch)
                    done += n
                    since_save += n
                    report.chunks_embedded += n - reused
                    report.chunks_reused += reused
                    report.embedder = report.embedder or (describe(self.embed_model) if n > reused else "")
                    progress("Embedding", done, total_chunks)
                    batch, batch_chunks = [], 0
                    if since_save >= self._checkpoint_every(chunks_before + done) and not last:
                        self._save(progress)
                        since_save = 0
            if pending or not current_generation(self.folder):
                self._save(progress)
        report.seconds = time.perf_counter() - started
        return report

    def _checkpoint_every(self, chunks_in_index: int) -> int:
        """`ingest.checkpoint_chunks`, or a quarter of the index once that is larger.

        A save rewrites the whole index (vectors, both BM25 indexes, registry), so
        saving every fixed N chunks makes a large ingest quadratic; growing the
        interval with the index keeps all saves together within a few full saves.
        """
        return max(self.settings.ingest.checkpoint_chunks, chunks_in_index // 4)

    def _read(self, paths: Iterable[str | Path], report: IngestReport, progress: ProgressFn):
        """Load and chunk everything first (cheap), so embedding progress has a known total."""
        pending: list[tuple[Document, list[TextNode], IngestOutcome]] = []
        seen: dict[str, int] = {}
        cfg = self.settings.ingest
        results = load_paths(list(paths), ReadLimits(
            cfg.max_file_mb, cfg.max_document_chars, cfg.max_parse_seconds, cfg.max_parse_memory_mb,
        ))
        for i, result in enumerate(results, 1):
            if i % 50 == 0:
                progress("Reading", i, None)
            outcome = self._classify(result)
            report.outcomes.append(outcome)
            if outcome.status in ("added", "updated"):
                doc = result.document
                if doc.doc_id in seen:  # the same id twice in one batch: the later one wins
                    earlier = pending[seen[doc.doc_id]][2]
                    earlier.status, earlier.reason = "skipped", f"superseded by {outcome.source} (same id)"
                    pending[seen[doc.doc_id]] = None
                seen[doc.doc_id] = len(pending)
                chunks = chunk_document(doc, cfg.chunk_words, cfg.chunk_overlap_sentences)
                pending.append((doc, chunks, outcome))
        return [p for p in pending if p is not None]

    def _classify(self, result: LoadResult) -> IngestOutcome:
        if result.error:
            return IngestOutcome("failed", result.source, reason=result.error)
        if result.skipped:
            return IngestOutcome("skipped", result.source, reason=result.skipped)
        doc = result.document
        note = "; ".join(result.notes)
        self._make_id_unique(doc)
        existing = self._documents.get(doc.doc_id)
        if existing is None:
            return IngestOutcome("added", result.source, doc.doc_id, note, result.kept)
        if existing.content_hash == content_hash(doc):
            return IngestOutcome("skipped", result.source, doc.doc_id, "unchanged", result.kept)
        return IngestOutcome("updated", result.source, doc.doc_id, note or "content changed", result.kept)

    def _make_id_unique(self, doc: Document) -> None:
        """Two different files called notes.txt must not overwrite each other; JSONL ids are authoritative."""
        existing = self._documents.get(doc.doc_id)
        path = str(doc.metadata.get("path") or doc.metadata.get("source", ""))
        before = str(existing.metadata.get("path") or existing.source) if existing else ""
        if existing and doc.metadata.get("format") != "jsonl" and before.split("#")[0] != path.split("#")[0]:
            suffix = hashlib.sha1(path.split("#")[0].encode()).hexdigest()[:8]
            doc.id_ = f"{doc.doc_id}-{suffix}"
            doc.metadata["doc_id"] = doc.id_

    def _known_vectors(self, batch: list[tuple[Document, list[TextNode], IngestOutcome]]) -> dict[str, np.ndarray]:
        """Stored vectors of the chunks of documents being updated, by embedded text: an edit re-embeds only what changed."""
        old_ids = [cid for doc, _, _ in batch if doc.doc_id in self._documents for cid in self._documents[doc.doc_id].chunk_ids]
        if self._store is None or not old_ids:
            return {}
        old_nodes = self._store.get_nodes(old_ids)
        return dict(zip((embedding_text(n) for n in old_nodes), self._store.vectors([n.node_id for n in old_nodes])))

    @property
    def embed_cache(self) -> EmbeddingCache | None:
        path = self.settings.paths.embed_cache
        if not path:
            return None
        if self._embed_cache is None or self._embed_cache.path != Path(path):
            self._embed_cache = EmbeddingCache(Path(path), embedding_identity(self.embed_model))
        return self._embed_cache

    def _embed_and_apply(self, batch: list[tuple[Document, list[TextNode], IngestOutcome]]) -> tuple[int, int]:
        """Embed and store a batch of documents; (chunks stored, of which not embedded: old version or cache)."""
        nodes = [n for _, chunks, _ in batch for n in chunks]
        texts = [embedding_text(n) for n in nodes]
        known = self._known_vectors(batch)
        cache = self.embed_cache
        if cache is not None and nodes:
            known.update(cache.get_many([t for t in texts if t not in known]))
        fresh = [i for i, t in enumerate(texts) if t not in known]
        if nodes:
            vectors = embed_texts(self.embed_model, [texts[i] for i in fresh]) if fresh else None
            for i, vec in zip(fresh, vectors if vectors is not None else []):
                nodes[i].embedding = vec.tolist()
            if cache is not None and fresh:
                cache.put_many([texts[i] for i in fresh], vectors)
            for i, text in enumerate(texts):
                if text in known:
                    nodes[i].embedding = known[text].tolist()
            if self._store is None:
                self._store = self._new_store(dim=len(nodes[0].embedding))
            if self._built_with[0] is None:
                self._built_with = (model_name(self.embed_model), self._store.dim)
        if self._store is None:
            return 0, 0
        # The registry knows the old chunks of updated documents: no scan of the store.
        self._store.delete_nodes([c for doc, _, _ in batch if doc.doc_id in self._documents
                                  for c in self._documents[doc.doc_id].chunk_ids])
        self._store.add(nodes)
        for node in nodes:  # the vector now lives in the store; 384 Python floats per chunk would pile up
            node.embedding = None
        if isinstance(self._store, PgChunkStore):  # postings are kept row by row (FAISS: rebuilt on save)
            self._store.doc_terms.add([doc.doc_id for doc, _, _ in batch], [f"{doc.metadata.get('title', '')}\n{doc.text}"
                                                                           for doc, _, _ in batch])
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        for doc, chunks, _ in batch:
            meta = {k: v for k, v in doc.metadata.items() if k not in ("doc_id", "title", "source")}
            self._documents[doc.doc_id] = DocumentRecord(
                doc.doc_id, str(doc.metadata.get("title", "")), str(doc.metadata.get("source", "")), doc.text,
                content_hash(doc), stamp, [c.node_id for c in chunks], meta,
            )
        return len(nodes), len(nodes) - len(fresh)

    def delete(self, doc_id: str) -> bool:
        """Remove a document and its chunks; False when no such document exists."""
        with writer_lock(self.folder), self._lock:
            self.refresh()
            if doc_id not in self._documents:
                return False
            record = self._documents.pop(doc_id)
            if isinstance(self._store, PgChunkStore):
                self._save()  # the registry forgets the document first: a crash then leaves only unseen rows
                self._store.delete_nodes(record.chunk_ids)
                self._store.doc_terms.delete([doc_id])
            else:  # FAISS files are part of the saved generation
                if self._store is not None:
                    self._store.delete_nodes(record.chunk_ids)
                self._save()
            return True

    def _new_store(self, dim: int) -> FaissChunkStore | PgChunkStore:
        """The first chunk decides the vector size; PostgreSQL then also holds the keyword postings."""
        if self._backend == "pgvector":
            self._table = new_table_name()
            store = PgChunkStore(database_url(self.settings), self._table, dim, self.settings.pgvector)
            self._bm25, self._doc_bm25 = store.chunk_terms, store.doc_terms
            return store
        return FaissChunkStore(dim=dim)

    def _save(self, progress: ProgressFn = _no_progress) -> None:
        """Write a new generation: 4 steps, reported as the "Saving" phase (a minute at 1M chunks)."""
        faiss = not isinstance(self._store, PgChunkStore)
        progress("Saving", 0, SAVE_STEPS)
        if faiss:
            cfg = self.settings.retrieval
            if self._store is not None:
                self._store.use_index_kind(cfg.vector_index, cfg.ivf_threshold, cfg.ivf_nprobe)
            progress("Saving", 1, SAVE_STEPS)
            nodes = self._store.get_nodes() if self._store else []
            self._bm25.index([n.node_id for n in nodes], [embedding_text(n) for n in nodes])
            progress("Saving", 2, SAVE_STEPS)
            docs = list(self._documents.values())
            self._doc_bm25.index([d.doc_id for d in docs], [f"{d.title}\n{d.text}" for d in docs])
        progress("Saving", 3, SAVE_STEPS)

        def write(tmp: Path) -> None:
            if faiss:
                if self._store is not None and len(self._store):
                    self._store.persist(str(tmp))
                self._bm25.save(tmp / "bm25_chunks")
                self._doc_bm25.save(tmp / "bm25_documents")
            with open(tmp / DOCUMENTS_FILE, "w", encoding="utf-8") as f:
                for rec in self._documents.values():
                    f.write(json.dumps(asdict(rec), ensure_ascii=False) + "\n")
            manifest = {
                "format": FORMAT_VERSION,
                "store": self._backend,
                "table": self._table,
                "documents": len(self._documents),
                "chunks": self.stats()["chunks"],
                "embedding_dim": self._store.dim if self._store else None,
                "embedding_model": self._built_with[0],
                "chunk_words": self.settings.ingest.chunk_words,
            }
            (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2))

        self._stamp = save_generation(self.folder, write).name
        progress("Saving", SAVE_STEPS, SAVE_STEPS)

    # --- retrieval -------------------------------------------------------------------------
    def retriever(self) -> HybridRetriever:
        cfg = self.settings.retrieval
        reranker = SentenceReranker(self.sentence_vectors, self._doc_bm25.idf, cfg.rerank_depth, cfg.sentence_weight,
                                    cfg.coverage_weight)
        cross_encoder = CrossEncoderReranker(cfg.reranker, cfg.reranker_depth) if cfg.reranker != "none" else None
        with self._lock:
            return HybridRetriever(
                self._store, self._bm25, self._doc_bm25, self._chunk_ids_of, lambda: self.embed_model,
                cfg, self._vouched, reranker, self._document_candidates, cross_encoder,
            )

    def _document_candidates(self, doc_ids: list[str]) -> dict[str, Candidate]:
        return {d: Candidate(rec.title, rec.text) for d in doc_ids if (rec := self._documents.get(d))}

    def sentence_vectors(self, texts: list[str]) -> np.ndarray:
        """Vectors of the rerank's sentence texts: from this process's memory, the embedding cache, or the model.

        The rerank embeds the sentences of its candidates when a query first needs them (SciFact, cold: 204 ms
        per claim against 37 ms warm); ingest is unchanged. A hit in memory or in the cache costs no model call.
        """
        with self._sentence_lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._sentence_memo]
        found: dict[str, np.ndarray] = {}
        if missing:
            cache = self.embed_cache
            found = cache.get_many(missing) if cache is not None else {}
            fresh = [t for t in missing if t not in found]
            if fresh:
                vectors = embed_texts(self.embed_model, fresh)
                if cache is not None:
                    cache.put_many(fresh, vectors)
                found.update(zip(fresh, vectors))
        with self._sentence_lock:
            memo = self._sentence_memo
            for t in texts:
                if t in memo:
                    memo.move_to_end(t)
            memo.update(found)
            out = np.stack([memo[t] if t in memo else found[t] for t in texts])
            while len(memo) > SENTENCE_MEMO:
                memo.popitem(last=False)
        return out

    def _chunk_ids_of(self, doc_id: str) -> list[str]:
        record = self._documents.get(doc_id)
        return record.chunk_ids if record else []

    def search(self, query: str, k: int | None = None, mode: str | None = None) -> list[Hit]:
        """Ranked chunks for `query` (dense, BM25, or both fused; see `index.retrieval`)."""
        self.refresh()
        return self.retriever().search(query, k or self.settings.retrieval.top_k, mode or self.settings.retrieval.mode)

    def search_documents(self, query: str, k: int = 100, mode: str | None = None) -> list[tuple[str, float]]:
        """Ranked document ids: what retrieval evals score."""
        self.refresh()
        return self.retriever().search_documents(query, k, mode or self.settings.retrieval.mode)

    def _vouched(self, node: TextNode) -> bool:
        """A chunk of a registered document whose text is that document's text at the chunk's offsets.

        Always true for FAISS (its files are saved with the registry). With PostgreSQL,
        rows written by an ingest that crashed before saving fail it, so a citation
        can never point at text the registry does not hold.
        """
        record = self._documents.get(str(node.metadata.get("doc_id", node.ref_doc_id)))
        return (record is not None and node.start_char_idx is not None
                and record.text[node.start_char_idx:node.end_char_idx] == node.text)

    def term_weights(self, tokens: list[str]) -> dict[str, float]:
        """IDF of BM25 tokens over this corpus's chunks: how much a query term says."""
        return self._bm25.idf(sorted(set(tokens)))

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




__all__ = ["CorpusIndex", "DocumentRecord", "Hit", "IngestReport"]
